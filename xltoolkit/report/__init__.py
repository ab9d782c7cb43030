"""The period's progress report (Word, PDF) and the 督办通知单 for units to chase.

Pipeline: a Consolidation (a merge's, or one restored from the history database by
`recorded.restore`) and the period's lights -> `data.ReportData` (pure, plain values, the same
numbers as the summary workbook and the JSON) -> `document.render_report` through the editable
docxtpl template in ``templates/report/`` -> optionally `pdf.convert` (LibreOffice). Charts are
`charts.py` (matplotlib, Agg). Nothing here is imported by other commands: docxtpl and matplotlib
are loaded only when a report is written.
"""
