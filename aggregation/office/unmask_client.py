"""The equity office's unmask client: it decides what may be unmasked, on the office's machine.

The office downloads only sealed seeds, their bindings and the cohort membership lists. Before
opening anything it checks that the cohorts are big enough and cannot be added and subtracted
down to a small group (its own minimum, never lower than the service's). Then it opens each
seed under the binding the service reports (a swapped cycle, employer, version, vector hash or
key makes opening fail), expands the masks, sums them per cohort, and uploads the sums.

A seed that does not open does not stop the cycle (DESIGN §2.7): before uploading anything,
the client names every submission it cannot open (employer, version, reason) and asks the
service to exclude them, downloads the request again — the cohorts proposed without them —
checks it again with the same guard, and unmasks what remains.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import requests
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from aggregation.cohort_guard import Cohort, family_check
from protocol.officekey import OfficeKeyError, fingerprint, fingerprint_matches
from protocol.sealing import Binding, SealingError, mask_expand, seed_open

BUNDLE_FORMAT = "talent-compact-unmask-request/1"
DEFAULT_MIN_COHORT = 8


class UnmaskRefused(Exception):
    """The office client will not unmask this request; the message says why."""


@dataclass(frozen=True)
class MaskSums:
    sums: dict[str, np.ndarray]
    employers: int


@dataclass(frozen=True)
class Unopened:
    """A submission whose seed does not open, and why."""

    employer: int
    version: int
    reason: str

    def as_json(self) -> dict:
        return {"employer": self.employer, "version": self.version, "reason": self.reason}


class SeedsUnopened(UnmaskRefused):
    """Some seeds of the request do not open; ``unopened`` names them."""

    def __init__(self, unopened: list[Unopened]):
        self.unopened = unopened
        names = "; ".join(u.reason for u in unopened[:5])
        more = f" (and {len(unopened) - 5} more)" if len(unopened) > 5 else ""
        super().__init__(
            f"{len(unopened)} seed(s) do not open: {names}{more}. Exclude them first "
            "(python -m aggregation.office unmask does so)."
        )


def _binding(bundle: dict, item: dict) -> Binding:
    return Binding(
        cycle=bundle["cycle"],
        employer=int(item["employer"]),
        version=int(item["version"]),
        taxonomy=bundle["taxonomy"],
        layout=bundle["layout"],
        key_fingerprint=bundle["key_fingerprint"],
        masked_sha256=item["masked_sha256"],
    )


def seeds_open(bundle: dict, *, private_key: X25519PrivateKey) -> tuple[dict[int, bytes], list[Unopened]]:
    """Open every seed of a request: the seeds by employer, and the submissions that do not open."""
    seeds: dict[int, bytes] = {}
    unopened: list[Unopened] = []
    for item in bundle["submissions"]:
        binding = _binding(bundle, item)
        try:
            sealed = base64.b64decode(item["sealed_seed"], validate=True)
        except (binascii.Error, ValueError):
            unopened.append(Unopened(binding.employer, binding.version,
                                     f"The seed of employer {binding.employer} version {binding.version} is not valid base64."))
            continue
        try:
            seeds[binding.employer] = seed_open(binding=binding, sealed_seed=sealed, private_key=private_key)
        except SealingError as exc:
            unopened.append(Unopened(binding.employer, binding.version, str(exc)))
    return seeds, unopened


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
    """Check the request, open the seeds and sum the masks per cohort. Every seed must open
    (SeedsUnopened names those that do not): a sum that leaves one out is a sum of a
    different cohort."""
    cohorts = request_check(
        bundle, private_key=private_key, min_cohort_employers=min_cohort_employers,
        expect_fingerprint=expect_fingerprint,
    )
    seeds, unopened = seeds_open(bundle, private_key=private_key)
    if unopened:
        raise SeedsUnopened(unopened)
    length = int(bundle["elements"])
    sums = {c.key: np.zeros(length, dtype=np.uint64) for c in cohorts}
    total = len(bundle["submissions"])
    for n, item in enumerate(bundle["submissions"], start=1):
        employer = int(item["employer"])
        mask = mask_expand(seeds.pop(employer), length)
        for cohort in cohorts:
            if employer in cohort.members:
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

    def exclude(self, cycle: str, unopened: list[Unopened]) -> list[dict]:
        payload = {"exclusions": [u.as_json() for u in unopened]}
        return self._check(self.session.post(f"{self.base}/api/v1/cycles/{cycle}/unmask/exclusions", json=payload,
                                              timeout=self.timeout))

    def start(self, cycle: str, *, timeout=None) -> dict:
        """Start the summing; the answer is the job's status. On the embedded default the request
        runs the whole job, so its caller chooses the timeout (aggregation.office.follow)."""
        return self._check(self.session.post(f"{self.base}/api/v1/cycles/{cycle}/unmask/start",
                                             timeout=timeout or self.timeout))

    def status(self, cycle: str, *, timeout=None) -> dict:
        """The unmask job, the release build that follows it and the latest release."""
        return self._check(self.session.get(f"{self.base}/api/v1/cycles/{cycle}/unmask/status",
                                            timeout=timeout or self.timeout))


def unmask_remote(
    *,
    api: OfficeApi,
    cycle: str,
    private_key: X25519PrivateKey,
    min_cohort_employers: int = DEFAULT_MIN_COHORT,
    expect_fingerprint: str | None = None,
    say: Callable[[str], None] = print,
) -> dict:
    """Download, check, exclude what does not open, compute, upload, start (in one request).
    Returns the service's job status."""
    mask_sums_send(api=api, cycle=cycle, private_key=private_key, min_cohort_employers=min_cohort_employers,
                   expect_fingerprint=expect_fingerprint, say=say)
    return api.start(cycle)


def mask_sums_send(
    *,
    api: OfficeApi,
    cycle: str,
    private_key: X25519PrivateKey,
    min_cohort_employers: int = DEFAULT_MIN_COHORT,
    expect_fingerprint: str | None = None,
    say: Callable[[str], None] = print,
) -> list[str]:
    """Download, check, exclude what does not open, compute and upload the mask sums; returns
    the cohorts sent. Starting the summing is the caller's next step."""
    bundle = api.bundle(cycle)
    say(f"Cycle {cycle}: {len(bundle['submissions'])} submissions, {len(bundle['cohorts'])} cohorts requested.")
    # The guard first: nothing is opened for a request that could isolate a small group.
    request_check(bundle, private_key=private_key, min_cohort_employers=min_cohort_employers,
                  expect_fingerprint=expect_fingerprint)
    _, unopened = seeds_open(bundle, private_key=private_key)
    if unopened:
        for u in unopened:
            say(f"Excluding employer {u.employer} version {u.version}: {u.reason}")
        api.exclude(cycle, unopened)
        bundle = api.bundle(cycle)
        say(f"Without them: {len(bundle['submissions'])} submissions, {len(bundle['cohorts'])} cohorts requested.")
    # mask_sums_compute checks the (new) request with the same guard and refuses if a seed
    # still does not open.
    result = mask_sums_compute(
        bundle, private_key=private_key, min_cohort_employers=min_cohort_employers,
        expect_fingerprint=expect_fingerprint,
    )
    for key, mask_sum in result.sums.items():
        api.upload(cycle, key, mask_sum)
    say(f"Mask sums uploaded for {', '.join(result.sums)}.")
    return list(result.sums)
