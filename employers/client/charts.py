"""The benchmark's charts: horizontal bars of percentages as plain SVG text, drawn on the
employer's machine (no matplotlib, no aggregation import: the client's layer contract forbids
the service's chart module, and the page draws the same chart in JavaScript,
employers/static/employers/browser/chart.js, from the same layout rules).

Guarantees:
- A value that is None is never drawn as a bar of 0: its row says ``missing`` instead.
- Every chart carries a ``<title>`` and a ``<desc>`` (its text alternative, naming every value)
  and a legend naming each series; the report prints the numbers in a table beside it.
- The two series colours are greys of different weight, so no series reads as a gender (the
  reports draw women, men and nonbinary people in vermillion, blue and green).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

YOU_COLOUR = "#1F1F1F"
COMPACT_COLOUR = "#9A9A9A"
MISSING_COLOUR = "#595959"

WIDTH = 760
LABEL_END = 330  # category labels end here (right-aligned)
PLOT_START, PLOT_END = 380, 700
BAR, BAR_GAP, ROW_PAD, LINE = 12, 2, 8, 12
LEGEND, AXIS = 26, 42
FONT = 'font-family="DejaVu Sans, Verdana, sans-serif"'


@dataclass(frozen=True)
class BarSeries:
    name: str
    colour: str
    values: list[float | None]


def percent(value: float, digits: int = 1) -> str:
    """100 × value with ``digits`` decimals and a percent sign (Python's rounding)."""
    return f"{100 * value:.{digits}f}%"


def signed_percent(value: float) -> str:
    return f"{'+' if value >= 0 else ''}{percent(value)}"


def nice_ticks(low: float, high: float) -> list[float]:
    """Tick positions covering [low, high] (both include 0) at a step of 1, 2 or 5 × 10^k."""
    span = high - low or 0.1
    raw = span / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    last = max(last, first + 1)  # at least two ticks, so the scale has a width (no value at all: 0 to 0.1)
    return [round(k * step, 10) for k in range(first, last + 1)]


def wrap(label: str, width: int = 34) -> list[str]:
    """A label on one line, or two split at the space nearest the middle when it is long."""
    if len(label) <= width or " " not in label:
        return [label]
    middle = len(label) / 2
    cut = min((i for i, ch in enumerate(label) if ch == " "), key=lambda i: abs(i - middle))
    return [label[:cut], label[cut + 1:]]


def bars_svg(*, labels: list[str], series: list[BarSeries], title: str, description: str,
             missing: str, chart_id: str, toward: tuple[str, str] = ("", "")) -> str:
    """Horizontal bars, one group of ``len(series)`` bars per label, around a zero line;
    ``toward`` says what a bar to the left and to the right means, under the axis."""
    values = [v for s in series for v in s.values if v is not None]
    ticks = nice_ticks(min([0.0, *values]), max([0.0, *values]))
    low, high = ticks[0], ticks[-1]

    def x(v: float) -> float:
        return round(PLOT_START + (v - low) / (high - low) * (PLOT_END - PLOT_START), 2)

    n = len(series)
    row = max(n * BAR + (n - 1) * BAR_GAP, 2 * LINE) + 2 * ROW_PAD
    height = LEGEND + row * len(labels) + AXIS
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" class="bars" '
           f'aria-labelledby="{chart_id}-title {chart_id}-desc" {FONT} font-size="11">',
           f'<title id="{chart_id}-title">{escape(title)}</title>',
           f'<desc id="{chart_id}-desc">{escape(description)}</desc>']
    # The legend, above the bars.
    at = PLOT_START
    for s in series:
        out.append(f'<rect x="{at}" y="6" width="12" height="12" fill="{s.colour}"/>'
                   f'<text x="{at + 17}" y="16">{escape(s.name)}</text>')
        at += 17 + 7 * len(s.name) + 20
    top, bottom = LEGEND, LEGEND + row * len(labels)
    for t in ticks:
        stroke = "#1F1F1F" if t == 0 else "#D0D0D0"
        out.append(f'<line x1="{x(t)}" y1="{top}" x2="{x(t)}" y2="{bottom}" stroke="{stroke}" stroke-width="1"/>'
                   f'<text x="{x(t)}" y="{bottom + 16}" text-anchor="middle" fill="#404040">'
                   f'{escape(signed_percent(t) if t else "0%").replace(".0%", "%")}</text>')
    left_note, right_note = toward
    if left_note:
        out.append(f'<text x="{x(0) - 6}" y="{bottom + 34}" text-anchor="end" fill="#404040">← {escape(left_note)}</text>')
    if right_note:
        out.append(f'<text x="{x(0) + 6}" y="{bottom + 34}" fill="#404040">{escape(right_note)} →</text>')
    for i, label in enumerate(labels):
        y0 = top + i * row
        lines = wrap(label)
        first = y0 + row / 2 - (len(lines) - 1) * LINE / 2 + 4
        for k, line in enumerate(lines):
            out.append(f'<text x="{LABEL_END}" y="{round(first + k * LINE, 2)}" text-anchor="end">{escape(line)}</text>')
        bars_top = y0 + (row - (n * BAR + (n - 1) * BAR_GAP)) / 2
        for k, s in enumerate(series):
            v = s.values[i]
            y = round(bars_top + k * (BAR + BAR_GAP), 2)
            if v is None:
                out.append(f'<text x="{x(0) + 4}" y="{y + 10}" fill="{MISSING_COLOUR}" font-style="italic" '
                           f'font-size="10">{escape(missing)}</text>')
                continue
            left, right = sorted((x(0), x(v)))
            out.append(f'<rect x="{left}" y="{y}" width="{round(right - left, 2)}" height="{BAR}" fill="{s.colour}">'
                       f'<title>{escape(s.name)}, {escape(label)}: {signed_percent(v)}</title></rect>')
            anchor, tx = ("start", right + 4) if v >= 0 else ("end", left - 4)
            out.append(f'<text x="{round(tx, 2)}" y="{y + 10}" text-anchor="{anchor}" font-size="10">'
                       f'{signed_percent(v)}</text>')
    out.append("</svg>")
    return "".join(out)
