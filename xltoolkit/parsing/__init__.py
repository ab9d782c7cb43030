"""`xltool parse`: turn a plan document (任务分工方案, annual plan) into a plan file.

One module, one job:

  text.py         bytes -> text (BOM / UTF-8 / GB18030), HTML remnants, lines with numbers,
                  a same-length normalized copy for matching
  docx.py         .docx paragraphs and tables -> lines
  metadata.py     front matter -> title, issuer, 文号, 公开日期, horizon
  structure.py    headings and numbering -> sections, chapters, tasks, indicator lines, preambles
  assignments.py  牵头/责任… brackets and lines -> lead and responsible unit lists
  targets.py      quantities in a text -> Target data (comparator, value, unit, period, deadline)
  units.py        unit registry: ids, kinds by suffix rules, alias suggestions (never merged)
  document.py     orchestration -> plan data + warnings (line, code, message)
  compare.py      a parsed plan against a reference plan: differences, precision and recall

Everything is pure except `read_document(path)`; stored texts keep the source's characters exactly,
normalization is only used for matching.
"""

from .document import ParseResult, parse_lines, parse_text, plan_yaml, read_document
from .warnings import ParseWarning

__all__ = ["ParseResult", "ParseWarning", "parse_lines", "parse_text", "plan_yaml", "read_document"]
