"""Unmask benchmark: N sealed submissions → office mask sums → service cohort sums.

    .venv/bin/python benchmarks/unmask.py [--employers 10000] [--database-url URL]

Runs on a throw-away SQLite database (or the given DATABASE_URL) through the real services.
Setup (sealing and storing N submissions) is not timed. Timed: the office's download (request
size per employer), the office's checks + seed opening + mask sums, and the service's summing
task. Targets (issue 4): unmask and cohort sums of 10,000 employers in at most 30 s; at most
1 KB downloaded per employer.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employers", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="unmask-bench-")
    os.environ["TALENT_DATA_DIR"] = data_dir
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ.pop("CELERY_BROKER_URL", None)
    # Measured here: the unmask. The release build it would queue is benchmarks/disclosure.py's.
    os.environ["RELEASE_BUILD_AFTER_UNMASK"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compact.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    run(args.employers)


def run(n: int) -> None:
    import numpy as np
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from aggregation.office.unmask_client import mask_sums_compute
    from aggregation.selectors import cohort_aggregates
    from aggregation.services import unmask
    from compact.access import OFFICE_GROUP, principal_for_user
    from compact.at_rest import seal_at_rest
    from compact.models import Cycle, CycleState, Enrollment
    from compact.services.cycles import cycle_close
    from employers.models import Employer, SealedSubmission
    from employers.services.submissions import blob_context
    from protocol.layout import VectorBuilder, layout_for
    from protocol.officekey import fingerprint, raw_public
    from protocol.sealing import envelope_parse, seal

    layout = layout_for()
    rng = np.random.default_rng(7)
    key = X25519PrivateKey.generate()
    analyst = get_user_model().objects.create_user("bench-analyst")
    analyst.groups.add(Group.objects.get_or_create(name=OFFICE_GROUP)[0])
    office = principal_for_user(analyst)
    cycle = Cycle.objects.create(
        slug="bench", name="bench", deadline=timezone.now() + timedelta(days=1), state=CycleState.OPEN,
        office_public_key=raw_public(key.public_key()), office_key_fingerprint=fingerprint(key.public_key()),
    )
    industries = ["IT", "Education", "Financial Services", "Healthcare and Wellness", "Nonprofit",
                  "Biotech/Pharma", "Hospitality", "Public Sector", "Professional Services",
                  "Marketing and Media", "Architecture/Engineering/Real Estate",
                  "Construction/Manufacturing/Utilities-Energy/Transportation"]
    sizes = ["1-49", "50-199", "200-499", "500+"]
    t0 = time.perf_counter()
    expected_all = np.zeros(layout.length, dtype=np.uint64)
    batch = []
    for i in range(n):
        employer = Employer.objects.create(name=f"E{i:05d}", industry=industries[i % 12], size_band=sizes[(i // 12) % 4])
        Enrollment.objects.create(cycle=cycle, employer=employer)
        builder = VectorBuilder(layout)
        builder.set("submissions", [1])
        builder.set("headcount", rng.integers(0, 50, size=270))
        builder.set("comp_sum", rng.integers(0, 5_000_000_00, size=270))
        elements = builder.elements()
        np.add(expected_all, elements, out=expected_all)
        env = envelope_parse(seal(elements=elements, public_key=key.public_key(), cycle="bench", employer=employer.pk,
                                  version=1, taxonomy="compact-2026", layout=layout.layout_id))
        batch.append(SealedSubmission(
            cycle=cycle, employer=employer, version=1, received_via="bench", layout_id=layout.layout_id,
            key_fingerprint=env.binding.key_fingerprint, masked_sha256=env.binding.masked_sha256,
            envelope_bytes=len(env.masked_bytes),
            masked_vector=seal_at_rest(env.masked_bytes, context=blob_context("bench", employer.pk, 1, "masked")),
            sealed_seed=seal_at_rest(env.sealed_seed, context=blob_context("bench", employer.pk, 1, "seed")),
        ))
        if len(batch) == 200:
            SealedSubmission.objects.bulk_create(batch)
            batch = []
    SealedSubmission.objects.bulk_create(batch)
    setup = time.perf_counter() - t0
    cycle = cycle_close(principal=office, cycle=cycle)

    t = time.perf_counter()
    bundle = unmask.unmask_bundle(principal=office, cycle=cycle)
    download = len(json.dumps(bundle).encode())
    t_bundle = time.perf_counter() - t

    t = time.perf_counter()
    sums = mask_sums_compute(bundle, private_key=key)
    t_office = time.perf_counter() - t

    t = time.perf_counter()
    for cohort_key, mask_sum in sums.sums.items():
        unmask.unmask_mask_sum_store(principal=office, cycle=cycle, cohort_key=cohort_key,
                                     mask_sum=mask_sum.astype("<u8").tobytes())
    job = unmask.unmask_start(principal=office, cycle=cycle)
    state = unmask.unmask_run(job_id=job.pk)  # the task body, run in this process
    t_service = time.perf_counter() - t

    aggregates = cohort_aggregates(cycle=cycle)
    exact = bool(np.array_equal(aggregates["all"].elements, expected_all))
    total = t_bundle + t_office + t_service
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "employers": n,
        "cohorts": len(bundle["cohorts"]),
        "vector_elements": layout.length,
        "setup_seconds": round(setup, 1),
        "office_download_bytes_per_employer": round(download / n, 1),
        "bundle_seconds": round(t_bundle, 2),
        "office_seconds": round(t_office, 2),
        "service_sum_seconds": round(t_service, 2),
        "unmask_total_seconds": round(total, 2),
        "state": state,
        "exact": exact,
        "peak_rss_mb": round(peak_mb),
        "python": platform.python_version(),
    }, indent=1))


if __name__ == "__main__":
    main()
