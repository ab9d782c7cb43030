"""Regenerate the golden files under tests/golden/ from the current output, deliberately.

    .venv/bin/python scripts/update_golden.py

Runs tests/test_golden.py with --update-golden (each golden folder is rewritten from scratch), then
shows what changed in git. Review `git diff tests/golden/` before committing: every change there is
a change in what departments receive or what the office gets back.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_golden.py",
                           "--update-golden"], cwd=ROOT)
    if proc.returncode != 0:
        return proc.returncode
    subprocess.run(["git", "status", "--short", "--", "tests/golden"], cwd=ROOT)
    subprocess.run(["git", "diff", "--stat", "--", "tests/golden"], cwd=ROOT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
