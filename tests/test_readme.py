"""The README's commands are the ones CI and users run."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#") and not line.startswith(("set ", "cd "))]
    assert len(ci_lines) == 1, ci_lines
    assert f"\n{ci_lines[0]}\n" in readme


def test_readme_main_job_command_generates_the_default_plan():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "\nbash scripts/setup.sh && .venv/bin/xltool generate --period 2022Q4\n" in readme
