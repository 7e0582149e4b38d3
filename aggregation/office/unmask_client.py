"""The equity office's unmask client: it decides what may be unmasked, on the office's machine.

The office downloads only sealed seeds, their bindings and the cohort membership lists. Before
opening anything it checks that the cohorts are big enough and cannot be added and subtracted
down to a small group (its own minimum, never lower than the service's). Then it opens each
seed under the binding the service reports (a swapped cycle, employer, version, vector hash or
key makes opening fail), expands the masks, sums them per cohort, and uploads the sums.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import requests
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from aggregation.cohort_guard import Cohort, family_check
from protocol.officekey import OfficeKeyError, fingerprint, fingerprint_matches
from protocol.sealing import Binding, mask_expand, seed_open

BUNDLE_FORMAT = "talent-compact-unmask-request/1"
DEFAULT_MIN_COHORT = 8


class UnmaskRefused(Exception):
    """The office client will not unmask this request; the message says why."""


@dataclass(frozen=True)
class MaskSums:
    sums: dict[str, np.ndarray]
    employers: int


def _cohorts(bundle: dict) -> list[Cohort]:
    return [Cohort(kind=c["kind"], value=c["value"], members=frozenset(c["members"])) for c in bundle["cohorts"]]


def request_check(bundle: dict, *, private_key: X25519PrivateKey, min_cohort_employers: int,
                  expect_fingerprint: str | None) -> list[Cohort]:
    """Refuse a request that is malformed, for another key, or that could isolate a small group."""
    if not isinstance(bundle, dict) or bundle.get("format") != BUNDLE_FORMAT:
        raise UnmaskRefused(f"The service's answer is not an unmask request ({BUNDLE_FORMAT}).")
    ours = fingerprint(private_key.public_key())
    if bundle.get("key_fingerprint") != ours:
        raise UnmaskRefused(
            f"This cycle's seeds are sealed to office key {str(bundle.get('key_fingerprint'))[:16]}…; "
            f"your key is {ours[:16]}…."
        )
    if expect_fingerprint is not None:
        try:
            if not fingerprint_matches(expect_fingerprint, ours):
                raise UnmaskRefused("Your key's fingerprint is not the one you expected (--expect-fingerprint).")
        except OfficeKeyError as exc:
            raise UnmaskRefused(str(exc)) from None
    employers = [s["employer"] for s in bundle["submissions"]]
    if len(set(employers)) != len(employers):
        raise UnmaskRefused("The request lists an employer's submission twice.")
    cohorts = _cohorts(bundle)
    known = set(employers)
    for cohort in cohorts:
        stray = cohort.members - known
        if stray:
            raise UnmaskRefused(
                f"Cohort {cohort.describe()} names employer(s) {sorted(stray)[:5]} with no submission."
            )
    minimum = max(min_cohort_employers, int(bundle.get("min_cohort_employers", 0)))
    problems = family_check(cohorts, min_employers=minimum)
    if problems:
        raise UnmaskRefused("Refusing to unmask: " + " ".join(problems))
    return cohorts


def mask_sums_compute(
    bundle: dict,
    *,
    private_key: X25519PrivateKey,
    min_cohort_employers: int = DEFAULT_MIN_COHORT,
    expect_fingerprint: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> MaskSums:
    """Check the request, open the seeds and sum the masks per cohort."""
    cohorts = request_check(
        bundle, private_key=private_key, min_cohort_employers=min_cohort_employers,
        expect_fingerprint=expect_fingerprint,
    )
    length = int(bundle["elements"])
    sums = {c.key: np.zeros(length, dtype=np.uint64) for c in cohorts}
    total = len(bundle["submissions"])
    for n, item in enumerate(bundle["submissions"], start=1):
        binding = Binding(
            cycle=bundle["cycle"],
            employer=int(item["employer"]),
            version=int(item["version"]),
            taxonomy=bundle["taxonomy"],
            layout=bundle["layout"],
            key_fingerprint=bundle["key_fingerprint"],
            masked_sha256=item["masked_sha256"],
        )
        seed = seed_open(binding=binding, sealed_seed=base64.b64decode(item["sealed_seed"]), private_key=private_key)
        mask = mask_expand(seed, length)
        for cohort in cohorts:
            if binding.employer in cohort.members:
                np.add(sums[cohort.key], mask, out=sums[cohort.key])
        if progress is not None:
            progress(n, total)
    return MaskSums(sums=sums, employers=total)


class OfficeApi:
    """The few service endpoints the office client uses, with an office API key."""

    def __init__(self, url: str, api_key: str, *, timeout: float = 120):
        self.base = url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Api-Key {api_key}"
        self.timeout = timeout

    def _check(self, response: requests.Response) -> dict:
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text[:200]
            raise UnmaskRefused(f"The service answered {response.status_code}: {detail}")
        return response.json()

    def bundle(self, cycle: str) -> dict:
        return self._check(self.session.get(f"{self.base}/api/v1/cycles/{cycle}/unmask", timeout=self.timeout))

    def upload(self, cycle: str, key: str, mask_sum: np.ndarray) -> None:
        payload = {"cohort": key, "mask_sum": base64.b64encode(mask_sum.astype("<u8").tobytes()).decode()}
        self._check(self.session.post(f"{self.base}/api/v1/cycles/{cycle}/unmask/mask-sums", json=payload, timeout=self.timeout))

    def start(self, cycle: str) -> dict:
        return self._check(self.session.post(f"{self.base}/api/v1/cycles/{cycle}/unmask/start", timeout=self.timeout))

    def status(self, cycle: str) -> dict:
        return self._check(self.session.get(f"{self.base}/api/v1/cycles/{cycle}/unmask/status", timeout=self.timeout))


def unmask_remote(
    *,
    api: OfficeApi,
    cycle: str,
    private_key: X25519PrivateKey,
    min_cohort_employers: int = DEFAULT_MIN_COHORT,
    expect_fingerprint: str | None = None,
    say: Callable[[str], None] = print,
) -> dict:
    """Download, check, compute, upload, start. Returns the service's job status."""
    bundle = api.bundle(cycle)
    say(f"Cycle {cycle}: {len(bundle['submissions'])} submissions, {len(bundle['cohorts'])} cohorts requested.")
    result = mask_sums_compute(
        bundle, private_key=private_key, min_cohort_employers=min_cohort_employers,
        expect_fingerprint=expect_fingerprint,
    )
    for key, mask_sum in result.sums.items():
        api.upload(cycle, key, mask_sum)
    say(f"Mask sums uploaded for {', '.join(result.sums)}.")
    return api.start(cycle)
