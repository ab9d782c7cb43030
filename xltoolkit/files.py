"""Output files: safe names from unit names, atomic writes, clear errors for unwritable places."""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from .problems import XltoolError

_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", *(f"COM{i}" for i in range(10)),
             *(f"LPT{i}" for i in range(10)), "COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³"}
MAX_NAME_CHARS = 80
TEMP_PREFIX = ".~xltool-"  # temporary files of atomic writes (skipped as inputs, never published)
# Exactly the names xltool's temporaries get (tempfile: 8 random characters; backups "bak-"):
# only such files are ever swept away as debris of a killed run.
TEMP_NAME = re.compile(r"^\.~xltool-(?:bak-)?[a-z0-9_]{8}(?:\.[A-Za-z0-9]{1,8})?$")
STALE_SECONDS = 60  # a temporary older than this (before the run started) is debris of a killed run
_RUN_STARTED = time.time()
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


def labelled_stem(labels, key: str, **values) -> str:
    """A file name stem worded by the label `file_names.<key>` (the locale's words: 总表, 汇总, 报告 …)
    from `values`, made safe (`safe_filename`)."""
    return safe_filename(labels.fmt(f"file_names.{key}", **values))


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
    check_output_target(target)
    sweep_stale(target.parent)
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
    if exc.strerror:
        return f"{name} {exc.strerror}".strip()
    if not name and exc.args and isinstance(exc.args[0], str) and exc.args[0]:  # a writer's own text
        return exc.args[0][:200]
    return name or type(exc).__name__


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
        self._swept: set[Path] = set()
        self._modes: dict[str, int] = {}  # temporary -> mode it is published with, when not the default

    def __enter__(self) -> "Staging":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.discard()

    def path(self, target: Path, *, mode: Optional[int] = None) -> str:
        """A temporary path to write `target` to (its folder is created and checked now). `mode`:
        the published file's permissions (default: 0666 less the umask; 0o600 for a secret)."""
        target = Path(target)
        ensure_dir(target.parent)
        check_output_target(target)
        if target.parent not in self._swept:
            self._swept.add(target.parent)
            sweep_stale(target.parent)
        try:
            fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=target.suffix, dir=target.parent)
            os.close(fd)
        except OSError as exc:
            raise OutputError("OUTPUT_UNWRITABLE", path=target, reason=_reason(exc)) from None
        self._staged.append((tmp, target))
        if mode is not None:
            self._modes[tmp] = mode
        return tmp

    @property
    def staged(self) -> list[tuple[str, Path]]:
        """(temporary path, target) of every file staged and not committed yet."""
        return list(self._staged)

    def commit(self) -> None:
        _test_pause("XLTOOL_TEST_PAUSE_BEFORE_COMMIT")
        mode = 0o666 & ~_umask()
        backups: list[tuple[str, Path]] = []
        done: list[Path] = []
        try:
            for tmp, target in self._staged:
                os.chmod(tmp, self._modes.get(tmp, mode))  # mkstemp creates 0600; outputs are ordinary files
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


def _test_pause(variable: str) -> None:
    """A test hook: sleep for the seconds in `variable` (a test kills the process meanwhile)."""
    seconds = os.environ.get(variable)
    if seconds:
        time.sleep(float(seconds))


# Debris of killed runs ------------------------------------------------------------------------------


def sweep_stale(folder: Path, *, started: Optional[float] = None, age: float = STALE_SECONDS) -> list[Path]:
    """Remove xltool's own temporaries (`TEMP_NAME`) in `folder` that were last modified more than
    `age` seconds before this run started: what a run killed mid-write (kill -9, power cut) left.
    A temporary of a run still going is younger than that and is left alone; nothing else is
    touched. Returns what was removed."""
    limit = (_RUN_STARTED if started is None else started) - age
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not TEMP_NAME.match(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and info.st_mtime < limit:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


# Regular files only ---------------------------------------------------------------------------------


def file_kind(mode: int) -> str:
    """What a non-regular file is, as a label key under ``file_kind``."""
    for test, kind in ((stat.S_ISDIR, "folder"), (stat.S_ISFIFO, "fifo"), (stat.S_ISCHR, "device"),
                       (stat.S_ISBLK, "device"), (stat.S_ISSOCK, "socket")):
        if test(mode):
            return kind
    return "other"


def not_regular(path: Path) -> Optional[str]:
    """None for a regular file (or a symbolic link to one) or a path that does not exist, else what
    it is (``fifo``, ``device``, ``folder`` …). Only `os.stat`: never an open that could block."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return None if stat.S_ISREG(info.st_mode) else file_kind(info.st_mode)


def open_regular(path: Path) -> int:
    """A read-only descriptor of `path`, opened without blocking (a FIFO swapped in after a check
    would otherwise hang the open) and checked to be a regular file. Raises OSError, or
    `NotRegularError` with the kind."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularError(file_kind(info.st_mode))
    except BaseException:
        os.close(fd)
        raise
    return fd


class NotRegularError(OSError):
    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def check_output_target(target: Path) -> None:
    """An output may replace a regular file or be new; a FIFO, device or folder at its path is
    refused (OUTPUT_NOT_REGULAR) before anything is opened."""
    kind = not_regular(target)
    if kind is not None:
        raise OutputError("OUTPUT_NOT_REGULAR", path=target, kind=_kind_label(kind))


def _kind_label(kind: str):
    from .problems import LabelRef

    return LabelRef(f"file_kind.{kind}")


# Outputs are never inputs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OutputTarget:
    """An output a command will write: a file (`--out`, `--json`, a database, a report) or a folder
    it writes files into (`--feedback`), and the option that names it (for messages)."""

    path: Path
    option: str
    folder: bool = False


def _real(path: Path) -> Path:
    """The real path (symbolic links resolved, relative parts removed), existing or not."""
    try:
        return Path(os.path.realpath(path))
    except (OSError, ValueError):
        return Path(os.path.abspath(path))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)  # also catches hard links and case-insensitive file systems
    except OSError:
        return _real(a) == _real(b)


def _inside(inner: Path, outer: Path) -> bool:
    inner, outer = _real(inner), _real(outer)
    return inner == outer or outer in inner.parents


def check_outputs_apart(outputs: Iterable[OutputTarget], input_files: Iterable[Path],
                        input_folders: Iterable[Path] = (),
                        replaceable: Optional[Callable[[OutputTarget, Path], bool]] = None) -> None:
    """Refuse, before anything is read or written, an output that is an input: an output file that
    is (resolved, or the same file by device and inode) one of `input_files`; an output folder
    inside (or equal to) a folder being scanned for inputs, or holding an input file directly;
    two outputs at one path. Raises OutputError (OUTPUT_OVER_INPUT, OUTPUT_INSIDE_INPUT, OUTPUT_TWICE)
    naming both paths. `replaceable(output, input)` may allow one case: an input that is this very
    output from an earlier run (a summary written into the folder it reads, skipped as input)."""
    outputs = list(outputs)
    files = [Path(p) for p in input_files]
    folders = [Path(p) for p in input_folders]
    seen: dict[Path, OutputTarget] = {}
    for out in outputs:
        real = _real(out.path)
        if real in seen:
            raise OutputError("OUTPUT_TWICE", path=out.path, option=out.option, other=seen[real].option)
        seen[real] = out
        if out.folder:
            for folder in folders:
                if _inside(out.path, folder):
                    raise OutputError("OUTPUT_INSIDE_INPUT", path=out.path, input=folder)
            for f in files:
                if _real(f.parent) == real:
                    raise OutputError("OUTPUT_INSIDE_INPUT", path=out.path, input=f)
            continue
        for f in files:
            if _same_file(out.path, f) and not (replaceable is not None and replaceable(out, f)):
                raise OutputError("OUTPUT_OVER_INPUT", path=out.path, input=f)
