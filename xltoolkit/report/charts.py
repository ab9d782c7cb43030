"""Charts for the report as PNG images (matplotlib, Agg backend: no display needed).

Chinese labels need a CJK font: the first installed file of `CJK_FONT_FAMILIES` (found with
fontconfig's ``fc-match``, else in the usual Debian folders) is registered with matplotlib and put
first in ``font.sans-serif``; ``axes.unicode_minus`` is off (the CJK fonts lack U+2212). Sizes are
for A4 portrait: 15 cm wide at 150 dpi.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Optional, Sequence

WIDTH_CM = 15.0
DPI = 150
CJK_FONT_FAMILIES = ("Noto Sans CJK SC", "WenQuanYi Micro Hei", "Noto Serif CJK SC", "AR PL UKai CN")
_FONT_FOLDERS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/wqy", "/usr/share/fonts/truetype/arphic")
_FILE_HINTS = ("NotoSansCJK-Regular", "wqy-microhei", "NotoSerifCJK-Regular", "ukai")

# Colours of the summary workbook's statuses and assessments (green done, blue on track, grey …).
STATUS_COLORS = {"done": "#4E9A06", "on_track": "#3465A4", "not_started": "#BABDB6", "lagging": "#CC0000",
                 "no_report": "#EDEDED"}
ASSESSMENT_COLORS = {"achieved": "#4E9A06", "ahead": "#73D216", "on_track": "#3465A4", "behind": "#F57900",
                     "overdue": "#CC0000", "not_due": "#BABDB6", "no_data": "#EDEDED", "qualitative": "#AD7FA8",
                     "conflict": "#5C3566"}


class NoCjkFontError(RuntimeError):
    """No CJK font installed: charts would show boxes (REPORT_NO_CJK_FONT)."""


def cjk_font_file() -> Optional[str]:
    """The path of the first installed CJK font of CJK_FONT_FAMILIES, or None."""
    if shutil.which("fc-match"):
        for family in CJK_FONT_FAMILIES:
            try:
                out = subprocess.run(["fc-match", "-f", "%{family}\n%{file}", f"{family}:lang=zh-cn"],
                                     capture_output=True, text=True, timeout=20).stdout.splitlines()
            except (OSError, subprocess.SubprocessError):
                break
            if len(out) >= 2 and family.lower() in out[0].lower() and Path(out[1]).is_file():
                return out[1]
    for folder in _FONT_FOLDERS:
        for hint in _FILE_HINTS:
            for path in sorted(Path(folder).glob(f"{hint}*")) if Path(folder).is_dir() else ():
                return str(path)
    return None


@lru_cache(maxsize=1)
def _setup() -> str:
    """Select the Agg backend and register the CJK font once; returns its family name."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib import font_manager, rcParams

    path = cjk_font_file()
    if path is None:
        raise NoCjkFontError("no CJK font")
    font_manager.fontManager.addfont(path)
    family = font_manager.FontProperties(fname=path).get_name()
    rcParams["font.family"] = "sans-serif"
    rcParams["font.sans-serif"] = [family, *[f for f in rcParams["font.sans-serif"] if f != family]]
    rcParams["axes.unicode_minus"] = False
    rcParams["font.size"] = 9
    return family


def _figure(height_cm: float):
    _setup()
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(WIDTH_CM / 2.54, height_cm / 2.54), dpi=DPI)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig, ax


def _png(fig, layout: bool = True) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    if layout:
        fig.tight_layout()
    fig.savefig(buf, format="png", dpi=DPI)
    plt.close(fig)
    return buf.getvalue()


def _wrap(text: str, width: int = 10) -> str:
    """Two lines at most: at the first comma when there is one (chapter titles), else every `width`."""
    if len(text) <= width:
        return text
    for sep in ("，", ",", "、"):
        head, found, tail = text.partition(sep)
        if found and head and tail:
            return f"{head}{'，' if sep == ',' else sep}\n{tail}"
    return "\n".join(text[i:i + width] for i in range(0, len(text), width))


def stacked_bars(categories: Sequence[str], series: Sequence[tuple[str, str, Sequence[int]]], title: str,
                 xlabel: str = "") -> bytes:
    """Horizontal stacked bars: one bar per category; `series` is (key, label, counts per category)
    with the key choosing the colour. Empty series are left out of the legend."""
    height = max(5.0, 2.6 + 0.9 * len(categories))
    fig, ax = _figure(height)
    y = list(range(len(categories)))
    left = [0] * len(categories)
    for key, label, counts in series:
        if not any(counts):
            continue
        bars = ax.barh(y, counts, left=left, label=label, color=STATUS_COLORS.get(key) or ASSESSMENT_COLORS.get(key),
                       edgecolor="white", linewidth=0.5)
        for bar, n in zip(bars, counts):
            if n:
                ax.text(bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height() / 2, str(n),
                        ha="center", va="center", fontsize=7, color="white" if key in ("done", "on_track",
                                                                                         "lagging", "overdue") else "black")
        left = [a + b for a, b in zip(left, counts)]
    ax.set_yticks(y, [_wrap(c, 12) for c in categories], fontsize=8)
    ax.invert_yaxis()
    ax.set_title(title, fontsize=11)
    ax.xaxis.get_major_locator().set_params(integer=True)
    if xlabel:  # at the axis end, so that the legend below has the room
        ax.annotate(xlabel, xy=(1, 0), xycoords="axes fraction", xytext=(0, -18), textcoords="offset points",
                    ha="right", va="top", fontsize=8)
    handles, names = ax.get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=min(5, max(1, len(names))), frameon=False, fontsize=8)
    fig.tight_layout(rect=(0, 0.1 if len(names) <= 5 else 0.16, 1, 1))
    return _png(fig, layout=False)


PANEL_HEIGHT_CM = 4.6
VALUE_COLOR, PACE_COLOR, TARGET_COLOR = "#3465A4", "#888A85", "#CC0000"


def history_panels(series: Sequence, title: str, words: dict[str, str]) -> bytes:
    """Small multiples, two to a row: each indicator's value over the periods (solid line), where it
    should have been by then (序时进度, dashed) and its target (a red dotted line; a band for a
    range), each on its own scale and titled with its name and unit. `series`: report.data.
    HistorySeries; `words`: legend labels ``value``, ``expected``, ``target``."""
    _setup()
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    cols = 2 if len(series) > 1 else 1
    rows = (len(series) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(WIDTH_CM / 2.54, (1.6 + PANEL_HEIGHT_CM * rows) / 2.54), dpi=DPI,
                             squeeze=False)
    for ax in axes.flat[len(series):]:
        ax.set_visible(False)
    for ax, s in zip(axes.flat, series):
        order = {p: n for n, p in enumerate(s.periods)}
        ax.plot([order[p] for p, _ in s.values], [v for _, v in s.values], marker="o", markersize=3,
                color=VALUE_COLOR, linewidth=1.4)
        if s.expected:
            ax.plot([order[p] for p, _ in s.expected], [v for _, v in s.expected], linestyle="--", color=PACE_COLOR,
                    linewidth=1)
        if s.target is not None:
            if s.target_high is not None:
                ax.axhspan(s.target, s.target_high, color=TARGET_COLOR, alpha=0.12, linewidth=0)
            else:
                ax.axhline(s.target, linestyle=":", color=TARGET_COLOR, linewidth=1.2)
        ax.set_xticks(list(order.values()), list(order), fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
        unit = f"（{s.unit_of_measure}）" if s.unit_of_measure else ""
        ax.set_title(_wrap(s.name, 15) + unit, fontsize=8)  # the unit stays with the last line
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.margins(x=0.08, y=0.25)
    handles = [Line2D([], [], color=VALUE_COLOR, marker="o", markersize=3, label=words["value"]),
               Line2D([], [], color=PACE_COLOR, linestyle="--", label=words["expected"]),
               Line2D([], [], color=TARGET_COLOR, linestyle=":", label=words["target"])]
    fig.suptitle(title, fontsize=11)
    fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False, fontsize=8)
    fig.tight_layout(rect=(0, 0.9 / (1.6 + PANEL_HEIGHT_CM * rows), 1, 1))
    return _png(fig, layout=False)
