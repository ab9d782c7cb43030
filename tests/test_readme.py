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


def test_samples_belong_to_the_current_default_plan():
    """samples/returns must be regenerated (scripts/make_samples.py) when the default plan changes."""
    from xltoolkit.labels import get_labels
    from xltoolkit.plans import fingerprint, load_plan
    from xltoolkit.reading import read_return

    plan, labels = load_plan(), get_labels()
    samples = sorted((ROOT / "samples" / "returns").glob("*.xlsx"))
    assert len(samples) >= 3
    for path in samples:
        meta = read_return(path, labels).meta
        assert meta.plan_id == plan.id and meta.plan_fingerprint == fingerprint(plan), path.name
