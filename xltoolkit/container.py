"""File-level safety checks, run before any parser (python-calamine, openpyxl) sees a return.

A return is a zip of XML parts. Before it is parsed this module checks, without trusting anything
the file says about itself:

* size: the file (`MAX_FILE_BYTES`), every entry's real uncompressed size and compression ratio
  (entries are decompressed here with a counter, so a zip whose headers lie about sizes is caught),
  and all entries together (`MAX_UNCOMPRESSED_BYTES`);
* XML safety: no part may contain a document type declaration (`<!DOCTYPE`, `<!ENTITY`): real
  Excel, WPS and LibreOffice files never do, and DTDs are how XXE and billion-laughs attacks work.
  The parts read here are parsed with expat with DTDs and external entities refused (the
  defusedxml approach); nothing is ever fetched or expanded;
* every worksheet the workbook lists is streamed once (bounded memory) to refuse sheets with more
  than `MAX_ROWS` rows or `MAX_COLS` columns before calamine would build the whole grid, and to
  note what calamine does not report: formulas, error values (#DIV/0!, #N/A …) and merged cells.

Formulas are never evaluated and external links never followed: only cached values are read.
"""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

MAX_FILE_BYTES = 50 * 1024 * 1024  # a return is ~30 KB; anything this large is not one
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # all zip entries together, as really decompressed
MAX_COMPRESSION_RATIO = 200  # per entry, for entries over 1 MB uncompressed
RATIO_FLOOR_BYTES = 1024 * 1024
MAX_ROWS = 10_000  # a unit sheet has tens of rows; more is not a return
MAX_COLS = 256  # a unit sheet has 12 columns
MAX_CELLS = 500_000  # cell elements per sheet, empty ones included
MAX_PART_BYTES = 20 * 1024 * 1024  # workbook.xml and its relationships, parsed whole

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
XML_SUFFIXES = (".xml", ".rels")
_DTD_MARKS = tuple(m.encode(enc) for m in ("<!DOCTYPE", "<!ENTITY") for enc in ("utf-8", "utf-16-le", "utf-16-be"))
_OVERLAP = max(len(m) for m in _DTD_MARKS)
_CHUNK = 256 * 1024
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


class ReturnFileError(Exception):
    """A file that cannot be read as a return. `code` is a problem code (see problems.py)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass
class SheetFacts:
    """What streaming one worksheet's XML found (1-based row/column counts; A1 references)."""

    part: str
    rows: int = 0  # highest row holding a value
    cols: int = 0  # highest column holding a value
    formulas: dict[str, str] = field(default_factory=dict)  # cell -> formula text ("" for a shared formula)
    errors: dict[str, str] = field(default_factory=dict)  # cell -> error value (#DIV/0!, #N/A …)
    merged: list[str] = field(default_factory=list)  # merged ranges, "H18:I18"


def col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(n: int) -> str:
    letters = ""
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def inspect_container(path: Path) -> dict[str, SheetFacts]:
    """Raise ReturnFileError unless `path` is a sane, macro-free OOXML workbook within the limits;
    return the facts of each worksheet by sheet name."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise ReturnFileError("FILE_UNREADABLE", exc.strerror or str(exc)) from None
    if size == 0:
        raise ReturnFileError("FILE_EMPTY")
    if size > MAX_FILE_BYTES:
        raise ReturnFileError("FILE_TOO_LARGE", f"{size} > {MAX_FILE_BYTES} 字节")
    if head.startswith(OLE_MAGIC):
        data = path.read_bytes()
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise ReturnFileError("FILE_ENCRYPTED")
        raise ReturnFileError("FILE_LEGACY_FORMAT")  # .xls or WPS .et (both OLE2)
    if not head.startswith(ZIP_MAGIC):
        raise ReturnFileError("FILE_NOT_XLSX")
    try:
        with zipfile.ZipFile(path) as zf, open(path, "rb") as raw:
            return _inspect_zip(zf, raw)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, struct.error) as exc:
        raise ReturnFileError("FILE_CORRUPT", f"{type(exc).__name__}: {exc}") from None
    except OSError as exc:
        raise ReturnFileError("FILE_UNREADABLE", exc.strerror or str(exc)) from None


def _inspect_zip(zf: zipfile.ZipFile, raw) -> dict[str, SheetFacts]:
    infos = zf.infolist()
    names = {i.filename for i in infos}
    if "mimetype" in names and b"opendocument" in _read_small(zf, "mimetype")[:100]:
        raise ReturnFileError("FILE_NOT_XLSX", "OpenDocument (.ods)")
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ReturnFileError("FILE_NOT_XLSX", "zip without a workbook")
    if "xl/vbaProject.bin" in names or b"macroEnabled" in _read_small(zf, "[Content_Types].xml"):
        raise ReturnFileError("FILE_MACRO")
    declared = 0
    for info in infos:  # what the headers say first (cheap), then the real sizes while streaming
        declared += info.file_size
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise ReturnFileError("FILE_TOO_LARGE", f"{info.filename}: 压缩比超过 {MAX_COMPRESSION_RATIO}")
    if declared > MAX_UNCOMPRESSED_BYTES:
        raise ReturnFileError("FILE_TOO_LARGE", f"解压后 {declared} > {MAX_UNCOMPRESSED_BYTES} 字节")
    sheets = _sheet_parts(zf)
    by_part = {part: name for name, part in sheets.items()}
    facts: dict[str, SheetFacts] = {}
    budget = MAX_UNCOMPRESSED_BYTES
    for info in infos:
        if info.is_dir():
            continue
        scan = _SheetScan(info.filename) if info.filename in by_part else None
        is_xml = info.filename.lower().endswith(XML_SUFFIXES)
        budget -= _stream_entry(raw, info, budget, is_xml, scan)
        if scan is not None:
            facts[by_part[info.filename]] = scan.finish()
    return facts


def _read_small(zf: zipfile.ZipFile, name: str) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > MAX_PART_BYTES:
        raise ReturnFileError("FILE_TOO_LARGE", f"{name}: {info.file_size} 字节")
    return zf.read(name)


def _parse_small(zf: zipfile.ZipFile, name: str):
    from defusedxml import DefusedXmlException
    from defusedxml import ElementTree as ET

    data = _read_small(zf, name)
    try:
        return ET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise ReturnFileError("FILE_XML_UNSAFE", name) from None
    except ET.ParseError as exc:
        raise ReturnFileError("FILE_CORRUPT", f"{name}: {exc}") from None


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> zip entry of its XML, from xl/workbook.xml and its relationships."""
    names = set(zf.namelist())
    book = _parse_small(zf, "xl/workbook.xml")
    targets: dict[str, str] = {}
    if "xl/_rels/workbook.xml.rels" in names:
        for rel in _parse_small(zf, "xl/_rels/workbook.xml.rels"):
            target = rel.get("Target") or ""
            if rel.get("TargetMode") == "External" or not target:
                continue  # external links are never followed
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            targets[rel.get("Id") or ""] = part
    out = {}
    for el in book.iter():
        if el.tag.rpartition("}")[2] == "sheet":
            rid = next((v for k, v in el.attrib.items() if k.rpartition("}")[2] == "id" and k.startswith("{")), "")
            part = targets.get(rid)  # transitional or strict OOXML relationship namespace
            if el.get("name") is not None and part in names:
                out[el.get("name")] = part
    return out


def _stream_entry(raw, info: zipfile.ZipInfo, budget: int, is_xml: bool, scan: "_SheetScan | None") -> int:
    """Decompress one entry from the raw file (sizes counted, not trusted), check its CRC, look for
    DTDs in XML parts and feed worksheets to `scan`. Returns the real uncompressed size."""
    if info.flag_bits & 0x1:
        raise ReturnFileError("FILE_ENCRYPTED", "zip")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ReturnFileError("FILE_CORRUPT", f"{info.filename}: 不支持的压缩方式 {info.compress_type}")
    raw.seek(info.header_offset)
    header = raw.read(30)
    if len(header) != 30 or header[:4] != ZIP_MAGIC:
        raise ReturnFileError("FILE_CORRUPT", f"{info.filename}: bad local header")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    raw.seek(info.header_offset + 30 + name_len + extra_len)
    inflate = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    left, out, crc, tail = info.compress_size, 0, 0, b""
    limit = max(RATIO_FLOOR_BYTES, MAX_COMPRESSION_RATIO * max(info.compress_size, 1))

    def take(data: bytes) -> None:
        nonlocal out, crc, tail
        out += len(data)
        if out > limit:
            raise ReturnFileError("FILE_TOO_LARGE", f"{info.filename}: 压缩比超过 {MAX_COMPRESSION_RATIO}")
        if out > budget:
            raise ReturnFileError("FILE_TOO_LARGE", f"解压后超过 {MAX_UNCOMPRESSED_BYTES} 字节")
        crc = zlib.crc32(data, crc)
        if is_xml:
            window = tail + data
            if any(m in window for m in _DTD_MARKS):
                raise ReturnFileError("FILE_XML_UNSAFE", info.filename)
            tail = window[-_OVERLAP:]
        if scan is not None:
            scan.feed(data)

    while left > 0:
        chunk = raw.read(min(_CHUNK, left))
        if not chunk:
            raise ReturnFileError("FILE_CORRUPT", f"{info.filename}: truncated")
        left -= len(chunk)
        if inflate is None:
            take(chunk)
            continue
        data = inflate.decompress(chunk, _CHUNK)
        take(data)
        while inflate.unconsumed_tail:
            take(inflate.decompress(inflate.unconsumed_tail, _CHUNK))
    if inflate is not None:
        take(inflate.flush())
    if crc != info.CRC or (inflate is not None and not inflate.eof):
        raise ReturnFileError("FILE_CORRUPT", f"{info.filename}: CRC")
    return out


_FAST_PATH_BYTES = 2 * 1024 * 1024
_PREFIXED_ELEMENT = re.compile(rb"<[A-Za-z_][\w.-]*:")
_VALUE_CELL = re.compile(rb'<c r="([A-Za-z]{1,3})(\d{1,7})"[^>]*>\s*<(?:v|is)\b')
_MERGE_REF = re.compile(rb'<mergeCell ref="([^"]*)"')


def _plain_sheet(data: bytes) -> bool:
    """True when a fast scan finds everything the expat scan would: no formulas, errors or prefixes,
    and well-formed enough for expat to accept (checked once without callbacks)."""
    if b"<f>" in data or b"<f " in data or b't="e"' in data or _PREFIXED_ELEMENT.search(data):
        return False
    probe = expat.ParserCreate()
    probe.StartDoctypeDeclHandler = _forbidden
    probe.EntityDeclHandler = _forbidden
    try:
        probe.Parse(data, True)
    except expat.ExpatError:
        return False  # the full scan reports it
    return True


def _forbidden(*_args) -> None:
    raise ReturnFileError("FILE_XML_UNSAFE", "DTD")


class _SheetScan:
    """Streams one worksheet's XML with expat (no DTDs, no entities) and collects SheetFacts."""

    def __init__(self, part: str):
        self.facts = SheetFacts(part)
        self.row = self.col = self.cells = self.row_elements = 0
        self.ref: str | None = None
        self.is_error = self.has_value = False
        self.capture: str | None = None  # "f" or "v" while inside one of them in a cell
        self.text: list[str] = []
        self.buffer: bytearray | None = bytearray()
        p = expat.ParserCreate()
        p.buffer_text = True
        p.StartDoctypeDeclHandler = _forbidden
        p.EntityDeclHandler = _forbidden
        p.ExternalEntityRefHandler = _forbidden
        p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        p.StartElementHandler = self._start
        p.EndElementHandler = self._end
        p.CharacterDataHandler = self._chars
        self.parser = p

    def feed(self, data: bytes) -> None:
        if self.buffer is not None:
            self.buffer += data
            if len(self.buffer) <= _FAST_PATH_BYTES:
                return
            data, self.buffer = bytes(self.buffer), None  # too big for the fast path: stream it
        self._parse(data, False)

    def finish(self) -> SheetFacts:
        if self.buffer is not None:
            data, self.buffer = bytes(self.buffer), None
            if _plain_sheet(data):
                return self._fast_facts(data)
            self._parse(data, False)
        self._parse(b"", True)
        return self.facts

    def _fast_facts(self, data: bytes) -> SheetFacts:
        """The same facts without a Python callback per element, for a small sheet with no formulas,
        no error values and no namespace prefixes (what generate and the office programs write)."""
        if data.count(b"<row") > MAX_ROWS:
            self._too_large(f"超过 {MAX_ROWS} 行")
        if data.count(b"<c ") + data.count(b"<c>") > MAX_CELLS:
            self._too_large(f"超过 {MAX_CELLS} 个单元格")
        for letters, row in _VALUE_CELL.findall(data):
            if int(row) > MAX_ROWS:
                self._too_large(f"第 {int(row)} 行超过 {MAX_ROWS} 行")
            if col_number(letters.decode()) > MAX_COLS:
                self._too_large(f"第 {col_number(letters.decode())} 列超过 {MAX_COLS} 列")
        self.facts.merged = [ref.decode().upper() for ref in _MERGE_REF.findall(data)]
        return self.facts

    def _parse(self, data: bytes, final: bool) -> None:
        try:
            self.parser.Parse(data, final)
        except expat.ExpatError as exc:
            raise ReturnFileError("FILE_CORRUPT", f"{self.facts.part}: {exc}") from None

    def _too_large(self, what: str) -> None:
        raise ReturnFileError("FILE_TOO_LARGE", f"{self.facts.part}: {what}")

    def _start(self, name: str, attrs: dict) -> None:
        tag = name.rpartition(":")[2]
        if tag == "c":
            self.cells += 1
            if self.cells > MAX_CELLS:
                self._too_large(f"超过 {MAX_CELLS} 个单元格")
            m = _REF.match(attrs.get("r") or "")
            if m:
                self.col, row = col_number(m[1]), int(m[2])
                self.row = row or self.row
            else:
                self.col += 1
            self.ref = f"{col_letters(self.col)}{self.row}"
            self.is_error = attrs.get("t") == "e"
            self.has_value = False
        elif tag == "row":
            self.row_elements += 1
            r = attrs.get("r") or ""
            self.row = int(r) if r.isdigit() else self.row + 1
            self.col = 0
            if self.row_elements > MAX_ROWS:
                self._too_large(f"超过 {MAX_ROWS} 行")
        elif self.ref is not None and tag in ("f", "v", "is"):
            self.has_value = True
            if tag != "is":
                self.capture, self.text = tag, []
                if tag == "f":
                    self.facts.formulas[self.ref] = ""
        elif tag == "mergeCell":
            self.facts.merged.append((attrs.get("ref") or "").upper())

    def _chars(self, data: str) -> None:
        if self.capture is not None and sum(map(len, self.text)) < 300:
            self.text.append(data)

    def _end(self, name: str) -> None:
        tag = name.rpartition(":")[2]
        if tag == self.capture and self.ref is not None:
            text = "".join(self.text)[:300]
            if tag == "f":
                self.facts.formulas[self.ref] = text
            elif self.is_error:
                self.facts.errors[self.ref] = text
            self.capture = None
        elif tag == "c" and self.ref is not None:
            if self.has_value:
                if self.row > MAX_ROWS:
                    self._too_large(f"第 {self.row} 行超过 {MAX_ROWS} 行")
                if self.col > MAX_COLS:
                    self._too_large(f"第 {self.col} 列超过 {MAX_COLS} 列")
                self.facts.rows = max(self.facts.rows, self.row)
                self.facts.cols = max(self.facts.cols, self.col)
            self.ref = None
