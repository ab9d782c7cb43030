"""Every parse.warning.* and parse.error.* template renders with exactly the values the code passes."""

import string
from pathlib import Path

import pytest

from xltoolkit.labels import get_labels
from xltoolkit.parsing import parse_lines, parse_text, read_document
from xltoolkit.parsing.warnings import ERRORS_WITH_DETAIL, ERRORS_WITHOUT_DETAIL, WARNING_VALUES, ParseInputError

ROOT = Path(__file__).resolve().parents[1]


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _section(name):
    return get_labels()[f"parse.{name}"]


def test_every_warning_template_matches_its_values():
    templates = _section("warning")
    assert set(templates) == set(WARNING_VALUES)
    for code, names in WARNING_VALUES.items():
        assert _placeholders(templates[code]) == set(names), code
        values = {n: f"<{n}>" for n in names}
        if "measure" in values:
            values["measure"] = "level"
        from xltoolkit.parsing.warnings import ParseWarning

        text = ParseWarning(3, code, values).message(get_labels())
        assert text.startswith("第3行") and "{" not in text and code not in text


def test_every_error_template_matches_its_values():
    templates = _section("error")
    assert set(templates) == ERRORS_WITH_DETAIL | ERRORS_WITHOUT_DETAIL
    for code, template in templates.items():
        expected = {"path", "detail"} if code in ERRORS_WITH_DETAIL else {"path"}
        assert _placeholders(template) == expected, code
        assert "{" not in get_labels().fmt(f"parse.error.{code}", path="a.docx", detail="d")


def test_warnings_the_parser_emits_carry_the_registered_values():
    corpus = [ROOT / "samples" / "sources" / p for p in ("000_204739c3a34e3f44.txt", "002_93ebdd97daf7e864.txt")]
    corpus += sorted((ROOT / "tests" / "parse_docs").glob("*.txt"))
    results = [parse_lines(read_document(p)[0], p.name) for p in corpus]
    results.append(parse_text("一、主要任务\n1.x。(牵头单位:区甲局;责任单位:区甲局\n3.新建公园5-3个。\n落实单位:区乙局、丙局等\n"
                              "打造商业中心3个。\n二、主要指标\n1.绿化\n"))
    seen = set()
    for r in results:
        for w in r.warnings:
            assert set(w.values) == set(WARNING_VALUES[w.code]), (w.code, w.values)
            seen.add(w.code)
    assert len(seen) >= 10


@pytest.mark.parametrize("content, name, code", [
    (b"", "empty.txt", "NOT_A_PLAN"), (b"\x00\x01" * 100, "bin.txt", "BINARY"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.doc", "LEGACY_DOC"),
])
def test_raised_errors_carry_detail_only_where_the_template_uses_it(tmp_path, content, name, code):
    path = tmp_path / name
    path.write_bytes(content)
    try:
        lines, _ = read_document(path)
    except ParseInputError as exc:
        assert exc.code == code
        assert bool(exc.detail) == (code in ERRORS_WITH_DETAIL)
    else:
        assert code == "NOT_A_PLAN" and not parse_lines(lines, name).is_plan
