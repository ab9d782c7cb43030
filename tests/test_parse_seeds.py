"""`xltool parse` reproduces the bundled plans from their seed texts.

Every difference between the parser's output and a bundled plan must be a reviewed `manual_edits`
entry of that plan file (item, field), and every manual edit must still correspond to a difference.
Compared field by field by xltoolkit.parsing.compare (unit ids and human annotations — notes, note,
metric, decisions — are not compared). Unit kinds: the parser's suffix rules must give the bundled
kind, or the difference is a manual edit.
"""

from pathlib import Path

import pytest
import yaml

from xltoolkit.parsing import parse_lines, read_document
from xltoolkit.parsing.compare import compare, format_scores, scores

ROOT = Path(__file__).resolve().parents[1]
SEEDS = [("wuchang-14fyp", "000_204739c3a34e3f44.txt"), ("wuchang-2022", "002_93ebdd97daf7e864.txt")]


def _parse(plan_id, source):
    lines, _ = read_document(ROOT / "samples" / "sources" / source)
    return parse_lines(lines, source_name=source, plan_id=plan_id)


def _bundled(plan_id):
    return yaml.safe_load((ROOT / "samples" / "plans" / f"{plan_id}.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("plan_id, source", SEEDS)
def test_seed_reproduces_bundled_plan_up_to_manual_edits(plan_id, source):
    result = _parse(plan_id, source)
    assert result.plan is not None
    bundled = _bundled(plan_id)
    differences = compare(result.data, bundled)
    edits = {(e["item"], e["field"]) for e in bundled.get("manual_edits", [])}
    found = {d.key for d in differences}
    unexplained = [str(d) for d in differences if d.key not in edits]
    stale = sorted(edits - found)
    assert not unexplained, "differences not recorded as manual edits:\n" + "\n".join(unexplained)
    assert not stale, f"manual edits that no longer correspond to a difference: {stale}"
    for e in bundled.get("manual_edits", []):
        assert e["reason"].strip()


@pytest.mark.parametrize("plan_id, source", SEEDS)
def test_alias_manual_edits_are_backed_by_suggestions(plan_id, source):
    """Every alias the reviewers merged is one the parser proposed (it never merges silently)."""
    result = _parse(plan_id, source)
    suggested = {(s.a, s.b) for s in result.suggestions}
    bundled = _bundled(plan_id)
    merged = {(alias, u["name"]) for u in bundled["units"] for alias in u.get("aliases", [])}
    assert merged <= suggested
    assert all(len(u["aliases"]) == 0 for u in result.data["units"])


def test_manual_edits_detect_a_new_difference():
    """The comparison is sensitive: changing one bundled value makes an unexplained difference."""
    result = _parse(*SEEDS[0])
    bundled = _bundled(SEEDS[0][0])
    bundled["chapters"][0]["tasks"][0]["targets"][0]["comparator"] = ">"
    keys = {d.key for d in compare(result.data, bundled)}
    assert ("T1.1", "targets.0.comparator") in keys


@pytest.mark.parametrize("plan_id, source", SEEDS)
def test_precision_recall(plan_id, source, capsys):
    result = _parse(plan_id, source)
    s = scores(result.data, _bundled(plan_id))
    with capsys.disabled():
        print("\n" + format_scores(plan_id, s))
    for name, value in s.items():
        assert value["precision"] >= 0.95 and value["recall"] >= 0.95, (name, value)


def test_invisible_characters_are_removed_warned_and_recorded(tmp_path):
    """A published document with zero-width spaces, a BOM and a direction override inside its text
    still parses: the characters are removed (a plan cannot hold them), each line is warned about,
    the decision is recorded in the plan file, and every text is otherwise the seed's."""
    from click.testing import CliRunner

    from xltoolkit.cli import main

    source = ROOT / "samples" / "sources" / SEEDS[0][1]
    clean = _parse(*SEEDS[0])
    text = source.read_text(encoding="utf-8").split("\n")
    task_line = next(n for n, line in enumerate(text) if "牵头单位" in line and len(line) > 60)
    unit_line = next(n for n, line in enumerate(text) if "区发改局" in line and n != task_line)
    text[task_line] = text[task_line][:10] + "\u200b" + text[task_line][10:20] + "\ufeff\u200b" + text[task_line][20:]
    text[unit_line] = text[unit_line].replace("区发改局", "区发\u202e改局", 1)
    dirty = tmp_path / "dirty.txt"
    dirty.write_text("\n".join(text), encoding="utf-8")
    lines, _ = read_document(dirty)
    result = parse_lines(lines, source_name=SEEDS[0][1], plan_id=SEEDS[0][0])
    assert result.plan is not None
    warned = {(w.line, w.values["chars"]) for w in result.warnings if w.code == "INVISIBLE_REMOVED"}
    assert warned == {(task_line + 1, "U+200B ×2, U+FEFF"), (unit_line + 1, "U+202E")}
    assert compare(result.data, clean.data) == []  # the same plan apart from the decision
    decision = result.data["decisions"][0]
    assert decision.startswith("Removed 4 invisible characters") and "U+200B ×2" in decision
    out = tmp_path / "plan.yaml"
    run = CliRunner().invoke(main, ["parse", str(dirty), "-o", str(out)])
    assert run.exit_code == 0, run.output
    assert "删除了不可见字符 U+202E" in run.output and "Removed 4 invisible characters" in out.read_text(encoding="utf-8")
