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
* the styles and shared-strings parts are bounded in size and in entries (`MAX_STYLES_BYTES`,
  `MAX_STYLE_ENTRIES`, `MAX_SHARED_STRINGS_BYTES`, `MAX_SHARED_STRINGS` …): a file can be small on
  disk, within the ratio and total limits, and still hold a styles part so bloated that openpyxl
  (used for feedback copies) needs tens of seconds and gigabytes to load it;
* the styles part is read for what calamine does not report: which cell formats are percent formats
  (a cell where someone typed ``7.2%`` holds 0.072 with a ``0.0%`` format);
* every worksheet the workbook lists is streamed once (bounded memory) to refuse sheets with more
  than `MAX_ROWS` rows or `MAX_COLS` columns before calamine would build the whole grid, and to
  note what calamine does not report: formulas, error values (#DIV/0!, #N/A …), merged cells and
  numbers shown in a percent format.

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

from .problems import LabelText

MAX_FILE_BYTES = 50 * 1024 * 1024  # a return is ~30 KB; anything this large is not one
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # all zip entries together, as really decompressed
MAX_COMPRESSION_RATIO = 200  # per entry, for entries over 1 MB uncompressed
RATIO_FLOOR_BYTES = 1024 * 1024
MAX_ROWS = 10_000  # a unit sheet has tens of rows; more is not a return
MAX_COLS = 256  # a unit sheet has 12 columns
MAX_CELLS = 500_000  # cell elements per sheet, empty ones included
MAX_PART_BYTES = 20 * 1024 * 1024  # workbook.xml and its relationships, parsed whole

# Styles and shared strings, counted while streaming (both before any parser sees the file). A return
# has ~20 cell formats (xf), a dozen fonts, a few number formats and a few hundred strings; Excel's own
# limits are ~64,000 cell formats, 1,024 fonts and ~250 custom number formats. The caps are far above
# any real return and far below what makes openpyxl take seconds.
MAX_STYLES_BYTES = 10 * 1024 * 1024  # xl/styles.xml uncompressed; a return's is 5–30 KB
MAX_STYLE_ENTRIES = {  # per element name, anywhere in the styles part
    "xf": 20_000,  # cell formats (cellXfs and cellStyleXfs)
    "cellStyle": 20_000,  # named styles: "style explosion" files have tens of thousands
    "numFmt": 2_000,  # number formats (Excel allows ~250 custom ones)
    "font": 5_000,
    "fill": 5_000,
    "border": 5_000,
    "dxf": 5_000,  # differential formats (conditional formatting)
}
MAX_STYLE_ELEMENTS = 200_000  # every element in the styles part, whatever its name
MAX_SHARED_STRINGS_BYTES = 32 * 1024 * 1024  # xl/sharedStrings.xml uncompressed; a return's is < 1 MB
MAX_SHARED_STRINGS = 100_000  # <si> entries; a return has a few hundred
MAX_SHARED_STRING_ELEMENTS = 500_000  # every element (si, t, r, rPr …) in the shared-strings part

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
XML_SUFFIXES = (".xml", ".rels")
_DTD_MARKS = tuple(m.encode(enc) for m in ("<!DOCTYPE", "<!ENTITY") for enc in ("utf-8", "utf-16-le", "utf-16-be"))
_OVERLAP = max(len(m) for m in _DTD_MARKS)
_CHUNK = 256 * 1024
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


class ReturnFileError(Exception):
    """A file that cannot be read as a return. `code` is a problem code (see problems.py); `detail`
    is data: a LabelText (a ``details.*`` label and its values), or a name or a system message as
    it is (a part name, an OS or parser error), or a key (FILE_NOT_REGULAR: the kind of file)."""

    def __init__(self, code: str, detail: "str | LabelText" = ""):
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
    # numeric cells (no type or t="n"; formulas with a cached number too) whose style is a percent
    # number format: the value shown as 7.2% is stored (and read by calamine) as 0.072
    percent_cells: set[str] = field(default_factory=set)


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
        raise ReturnFileError("FILE_TOO_LARGE", LabelText("details.file_bytes", size=size, limit=MAX_FILE_BYTES))
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
        raise ReturnFileError("FILE_NOT_XLSX", LabelText("details.opendocument"))
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ReturnFileError("FILE_NOT_XLSX", LabelText("details.no_workbook"))
    if "xl/vbaProject.bin" in names or b"macroEnabled" in _read_small(zf, "[Content_Types].xml"):
        raise ReturnFileError("FILE_MACRO")
    _check_declared_sizes(infos)
    parts = _workbook_parts(zf)
    _check_declared_part_sizes(infos, parts)
    by_part = {part: name for name, part in parts.sheets.items()}
    facts: dict[str, SheetFacts] = {}
    budget = MAX_UNCOMPRESSED_BYTES
    percent_xfs: frozenset[int] = frozenset()
    # Styles and shared strings first: the sheets are judged with the styles known, and a bloated
    # part is refused before the (larger) rest of the file is decompressed.
    first = parts.styles | parts.shared_strings
    for info in sorted(infos, key=lambda i: i.filename not in first):
        if info.is_dir():
            continue
        scan = _scan_for(info.filename, parts, by_part, percent_xfs)
        is_xml = info.filename.lower().endswith(XML_SUFFIXES)
        budget -= _stream_entry(raw, info, budget, is_xml, scan)
        if isinstance(scan, _SheetScan):
            facts[by_part[info.filename]] = scan.finish()
        elif scan is not None:
            found = scan.finish()
            if info.filename == parts.main_styles:
                percent_xfs = found
    return facts


def ratio_detail(part: str) -> LabelText:
    """The detail of an entry refused for its compression ratio."""
    return LabelText("details.part_ratio", part=part, limit=MAX_COMPRESSION_RATIO)


def unzipped_detail(size: int) -> LabelText:
    """The detail of a zip refused for what its entries together declare uncompressed."""
    return LabelText("details.unzipped_bytes", size=size, limit=MAX_UNCOMPRESSED_BYTES)


def part_size_detail(part: str, size: int, limit: int) -> LabelText:
    """The detail of an entry refused for its uncompressed size."""
    return LabelText("details.part_unzipped_bytes", part=part, size=size, limit=limit)


def _check_declared_sizes(infos: list[zipfile.ZipInfo]) -> None:
    """What the headers say (cheap, before decompressing anything); real sizes are checked while
    streaming."""
    declared = 0
    for info in infos:
        declared += info.file_size
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise ReturnFileError("FILE_TOO_LARGE", ratio_detail(info.filename))
    if declared > MAX_UNCOMPRESSED_BYTES:
        raise ReturnFileError("FILE_TOO_LARGE", unzipped_detail(declared))


def _check_declared_part_sizes(infos: list[zipfile.ZipInfo], parts: "_Parts") -> None:
    for info in infos:
        cap = _part_cap(info.filename, parts)
        if cap is not None and info.file_size > cap:
            raise ReturnFileError("FILE_TOO_LARGE", part_size_detail(info.filename, info.file_size, cap))


def _part_cap(name: str, parts: "_Parts") -> "int | None":
    if name in parts.styles:
        return MAX_STYLES_BYTES
    if name in parts.shared_strings:
        return MAX_SHARED_STRINGS_BYTES
    return None


def _scan_for(name: str, parts: "_Parts", by_part: dict[str, str], percent_xfs: frozenset[int]):
    """The scanner an entry is streamed through, if any."""
    if name in by_part:
        return _SheetScan(name, percent_xfs)
    if name in parts.styles:
        return _StylesScan(name)
    if name in parts.shared_strings:
        return _PartScan(name, MAX_SHARED_STRINGS_BYTES, {"si": MAX_SHARED_STRINGS}, MAX_SHARED_STRING_ELEMENTS)
    return None


def _read_small(zf: zipfile.ZipFile, name: str) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > MAX_PART_BYTES:
        raise ReturnFileError("FILE_TOO_LARGE", part_size_detail(name, info.file_size, MAX_PART_BYTES))
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


STYLES_PART = "xl/styles.xml"
SHARED_STRINGS_PART = "xl/sharedStrings.xml"


@dataclass
class _Parts:
    """The workbook's parts that get a scanner."""

    sheets: dict[str, str]  # sheet name -> zip entry of its XML
    styles: set[str]  # every entry a reader may take for the styles part
    shared_strings: set[str]  # every entry a reader may take for the shared strings
    main_styles: "str | None"  # the one whose formats the cells use


def _workbook_parts(zf: zipfile.ZipFile) -> _Parts:
    """Sheets from xl/workbook.xml and its relationships; styles and shared strings wherever a reader
    may look for them: the fixed names (calamine, openpyxl), the workbook's relationships (Excel)
    and the content types (openpyxl finds shared strings there)."""
    names = set(zf.namelist())
    targets, typed = _workbook_relationships(zf, names)
    sheets = {}
    for el in _parse_small(zf, "xl/workbook.xml").iter():
        if el.tag.rpartition("}")[2] == "sheet":
            rid = next((v for k, v in el.attrib.items() if k.rpartition("}")[2] == "id" and k.startswith("{")), "")
            part = targets.get(rid)  # transitional or strict OOXML relationship namespace
            if el.get("name") is not None and part in names:
                sheets[el.get("name")] = part
    declared = _content_type_parts(zf)
    sheet_parts = set(sheets.values())
    styles = (({STYLES_PART} | set(typed["styles"]) | declared["styles"]) & names) - sheet_parts
    strings = ({SHARED_STRINGS_PART} | set(typed["sharedStrings"]) | declared["sharedStrings"]) & names
    main = next((p for p in typed["styles"] if p in styles), STYLES_PART if STYLES_PART in styles else None)
    return _Parts(sheets, styles, strings - sheet_parts - styles, main)


def _workbook_relationships(zf: zipfile.ZipFile, names: set[str]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Relationship id -> part, and the styles and sharedStrings parts the relationships name (in
    order), from xl/_rels/workbook.xml.rels. External targets are never followed."""
    targets: dict[str, str] = {}
    typed: dict[str, list[str]] = {"styles": [], "sharedStrings": []}
    if "xl/_rels/workbook.xml.rels" not in names:
        return targets, typed
    for rel in _parse_small(zf, "xl/_rels/workbook.xml.rels"):
        target = rel.get("Target") or ""
        if rel.get("TargetMode") == "External" or not target:
            continue
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        targets[rel.get("Id") or ""] = part
        kind = (rel.get("Type") or "").rpartition("/")[2]
        if kind in typed:
            typed[kind].append(part)
    return targets, typed


def _content_type_parts(zf: zipfile.ZipFile) -> dict[str, set[str]]:
    """The styles and sharedStrings parts [Content_Types].xml declares."""
    found: dict[str, set[str]] = {"styles": set(), "sharedStrings": set()}
    for el in _parse_small(zf, "[Content_Types].xml"):
        kind = (el.get("ContentType") or "").rpartition(".")[2]  # "...spreadsheetml.styles+xml"
        if kind.endswith("+xml") and kind[:-4] in found:
            found[kind[:-4]].add((el.get("PartName") or "").lstrip("/"))
    return found


# Streaming one zip entry: read the local header, inflate in bounded chunks, check what comes out.


def _stream_entry(raw, info: zipfile.ZipInfo, budget: int, is_xml: bool, scan=None) -> int:
    """Decompress one entry from the raw file (sizes counted, not trusted), check its CRC, look for
    DTDs in XML parts and feed the data to `scan` (anything with ``feed(bytes)``). Returns the real
    uncompressed size."""
    _seek_to_data(raw, info)
    check = _EntryCheck(info, budget, is_xml, scan)
    for data in _inflated_chunks(raw, info):
        check.take(data)
    if check.crc != info.CRC:
        raise ReturnFileError("FILE_CORRUPT", LabelText("details.part_crc", part=info.filename))
    return check.size


def _seek_to_data(raw, info: zipfile.ZipInfo) -> None:
    """Position `raw` at the entry's compressed data, after checking the entry can be read at all."""
    if info.flag_bits & 0x1:
        raise ReturnFileError("FILE_ENCRYPTED", "zip")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ReturnFileError("FILE_CORRUPT", LabelText("details.part_compression", part=info.filename,
                                                        method=info.compress_type))
    raw.seek(info.header_offset)
    header = raw.read(30)
    if len(header) != 30 or header[:4] != ZIP_MAGIC:
        raise ReturnFileError("FILE_CORRUPT", LabelText("details.part_header", part=info.filename))
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    raw.seek(info.header_offset + 30 + name_len + extra_len)


def _inflated_chunks(raw, info: zipfile.ZipInfo):
    """The entry's uncompressed data in pieces of at most `_CHUNK` bytes (stored entries as read)."""
    inflate = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    left = info.compress_size
    while left > 0:
        chunk = raw.read(min(_CHUNK, left))
        if not chunk:
            raise ReturnFileError("FILE_CORRUPT", LabelText("details.part_truncated", part=info.filename))
        left -= len(chunk)
        if inflate is None:
            yield chunk
            continue
        yield inflate.decompress(chunk, _CHUNK)
        while inflate.unconsumed_tail:
            yield inflate.decompress(inflate.unconsumed_tail, _CHUNK)
    if inflate is not None:
        yield inflate.flush()
        if not inflate.eof:
            raise ReturnFileError("FILE_CORRUPT", LabelText("details.part_crc", part=info.filename))


class _EntryCheck:
    """Counts an entry's real uncompressed bytes against its ratio and the remaining budget, computes
    its CRC, refuses DTD marks in XML (also across chunk boundaries) and feeds a scanner."""

    def __init__(self, info: zipfile.ZipInfo, budget: int, is_xml: bool, scan=None):
        self.name, self.budget, self.is_xml, self.scan = info.filename, budget, is_xml, scan
        self.limit = max(RATIO_FLOOR_BYTES, MAX_COMPRESSION_RATIO * max(info.compress_size, 1))
        self.size = self.crc = 0
        self.tail = b""

    def take(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise ReturnFileError("FILE_TOO_LARGE", ratio_detail(self.name))
        if self.size > self.budget:
            raise ReturnFileError("FILE_TOO_LARGE", LabelText("details.unzipped_over", limit=MAX_UNCOMPRESSED_BYTES))
        self.crc = zlib.crc32(data, self.crc)
        if self.is_xml:
            window = self.tail + data
            if any(m in window for m in _DTD_MARKS):
                raise ReturnFileError("FILE_XML_UNSAFE", self.name)
            self.tail = window[-_OVERLAP:]
        if self.scan is not None:
            self.scan.feed(data)


def _safe_parser() -> "expat.XMLParserType":
    """An expat parser that refuses DTDs and entities and never fetches anything."""
    p = expat.ParserCreate()
    p.buffer_text = True
    p.StartDoctypeDeclHandler = _forbidden
    p.EntityDeclHandler = _forbidden
    p.ExternalEntityRefHandler = _forbidden
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return p


def _forbidden(*_args) -> None:
    raise ReturnFileError("FILE_XML_UNSAFE", "DTD")


# Styles and shared strings: bounded, and the percent formats.


class _PartScan:
    """Streams a part with expat, refusing it once it exceeds `max_bytes`, `caps` (element local name
    -> most allowed) or `max_elements` elements in all."""

    def __init__(self, part: str, max_bytes: int, caps: dict[str, int], max_elements: int):
        self.part, self.max_bytes, self.caps, self.max_elements = part, max_bytes, caps, max_elements
        self.size = self.elements = 0
        self.counts = dict.fromkeys(caps, 0)
        self.parser = _safe_parser()
        self.parser.StartElementHandler = self._start

    def feed(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.max_bytes:
            raise ReturnFileError("FILE_TOO_LARGE", LabelText("details.part_unzipped_over", part=self.part,
                                                              limit=self.max_bytes))
        self._parse(data, False)

    def finish(self):
        self._parse(b"", True)
        return None

    def _parse(self, data: bytes, final: bool) -> None:
        try:
            self.parser.Parse(data, final)
        except expat.ExpatError as exc:
            raise ReturnFileError("FILE_CORRUPT", f"{self.part}: {exc}") from None

    def _start(self, name: str, attrs: dict) -> str:
        tag = name.rpartition(":")[2]
        self.elements += 1
        if self.elements > self.max_elements:
            raise ReturnFileError("FILE_TOO_LARGE", LabelText("details.part_elements", part=self.part,
                                                              limit=self.max_elements))
        if tag in self.counts:
            self.counts[tag] += 1
            if self.counts[tag] > self.caps[tag]:
                raise ReturnFileError("FILE_TOO_LARGE", LabelText("details.part_tags", part=self.part, tag=tag,
                                                                  limit=self.caps[tag]))
        return tag


BUILTIN_PERCENT_FORMATS = frozenset({9, 10})  # built-in number formats 0% and 0.00%


class _StylesScan(_PartScan):
    """The styles part, bounded like any part; finish() gives the indexes of the cell formats
    (cellXfs, what a cell's ``s`` attribute points to) whose number format is a percent format."""

    def __init__(self, part: str):
        super().__init__(part, MAX_STYLES_BYTES, MAX_STYLE_ENTRIES, MAX_STYLE_ELEMENTS)
        self.parser.EndElementHandler = self._end
        self.stack: list[str] = []
        self.codes: dict[int, str] = {}  # numFmtId -> format code, as declared in numFmts
        self.cell_formats: list[int] = []  # numFmtId of each cellXfs/xf, in order

    def finish(self) -> frozenset[int]:
        super().finish()
        return frozenset(i for i, fmt in enumerate(self.cell_formats) if self._is_percent(fmt))

    def _is_percent(self, fmt: int) -> bool:
        code = self.codes.get(fmt)
        return is_percent_format(code) if code is not None else fmt in BUILTIN_PERCENT_FORMATS

    def _start(self, name: str, attrs: dict) -> str:
        tag = super()._start(name, attrs)
        parent = self.stack[-1] if self.stack else ""
        if tag == "numFmt" and parent == "numFmts":
            fmt = _int(attrs.get("numFmtId"))
            if fmt is not None:
                self.codes[fmt] = attrs.get("formatCode") or ""
        elif tag == "xf" and parent == "cellXfs":
            self.cell_formats.append(_int(attrs.get("numFmtId")) or 0)
        self.stack.append(tag)
        return tag

    def _end(self, name: str) -> None:
        if self.stack:
            self.stack.pop()


def _int(text: "str | None") -> "int | None":
    return int(text) if text is not None and text.strip().isdigit() else None


def is_percent_format(code: str) -> bool:
    """Whether a number format code scales by 100 and shows %: ``0%``, ``0.0%``, ``#,##0.00%`` …

    A % inside quotes (``0.0"%"``), escaped (``0.0\\%``), in brackets (``[$%-804]``) or after ``_``
    / ``*`` (padding, fill) is a literal character: such a format shows a % without scaling. Only the
    number sections count (the fourth section formats text).
    """
    for section in _sections(code)[:3]:
        i = 0
        while i < len(section):
            ch = section[i]
            if ch == '"':
                end = section.find('"', i + 1)
                i = len(section) if end < 0 else end + 1
                continue
            if ch == "[":
                end = section.find("]", i + 1)
                i = len(section) if end < 0 else end + 1
                continue
            if ch in "\\_*":
                i += 2
                continue
            if ch == "%":
                return True
            i += 1
    return False


def _sections(code: str) -> list[str]:
    """A format code split at the semicolons that are not quoted, escaped or bracketed."""
    sections, current, i = [], [], 0
    while i < len(code):
        ch = code[i]
        if ch in '"[':
            end = code.find('"' if ch == '"' else "]", i + 1)
            end = len(code) - 1 if end < 0 else end
            current.append(code[i:end + 1])
            i = end + 1
            continue
        if ch in "\\_*":
            current.append(code[i:i + 2])
            i += 2
            continue
        if ch == ";":
            sections.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    sections.append("".join(current))
    return sections


# Worksheets.

_FAST_PATH_BYTES = 2 * 1024 * 1024
_PREFIXED_ELEMENT = re.compile(rb"<[A-Za-z_][\w.-]*:")
_CELL_START = re.compile(rb"<c[\s/>]")
# a cell with a value: reference, other attributes, "v" and the value's text (for <v>), or "" (for <is>)
_VALUE_CELL = re.compile(rb'<c r="([A-Za-z]{1,3})(\d{1,7})"([^>]*)>\s*<(?:(v)\b[^>]*?(?:/>|>([^<]*))|is\b)')
_STYLE_ATTR = re.compile(rb'\ss="([^"]*)"')
_TYPE_ATTR = re.compile(rb'\st="([^"]*)"')
_MERGE_REF = re.compile(rb'<mergeCell ref="([^"]*)"')
_NUMERIC_TYPES = (None, "n")  # a cell's t attribute when it holds a number


def _plain_sheet(data: bytes) -> bool:
    """True when a fast scan finds everything the expat scan would: no formulas, errors, prefixes,
    comments or processing instructions, every cell written ``<c r="A1" …>`` (its reference first),
    and well-formed enough for expat to accept (checked once without callbacks)."""
    if b"<f>" in data or b"<f " in data or b't="e"' in data or _PREFIXED_ELEMENT.search(data):
        return False
    if b"<!--" in data or data.count(b"<?") > 1:
        return False
    if len(_CELL_START.findall(data)) != data.count(b'<c r="'):
        return False  # a cell without a reference, or with other attributes first: the full scan
    probe = expat.ParserCreate()
    probe.StartDoctypeDeclHandler = _forbidden
    probe.EntityDeclHandler = _forbidden
    try:
        probe.Parse(data, True)
    except expat.ExpatError:
        return False  # the full scan reports it
    return True


class _SheetScan:
    """Streams one worksheet's XML with expat (no DTDs, no entities) and collects SheetFacts.

    `percent_xfs`: indexes of the cell formats that are percent formats (from the styles part)."""

    def __init__(self, part: str, percent_xfs: frozenset[int] = frozenset()):
        self.facts = SheetFacts(part)
        self.percent_xfs = percent_xfs
        self.row = self.col = self.cells = self.row_elements = 0
        self.ref: str | None = None
        self.is_error = self.has_value = self.is_percent = self.has_number = False
        self.capture: str | None = None  # "f" or "v" while inside one of them in a cell
        self.text: list[str] = []
        self.buffer: bytearray | None = bytearray()
        p = _safe_parser()
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
            self._too_large("details.sheet_rows", limit=MAX_ROWS)
        if len(_CELL_START.findall(data)) > MAX_CELLS:
            self._too_large("details.sheet_cells", limit=MAX_CELLS)
        facts = self.facts
        for letters, row_text, attrs, is_v, text in _VALUE_CELL.findall(data):
            row, col = int(row_text), col_number(letters.decode())
            if row > MAX_ROWS:
                self._too_large("details.sheet_row_beyond", row=row, limit=MAX_ROWS)
            if col > MAX_COLS:
                self._too_large("details.sheet_column_beyond", column=col, limit=MAX_COLS)
            facts.rows, facts.cols = max(facts.rows, row), max(facts.cols, col)
            if self.percent_xfs and is_v and text.strip() and self._percent_attrs(attrs):
                facts.percent_cells.add(f"{letters.decode().upper()}{row}")
        facts.merged = [ref.decode().upper() for ref in _MERGE_REF.findall(data)]
        return facts

    def _percent_attrs(self, attrs: bytes) -> bool:
        style, kind = _STYLE_ATTR.search(attrs), _TYPE_ATTR.search(attrs)
        numeric = (kind[1].decode() if kind else None) in _NUMERIC_TYPES
        return numeric and (_int(style[1].decode()) if style else 0) in self.percent_xfs

    def _parse(self, data: bytes, final: bool) -> None:
        try:
            self.parser.Parse(data, final)
        except expat.ExpatError as exc:
            raise ReturnFileError("FILE_CORRUPT", f"{self.facts.part}: {exc}") from None

    def _too_large(self, key: str, **values: int) -> None:
        """Refuse the sheet: FILE_TOO_LARGE, the detail the label `key` with this part and `values`."""
        raise ReturnFileError("FILE_TOO_LARGE", LabelText(key, part=self.facts.part, **values))

    def _start(self, name: str, attrs: dict) -> None:
        tag = name.rpartition(":")[2]
        if tag == "c":
            self._start_cell(attrs)
        elif tag == "row":
            self.row_elements += 1
            r = attrs.get("r") or ""
            self.row = int(r) if r.isdigit() else self.row + 1
            self.col = 0
            if self.row_elements > MAX_ROWS:
                self._too_large("details.sheet_rows", limit=MAX_ROWS)
        elif self.ref is not None and tag in ("f", "v", "is"):
            self.has_value = True
            if tag != "is":
                self.capture, self.text = tag, []
                if tag == "f":
                    self.facts.formulas[self.ref] = ""
        elif tag == "mergeCell":
            self.facts.merged.append((attrs.get("ref") or "").upper())

    def _start_cell(self, attrs: dict) -> None:
        self.cells += 1
        if self.cells > MAX_CELLS:
            self._too_large("details.sheet_cells", limit=MAX_CELLS)
        m = _REF.match(attrs.get("r") or "")
        if m:
            self.col, row = col_number(m[1]), int(m[2])
            self.row = row or self.row
        else:
            self.col += 1
        self.ref = f"{col_letters(self.col)}{self.row}"
        self.is_error = attrs.get("t") == "e"
        self.has_value = self.has_number = False
        if self.percent_xfs:
            style = _int(attrs.get("s"))
            self.is_percent = (attrs.get("t") in _NUMERIC_TYPES
                               and (0 if attrs.get("s") is None else style) in self.percent_xfs)

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
            elif self.is_percent and text.strip():
                self.has_number = True  # a number, not an empty <v/> (a formula without a cached result)
            self.capture = None
        elif tag == "c" and self.ref is not None:
            if self.has_value:
                if self.row > MAX_ROWS:
                    self._too_large("details.sheet_row_beyond", row=self.row, limit=MAX_ROWS)
                if self.col > MAX_COLS:
                    self._too_large("details.sheet_column_beyond", column=self.col, limit=MAX_COLS)
                self.facts.rows = max(self.facts.rows, self.row)
                self.facts.cols = max(self.facts.cols, self.col)
                if self.has_number:
                    self.facts.percent_cells.add(self.ref)
            self.ref = None
