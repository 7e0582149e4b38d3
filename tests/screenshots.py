"""Screenshots of every page (tests/page_tour.py's stops) at 1280 px and 390 px, for each role,
from a running demo server, so that all the pages can be looked at quickly.

    make demo        # then start the service as its summary says, e.g. on 127.0.0.1:8000
    python -m tests.screenshots --url http://127.0.0.1:8000 --demo-out out/demo --to /tmp/shots

writes ``<to>/<width>/<nn>-<stop>.png`` (whole pages) and ``<to>/index.txt`` (each stop's URL,
status, axe-core's serious/critical violations and whether it scrolls sideways). The person
with no role ("nobody") exists only where the sweep's demo_site() made it; without it, that
stop is skipped. Needs Playwright and Chromium (TALENT_CHROMIUM, default /usr/bin/chromium).
Stops that act (the lock-out, revoke confirmations) never confirm anything; the lock-out
locks only a made-up account name.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tests.a11y import axe_violations, page_overflow
from tests.page_tour import PEOPLE, STOPS, WIDTHS, Site, sign_in, visit

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the running demo service")
    parser.add_argument("--demo-out", default="out/demo", help="the demo's --out folder (for the extracts)")
    parser.add_argument("--to", default="/tmp/shots", help="where the PNGs go")
    parser.add_argument("--only", default="", help="only stops whose name contains this")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    site = Site(url=args.url.rstrip("/"), out=Path(args.demo_out).resolve())
    to = Path(args.to)
    index = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=os.environ.get("TALENT_CHROMIUM", "/usr/bin/chromium"),
                                             args=ARGS)
        states = {}
        for role, username in PEOPLE.items():
            context = browser.new_context()
            if username:
                try:
                    sign_in(context, site, username)
                except AssertionError as exc:
                    print(f"skipping role {role}: {exc}", file=sys.stderr)
                    context.close()
                    continue
            states[role] = context.storage_state()
            context.close()
        for width in WIDTHS:
            (to / str(width)).mkdir(parents=True, exist_ok=True)
            if not args.only:  # a whole tour replaces the last one's pictures (stops get renumbered)
                for old in (to / str(width)).glob("*.png"):
                    old.unlink()
            for number, stop in enumerate(STOPS, 1):
                if stop.role not in states or args.only not in stop.name:
                    continue
                context = browser.new_context(storage_state=states[stop.role], viewport={"width": width, "height": 900})
                page = context.new_page()
                try:
                    status = visit(page, site, stop)
                    found = axe_violations(page)
                    size = page_overflow(page)
                    file = to / str(width) / f"{number:02d}-{stop.name}.png"
                    page.screenshot(path=str(file), full_page=True)
                    line = (f"{width} {stop.role:8} {stop.name:34} {status} {page.url.removeprefix(site.url)}  "
                            f"axe: {', '.join(v['id'] for v in found) or 'clean'}  "
                            f"width {size['scroll']}/{size['inner']}{'  SCROLLS SIDEWAYS' if size['scroll'] > size['inner'] else ''}")
                except Exception as exc:  # one broken stop must not hide the others' pictures
                    line = f"{width} {stop.role:8} {stop.name:34} FAILED {exc}"
                print(line)
                index.append(line)
                context.close()
        browser.close()
    (to / "index.txt").write_text("\n".join(index) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
