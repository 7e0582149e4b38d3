"""``benchmark``: compare your own figures with the compact's published release, locally.

Reads your extract and the public release (a file, or the release URL); writes an HTML or PDF
report. Nothing about your organisation is sent: the only request is a download of the public
release. Exit codes: 0 written, 1 the extract has errors, 2 unusable input or release.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import requests

from employers.client.benchmark import benchmark_headline, benchmark_html, benchmark_pdf
from employers.client.check import check_extract
from employers.client.columns import ColumnMapError
from employers.client.commands import EXIT_ERRORS, EXIT_OK, EXIT_UNUSABLE
from employers.client.commands.check import mapping_from_args, render
from employers.client.sanitise import for_terminal
from employers.client.vector import vector_from
from protocol.layout import Aggregate, layout_for
from protocol.release import FORMAT, ReleaseDocument, ReleaseFormatError, release_from_json

HELP = "compare your extract with the compact's published release (computed on your computer)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("extract", type=Path, help="your CSV or XLSX extract (or the Boston workbook)")
    parser.add_argument("--release", required=True, help="release.json, or its URL (…/api/v1/cycles/2026/release)")
    parser.add_argument("--out", type=Path, required=True, help="report.html or report.pdf")
    parser.add_argument("--cycle-key", type=Path, help="your cycle key: names your organisation, industry and size band")
    parser.add_argument("--employer", help="your organisation's name, for the title")
    parser.add_argument("--industry", help="your industry, to compare with its cohort")
    parser.add_argument("--size-band", help="your size band, to compare with its cohort")
    parser.add_argument("--map", action="append", default=[], metavar="FIELD=HEADER")
    parser.add_argument("--mapping", type=Path)
    parser.add_argument("--save-map", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--taxonomy", default="compact-2026", help=argparse.SUPPRESS)


def _say(line: str) -> None:
    print(for_terminal(line, max_length=None))


def release_load(source: str) -> ReleaseDocument:
    """The release document from a file or a URL; ValueError with a reason otherwise."""
    if source.startswith(("http://", "https://")):
        try:
            response = requests.get(source, timeout=60)
        except requests.RequestException as exc:
            raise ValueError(f"could not download the release: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise ValueError(f"the service answered {response.status_code} for {source}")
        text = response.text
    else:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"cannot read {source}: {exc.strerror}") from None
    try:
        doc = json.loads(text)
    except ValueError:
        raise ValueError(f"{source} is not JSON") from None
    try:
        return release_from_json(doc)
    except ReleaseFormatError:
        raise ValueError(f"{source} is not a Talent Compact release ({FORMAT})") from None


def run(args: argparse.Namespace) -> int:
    try:
        release = release_load(args.release)
        mapping = mapping_from_args(args)
    except (ValueError, ColumnMapError) as exc:
        _say(f"Error: {exc}")
        return EXIT_UNUSABLE
    employer, industry, size_band = args.employer, args.industry, args.size_band
    if args.cycle_key:
        key = json.loads(args.cycle_key.read_text())
        employer = employer or key.get("employer_name")
        industry = industry or key.get("employer_industry")
        size_band = size_band or key.get("employer_size_band")
    result = check_extract(args.extract, column_map=mapping, taxonomy=release.taxonomy, display_name=str(args.extract))
    if not result.ok:
        for line in render(result):
            _say(line)
        return EXIT_UNUSABLE if result.status == "unusable" else EXIT_ERRORS
    layout = layout_for(release.taxonomy)
    own = Aggregate(layout, vector_from(result, layout))
    html = benchmark_html(own, release, employer=employer or "Your organisation", industry=industry,
                          size_band=size_band, for_pdf=args.out.suffix.lower() == ".pdf")
    if args.out.suffix.lower() == ".pdf":
        args.out.write_bytes(benchmark_pdf(html))
    else:
        args.out.write_text(html, encoding="utf-8")
    for line in benchmark_headline(own, release, industry=industry, size_band=size_band):
        _say(line)
    _say(f"Benchmark written to {args.out} (computed locally; nothing was sent).")
    return EXIT_OK
