"""Output files: safe names from unit names, atomic writes, clear errors for unwritable places."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import Iterator

from .problems import XltoolError

_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", *(f"COM{i}" for i in range(10)),
             *(f"LPT{i}" for i in range(10)), "COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³"}
MAX_NAME_CHARS = 80
TEMP_PREFIX = ".~xltool-"  # temporary files of atomic writes (skipped as inputs, never published)
MAX_NAME_BYTES = 180  # UTF-8 bytes; file systems allow 255 per name, suffixes like "_退回修改.xlsx" need room


class OutputError(XltoolError):
    """An output that cannot be written: code (OUTPUT_*), the path, and the reason (`errors.OUTPUT_*`)."""


def safe_filename(name: str) -> str:
    """A file name stem that is valid on Windows, macOS and Linux: no separators or reserved names."""
    stem = _UNSAFE.sub("_", name).strip(" .") or "unit"
    if stem.split(".")[0].strip(" ").upper() in _RESERVED:
        stem = "_" + stem
    stem = stem[:MAX_NAME_CHARS]
    while len(stem.encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem.rstrip(" .") or "unit"


def unique_names(stems: list[str]) -> list[str]:
    """Make stems unique case-insensitively by adding -2, -3 … in order."""
    seen: set[str] = set()
    out = []
    for stem in stems:
        candidate, n = stem, 2
        while candidate.casefold() in seen:
            candidate = f"{stem}-{n}"
            n += 1
        seen.add(candidate.casefold())
        out.append(candidate)
    return out


def ensure_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError("OUTPUT_DIR_UNCREATABLE", path=path, reason=_reason(exc)) from None
    if not os.access(path, os.W_OK):
        raise OutputError("OUTPUT_DIR_READONLY", path=path)


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[str]:
    """Yield a temporary path beside `target`; on success it replaces `target` in one rename.

    A crash or error leaves `target` as it was and removes the temporary file.
    """
    ensure_dir(target.parent)
    try:
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=target.suffix, dir=target.parent)
        os.close(fd)
    except OSError as exc:  # read-only file system, no space left, …
        raise OutputError("OUTPUT_UNWRITABLE", path=target, reason=_reason(exc)) from None
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; outputs are ordinary files
        os.replace(tmp, target)
    except Exception as exc:
        failure = as_output_error(exc, target)
        if failure is None:
            raise
        raise failure from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def as_output_error(exc: BaseException, target: Path) -> "OutputError | None":
    """The OutputError for a writer's failure to write `target`: an OSError, or an error that wraps
    one (XlsxWriter's FileCreateError); None for anything else (a bug, which must surface)."""
    if isinstance(exc, OutputError):
        return exc
    cause = exc if isinstance(exc, OSError) else (
        exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else exc.__cause__)
    if isinstance(cause, OSError):
        return OutputError("OUTPUT_UNWRITABLE", path=target, reason=_reason(cause))
    return None


def _reason(exc: OSError) -> str:
    """The operating system's reason, as its error name (ENOSPC, EACCES …) with the system's text."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    return f"{name} {exc.strerror}".strip() if exc.strerror else (name or type(exc).__name__)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class Staging:
    """All-or-nothing outputs: every file is written to a temporary file beside its target first;
    `commit` renames them all into place only when every one was written. If a rename fails
    half-way, the targets already replaced are put back from hard-link backups, so either every
    output is the new one or every earlier output is byte-identical to what it was.

    Use as a context manager: leaving it by an exception removes every temporary file.
    """

    def __init__(self) -> None:
        self._staged: list[tuple[str, Path]] = []

    def __enter__(self) -> "Staging":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.discard()

    def path(self, target: Path) -> str:
        """A temporary path to write `target` to (its folder is created and checked now)."""
        target = Path(target)
        ensure_dir(target.parent)
        try:
            fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=target.suffix, dir=target.parent)
            os.close(fd)
        except OSError as exc:
            raise OutputError("OUTPUT_UNWRITABLE", path=target, reason=_reason(exc)) from None
        self._staged.append((tmp, target))
        return tmp

    def commit(self) -> None:
        mode = 0o666 & ~_umask()
        backups: list[tuple[str, Path]] = []
        done: list[Path] = []
        try:
            for tmp, target in self._staged:
                os.chmod(tmp, mode)  # mkstemp creates 0600; outputs are ordinary files
                if target.exists():
                    backup = tempfile.mktemp(prefix=TEMP_PREFIX + "bak-", dir=target.parent)
                    os.link(target, backup)
                    backups.append((backup, target))
            for tmp, target in self._staged:
                os.replace(tmp, target)
                done.append(target)
        except OSError as exc:
            for backup, target in backups:  # put back what was replaced
                if target in done:
                    with contextlib.suppress(OSError):
                        os.replace(backup, target)
            for target in done:
                if not any(t == target for _, t in backups):
                    with contextlib.suppress(OSError):
                        os.unlink(target)
            failed = next((t for _, t in self._staged if t not in done), self._staged[-1][1])
            raise OutputError("OUTPUT_UNWRITABLE", path=failed, reason=_reason(exc)) from None
        finally:
            for backup, _ in backups:
                with contextlib.suppress(OSError):
                    os.unlink(backup)
        self._staged = []

    def drop(self, tmp: str) -> None:
        """Give up one staged file (its writer failed and the caller carries on without it)."""
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        self._staged = [(t, target) for t, target in self._staged if t != tmp]

    def discard(self) -> None:
        for tmp, _ in self._staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        self._staged = []
