"""`auditor new`: commented starter scenarios that validate and run."""

from __future__ import annotations

import pytest

import auditor
from auditor.cli import main
from auditor.inputs.templates import TEMPLATES, render_template


@pytest.mark.parametrize("kind", TEMPLATES)
def test_new_writes_a_runnable_scenario(tmp_path, capsys, kind):
    target = tmp_path / "mine"
    assert main(["new", str(target), "--template", kind]) == 0
    path = tmp_path / "mine.toml"
    assert f"wrote {path}" in capsys.readouterr().out
    text = path.read_text(encoding="utf-8")
    assert text.count("#") > 20  # every field explained
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
