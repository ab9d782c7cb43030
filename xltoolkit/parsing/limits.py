"""Bounds on what `xltool parse` reads, and the zip checks for .docx input (pure except `check_zip`).

Every limit is a constant here, documented in the README (section "Limits of xltool parse"); going
over one is a refusal with a code (labels `parse.error.<code>`), never a slow run or a traceback.

* any input file: at most `MAX_FILE_BYTES` (the container limit of returns);
* text taken from any format: at most `MAX_TEXT_CHARS` characters (a five-year-plan outline is
  ~100,000 characters, a task division scheme ~15,000; text dense with targets and units parses at
  ~40,000 characters a second, so the worst accepted input finishes in about 6 s);
* .docx: the checks container.py applies to returns: entries decompressed here with a counter (a
  zip whose headers lie about sizes is caught), per-entry compression ratio, all entries together,
  at most `MAX_ZIP_ENTRIES` entries, no DTD or entity declaration in any XML part; and the
  document part itself at most `MAX_DOCUMENT_XML_BYTES` (python-docx holds it as a tree in memory);
* .xlsx: `container.inspect_container` as for returns (sizes, ratio, DTDs, rows, columns, cells);
* tables: at most `MAX_TABLE_COLS` grid columns (wider spans are cut);
* .pdf: at most `MAX_PDF_PAGES` pages; .html: at most `MAX_HTML_BYTES` of markup.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

from ..container import (MAX_COMPRESSION_RATIO, MAX_FILE_BYTES, MAX_UNCOMPRESSED_BYTES, RATIO_FLOOR_BYTES,
                         XML_SUFFIXES, ReturnFileError, _stream_entry, part_size_detail, ratio_detail,
                         unzipped_detail)
from ..problems import LabelText

__all__ = ["MAX_FILE_BYTES", "MAX_TEXT_CHARS", "MAX_ZIP_ENTRIES", "MAX_DOCUMENT_XML_BYTES", "MAX_TABLE_COLS",
           "MAX_PDF_PAGES", "MAX_HTML_BYTES", "ZipRefused", "check_zip"]

MAX_TEXT_CHARS = 250_000
MAX_ZIP_ENTRIES = 2_000
MAX_DOCUMENT_XML_BYTES = 40 * 1024 * 1024
MAX_TABLE_COLS = 64
MAX_PDF_PAGES = 1_000
MAX_HTML_BYTES = 4 * 1024 * 1024  # a published page is 0.1–1 MB; html.parser takes ~3 s for 4 MB of bare tags

# container.py problem codes -> parse error codes
_CODES = {"FILE_TOO_LARGE": "ZIP_TOO_LARGE", "FILE_XML_UNSAFE": "XML_UNSAFE", "FILE_ENCRYPTED": "ENCRYPTED",
          "FILE_CORRUPT": "ZIP_CORRUPT"}


class ZipRefused(Exception):
    """A .docx zip refused: a parse error code and its detail (a LabelText, or a system message as it is)."""

    def __init__(self, code: str, detail: "str | LabelText" = ""):
        super().__init__(f"{code} {detail}")
        self.code = code
        self.detail = detail


def parse_code(return_code: str) -> str:
    """The parse error code for a container.py problem code."""
    return _CODES.get(return_code, "ZIP_CORRUPT")


def check_zip(path: Path, part_limits: dict[str, int] | None = None) -> list[str]:
    """Stream every entry of the zip at `path` once, with real sizes counted; raise ZipRefused
    (code ZIP_TOO_LARGE, ZIP_CORRUPT, XML_UNSAFE, ENCRYPTED) unless it is within the limits.
    Returns the entry names."""
    part_limits = part_limits or {}
    try:
        with zipfile.ZipFile(path) as zf, open(path, "rb") as raw:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                raise ZipRefused("ZIP_TOO_LARGE", LabelText("details.zip_entries", count=len(infos),
                                                            limit=MAX_ZIP_ENTRIES))
            declared = 0
            for info in infos:
                declared += info.file_size
                limit = part_limits.get(info.filename)
                if limit is not None and info.file_size > limit:
                    raise ZipRefused("ZIP_TOO_LARGE", part_size_detail(info.filename, info.file_size, limit))
                if info.file_size > RATIO_FLOOR_BYTES and \
                        info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
                    raise ZipRefused("ZIP_TOO_LARGE", ratio_detail(info.filename))
            if declared > MAX_UNCOMPRESSED_BYTES:
                raise ZipRefused("ZIP_TOO_LARGE", unzipped_detail(declared))
            budget = MAX_UNCOMPRESSED_BYTES
            for info in infos:
                if info.is_dir():
                    continue
                is_xml = info.filename.lower().endswith(XML_SUFFIXES)
                limit = part_limits.get(info.filename)
                size = _stream_entry(raw, info, min(budget, limit) if limit is not None else budget, is_xml, None)
                budget -= size
            return [i.filename for i in infos]
    except ReturnFileError as exc:
        raise ZipRefused(parse_code(exc.code), exc.detail) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, struct.error, ValueError) as exc:
        raise ZipRefused("ZIP_CORRUPT", f"{type(exc).__name__}: {exc}") from None
