"""Catalogue of documents `xltool parse` must refuse or finish quickly: each class with its exact
outcome (error code, exit code 2, no traceback), and, where size matters, time and peak memory
measured in a subprocess (the worst case per class is recorded in the report / README)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from pdfmaker import make_pdf
from xltoolkit.cli import main
from xltoolkit.parsing.limits import MAX_TEXT_CHARS

ROOT = Path(__file__).resolve().parents[1]
MEMORY_LIMIT = 1024 * 1024 * 1024

PROBE = r"""
import json, resource, sys, time
from click.testing import CliRunner
from xltoolkit.cli import main
t = time.perf_counter()
r = CliRunner().invoke(main, ["parse", sys.argv[1]])
print(json.dumps({"exit": r.exit_code, "seconds": time.perf_counter() - t, "output": r.output[-2000:],
                  "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def run_measured(path: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def refused(path: Path, code: str) -> str:
    r = CliRunner().invoke(main, ["parse", str(path)])
    assert r.exit_code == 2, r.output
    assert code in r.output and "Traceback" not in r.output, r.output
    return r.output


def _docx_bytes(document_xml: bytes, extra: dict | None = None, compress=zipfile.ZIP_DEFLATED) -> bytes:
    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compress) as z:
        for info in src.infolist():
            data = document_xml if info.filename == "word/document.xml" else src.read(info)
            z.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _body(inner: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>{inner}</w:body></w:document>'.encode()


# --------------------------------------------------------------------------- zip and XML


def test_docx_zip_bomb_is_refused_while_streaming(tmp_path):
    """2 GiB of XML would be needed to hold it; refused after ~200 MiB counted, never held."""
    path = tmp_path / "bomb.docx"
    filler = b"<w:p/>" * (8 * 1024 * 1024 // 6)  # 8 MiB of highly compressible XML per chunk
    head = f'<?xml version="1.0"?><w:document {W}><w:body>'.encode()
    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                z.writestr(info.filename, src.read(info))
        with z.open("word/document.xml", "w", force_zip64=True) as fh:
            fh.write(head)
            for _ in range(256):  # 2 GiB
                fh.write(filler)
    assert path.stat().st_size < 5 * 1024 * 1024
    m = run_measured(path)
    assert m["exit"] == 2 and "ZIP_TOO_LARGE" in m["output"] and "Traceback" not in m["output"]
    assert m["seconds"] < 10 and m["peak"] < MEMORY_LIMIT, m


@pytest.mark.parametrize("doctype, code", [
    ('<!DOCTYPE w:document [<!ENTITY x "y">]>', "XML_UNSAFE"),  # a DTD, silently read before
    ('<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
     '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>', "XML_UNSAFE"),  # billion laughs
])
def test_docx_with_dtd_or_entities_is_refused_in_chinese(tmp_path, doctype, code):
    xml = _body("<w:p><w:r><w:t>&amp;</w:t></w:r></w:p>").replace(b"<w:document", doctype.encode() + b"<w:document", 1)
    path = tmp_path / "dtd.docx"
    path.write_bytes(_docx_bytes(xml))
    out = refused(path, code)
    assert "文档类型声明" in out and "libxml" not in out.lower()


def test_too_many_zip_entries(tmp_path):
    path = tmp_path / "many.docx"
    path.write_bytes(_docx_bytes(_body("<w:p/>"), {f"junk/{i}.bin": b"" for i in range(2100)}, zipfile.ZIP_STORED))
    refused(path, "ZIP_TOO_LARGE")


def test_corrupt_docx_and_xlsx(tmp_path):
    bad = tmp_path / "bad.docx"
    data = bytearray(_docx_bytes(_body("<w:p><w:r><w:t>一、任务</w:t></w:r></w:p>" * 50)))
    mid = data.find(b"word/document.xml") + 200
    data[mid:mid + 50] = b"\x00" * 50
    bad.write_bytes(bytes(data))
    r = CliRunner().invoke(main, ["parse", str(bad)])
    assert r.exit_code == 2 and ("ZIP_CORRUPT" in r.output or "DOCX_UNREADABLE" in r.output)
    (tmp_path / "x.xlsx").write_bytes(b"PK\x03\x04not a zip at all")
    refused(tmp_path / "x.xlsx", "XLSX_UNREADABLE")


def test_xlsx_with_dtd_is_refused(tmp_path):
    import openpyxl

    path = tmp_path / "t.xlsx"
    openpyxl.Workbook().save(path)
    src = zipfile.ZipFile(path)
    out = tmp_path / "dtd.xlsx"
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/workbook.xml":
                data = data.replace(b"<workbook", b'<!DOCTYPE x [<!ENTITY e "e">]><workbook', 1)
            z.writestr(info.filename, data)
    refused(out, "XML_UNSAFE")


def test_legacy_and_encrypted_office_files(tmp_path):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    (tmp_path / "a.doc").write_bytes(ole)
    refused(tmp_path / "a.doc", "LEGACY_DOC")
    (tmp_path / "a.xls").write_bytes(ole)
    refused(tmp_path / "a.xls", "LEGACY_XLS")
    (tmp_path / "e.docx").write_bytes(ole + "EncryptionInfo".encode("utf-16-le"))
    refused(tmp_path / "e.docx", "ENCRYPTED")


# --------------------------------------------------------------------------- size and time


def test_20_mb_text_is_refused_by_the_size_limit_at_once(tmp_path):
    path = tmp_path / "big.txt"
    line = "1.新增公园2个,建成学校3所。(牵头单位:区城管局)\n".encode("utf-8")
    path.write_bytes(line * (20 * 1024 * 1024 // len(line)))
    m = run_measured(path)
    assert m["exit"] == 2 and "TEXT_TOO_LONG" in m["output"] and m["seconds"] < 10 and m["peak"] < MEMORY_LIMIT, m


def test_largest_accepted_text_finishes_in_time(tmp_path):
    """Just under the limit, dense in targets and units (the slowest kind of text per character)."""
    path = tmp_path / "dense.txt"
    line = "1.新增公园2个,建成学校3所。(牵头单位:区城管局)\n"
    body = "二、主要任务\n" + line * ((MAX_TEXT_CHARS - 100) // len(line))
    path.write_text(body, encoding="utf-8")
    m = run_measured(path)
    assert m["exit"] == 0 and m["seconds"] < 10 and m["peak"] < MEMORY_LIMIT, m


def test_nested_brackets_are_linear(tmp_path):
    path = tmp_path / "nested.txt"
    n = 250_000
    path.write_text("一、主要任务\n1.任务" + "(" * n + "牵头单位:区发改局" + ")" * n + "\n", encoding="utf-8")
    m = run_measured(path)
    assert m["exit"] in (0, 2) and "Traceback" not in m["output"] and m["seconds"] < 10, m


def test_docx_table_with_5000_rows_and_a_cell_merged_over_all(tmp_path):
    rows = []
    for i in range(5000):
        merge = '<w:tcPr><w:vMerge w:val="restart"/></w:tcPr>' if i == 0 else "<w:tcPr><w:vMerge/></w:tcPr>"
        lead = "<w:r><w:t>区发改局</w:t></w:r>" if i == 0 else ""
        rows.append(f"<w:tr><w:tc><w:p><w:r><w:t>{i + 1}</w:t></w:r></w:p></w:tc>"
                    f"<w:tc><w:p><w:r><w:t>新建公园{i + 1}个。</w:t></w:r></w:p></w:tc>"
                    f"<w:tc>{merge}<w:p>{lead}</w:p></w:tc></w:tr>")
    header = ("<w:tr><w:tc><w:p><w:r><w:t>序号</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>重点任务</w:t></w:r>"
              "</w:p></w:tc><w:tc><w:p><w:r><w:t>牵头单位</w:t></w:r></w:p></w:tc></w:tr>")
    path = tmp_path / "big_table.docx"
    path.write_bytes(_docx_bytes(_body(f"<w:tbl>{header}{''.join(rows)}</w:tbl>")))
    m = run_measured(path)
    assert m["exit"] == 0 and m["seconds"] < 10 and m["peak"] < MEMORY_LIMIT, m
    from xltoolkit.parsing import parse_lines, read_document

    result = parse_lines(read_document(path)[0], "big_table.docx")
    tasks = result.data["chapters"][0]["tasks"]
    assert len(tasks) == 5000 and all(t["lead_units"] == ["区发改局"] for t in tasks)


def test_docx_cell_spanning_the_whole_table(tmp_path):
    rows = []
    for i in range(300):
        merge = '<w:vMerge w:val="restart"/>' if i == 0 else "<w:vMerge/>"
        text = "<w:r><w:t>附表：全部内容</w:t></w:r>" if i == 0 else ""
        rows.append(f'<w:tr><w:tc><w:tcPr><w:gridSpan w:val="5"/>{merge}</w:tcPr><w:p>{text}</w:p></w:tc></w:tr>')
    body = "<w:p><w:r><w:t>一、主要任务</w:t></w:r></w:p><w:p><w:r><w:t>1.新建公园2个。</w:t></w:r></w:p>"
    path = tmp_path / "span.docx"
    path.write_bytes(_docx_bytes(_body(body + f"<w:tbl>{''.join(rows)}</w:tbl>")))
    from xltoolkit.parsing import read_document

    lines, _ = read_document(path)
    assert [ln.raw for ln in lines].count("附表：全部内容") == 1


def test_scanned_and_broken_pdfs(tmp_path):
    (tmp_path / "scan.pdf").write_bytes(make_pdf(image_pages=2))
    refused(tmp_path / "scan.pdf", "PDF_NO_TEXT")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<>> garbage")
    r = CliRunner().invoke(main, ["parse", str(tmp_path / "broken.pdf")])
    assert r.exit_code == 2 and "Traceback" not in r.output and ("PDF_UNREADABLE" in r.output or "PDF_NO_TEXT" in r.output)


def test_huge_html_is_refused(tmp_path):
    path = tmp_path / "big.html"
    path.write_bytes(b"<html><body>" + b"<div>" * (5 * 1024 * 1024 // 5) + b"</body></html>")
    refused(path, "TOO_LARGE")
