"""xltool status: who reported, on time or late (by the workbook's saved time), who to chase, and the
催办名单 with a message for each unit that needs one."""

from __future__ import annotations

import openpyxl
from click.testing import CliRunner

from filler import answers, fill_openpyxl
from test_planbook import _with_saved_time
from xltoolkit.cli import main
from xltoolkit.model import Period
from xltoolkit.reading import read_return

PERIOD = Period.parse("2022Q4")


def test_status_lists_a_late_and_a_missing_unit_and_writes_the_chase_list(tmp_path, tiny_plan, generated_tiny,
                                                                          labels):
    plan_file = tmp_path / "plan.yaml"
    import yaml

    plan_file.write_text(yaml.safe_dump(tiny_plan.model_dump(mode="json"), allow_unicode=True), encoding="utf-8")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    by_unit = {p.stem.rsplit("_", 1)[1]: p for p in generated_tiny.returns}
    due = tiny_plan.due_date(PERIOD)  # 10 days after 2022-12-31
    for unit, saved in (("区甲局", "2023-01-05T10:00:00Z"), ("区乙局", "2023-01-20T10:00:00Z")):
        src = by_unit[unit]
        filled = tmp_path / src.name
        fill_openpyxl(src, filled, answers(read_return(src, labels), tiny_plan, PERIOD, labels))
        _with_saved_time(filled, inbox / src.name, saved)
    out = tmp_path / "催办名单.xlsx"
    result = CliRunner().invoke(main, ["status", str(inbox), "--plan", str(plan_file), "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert due.isoformat() == "2023-01-10" and "2023-01-10" in result.output
    wb = openpyxl.load_workbook(out)
    ws = wb[labels["chase.sheet"]]
    header = [c.value for c in ws[3]]
    rows = {r[header.index(labels["chase.columns.unit"])]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    col = {k: header.index(labels[f"chase.columns.{k}"]) for k in ("timeliness", "submission", "message")}
    assert rows["区甲局"][col["timeliness"]] == labels["chase.timeliness.on_time"]
    assert rows["区乙局"][col["timeliness"]] == labels["chase.timeliness.late"]
    assert rows["区丙办"][col["submission"]] == labels["submission.missing"]
    assert rows["区甲局"][col["message"]] in ("", None)  # nothing to ask of it
    assert "区丙办" in rows["区丙办"][col["message"]] and labels["chase.ask.submit"] in rows["区丙办"][col["message"]]
    assert labels["chase.ask.on_time_next"] in rows["区乙局"][col["message"]]
    first_rows = [r[header.index(labels["chase.columns.unit"])] for r in ws.iter_rows(min_row=4, max_row=5,
                                                                                       values_only=True)]
    assert set(first_rows) == {"区乙局", "区丙办"}  # units to chase come first


def test_the_due_date_is_on_the_instructions_sheet(generated_tiny, tiny_plan, labels):
    wb = openpyxl.load_workbook(generated_tiny.returns[0], read_only=True)
    texts = [str(c) for row in wb[labels["sheets.instructions"]].iter_rows(values_only=True) for c in row if c]
    assert any(tiny_plan.due_date(PERIOD).isoformat() in t for t in texts)


def test_status_from_the_history_database(tmp_path, tiny_plan, generated_tiny, labels):
    """Without returns: the recorded period's submissions (the latest, or --period)."""
    import yaml

    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text(yaml.safe_dump(tiny_plan.model_dump(mode="json"), allow_unicode=True), encoding="utf-8")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    src = next(p for p in generated_tiny.returns if p.stem.endswith("区甲局"))
    filled = tmp_path / src.name
    fill_openpyxl(src, filled, answers(read_return(src, labels), tiny_plan, PERIOD, labels))
    _with_saved_time(filled, inbox / src.name, "2023-01-20T10:00:00Z")  # late
    db = tmp_path / "h.db"
    r = CliRunner().invoke(main, ["merge", str(inbox), "--plan", str(plan_file), "--out", str(tmp_path / "s.xlsx"),
                                  "--db", str(db)])
    assert r.exit_code in (0, 1), r.output
    out = tmp_path / "c.xlsx"
    result = CliRunner().invoke(main, ["status", "--db", str(db), "-o", str(out)])
    assert result.exit_code == 1, result.output
    ws = openpyxl.load_workbook(out)[labels["chase.sheet"]]
    header = [c.value for c in ws[3]]
    rows = {r[header.index(labels["chase.columns.unit"])]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    t = header.index(labels["chase.columns.timeliness"])
    assert rows["区甲局"][t] == labels["chase.timeliness.late"]
    assert rows["区乙局"][t] == labels["chase.timeliness.none"] and set(rows) == {"区甲局", "区乙局", "区丙办"}
    missing = CliRunner().invoke(main, ["status", "--db", str(db), "--period", "2022Q3"])
    assert missing.exit_code == 2 and "DB_PERIOD_UNKNOWN" in missing.output
