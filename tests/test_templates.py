"""`auditor new`: commented starter scenarios that are refused until filled in, then validate and run."""

from __future__ import annotations

import pytest

import auditor
from auditor.cli import main
from auditor.inputs.templates import TEMPLATES, first_placeholder, render_template
from fill import fill_template


@pytest.mark.parametrize("kind", TEMPLATES)
def test_new_writes_a_runnable_scenario(tmp_path, capsys, kind):
    target = tmp_path / "mine"
    assert main(["new", str(target), "--template", kind]) == 0
    path = tmp_path / "mine.toml"
    assert f"wrote {path}" in capsys.readouterr().out
    text = path.read_text(encoding="utf-8")
    assert text.count("#") > 20  # every field explained
    path.write_text(fill_template(text), encoding="utf-8")
    assert '= "FILL IN' not in path.read_text(encoding="utf-8")
    r = auditor.audit(path, draws=500, seed=1)
    assert r.scenario.claim.basis == ("flow" if kind == "flow" else "stock")
    assert r.scenario.sample.form == ("reported" if kind == "reported" else "transitions")


def test_new_refuses_to_overwrite(tmp_path, capsys):
    path = tmp_path / "x.toml"
    path.write_text("keep me", encoding="utf-8")
    assert main(["new", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("auditor: error: ") and "already exists" in err
    assert path.read_text(encoding="utf-8") == "keep me"


def test_unknown_template_is_a_usage_error(tmp_path, capsys):
    assert main(["new", str(tmp_path / "y"), "--template", "fancy"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_render_template_rejects_unknown_kind():
    with pytest.raises(auditor.errors.UsageError):
        render_template("fancy")


def _line_of(text: str, start: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), 1) if line.startswith(start))


@pytest.mark.parametrize("kind", TEMPLATES)
@pytest.mark.parametrize("command", ["validate", "run"])
def test_unedited_template_is_refused(tmp_path, capsys, monkeypatch, kind, command):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "mine", "--template", kind]) == 0
    capsys.readouterr()
    text = (tmp_path / "mine.toml").read_text(encoding="utf-8")
    assert main([command, "mine.toml"]) == 2
    err = capsys.readouterr().err
    line = _line_of(text, "authority = ")
    assert err == (f"auditor: error: mine.toml:{line}: scenario.authority: still the template's placeholder; "
                   "replace it with the council or body that published the claim\n")
    assert not (tmp_path / "mine").exists()  # no report folder written


@pytest.mark.parametrize("kind", TEMPLATES)
def test_council_template_refuses_the_claim_not_dfe_figures(tmp_path, capsys, monkeypatch, kind):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "mine", "--council", "938", "--year", "2023", "--template", kind]) == 0
    capsys.readouterr()
    text = (tmp_path / "mine.toml").read_text(encoding="utf-8")
    assert main(["validate", "mine.toml"]) == 2
    line = _line_of(text, "low = ")
    assert capsys.readouterr().err == (f"auditor: error: mine.toml:{line}: claim.low: still the template's "
                                       "placeholder; replace it with the published low end\n")
    # DfE's cohorts are real: none of them is a placeholder.
    assert not any(ln.startswith(("cohort", "new_per_year")) and "FILL IN" in ln for ln in text.split("\n"))


@pytest.mark.parametrize("kind", TEMPLATES)
def test_each_placeholder_is_named_in_turn(tmp_path, capsys, kind):
    """Filling fields one at a time moves the error to the next placeholder, in file order, until it runs."""
    import tomllib

    path = tmp_path / "mine.toml"
    text = render_template(kind, "mine.toml")
    seen = []
    while (found := first_placeholder(tomllib.loads(text))) is not None:
        path.write_text(text, encoding="utf-8")
        assert main(["validate", str(path)]) == 2
        assert f": {found[0]}: still the template's placeholder" in capsys.readouterr().err
        seen.append(found[0])
        head, sep, rest = text.partition('= "FILL IN')
        text = fill_template(head + sep + rest.split("\n", 1)[0]) + "\n" + rest.split("\n", 1)[1]
        path.write_text(text, encoding="utf-8")
    assert seen[:3] == ["scenario.authority", "claim.low", "claim.high"]
    assert "judgement.model" in seen
    assert main(["validate", str(path)]) == 0


def test_template_explains_every_judgement_reading():
    text = render_template("stock")
    for reading in ("face_value", "fixed", "scrutinised", "contest", "selection", "symmetric"):
        assert f'#   "{reading}"' in text
