"""Template filters for figures on the pages."""

from django import template

from protocol.officekey import fingerprint_display

register = template.Library()


@register.filter
def pct(value, digits: int = 1) -> str:
    """0.0823 → "8.2%"; None → "—"."""
    if value is None or value == "":
        return "—"
    return f"{100 * float(value):.{int(digits)}f}%"


@register.filter
def money(value) -> str:
    """98700.0 → "$98,700" (whole dollars, thousands separated); None → "—"."""
    if value is None or value == "":
        return "—"
    return f"${float(value):,.0f}"


@register.filter
def count(value) -> str:
    """5305 → "5,305"; None → "—"."""
    if value is None or value == "":
        return "—"
    return f"{int(value):,}"


@register.filter
def fingerprint(value: str) -> str:
    """A key fingerprint as people compare it: ``AB12 CD34 …`` (the first 32 hex digits)."""
    return fingerprint_display(value) if value else ""
