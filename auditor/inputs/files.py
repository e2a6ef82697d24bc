"""Reading the text files users give auditor (scenarios, cases CSVs).

One place decides what a missing file, a folder, an unreadable file or
non-UTF-8 bytes look like to the user, so every input file reports them the
same way: the file, the line of the bad byte, and what to do.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import AuditorError

__all__ = ["read_utf8"]


def read_utf8(path: Path, shown: str, error: type[AuditorError], *, folder: str, missing: str,
              save_as: str) -> tuple[bytes, str]:
    """Read ``path`` as UTF-8 text (a byte-order mark is dropped).

    Parameters
    ----------
    path : Path
    shown : str
        The path as the user wrote it, for messages.
    error : AuditorError subclass
        What to raise (``ScenarioError`` or ``DataError``).
    folder, missing, save_as : str
        The message when ``path`` is a folder; when it does not exist; the
        format to name when the bytes are not UTF-8 ("UTF-8 CSV").

    Returns
    -------
    (bytes, str)
        The raw bytes (for hashing) and the decoded text.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from auditor.errors import DataError
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_bytes(b"a,b\\n\\xff")
    >>> read_utf8(p, "x.csv", DataError, folder="", missing="", save_as="UTF-8 CSV")
    Traceback (most recent call last):
    ...
    auditor.errors.DataError: x.csv:2: is not UTF-8 text (byte 4); save it as UTF-8 CSV
    """
    if path.is_dir():
        raise error(folder, path=shown)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise error(missing, path=shown) from None
    except OSError as exc:
        raise error(f"cannot be read: {exc.strerror}", path=shown) from None
    try:
        return data, data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise error(f"is not UTF-8 text (byte {exc.start}); save it as {save_as}", path=shown,
                    line=line) from None
