"""``auditor serve``: a local web app for auditing a council's claim without a terminal or a TOML file.

An interface layer, beside :mod:`auditor.cli`: it may import everything below
it, and nothing in auditor imports it. The web libraries (Starlette, uvicorn,
python-multipart) are the ``web`` extra and are imported only when the app is
built, so the command line keeps its fast start-up.

* :mod:`auditor.web.app` builds the Starlette application: the guided form,
  the JSON API (``POST /api/audit``, ``GET /api/councils``) and the downloads;
* :mod:`auditor.web.service` runs audits for it, with the limits that make the
  app safe to share;
* :mod:`auditor.web.toml_text` writes the edited scenario back as TOML.
"""

from __future__ import annotations

__all__ = ["serve"]


def serve(host: str = "127.0.0.1", port: int = 8765, *, open_browser: bool = True) -> None:
    """Start the app and block until interrupted (see :func:`auditor.web.app.run`)."""
    from .app import run

    run(host, port, open_browser=open_browser)
