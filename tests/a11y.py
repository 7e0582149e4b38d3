"""Accessibility checks for Playwright tests: axe-core's WCAG 2.1 A/AA rules, and "does the page
fit the screen" (no sideways scrolling of the whole page).

One line in a browser test::

    from tests.a11y import assert_accessible, assert_fits
    assert_accessible(page)            # the whole page; or context="#compare-output"
    assert_fits(page)                  # at a phone's width: nothing scrolls the page sideways

axe-core is vendored (tests/browser_assets/axe.min.js, from frontend/ by ``make vendor``), never
served by the service. It is put into the page with ``page.evaluate`` of its source: DevTools
evaluation is not subject to the page's Content-Security-Policy, so the page is checked with its
real policy (no ``bypass_csp``, which would also hide a CSP breakage from the test). See
docs/decisions.md, "Accessibility checks in the browser tests".
"""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).with_name("browser_assets") / "axe.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
BLOCKING = ("serious", "critical")

_RUN = """async ({context, tags}) => {
  const result = await axe.run(context || document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.map(String).join(" "), summary: n.failureSummary || "", html: n.html})),
  }));
}"""

_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) continue;
    // Only the outermost offender of a branch, and not what sits inside a scrolling box.
    let inner = false;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (["auto", "scroll", "hidden", "clip"].includes(style.overflowX)) { inner = true; break; }
      if (up.getBoundingClientRect().right > width + 1) { inner = true; break; }
    }
    if (inner) continue;
    const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "");
    wide.push(`${name} (right edge at ${Math.round(box.right)} px)`);
  }
  return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, wide: wide.slice(0, 10)};
}"""


def _inject(page) -> None:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))


def axe_violations(page, *, context=None, tags=WCAG_TAGS, impacts=BLOCKING) -> list[dict]:
    """axe-core's violations of ``tags`` on the page (or within ``context``, a CSS selector or an
    axe context object), keeping those of the given impacts."""
    _inject(page)
    found = page.evaluate(_RUN, {"context": context, "tags": list(tags)})
    return [v for v in found if v["impact"] in impacts]


def violations_report(found: list[dict], *, where: str = "") -> str:
    """The violations as a readable list: rule, impact, what it asks, and each element's selector."""
    lines = [f"{len(found)} serious or critical accessibility violation(s){' on ' + where if where else ''}:"]
    for v in found:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['url']}>")
        for node in v["nodes"][:8]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    at {node['target']}: {summary[:300]}")
        if len(v["nodes"]) > 8:
            lines.append(f"    … and {len(v['nodes']) - 8} more element(s)")
    return "\n".join(lines)


def assert_accessible(page, *, context=None, where: str | None = None) -> None:
    """Fail with a readable list when axe-core finds a serious or critical WCAG 2.1 A/AA
    violation on the page (or within ``context``)."""
    found = axe_violations(page, context=context)
    if found:
        raise AssertionError(violations_report(found, where=where or page.url))


def page_overflow(page) -> dict:
    """How wide the page scrolls against the window, and the outermost elements that stick out."""
    return page.evaluate(_OVERFLOW)


def assert_fits(page, *, where: str | None = None) -> None:
    """Fail when the page scrolls sideways (document wider than the window), naming what sticks
    out. Wide tables belong in a scrolling container (``.table-wrap``), which is allowed."""
    size = page_overflow(page)
    if size["scroll"] > size["inner"]:
        raise AssertionError(
            f"{where or page.url} scrolls sideways at {size['inner']} px: the page is {size['scroll']} px wide; "
            f"too wide: {', '.join(size['wide']) or '(no single element found)'}"
        )
