"""Workbook writers (XlsxWriter): the master workbook, unit returns and the summary."""
