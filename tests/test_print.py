"""Printed workbooks (LibreOffice PDF export on A4): text large enough, table headers on every page,
no text running over a neighbouring row.

Measured with `pdftotext -bbox`: a word box of CJK text is 1.2987 × its font size high (see
/work/shared/NOTES-office.md), so the printed size of a word is its box height / 1.2987.
All workbooks are converted in one soffice call (one start-up) per test module.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from xltoolkit.forms import TASK_FORM
from xltoolkit.merge import MergeOptions, MergeRequest, SummaryOutput, collect_inputs, merge, scan_inputs
from xltoolkit.model import Period

from conftest import FIXED_NOW, SOFFICE_TIMEOUT
from filler import fill_all

pytestmark = pytest.mark.office

BOX_PER_PT = 1.2987  # CJK word box height per point of font size
MIN_PT = 8.0
TOLERANCE = 1.0  # points
LINE_OVERLAP = 0.1  # consecutive lines of one cell overlap by about 0.1 × the box height (line pitch 0.9)
CJK = re.compile(r"[\u2e80-\u9fff\uff00-\uffef]")
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')
TASK_ID = re.compile(r"^T\d+(\.\d+)+$")


@dataclass(frozen=True)
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def pdf_words(pdf: Path) -> list[list[Word]]:
    """The word boxes of each page."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, timeout=120,
                         check=True).stdout
    return [[Word(*map(float, m.groups()[:4]), html.unescape(m.group(5))) for m in WORD.finditer(page)]
            for page in out.split("<page ")[1:]]


def smallest_cjk(pages: list[list[Word]]) -> tuple[float, int, str]:
    """(printed size in pt, page number, word) of the smallest CJK word."""
    return min(((w.height / BOX_PER_PT, n, w.text) for n, ws in enumerate(pages, 1) for w in ws
                if CJK.search(w.text)), default=(99.0, 0, ""))


def collisions(words: list[Word]) -> list[tuple[Word, Word]]:
    """Pairs of word boxes on one page that overlap side by side and vertically by more than two
    lines of one wrapped cell do (plus TOLERANCE): text of one row printed over another's."""
    bad = []
    ordered = sorted(words, key=lambda w: w.y0)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b.y0 >= a.y1:
                break
            x_overlap = min(a.x1, b.x1) - max(a.x0, b.x0)
            y_overlap = min(a.y1, b.y1) - max(a.y0, b.y0)
            if x_overlap > TOLERANCE and y_overlap > TOLERANCE + LINE_OVERLAP * max(a.height, b.height):
                bad.append((a, b))
    return bad


def page_text(words: list[Word]) -> str:
    return "".join(w.text for w in words)


@pytest.fixture(scope="module")
def printed(generated14, generated2022, plan14, labels, soffice, tmp_path_factory):
    """{name: (pdf pages' words, xlsx)} for a return (区发改局), both masters and a small summary."""
    base = tmp_path_factory.mktemp("print")
    src = base / "xlsx"
    src.mkdir()
    ret = next(p for p in generated14.returns if p.stem.endswith("区发改局"))
    period = Period.parse("2022Q4")
    typed = fill_all([ret, *[p for p in generated14.returns if p != ret][:3]], base / "filled", plan14, period,
                     labels)
    files = scan_inputs(collect_inputs(list(typed)), labels)
    merge(MergeRequest(plan14, period, files, MergeOptions(now=FIXED_NOW)), [SummaryOutput(src / "summary14.xlsx")],
          labels)
    shutil.copy(ret, src / "return14.xlsx")
    shutil.copy(generated14.master, src / "master14.xlsx")
    shutil.copy(generated2022.master, src / "master2022.xlsx")
    books = sorted(src.glob("*.xlsx"))
    profile = tmp_path_factory.mktemp("lo-profile")
    pdf_dir = base / "pdf"
    proc = subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                           "--outdir", str(pdf_dir), *map(str, books)],
                          capture_output=True, text=True, timeout=SOFFICE_TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler) not available")
    return {b.stem: pdf_words(pdf_dir / (b.stem + ".pdf")) for b in books}


def test_every_printed_character_is_at_least_8pt(printed):
    report = {}
    for name, pages in printed.items():
        size, page, word = smallest_cjk(pages)
        report[name] = (round(size, 2), len(pages))
        assert size >= MIN_PT, f"{name}: {word!r} on page {page} prints at {size:.2f} pt"
    print("\nsmallest printed CJK size (pt), pages:", report)


def test_no_text_runs_over_a_neighbouring_row(printed):
    for name, pages in printed.items():
        for n, words in enumerate(pages, 1):
            bad = collisions(words)
            assert not bad, f"{name} page {n}: {bad[:3]}"


def _unit_tab_pages(pages: list[list[Word]], labels) -> list[tuple[int, list[Word]]]:
    """The pages of unit sheets: from the first page with a header block (填报单位) to the end (the
    unit tabs are the last printed sheets of a master; a return's unit sheet follows 填报说明)."""
    first = next(n for n, ws in enumerate(pages) if labels["header.unit"] in page_text(ws))
    return list(enumerate(pages, 1))[first:]


def _task_id_left(words: list[Word]) -> bool:
    """A task row's id in column A (targets show their task's id in column B, further right)."""
    left = min((w.x0 for w in words), default=0)
    return any(TASK_ID.match(w.text) and w.x0 < left + 12 for w in words)


@pytest.mark.parametrize("name", ["return14", "master14"])
def test_task_header_on_every_page_with_tasks(printed, labels, name):
    """The tasks table is the long one: its header row (first to last column) is on every page that
    shows task rows, and the table is never cut into pages side by side."""
    headers = [TASK_FORM.columns[0].header(labels), TASK_FORM.column("text").header(labels),
               TASK_FORM.columns[-1].header(labels)]
    pages = _unit_tab_pages(printed[name], labels)
    with_tasks = [(n, ws) for n, ws in pages if _task_id_left(ws)]
    assert len(with_tasks) >= (3 if name == "return14" else 40)
    for n, words in with_tasks:
        text = page_text(words)
        missing = [h for h in headers if h not in text]
        assert not missing, f"{name} page {n}: task rows without the header {missing}"


def test_matrix_repeats_its_item_columns(printed, labels, plan14):
    """The responsibility matrix of 48 units is two pages wide: each page shows the item names."""
    pages = printed["master14"]
    first_task = plan14.chapters[0].tasks[0]
    pages_with_item = [n for n, ws in enumerate(pages, 1) if first_task.title in page_text(ws)]
    # the matrix's pages side by side, and the 待分配/unit tabs that name the task too
    assert len(pages_with_item) >= 2


def test_2022_master_chapter_rows_print_clear(printed, plan2022):
    """The 2022 plan's matrix (no units assigned): every chapter title prints whole."""
    text = "".join(page_text(ws) for ws in printed["master2022"])
    for chapter in plan2022.chapters:
        assert chapter.title.replace(" ", "") in text
