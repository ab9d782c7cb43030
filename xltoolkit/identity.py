"""Identity that holds: the office secret, each return's identity token, and what a return shows.

A return says whose it is three times: in its hidden metadata (sheet ``_xltool`` and document
properties), in its unit tab's name and in the pre-filled 填报单位 cell. Anyone can edit all three,
so each return also carries an **identity token**: HMAC-SHA-256 of plan id, plan fingerprint,
unit id and period, keyed by an **office secret** that `generate` creates once per output folder
(``<out>/.xltool-secret``, 32 random bytes as hex, mode 0600). The secret is never written into a
return and never printed; `merge` and `validate` find it (``--secret FILE``, ``XLTOOL_SECRET``,
beside the returns' folder or one level up, the default output folder) and verify every token.

Feedback copies (退回修改) carry kind ``feedback`` and a digest of the input cells they were made
from: an untouched copy among the returns is skipped (META_FEEDBACK_COPY); once the department
has corrected it, the digest no longer matches and it is read as the unit's return.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets as _secrets
from pathlib import Path
from typing import Iterable, Mapping, Optional

from .files import not_regular, open_regular
from .problems import XltoolError

SECRET_NAME = ".xltool-secret"
SECRET_ENV = "XLTOOL_SECRET"
DEFAULT_OUT = Path("generated")
_SECRET_BYTES = 32
MAX_SECRET_FILE = 4096


class SecretError(XltoolError):
    """An office secret named explicitly (--secret, XLTOOL_SECRET) that cannot be used."""


def new_secret() -> bytes:
    return _secrets.token_bytes(_SECRET_BYTES)


def secret_text(secret: bytes) -> str:
    return secret.hex() + "\n"


def read_secret(path: Path) -> bytes:
    """The secret in `path` (regular file, 64 hex digits). Raises SecretError."""
    path = Path(path)
    kind = not_regular(path)
    if kind is not None:
        raise SecretError("SECRET_INVALID", path=path)
    try:
        fd = open_regular(path)
        with os.fdopen(fd, "rb") as fh:
            data = fh.read(MAX_SECRET_FILE + 1)
    except OSError as exc:
        raise SecretError("SECRET_UNREADABLE", path=path, reason=exc.strerror or type(exc).__name__) from None
    try:
        text = data.decode("ascii").strip()
        secret = bytes.fromhex(text)
    except (UnicodeDecodeError, ValueError):
        raise SecretError("SECRET_INVALID", path=path) from None
    if len(secret) != _SECRET_BYTES or len(data) > MAX_SECRET_FILE:
        raise SecretError("SECRET_INVALID", path=path)
    return secret


def folder_secret(out_dir: Path) -> tuple[bytes, bool]:
    """The secret of an output folder: (secret, True) when it exists already, else a new one and
    False (the caller writes it, with its other outputs, mode 0600)."""
    path = Path(out_dir) / SECRET_NAME
    if path.exists() or path.is_symlink():
        return read_secret(path), True
    return new_secret(), False


def token(secret: bytes, plan_id: str, fingerprint: str, unit_id: str, period: str) -> str:
    message = "\x1f".join(("xltool-return-v1", plan_id, fingerprint, unit_id, period)).encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def verifies(secrets: Iterable[bytes], given: str, plan_id: str, fingerprint: str, unit_id: str,
             period: str) -> bool:
    given = (given or "").strip().lower()
    return any(hmac.compare_digest(token(s, plan_id, fingerprint, unit_id, period), given) for s in secrets)


def secret_candidates(inputs: Iterable[Path], default_out: Path = DEFAULT_OUT) -> list[Path]:
    """Where an office secret may be, for returns given as `inputs`: beside each input folder's
    returns and one level up (``generated/returns`` -> ``generated``), beside a named file and one
    level up, and in the default output folder."""
    out: list[Path] = []
    for given in inputs:
        given = Path(given)
        base = given if given.is_dir() else given.parent
        out += [base / SECRET_NAME, base.parent / SECRET_NAME]
    out.append(Path(default_out) / SECRET_NAME)
    unique: dict[str, Path] = {}
    for p in out:
        unique.setdefault(os.path.realpath(p), p)
    return list(unique.values())


def find_secrets(inputs: Iterable[Path], explicit: Optional[Path] = None,
                 environ: Optional[Mapping[str, str]] = None,
                 default_out: Path = DEFAULT_OUT) -> tuple[list[bytes], list[Path]]:
    """(secrets, where they came from). An explicit file (``--secret``, else ``XLTOOL_SECRET``) is
    the only one used and must be readable (SecretError); otherwise every candidate that exists
    and holds a secret."""
    environ = os.environ if environ is None else environ
    if explicit is None and environ.get(SECRET_ENV):
        explicit = Path(environ[SECRET_ENV])
    if explicit is not None:
        return [read_secret(explicit)], [Path(explicit)]
    found: list[bytes] = []
    where: list[Path] = []
    for path in secret_candidates(inputs, default_out):
        if not os.path.lexists(path):
            continue
        try:
            secret = read_secret(path)
        except SecretError:
            continue
        if secret not in found:
            found.append(secret)
            where.append(path)
    return found, where


# What a return shows -----------------------------------------------------------------------------


def norm_name(text) -> str:
    """A unit name as compared: no whitespace anywhere (Excel users add spaces and line breaks)."""
    return "".join(str(text or "").split())


def input_digest(raw) -> str:
    """A digest of every input cell of a return as read (header block and item rows): tells an
    untouched feedback copy from one the department has corrected."""
    from .forms import FORMS, HEADER_FIELDS

    inputs = {f.key: [c.key for c in f.inputs] for f in FORMS}
    h = hashlib.sha256()

    def feed(*parts) -> None:
        for part in parts:
            h.update(str(part).encode("utf-8", "surrogatepass"))
            h.update(b"\x1f")
        h.update(b"\x1e")

    def cell_parts(cell):
        if cell is None:
            return ("", "", "")
        value = cell.value
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = "" if value is None else (value.isoformat() if hasattr(value, "isoformat") else str(value).strip())
        return (text, cell.formula or "", cell.error or "")

    for f in HEADER_FIELDS:
        if f.input:
            feed("header", f.key, *cell_parts(raw.header.get(f.key)))
    for row in raw.rows:
        for key in inputs.get(row.form, ()):
            feed(row.form, row.item_id, key, *cell_parts(row.values.get(key)))
    return h.hexdigest()[:32]


def mark_feedback(workbook, digest: str) -> None:
    """Mark an openpyxl workbook (a feedback copy) as kind ``feedback`` with the digest of the
    input cells it was made from, in the metadata sheet and the document properties."""
    from .metadata import PROPERTY_PREFIX
    from .reading import META_SHEET

    values = {"kind": "feedback", "feedback_digest": digest}
    if META_SHEET in workbook.sheetnames:
        ws = workbook[META_SHEET]
        done = set()
        last = 0
        for row in ws.iter_rows(min_col=1, max_col=2):
            key = row[0].value
            last = row[0].row
            if key in values:
                row[1].value = values[key]
                row[1].data_type = "s"
                done.add(key)
        for key, value in values.items():
            if key not in done:
                last += 1
                ws.cell(last, 1, key).data_type = "s"
                ws.cell(last, 2, value).data_type = "s"
    try:
        from openpyxl.packaging.custom import StringProperty

        props = workbook.custom_doc_props
        names = {p.name: p for p in props.props}
        for key, value in values.items():
            name = PROPERTY_PREFIX + key
            if name in names:
                names[name].value = value
            else:
                props.append(StringProperty(name=name, value=value))
    except (ImportError, AttributeError):  # an older openpyxl: the sheet copy is enough
        pass
