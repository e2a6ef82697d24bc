"""Money and share parsing (auditor.inputs.money)."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.inputs.money import format_money, parse_money, parse_share


@pytest.mark.parametrize("text, pounds", [
    ("£17.8m", 17_800_000.0),
    ("£46,700,000", 46_700_000.0),
    ("250k", 250_000.0),
    ("1.2bn", 1_200_000_000.0),
    ("£ 3.5 million", 3_500_000.0),
    ("2 thousand", 2_000.0),
    ("4mn", 4_000_000.0),
    ("1b", 1_000_000_000.0),
    ("1.5 billion", 1_500_000_000.0),
    ("-£2m", -2_000_000.0),
    ("−£2m", -2_000_000.0),   # the typographic minus that council papers use
    (".5m", 500_000.0),
    ("  58000  ", 58_000.0),
    ("£1,234.50", 1_234.5),
    (58000, 58_000.0),
    (1.5e6, 1_500_000.0),
])
def test_parse_money_accepts_written_forms(text, pounds):
    assert parse_money(text) == pounds


@pytest.mark.parametrize("bad, message", [
    ("£17.8bn?", r'must be a number or a string such as "£17\.8m"'),
    ("1,2,3", r"must be a number or a string"),     # misgrouped thousands
    ("12,34", r"must be a number or a string"),
    ("£", r"must be a number or a string"),
    ("", r"must be a number or a string"),
    ("17.8 quid", r"must be a number or a string"),
    (True, r"got True"),
    (None, r"got None"),
    ([1], r"got \[1\]"),
    (math.inf, r"must be a finite amount, got inf"),
    (math.nan, r"must be a finite amount, got nan"),
])
def test_parse_money_rejects(bad, message):
    with pytest.raises(ValueError, match=message):
        parse_money(bad)


@pytest.mark.parametrize("text, share", [
    ("2/3", 2 / 3), ("67%", 0.67), ("0.5", 0.5), (".25", 0.25), ("100%", 1.0), ("0/4", 0.0),
    (0, 0.0), (1, 1.0), (0.3, 0.3),
])
def test_parse_share_accepts(text, share):
    assert parse_share(text) == share


@pytest.mark.parametrize("bad, message", [
    ("3/0", r"the denominator is zero in '3/0'"),
    ("150%", r"must be a share between 0 and 1.*got '150%'"),
    ("4/3", r"got '4/3'"),
    (1.5, r"got 1\.5"),
    (-0.1, r"got -0\.1"),
    ("half", r"written 0\.67, \"67%\" or \"2/3\", got 'half'"),
    (False, r"got False"),
    (None, r"got None"),
    (math.nan, r"got nan"),
])
def test_parse_share_rejects(bad, message):
    with pytest.raises(ValueError, match=message):
        parse_share(bad)


@given(st.integers(min_value=0, max_value=10**12))
def test_grouped_and_plain_integers_agree(n):
    # "46,700,000" and "46700000" are the same amount.
    assert parse_money(f"£{n:,}") == parse_money(str(n)) == float(n)


@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False),
       st.sampled_from([("k", 1e3), ("m", 1e6), ("bn", 1e9)]))
def test_suffix_scales(amount, suffix):
    word, scale = suffix
    assert parse_money(f"{amount}{word}") == pytest.approx(float(amount) * scale, rel=1e-12)


@pytest.mark.parametrize("value, text", [
    (17_800_000, "£17.8m"), (46_700_000, "£46.7m"), (-1_250_000, "−£1.2m"),
    (58_000, "£58k"), (950, "£950"), (2_400_000_000, "£2.4bn"), (0, "£0"),
])
def test_format_money(value, text):
    assert format_money(value) == text


@given(st.floats(min_value=1e6, max_value=9.9e8))
def test_format_money_round_trips_to_one_decimal(x):
    # The report's "£17.8m" must read back within half a unit of its last digit.
    text = format_money(x)
    assert re.fullmatch(r"£\d+\.\dm", text)
    assert abs(parse_money(text) - x) <= 0.05e6 + 1e-6 * x
