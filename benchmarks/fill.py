"""A fast filler for the benchmark: types valid answers into generated returns by editing the unit
sheet's XML in place (what Excel would store), instead of loading and re-saving with openpyxl.

Each input cell XlsxWriter wrote as an empty styled cell (``<c r="H17" s="12"/>``) becomes a filled
cell with the same style: numbers as ``<v>``, text as an inline string, the date as its serial
number (the cell's yyyy-mm-dd format makes readers see a date). Everything else in the file is
copied unchanged, so `merge` reads the result exactly as it reads a department's file. Not timed.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from filler import answers  # noqa: E402  the same valid answers the tests type
from xltoolkit.labels import Labels  # noqa: E402
from xltoolkit.model import Period, Plan  # noqa: E402
from xltoolkit.reading import read_return  # noqa: E402

EXCEL_EPOCH = dt.date(1899, 12, 30)


def _cell_xml(ref: str, style: str, value: Any) -> str:
    if isinstance(value, dt.date):
        return f'<c r="{ref}"{style}><v>{(value - EXCEL_EPOCH).days}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"{style}><v>{value!r}</v></c>'
    return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


_EMPTY_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"( s="[0-9]+")?/>')


def _sheet_part(zf: zipfile.ZipFile, sheet_name: str) -> str:
    """The zip path of a sheet's XML, by name (workbook.xml -> rels)."""
    wb = zf.read("xl/workbook.xml").decode("utf-8")
    rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    m = re.search(r'<sheet name="%s" sheetId="\d+"(?: state="\w+")? r:id="(rId\d+)"' % re.escape(escape(sheet_name)), wb)
    target = re.search(r'Id="%s"[^>]*Target="([^"]+)"' % m.group(1), rels) or \
        re.search(r'Target="([^"]+)"[^>]*Id="%s"' % m.group(1), rels)
    path = target.group(1)
    return path.lstrip("/") if path.startswith("/") else "xl/" + path


def fill_xml(src: Path, dst: Path, sheet: str, cells: dict[str, Any]) -> None:
    """Copy `src` to `dst` with `cells` typed into the empty input cells of `sheet`."""
    with zipfile.ZipFile(src) as zin:
        part = _sheet_part(zin, sheet)
        xml = zin.read(part).decode("utf-8")
        missing = set(cells)

        def repl(m: re.Match) -> str:
            ref = m.group(1)
            if ref not in cells:
                return m.group(0)
            missing.discard(ref)
            return _cell_xml(ref, m.group(2) or "", cells[ref])

        xml = _EMPTY_CELL.sub(repl, xml)
        if missing:
            raise ValueError(f"{src}: input cells not found: {sorted(missing)[:5]}")
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                data = xml.encode("utf-8") if info.filename == part else zin.read(info.filename)
                zout.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)


def fill_all(returns: list[Path], out_dir: Path, plan: Plan, period: Period, labels: Labels) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for seed, path in enumerate(returns):
        raw = read_return(path, labels)
        dst = out_dir / path.name
        fill_xml(path, dst, raw.unit_sheet, answers(raw, plan, period, labels, seed=seed).cells)
        written.append(dst)
    return written
