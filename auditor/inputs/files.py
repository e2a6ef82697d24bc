"""Reading the text files users give auditor (scenarios, cases CSVs).

One place decides what a missing file, a folder, an unreadable file or
non-UTF-8 bytes look like to the user, so every input file reports them the
same way: the file, the line of the bad byte, and what to do.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import AuditorError

__all__ = ["read_utf8", "MAX_INPUT_BYTES", "MAX_PATH_BYTES"]

#: Largest scenario or cases file read (a real one is a few kilobytes).
MAX_INPUT_BYTES = 16 * 2**20
#: Longest path accepted (Linux stops at 4,096 bytes).
MAX_PATH_BYTES = 4000


def read_utf8(path: Path, shown: str, error: type[AuditorError], *, folder: str, missing: str,
              save_as: str) -> tuple[bytes, str]:
    """Read ``path`` as UTF-8 text (a byte-order mark is dropped; UTF-16 with one is read too).

    Only a regular file of at most :data:`MAX_INPUT_BYTES` is read.

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
    data = _read_regular(path, shown, error, folder=folder, missing=missing)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode text" and Windows Notepad save UTF-16 with a byte-order mark.
        try:
            return data, data.decode("utf-16")
        except UnicodeDecodeError:
            raise error(f"starts like UTF-16 text but is not valid UTF-16; save it as {save_as}",
                        path=shown) from None
    try:
        return data, data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise error(f"is not UTF-8 text (byte {exc.start}); save it as {save_as}", path=shown,
                    line=line) from None


def _read_regular(path: Path, shown: str, error: type[AuditorError], *, folder: str, missing: str) -> bytes:
    """The bytes of a regular file of at most :data:`MAX_INPUT_BYTES`.

    Opened without blocking and checked on the open descriptor, so a FIFO, a
    device (``/dev/zero``) or a socket is refused at once instead of hanging
    or filling memory, and nothing can swap the file between check and read.
    """
    text = str(path)
    if "\x00" in text:
        raise error("contains a NUL character; give a file path", path=repr(shown))
    if len(os.fsencode(text)) > MAX_PATH_BYTES:
        raise error(f"is {len(text):,} characters long; a path has at most {MAX_PATH_BYTES:,}",
                    path=shown[:40] + "…")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise error(missing, path=shown) from None
    except IsADirectoryError:
        raise error(folder, path=shown) from None
    except OSError as exc:
        raise error(f"cannot be read: {exc.strerror}", path=shown) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise error(folder, path=shown)
        if not stat.S_ISREG(st.st_mode):
            raise error("is not a regular file (a pipe, device or socket); give a file", path=shown)
        if st.st_size > MAX_INPUT_BYTES:
            raise error(f"is {st.st_size:,} bytes, over the {MAX_INPUT_BYTES // 2**20} MiB limit for input files; "
                        "is it the right file?", path=shown)
        with os.fdopen(fd, "rb", closefd=True) as fh:
            fd = -1
            data = fh.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise error(f"cannot be read: {exc.strerror}", path=shown) from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > MAX_INPUT_BYTES:
        raise error(f"is over the {MAX_INPUT_BYTES // 2**20} MiB limit for input files; is it the right file?",
                    path=shown)
    return data
