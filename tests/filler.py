"""Fill generated returns the way a department would: with openpyxl, or through LibreOffice (UNO).

`answers(...)` makes a deterministic, valid set of answers for one return; tests then break single
values on purpose. Used by the tests, the samples and the benchmark (not part of timed steps).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xltoolkit.labels import Labels
from xltoolkit.model import Period, Plan
from xltoolkit.reading import RawReturn, read_return

UNO_TOOL = Path(__file__).parent / "office" / "uno_tool.py"


@dataclass
class Answers:
    """Cell edits for one return: A1 reference -> value, all on the unit sheet."""

    sheet: str
    cells: dict[str, Any] = field(default_factory=dict)
    # What merge should read back: (item id, column key) -> value; header key -> value
    items: dict[tuple[str, str], Any] = field(default_factory=dict)
    header: dict[str, Any] = field(default_factory=dict)


def answers(raw: RawReturn, plan: Plan, period: Period, labels: Labels, seed: int = 0) -> Answers:
    """Valid answers for every input cell of a generated return, varied by `seed` and item."""
    from xltoolkit.forms import STATUS_KEYS
    a = Answers(sheet=raw.unit_sheet)
    end = period.end
    header = {"reporter": f"填报人{seed % 97}", "phone": f"027-{87000000 + seed % 999999}",
              "date": end, "reviewer": f"审核人{seed % 89}"}
    for key, value in header.items():
        a.cells[raw.header[key].ref] = value
        a.header[key] = value
    indicators = {i.id: i for i in plan.indicators}
    for n, row in enumerate(raw.rows):
        k = seed + n
        if row.form == "tasks":
            status = STATUS_KEYS[k % len(STATUS_KEYS)]
            progress = {"not_started": 0, "done": 100}.get(status, 10 + (k * 7) % 85)
            values = {"status": status, "progress": progress,
                      "work": "" if status == "not_started" else f"{row.item_id} 本期完成工作{k}项，推进顺利。",
                      "problems": f"{row.item_id} 资金到位慢" if status == "lagging" else "",
                      "next_steps": f"{row.item_id} 下期继续推进"}
        else:
            found = plan.target(row.item_id)
            target = found[1] if row.form == "targets" else indicators[row.item_id].target
            base = target.low if target.low is not None else 50.0
            values = {"actual": round(base * (0.9 + (k % 5) * 0.05), 2), "note": f"{row.item_id} 统计部门初步数"}
        for key, value in values.items():
            if value != "":
                # The cell gets the answer's words; merge reads back its key.
                a.cells[row.values[key].ref] = labels["status." + value] if key == "status" else value
            a.items[(row.item_id, key)] = value
    return a


def fill_openpyxl(src: Path, dst: Path, edits: Answers) -> None:
    """Open with openpyxl, type the answers, save (as a department using a script or Excel would)."""
    import openpyxl

    wb = openpyxl.load_workbook(src)
    ws = wb[edits.sheet]
    for ref, value in edits.cells.items():
        cell = ws[ref]
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # text typed by a user stays text, even "=..."
    wb.save(dst)


def soffice_available() -> bool:
    return shutil.which("soffice") is not None and Path("/usr/bin/python3").exists()


def fill_libreoffice(src: Path, dst: Path, edits: Answers) -> None:
    """Type the answers through LibreOffice (UNO) and save as xlsx: a real office program's file."""
    payload = []
    for ref, value in edits.cells.items():
        if isinstance(value, dt.date):
            value = value.isoformat()  # typed as text, as a user types a date; LibreOffice may keep it text
        payload.append({"sheet": edits.sheet, "cell": ref, "value": value})
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as fh:
        json.dump(payload, fh, ensure_ascii=False)
    subprocess.run(["/usr/bin/python3", str(UNO_TOOL), "fill", str(src), str(dst), fh.name],
                   check=True, timeout=240, capture_output=True)
    Path(fh.name).unlink()


def resave_libreoffice(src: Path, out_dir: Path) -> Path:
    """`soffice --convert-to xlsx`: LibreOffice loads and re-writes the file, as a re-save does."""
    profile = tempfile.mkdtemp(prefix="lo-profile-")
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "xlsx",
                    "--outdir", str(out_dir), str(src)], check=True, timeout=240, capture_output=True)
    shutil.rmtree(profile, ignore_errors=True)
    return out_dir / (src.stem + ".xlsx")


def fill_all(returns: list[Path], out_dir: Path, plan: Plan, period: Period, labels: Labels) -> dict[Path, Answers]:
    """Fill every return with openpyxl into out_dir; returns what was typed per output file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    typed = {}
    for seed, path in enumerate(returns):
        raw = read_return(path, labels)
        a = answers(raw, plan, period, labels, seed=seed)
        dst = out_dir / path.name
        fill_openpyxl(path, dst, a)
        typed[dst] = a
    return typed
