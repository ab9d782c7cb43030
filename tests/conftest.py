"""Shared fixtures: the bundled plans, labels, one generated output per session, small plan files,
and LibreOffice (soffice) for the office tests."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from hypothesis import settings as hypothesis_settings

# Property tests run the same examples every time (a CI run is reproducible); XLTOOL_FUZZ_EXAMPLES=N
# explores new ones (tests/test_fuzz.py, tests/test_parse_robust.py take N examples then).
hypothesis_settings.register_profile("xltool", derandomize=not os.environ.get("XLTOOL_FUZZ_EXAMPLES"),
                                     database=None)
hypothesis_settings.load_profile("xltool")

from xltoolkit.generate import generate
from xltoolkit.labels import get_labels
from xltoolkit.model import Period
from xltoolkit.plans import load_plan, plan_from_data
from xltoolkit.reading import RawReturn, read_return

from filler import Answers, answers, fill_openpyxl

ROOT = Path(__file__).resolve().parents[1]
UNO_TOOL = ROOT / "tests" / "office" / "uno_tool.py"
FIXED_NOW = dt.datetime(2023, 1, 10, 9, 30, 0)
SOFFICE_TIMEOUT = 180

# A small valid plan: three units (one with an alias), one indicator, one chapter with two tasks.
BASE_PLAN = {
    "id": "test-plan",
    "title": "测试计划",
    "horizon": [2022, 2025],
    "decisions": ["a transcription decision"],
    "units": [
        {"id": "ja", "name": "区甲局", "kind": "department", "aliases": ["甲局"]},
        {"id": "yi", "name": "区乙局", "kind": "department"},
        {"id": "bing", "name": "区丙办", "kind": "party_organ"},
    ],
    "indicators": [
        {"id": "E01", "kind": "expected", "name": "地区生产总值增长",
         "target": {"text": "增长7%", "value": 7, "unit": "%", "comparator": ">=",
                    "direction": "higher_better", "deadline_year": 2025},
         "lead_units": ["区甲局"], "responsible_units": ["区乙局"]},
    ],
    "chapters": [
        {"id": "C1", "title": "第一章", "tasks": [
            {"id": "T1.1", "title": "任务一", "text": "任务一的内容。",
             "lead_units": ["区甲局"], "responsible_units": ["区乙局", "区丙办"],
             "targets": [{"text": "新增10家", "value": 10, "unit": "家", "comparator": "=",
                          "direction": "higher_better", "deadline_year": 2025}]},
            {"id": "T1.2", "title": "任务二", "text": "任务二的内容。", "lead_units": ["区乙局"]},
        ]},
    ],
}


@pytest.fixture(scope="session", autouse=True)
def _history_db_in_a_temporary_folder(tmp_path_factory):
    """Merges in tests record their history in a temporary database, never in the checkout's
    generated/xltool.db (tests that test the default location set their own environment)."""
    import os

    old = os.environ.get("XLTOOL_DB")
    os.environ["XLTOOL_DB"] = str(tmp_path_factory.mktemp("history") / "xltool.db")
    yield
    if old is None:
        os.environ.pop("XLTOOL_DB", None)
    else:
        os.environ["XLTOOL_DB"] = old


@pytest.fixture(autouse=True)
def _history_db_per_test(tmp_path_factory, monkeypatch):
    """And each test its own: a merge in one test never gives the next test's generate an earlier
    period (the session's database above stays empty, for the session-wide fixtures)."""
    monkeypatch.setenv("XLTOOL_DB", str(tmp_path_factory.mktemp("history-test") / "xltool.db"))


@pytest.fixture(scope="session")
def labels():
    return get_labels()


@pytest.fixture(scope="session")
def plan14():
    return load_plan("wuchang-14fyp")


@pytest.fixture(scope="session")
def plan2022():
    return load_plan("wuchang-2022")


@pytest.fixture(scope="session")
def fixed_now():
    return FIXED_NOW


@pytest.fixture(scope="session")
def generated14(plan14, labels, tmp_path_factory):
    """The default plan generated once for 2022Q4. Read it; never modify it (copy first)."""
    out = tmp_path_factory.mktemp("generated14")
    return generate(plan14, Period.parse("2022Q4"), out, labels=labels, now=FIXED_NOW)


@dataclass
class FilledReturn:
    """One unit's return from a shared generation: the blank file, what it reads as, and a copy
    filled with valid answers. Read-only: copy before modifying."""

    unit: str
    src: Path  # the blank return (inside the shared generated output)
    raw: RawReturn  # `src` read back
    answers: Answers  # the valid answers typed into `valid`
    valid: Path  # `src` filled with `answers` (openpyxl)


@pytest.fixture(scope="session")
def filled14(generated14, plan14, labels, tmp_path_factory) -> FilledReturn:
    """区发改局's return of `generated14` (4 indicators, 5 tasks), blank and filled (seed 1)."""
    unit = "区发改局"
    src = next(p for p in generated14.returns if p.stem.endswith(unit))
    raw = read_return(src, labels)
    a = answers(raw, plan14, Period.parse("2022Q4"), labels, seed=1)
    valid = tmp_path_factory.mktemp("filled14") / src.name
    fill_openpyxl(src, valid, a)
    return FilledReturn(unit, src, raw, a, valid)


@pytest.fixture(scope="session")
def tiny_plan():
    """BASE_PLAN as a Plan."""
    return plan_from_data(copy.deepcopy(BASE_PLAN))


@pytest.fixture(scope="session")
def generated_tiny(tiny_plan, labels, tmp_path_factory):
    """BASE_PLAN generated once for 2022Q4 (a master and three returns). Read it; never modify it."""
    out = tmp_path_factory.mktemp("generated-tiny")
    return generate(tiny_plan, Period.parse("2022Q4"), out, labels=labels, now=FIXED_NOW)


@pytest.fixture(scope="session")
def generated2022(plan2022, labels, tmp_path_factory):
    """The 2022 plan (no units assigned) generated once for the year 2022."""
    out = tmp_path_factory.mktemp("generated2022")
    return generate(plan2022, Period.parse("2022"), out, labels=labels, now=FIXED_NOW)


@pytest.fixture
def make_plan():
    """make_plan(**top_level_overrides) -> a fresh, deep-copied plan dict (valid unless overridden)."""

    def factory(**overrides):
        data = copy.deepcopy(BASE_PLAN)
        data.update(copy.deepcopy(overrides))
        return data

    return factory


@pytest.fixture
def write_plan(tmp_path):
    """write_plan(data, name="plan.yaml") -> path of a YAML (or .json) plan file in tmp_path."""

    def writer(data, name: str = "plan.yaml") -> Path:
        path = tmp_path / name
        if name.endswith(".json"):
            path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        elif isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    return writer


# Fixtures that start LibreOffice. A test using one must be marked `office`, so that
# `pytest -m "not office"` starts no soffice process (tests calling soffice otherwise are marked too).
OFFICE_FIXTURES = frozenset({"soffice", "soffice_convert", "uno_recalc"})


def pytest_collection_modifyitems(config, items):
    unmarked = [item.nodeid for item in items
                if OFFICE_FIXTURES & set(getattr(item, "fixturenames", ())) and not item.get_closest_marker("office")]
    if unmarked:
        raise pytest.UsageError("tests using LibreOffice must be marked office: " + ", ".join(unmarked))


def _need(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required on CI")
    pytest.skip(f"{what} not available")


@pytest.fixture(scope="session")
def soffice():
    path = shutil.which("soffice")
    if not path:
        _need("LibreOffice (soffice)")
    return path


@pytest.fixture
def soffice_convert(soffice, tmp_path_factory):
    """convert(files, fmt, outdir) -> run soffice --convert-to with a private profile; returns outdir."""

    def convert(files, fmt: str, outdir: Path) -> Path:
        profile = tmp_path_factory.mktemp("lo-profile")
        outdir.mkdir(parents=True, exist_ok=True)
        cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
               "--convert-to", fmt, "--outdir", str(outdir), *[str(f) for f in files]]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=SOFFICE_TIMEOUT)
        assert proc.returncode == 0, f"soffice failed ({proc.returncode}): {proc.stderr}"
        return outdir

    return convert


@pytest.fixture(scope="session")
def uno_recalc(soffice):
    """recalc(path) -> {"formulas": N, "changed": {...}} from tests/office/uno_tool.py (Debian python3 + uno)."""
    python = "/usr/bin/python3"
    probe = subprocess.run([python, "-c", "import uno"], capture_output=True) if Path(python).exists() else None
    if probe is None or probe.returncode != 0:
        _need("python3-uno under /usr/bin/python3")

    def recalc(path: Path) -> dict:
        proc = subprocess.run([python, str(UNO_TOOL), "recalc", str(path)], capture_output=True, text=True,
                              timeout=SOFFICE_TIMEOUT)
        assert proc.returncode == 0, f"uno_tool recalc failed: {proc.stderr}"
        return json.loads(proc.stdout.strip().splitlines()[-1])

    return recalc


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="Rewrite the golden files under tests/golden/ from the current output (see test_golden.py).")
