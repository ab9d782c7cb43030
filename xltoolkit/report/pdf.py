"""The report as PDF: LibreOffice (``soffice --headless --convert-to pdf``) with a private user
profile (a running LibreOffice of the user is not disturbed) and the report's font substitutions
(templates/report/fonts.conf: the GB/T 9704 font names -> the CJK fonts installed). LibreOffice
embeds the fonts it uses in the PDF."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Optional

from ..resources import templates_dir

TIMEOUT = 180


def find_soffice() -> Optional[str]:
    """LibreOffice's command, or None (XLTOOL_SOFFICE names another one; an empty value: none)."""
    given = os.environ.get("XLTOOL_SOFFICE")
    if given is not None:
        return shutil.which(given) if given else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def fonts_conf() -> Optional[Path]:
    path = templates_dir() / "report" / "fonts.conf"
    return path if path.is_file() else None


def convert(docx: Path, pdf: Path, soffice: str) -> None:
    """Convert `docx` to `pdf` (any path). Raises RuntimeError with LibreOffice's words on failure."""
    with tempfile.TemporaryDirectory(prefix="xltool-lo-") as work:
        work_dir = Path(work)
        src = work_dir / "report.docx"  # a plain name: soffice names its output after the input
        shutil.copyfile(docx, src)
        env = dict(os.environ)
        conf = fonts_conf()
        if conf is not None:
            env["FONTCONFIG_FILE"] = str(conf)
        cmd = [soffice, f"-env:UserInstallation={(work_dir / 'profile').as_uri()}", "--headless", "--norestore",
               "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(work_dir / "out"), str(src)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, env=env)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"timeout after {TIMEOUT} s") from None
        out = work_dir / "out" / "report.pdf"
        if proc.returncode != 0 or not out.is_file():
            raise RuntimeError((proc.stderr or proc.stdout or f"exit {proc.returncode}").strip()[:300])
        shutil.move(str(out), str(pdf))
