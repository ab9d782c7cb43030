"""The identity a return carries: which plan (and version), unit, period and form it belongs to.

Written twice, because office programs treat the two copies differently: a hidden sheet (`_xltool`,
kept by Excel, WPS and LibreOffice, which turns veryHidden into hidden) and custom document
properties (also kept). The reader trusts the hidden sheet first.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Optional

PROPERTY_PREFIX = "xltool."
VOCABULARY_KEY = "vocabulary"  # metadata-sheet row holding forms.vocabulary() as JSON (not a property)
MAX_VOCABULARY_CHARS = 16_000


@dataclass(frozen=True)
class ReturnMeta:
    plan_id: str
    plan_fingerprint: str
    unit_id: str
    unit_name: str
    period: str
    form_version: str
    tool_version: str = ""
    generated_at: str = ""
    kind: str = "return"  # "return" for a unit's return, "master" for the master workbook, "feedback" for a 退回修改 copy
    token: str = ""  # identity token: HMAC of plan id, fingerprint, unit id, period (identity.py)
    feedback_digest: str = ""  # feedback copies: digest of the input cells they were made from

    def as_rows(self) -> list[tuple[str, str]]:
        """Key/value rows; the token and feedback digest only when set (a return without them
        reads exactly as before)."""
        return [(k, str(v)) for k, v in asdict(self).items()
                if not (k in ("token", "feedback_digest") and not v)]

    @classmethod
    def from_mapping(cls, data: dict[str, str]) -> Optional["ReturnMeta"]:
        """Build from key/value pairs; None when a required key is missing."""
        names = [f.name for f in fields(cls)]
        required = ("plan_id", "plan_fingerprint", "unit_id", "unit_name", "period", "form_version")
        if any(not str(data.get(k, "")).strip() for k in required):
            return None
        return cls(**{k: _clean(data[k]) for k in names if k in data})


def parse_vocabulary(text) -> Optional[dict]:
    """The vocabulary JSON of a metadata sheet, or None when absent, oversized or malformed."""
    import json

    if not isinstance(text, str) or not text or len(text) > MAX_VOCABULARY_CHARS:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("forms"), dict):
        return None
    forms = {k: v for k, v in data["forms"].items()
             if isinstance(v, dict) and all(isinstance(t, str) for t in v.values())}
    choices = {k: v for k, v in (data.get("choices") or {}).items()
               if isinstance(v, dict) and all(isinstance(t, str) for t in v.values())}
    return {"forms": forms, "choices": choices}


def _clean(value) -> str:
    # LibreOffice turns an integer custom property 3 into 3.0; our values are strings, but be lenient.
    text = str(value).strip()
    return text[:-2] if text.endswith(".0") and text[:-2].isdigit() else text
