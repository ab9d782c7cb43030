"""Cell formats, created once per workbook and shared by every sheet (as XlsxWriter recommends)."""

from __future__ import annotations

FONT = "宋体"  # the font Chinese government forms use; Excel, WPS and LibreOffice substitute when absent
FONT_SIZE = 10
TITLE_SIZE = 14
INPUT_FILL = "#FFF2CC"  # pale yellow: "fill this in"
HEADER_FILL = "#DDEBF7"
LABEL_FILL = "#F2F2F2"


class Styles:
    """The named formats of one XlsxWriter workbook."""

    def __init__(self, workbook):
        base = {"font_name": FONT, "font_size": FONT_SIZE, "valign": "top"}
        cell = {**base, "border": 1, "text_wrap": True}

        def add(**props):
            return workbook.add_format({**cell, **props})

        self.title = workbook.add_format({**base, "bold": True, "font_size": TITLE_SIZE, "valign": "vcenter", "text_wrap": True})
        self.subtitle = workbook.add_format({**base, "italic": True, "font_color": "#595959", "text_wrap": True})
        self.section = workbook.add_format({**base, "bold": True, "font_size": 12, "valign": "vcenter"})
        self.header = add(bold=True, bg_color=HEADER_FILL, align="center", valign="vcenter")
        self.header_vertical = add(bold=True, bg_color=HEADER_FILL, align="center", valign="bottom", rotation=90)
        self.link_vertical = add(bold=True, bg_color=HEADER_FILL, align="center", valign="bottom", rotation=90,
                                 font_color="#0563C1", underline=1)
        self.label = add(bold=True, bg_color=LABEL_FILL)
        self.text = add()
        self.center = add(align="center")
        self.number = add(num_format="0.####")
        self.count = add(align="center", num_format="0")
        self.count_bold = add(align="center", num_format="0", bold=True)
        self.group = add(bold=True, bg_color=LABEL_FILL)
        self.group_line = add(bold=True, bg_color=LABEL_FILL, text_wrap=False)  # runs on over empty cells
        self.input = add(locked=False, bg_color=INPUT_FILL)
        self.input_number = add(locked=False, bg_color=INPUT_FILL, num_format="0.####")
        # A number typed into a % item shows a trailing % without being scaled (7.2 shows 7.2%).
        self.input_percent_shown = add(locked=False, bg_color=INPUT_FILL, num_format='General"%"')
        self.input_date = add(locked=False, bg_color=INPUT_FILL, num_format="yyyy-mm-dd", align="left")
        self.plain = workbook.add_format(base)  # one line, running on over the empty cells to its right

    def for_input(self, column_type: str, unit_of_measure: str = ""):
        if column_type == "number" and unit_of_measure == "%":
            return self.input_percent_shown
        return {"number": self.input_number, "percent": self.input_number, "date": self.input_date}.get(
            column_type, self.input)
