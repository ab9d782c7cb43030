#!/usr/bin/env bash
# Set up xltool on a fresh Debian/Ubuntu machine: a virtualenv in .venv with xltool installed.
#   scripts/setup.sh          xltool and its libraries
#   scripts/setup.sh --test   also pytest/hypothesis, and LibreOffice (Calc, Writer) + CJK fonts (apt) for the
#                             office tests: Noto Serif/Sans CJK (宋/黑) and AR PL UKai (楷) for the report's PDF
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

if [ "$want_test" = 1 ] && ! { command -v soffice >/dev/null && [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import uno" 2>/dev/null && fc-list 2>/dev/null | grep -qi "noto serif cjk" && fc-list 2>/dev/null | grep -qi "ukai" && dpkg -s libreoffice-writer-nogui >/dev/null 2>&1; }; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends \
    libreoffice-calc-nogui libreoffice-writer-nogui python3-uno fonts-wqy-microhei fonts-noto-cjk fonts-arphic-ukai \
    poppler-utils >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
if [ "$want_test" = 1 ]; then
  .venv/bin/python -m pip install -q -e ".[test]"
else
  .venv/bin/python -m pip install -q -e .
fi
