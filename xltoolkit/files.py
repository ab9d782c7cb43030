"""Output files: safe names from unit names, atomic writes, clear errors for unwritable places."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import Iterator

_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
MAX_NAME_CHARS = 80


class OutputError(Exception):
    """An output that cannot be written; the message names the path and the reason."""


def safe_filename(name: str) -> str:
    """A file name stem that is valid on Windows, macOS and Linux: no separators or reserved names."""
    stem = _UNSAFE.sub("_", name).strip(" .") or "unit"
    if stem.split(".")[0].upper() in _RESERVED:
        stem = "_" + stem
    return stem[:MAX_NAME_CHARS]


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
        raise OutputError(f"{path}: 无法创建输出文件夹（{exc.strerror}）") from None
    if not os.access(path, os.W_OK):
        raise OutputError(f"{path}: 输出文件夹不可写")


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[str]:
    """Yield a temporary path beside `target`; on success it replaces `target` in one rename.

    A crash or error leaves `target` as it was and removes the temporary file.
    """
    ensure_dir(target.parent)
    fd, tmp = tempfile.mkstemp(prefix=".~xltool-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; outputs are ordinary files
        os.replace(tmp, target)
    except OSError as exc:
        raise OutputError(f"{target}: 无法写入（{exc.strerror or exc}）") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
