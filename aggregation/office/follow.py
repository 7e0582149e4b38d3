"""Following the service's work after the office has sent its mask sums: the unmask job, then
the release build that follows it.

Guarantees: the office client waits as long as the job makes progress and no longer than its
overall bound, polling the service's status endpoint rather than holding one request open
against a fixed timeout; a status request that times out (a server busy with the job itself) is
said and retried, not fatal; the last line states what actually happened — the release built
and its verdict, the unmask failed and why, or the job still running when the wait ended — and
the exit code says which (0 finished, 1 failed or refused, 3 still running).

On the embedded default (tasks run in the request) the start request itself runs the whole
job, so it is sent from a side thread while this one polls; with a real worker it returns at
once and only the polling follows the job.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from aggregation.office.unmask_client import OfficeApi, UnmaskRefused

FINISHED, FAILED, RUNNING = 0, 1, 3
STATUS_TIMEOUT = 30.0
QUIET_FOR = 30.0  # a progress line at least this often while nothing changes


@dataclass(frozen=True)
class FollowOutcome:
    """How following ended: the exit code (FINISHED, FAILED or RUNNING) and the last line."""

    code: int
    line: str


def elapsed_text(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


def status_describe(status: dict, *, base: str = "") -> tuple[str, FollowOutcome | None]:
    """One line for the job's current state, and the outcome when the job has ended."""
    state = status.get("state")
    build, release = status.get("release_build"), status.get("release")
    review = f"{base}/office/cycles/{status.get('cycle')}/review/"
    if state == "failed":
        line = f"The unmask failed: {status.get('error') or 'no reason recorded'}"
        return line, FollowOutcome(FAILED, line)
    if state == "awaiting_masks":
        return "The service is waiting for the mask sums; none has been started yet.", None
    if state in ("queued", "running"):
        total, processed = status.get("total") or 0, status.get("processed") or 0
        verb = "queued" if state == "queued" else "running"
        return f"Adding the mask sums: {verb}, {processed} of {total} submissions summed.", None
    if build is not None:
        attempt = f", attempt {build['attempts']}" if build.get("attempts", 0) > 1 else ""
        where = "queued" if build["state"] == "queued" else build["stage"]
        return f"Unmask done; building release {build['number']}: {where}{attempt}.", None
    if release is None:
        line = ("Unmask done. This service builds no release by itself after the unmask; build it on "
                f"the review page ({review}).")
        return line, FollowOutcome(FINISHED, line)
    number = release["number"]
    if release["state"] == "draft" and release.get("passed"):
        line = f"Release {number} built and passed its audit. Review and publish it on {review}"
        return line, FollowOutcome(FINISHED, line)
    if release["state"] == "published":
        line = f"Release {number} is published."
        return line, FollowOutcome(FINISHED, line)
    verdict = "refused by the audit" if release["state"] == "refused" else "could not be built"
    line = f"Release {number} {verdict}: {release.get('error') or 'no reason recorded'}. See {review}"
    return line, FollowOutcome(FAILED, line)


class _Start(threading.Thread):
    """The start request, sent beside the polling (it may run the whole job on the embedded default)."""

    def __init__(self, api: OfficeApi, cycle: str, read_timeout: float):
        super().__init__(name=f"unmask-start-{cycle}", daemon=True)
        self.api, self.cycle, self.read_timeout = api, cycle, read_timeout
        self.answer: dict | None = None
        self.error: Exception | None = None
        self.finished = threading.Event()

    def run(self) -> None:
        try:
            self.answer = self.api.start(self.cycle, timeout=(STATUS_TIMEOUT, self.read_timeout))
        except Exception as exc:  # reported by the follower, which decides what it means
            self.error = exc
        finally:
            self.finished.set()


def job_follow(
    *,
    api: OfficeApi,
    cycle: str,
    start: bool,
    wait: float,
    interval: float = 2.0,
    say: Callable[[str], None] = print,
    clock: Callable[[], float] = time.monotonic,
) -> FollowOutcome:
    """Start the unmask (when ``start``) and follow it and the release build for at most
    ``wait`` seconds, saying each change (and every QUIET_FOR seconds while nothing changes)."""
    began = clock()
    starter = None
    if start:
        starter = _Start(api, cycle, read_timeout=max(wait, 1.0) + STATUS_TIMEOUT)
        starter.start()
    last_line, last_said, outcome = None, began, None
    while True:
        if starter is not None and starter.finished.is_set() and starter.error is not None:
            error = starter.error
            if isinstance(error, UnmaskRefused):
                return FollowOutcome(FAILED, str(error))
            if not isinstance(error, requests.Timeout):
                return FollowOutcome(FAILED, f"The start request failed: {error}")
            starter = None  # the service kept the job; the polling follows it from here
        try:
            status = api.status(cycle, timeout=min(STATUS_TIMEOUT, max(wait, 1.0)))
        except (requests.Timeout, requests.ConnectionError) as exc:
            line = f"The service did not answer the status request ({type(exc).__name__}); it may be busy with the job. Asking again."
            outcome = None
        else:
            line, outcome = status_describe(status, base=api.base)
            if starter is not None and status.get("state") == "awaiting_masks":
                # The start request has not committed yet (on the embedded default it commits
                # first and then runs the job in the same request).
                line = "Asking the service to start adding the mask sums."
        now = clock()
        if outcome is not None:
            return outcome
        if line != last_line or now - last_said >= QUIET_FOR:
            say(f"[{elapsed_text(now - began)}] {line}")
            last_line, last_said = line, now
        remaining = wait - (now - began)
        if remaining <= 0:
            return FollowOutcome(
                RUNNING,
                f"Still running after {elapsed_text(now - began)}: {line} The service carries on by itself; "
                f"follow it with `python -m aggregation.office status --cycle {cycle} --url {api.base} --wait 1800` "
                f"or on {api.base}/office/cycles/{cycle}/review/",
            )
        pause = min(interval, remaining)
        if starter is not None and not starter.finished.is_set():
            starter.finished.wait(pause)  # wake early when the start request returns
        else:
            time.sleep(pause)
