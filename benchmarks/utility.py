"""Utility benchmark: how much of a realistic compact a release publishes, and how fast.

Usage: ``.venv/bin/python benchmarks/utility.py [--employers 40 120 400] [--seeds 1 2] [--peer]``
(``--peer`` needs the ``bench`` extra: ``pip install -e ".[bench]"``).

For each realistic population (``populations.realistic``: 12 uneven industries, lognormal
sizes 10-20,000, a dominant employer in one job, an employer with no women) and seed: the
cohorts a cycle unmasks (``cohorts_unmasked``), the release build with its publication plan,
and the release's utility block: primary-safe non-empty cells published (overall, over every
unmasked cohort and table, a cohort the plan drops counting as unpublished), headline cells
published of those passing the rules, whether the overall raw mean and median gaps are
present, the audit's verdict and worst protection, the cohorts published, and the build time.
With ``--peer``: tau-ARGUS (optimal suppression) on the all-employers cohort's table given our
primary cells and protection levels, cost = cell value: cells it publishes against ours in the
same cohort, and whether its pattern passes our audit.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aggregation.disclosure import DisclosurePolicy, release_build, release_document  # noqa: E402
from aggregation.disclosure.primary import CellStatus, primary_suppress  # noqa: E402
from aggregation.disclosure.space import ReleaseSpace  # noqa: E402
from aggregation.metrics.gaps import release_gap_metrics  # noqa: E402
from populations.totals import cohorts_unmasked, population_realistic  # noqa: E402
from protocol.release import release_from_json, release_to_json  # noqa: E402
from protocol.taxonomy import load as taxonomy_load  # noqa: E402


def gaps_present(document) -> dict:
    tax = taxonomy_load(document.taxonomy)
    metrics = release_gap_metrics(document, jobs=tax.labels("job_category"),
                                  races=tax.labels("race_ethnicity"), genders=tax.labels("gender"))
    gender = metrics.get("all", {}).get("gender", {})
    return {"mean_gap": gender.get("compensation_mean") is not None,
            "median_gap": gender.get("compensation_median") is not None}


def peer(pop, whole, policy, ours_published: int) -> dict:
    """tau-ARGUS on the all-employers table with our primary cells and levels."""
    from disclosure import audit_pattern, peer_status  # benchmarks/disclosure.py

    space = ReleaseSpace([whole])
    status, _ = primary_suppress([whole], policy)
    primary = status[0] == CellStatus.PRIMARY
    nonzero = whole.headcount > 0
    level = policy.margin * space.exact["compensation"].ravel() / 100.0  # dollars
    hidden, _, seconds = peer_status(pop, whole.structure, given=(primary, level, nonzero))
    hidden &= nonzero
    verdict = audit_pattern(space, hidden, policy)
    return {"tau_argus_published": int(((whole.headcount > 0) & ~hidden).sum()),
            "ours_published_in_all": ours_published, "tau_argus_seconds": round(seconds, 2),
            **{f"tau_argus_{k}": v for k, v in verdict.items()}}


def run(n: int, seed: int, with_peer: bool) -> dict:
    policy = DisclosurePolicy()
    pop = population_realistic(n, seed=seed)
    cohorts = cohorts_unmasked(pop)
    started = time.perf_counter()
    draft = release_build(cohorts=cohorts, policy=policy)
    seconds = time.perf_counter() - started
    u = draft.utility
    out = {
        "employers": n, "seed": seed, "cohorts_unmasked": len(cohorts),
        "cohorts_published": list(draft.plan.published),
        "safe_share": round(u.safe_share, 3), "safe_published": u.safe_published, "safe": u.safe,
        "nonempty_share": round(u.nonempty_share, 3),
        "headline_published": u.headline_published, "headline_safe": u.headline_safe,
        "audit_passed": draft.certificate.passed,
        "worst_protection_ratio": round(draft.certificate.worst_protection_ratio or 0, 4),
        "exact_disclosures": draft.certificate.exact_disclosures,
        "remainder_targets": draft.certificate.remainder_targets,
        "build_seconds": round(seconds, 1),
    }
    if draft.certificate.passed:
        document = release_from_json(release_to_json(release_document(
            draft, cycle="bench", taxonomy="compact-2026", participants=n)))
        out.update(gaps_present(document))
    if with_peer:
        whole = cohorts[0]
        ours = int(((draft.status[0] == CellStatus.PUBLISHED) & (whole.headcount > 0)).sum())
        out.update(peer(pop, whole, policy, ours))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employers", type=int, nargs="+", default=[40, 120, 400])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--peer", action="store_true")
    args = parser.parse_args()
    for n in args.employers:
        for seed in args.seeds:
            print(json.dumps(run(n, seed, args.peer)), flush=True)


if __name__ == "__main__":
    main()
