"""Charts of the reports: matplotlib SVG, the Okabe–Ito colour-blind-safe palette, and a data
table behind every chart (the templates print it next to the figure).

Each function returns ``(svg_text, rows)`` where ``rows`` is the table the chart draws, so a
reader who cannot see the chart loses nothing. Suppressed or withheld values are left out of
the chart and shown as such in the table, never drawn as zero.
"""

from __future__ import annotations

import hashlib
import io
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
GENDER_COLOURS = {"Female": "#D55E00", "Male": "#0072B2", "Nonbinary": "#009E73"}
FLAGGED_COLOUR, UNFLAGGED_COLOUR = OKABE_ITO[6], OKABE_ITO[1]

plt.rcParams.update({
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.fonttype": "none",
    "svg.hashsalt": "talent-compact",
})


def _svg(fig) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    # Inline SVG: drop the XML prologue and fixed size so the page's CSS sets the width.
    text = text[text.index("<svg"):]
    text = re.sub(r'(<svg[^>]*?) width="[^"]*" height="[^"]*"', r"\1", text, count=1)
    # Several charts share one page: give each chart's element ids their own prefix.
    prefix = "c" + hashlib.sha1(text.encode()).hexdigest()[:8] + "-"
    text = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', text)
    return re.sub(r'(href="#|url\(#)([^")]+)', lambda m: f"{m.group(1)}{prefix}{m.group(2)}", text)


FLAG = " (flagged)"


def _pct(v: float) -> str:
    return f"{100 * v:.1f}%"


def gap_bars(rows: list[dict], *, label_key: str, value_key: str, title: str, threshold: float | None = None):
    """Horizontal bars of gaps (positive: men earn more)."""
    shown = [r for r in rows if r.get(value_key) is not None]

    def flagged(v: float) -> bool:
        return threshold is not None and abs(v) >= threshold

    height = 0.35 * max(len(shown), 1) + 0.9
    fig, ax = plt.subplots(figsize=(6.4, height))
    if shown:
        labels = [r[label_key] for r in shown]
        values = [100 * r[value_key] for r in shown]
        flags = [flagged(r[value_key]) for r in shown]
        # Neither colour is a gender's (GENDER_COLOURS): a colour means one thing in the report.
        ax.barh(range(len(shown)), values, color=[FLAGGED_COLOUR if f else UNFLAGGED_COLOUR for f in flags])
        ax.set_yticks(range(len(shown)), labels)
        ax.invert_yaxis()
        for i, (v, f) in enumerate(zip(values, flags, strict=True)):
            # The flag is written out, not only coloured.
            ax.text(v, i, f" {v:.1f}%{FLAG if f else ''} ", va="center", ha="left" if v >= 0 else "right", fontsize=8)
    ax.axvline(0, color="#333333", linewidth=0.8)
    if threshold is not None:
        ax.axvline(100 * threshold, color=FLAGGED_COLOUR, linestyle="--", linewidth=0.8)
        ax.axvline(-100 * threshold, color=FLAGGED_COLOUR, linestyle="--", linewidth=0.8)
    ax.set_xlabel("gap, % of men's pay (positive: men earn more)")
    table = [
        {"label": r[label_key],
         "value": "withheld" if r.get(value_key) is None else _pct(r[value_key]) + (FLAG if flagged(r[value_key]) else "")}
        for r in rows
    ]
    return _svg(fig), table


def cents_bars(rows: list[dict], *, title: str):
    """Cents earned per dollar of the reference group, by race/ethnicity × gender."""
    shown = [r for r in rows if r.get("cents_per_dollar") is not None]
    fig, ax = plt.subplots(figsize=(6.4, 0.3 * max(len(shown), 1) + 0.9))
    if shown:
        labels = [f"{r['race_ethnicity']}, {r['gender']}" for r in shown]
        values = [r["cents_per_dollar"] for r in shown]
        ax.barh(range(len(shown)), values, color=[GENDER_COLOURS.get(r["gender"], OKABE_ITO[7]) for r in shown])
        ax.set_yticks(range(len(shown)), labels)
        ax.invert_yaxis()
        for i, v in enumerate(values):
            ax.text(v, i, f" {v:.0f}¢", va="center", fontsize=8)
        genders = list(dict.fromkeys(r["gender"] for r in shown))
        handles = [plt.Rectangle((0, 0), 1, 1, color=GENDER_COLOURS.get(g, OKABE_ITO[7])) for g in genders]
        # Above the bars, as in the gender-mix charts: inside, it would cover the longest bars.
        ax.legend(handles, genders, title="Gender", fontsize=8, title_fontsize=8, ncol=len(genders),
                  loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    ax.axvline(100, color="#333333", linewidth=0.8)
    ax.set_xlabel("cents per dollar of White men's mean pay")
    table = [
        {"label": f"{r['race_ethnicity']}, {r['gender']}",
         "value": "withheld" if r.get("cents_per_dollar") is None else f"{r['cents_per_dollar']:.0f}¢"}
        for r in rows
    ]
    return _svg(fig), table


def share_bars(rows: list[dict], *, label_key: str, categories: list[str], title: str):
    """Stacked 100% bars: the share of each category (e.g. gender) in each row."""
    shown = [r for r in rows if r.get("shares")]
    fig, ax = plt.subplots(figsize=(6.4, 0.35 * max(len(shown), 1) + 1.1))
    for i, r in enumerate(shown):
        left = 0.0
        for k, cat in enumerate(categories):
            share = 100 * r["shares"].get(cat, 0.0)
            colour = GENDER_COLOURS.get(cat, OKABE_ITO[k % len(OKABE_ITO)])
            ax.barh(i, share, left=left, color=colour, label=cat if i == 0 else None)
            left += share
    if shown:
        ax.set_yticks(range(len(shown)), [r[label_key] for r in shown])
        ax.invert_yaxis()
        # Above the bars: below them it collides with the axis label when there are few rows.
        ax.legend(ncol=len(categories), loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of people, %")
    table = []
    for r in rows:
        shares = r.get("shares") or {}
        cells = {c: ("withheld" if c not in shares else _pct(shares[c])) for c in categories}
        table.append({"label": r[label_key], **cells})
    return _svg(fig), table


def interval_chart(rows: list[dict], *, title: str):
    """Point estimates with 95% intervals (adjusted gaps)."""
    shown = [r for r in rows if r.get("gap") is not None]
    fig, ax = plt.subplots(figsize=(6.4, 0.45 * max(len(shown), 1) + 0.9))
    for i, r in enumerate(shown):
        low, high = r["ci95"]
        ax.plot([100 * low, 100 * high], [i, i], color="#777777", linewidth=2)
        ax.plot([100 * r["gap"]], [i], "o", color=OKABE_ITO[7])
    if shown:
        ax.set_yticks(range(len(shown)), [r["label"] for r in shown])
        ax.invert_yaxis()
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_xlabel("adjusted gap, % (line: likely range)")
    table = [{"label": r["label"], "value": "withheld" if r.get("gap") is None else
              f"{_pct(r['gap'])} ({_pct(r['ci95'][0])} to {_pct(r['ci95'][1])})"} for r in rows]
    return _svg(fig), table
