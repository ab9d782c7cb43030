"""LibreOffice helper for the tests, run with Debian's /usr/bin/python3 (python3-uno imports only there).

Usage:
  uno_tool.py recalc FILE                 print JSON {sheet: [[cell, cached, recalculated], ...]} for formula
                                          cells whose value changes when LibreOffice recalculates
  uno_tool.py fill FILE OUT EDITS.json    open FILE, apply edits [{"sheet", "cell", "value"}] as a user
                                          typing would (numbers as numbers, text as text), save OUT as xlsx
  uno_tool.py encrypt FILE OUT PASSWORD   save FILE as OUT (xlsx) with a password to open (encrypted)
Each run starts its own headless soffice with a private profile and stops it afterwards.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def start():
    profile = tempfile.mkdtemp(prefix="lo-uno-")
    pipe = "xltool" + uuid.uuid4().hex[:12]
    proc = subprocess.Popen(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--invisible", "--nologo",
         "--norestore", "--nodefault", f"--accept=pipe,name={pipe};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.time() + 60
    while True:
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except Exception:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                raise SystemExit("soffice did not start")
            time.sleep(0.3)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    return proc, desktop


def stop(proc, desktop):
    try:
        desktop.terminate()
    except Exception:
        pass
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def load(desktop, path):
    url = uno.systemPathToFileUrl(os.path.abspath(path))
    return desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))


def formula_values(doc):
    """{(sheet, cell): displayed string} for every formula cell."""
    from com.sun.star.sheet.CellFlags import FORMULA as FORMULA_FLAG

    out = {}
    sheets = doc.Sheets
    for i in range(sheets.Count):
        sheet = sheets.getByIndex(i)
        ranges = sheet.queryContentCells(FORMULA_FLAG)
        cells = ranges.getCells().createEnumeration()
        while cells.hasMoreElements():
            cell = cells.nextElement()
            name = cell.AbsoluteName.split(".")[-1].replace("$", "")
            out[(sheet.Name, name)] = cell.getString()
    return out


def recalc(path):
    proc, desktop = start()
    try:
        doc = load(desktop, path)
        before = formula_values(doc)
        doc.calculateAll()
        after = formula_values(doc)
        doc.close(True)
    finally:
        stop(proc, desktop)
    diff = {}
    for key, value in before.items():
        if after.get(key) != value:
            diff.setdefault(key[0], []).append([key[1], value, after.get(key)])
    print(json.dumps({"formulas": len(before), "changed": diff}, ensure_ascii=False))


def fill(path, out, edits_path):
    with open(edits_path, encoding="utf-8") as fh:
        edits = json.load(fh)
    proc, desktop = start()
    try:
        doc = load(desktop, path)
        for e in edits:
            sheet = doc.Sheets.getByName(e["sheet"])
            cell = sheet.getCellRangeByName(e["cell"])
            value = e["value"]
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                cell.setValue(value)
            else:
                cell.setString(str(value))
        url = uno.systemPathToFileUrl(os.path.abspath(out))
        doc.storeToURL(url, (prop("FilterName", "Calc MS Excel 2007 XML"),))
        doc.close(True)
    finally:
        stop(proc, desktop)


def encrypt(path, out, password):
    """Save as xlsx with a password to open: an OLE2 container holding EncryptionInfo (ECMA-376
    "Standard" encryption; LibreOffice 7.4 fails to write "Agile")."""
    from com.sun.star.beans import NamedValue

    def named(name, value):
        v = NamedValue()
        v.Name, v.Value = name, value
        return v

    proc, desktop = start()
    try:
        doc = load(desktop, path)
        data = uno.Any("[]com.sun.star.beans.NamedValue", (named("OOXPassword", password), named("CryptoType", "Standard")))
        args = (prop("FilterName", "Calc MS Excel 2007 XML"), prop("EncryptionData", data))
        url = uno.systemPathToFileUrl(os.path.abspath(out))
        uno.invoke(doc, "storeToURL", (url, uno.Any("[]com.sun.star.beans.PropertyValue", args)))
        doc.close(True)
    finally:
        stop(proc, desktop)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "recalc":
        recalc(sys.argv[2])
    elif cmd == "fill":
        fill(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "encrypt":
        encrypt(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        raise SystemExit(__doc__)
