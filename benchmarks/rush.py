"""Deadline-rush benchmark: N employers submit their sealed file at once, on the production shape.

    PYTHONPATH=. .venv/bin/python benchmarks/rush.py [--employers 500] [--sequential 50]
        [--configs sync,gthread] [--workers 3] [--threads 4] [--postgres postgres://postgres@127.0.0.1:5432]

The production shape: a fresh PostgreSQL database (created here as ``talent_rush_<pid>`` and
dropped at the end), ``migrate``, and gunicorn as docker-compose.yml runs it (``--workers 3
--timeout 120``, sync workers) in a subprocess on a free 127.0.0.1 port. Per server
configuration a new cycle with an office key, all employers enrolled (each with an API key),
built through the real services. Sealing the envelopes is setup, not timed.

Timed, over HTTP with one thread per employer (``requests``, one connection each):

1. a sequential baseline: ``--sequential`` other employers submit one after another (median);
2. the burst: N employers POST their sealed envelope to ``/api/v1/cycles/<slug>/submissions``
   at the same moment: latency p50/p95/p99/max, throughput over the burst, status codes (all
   must be 201), and exactly N rows stored;
3. the close during a burst: the same N employers send version 2 at once and, when half of
   them have been answered, the cycle is closed as the deadline task closes it
   (``cycle_close`` in this process, not through gunicorn). Every version 2 must be either
   201 and in the frozen set, or 409 ``cycle_not_open`` and not stored: none lost, none
   stored after the freeze.

Beside each burst: the CPU seconds of the client, of gunicorn's workers and of PostgreSQL's
(exited) backends, and the share of the machine that was busy; beside the baseline the
server-side CPU per submission, which bounds what any burst can reach on this machine.

Bounded: at most 2N + S requests per configuration, a client timeout per request, an overall
time limit per burst. Traffic goes only to 127.0.0.1. Prints one JSON line, then a summary.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
# Measure this checkout's code, not whatever copy the environment installed.
sys.path.insert(0, str(ROOT))

CONFIGS = ("sync", "gthread")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employers", type=int, default=500, help="submitters in each burst")
    parser.add_argument("--sequential", type=int, default=50, help="submissions in the sequential baseline")
    parser.add_argument("--configs", default="sync,gthread", help=f"comma-separated, of {', '.join(CONFIGS)}")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (docker-compose.yml: 3)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker for gthread")
    parser.add_argument("--client-timeout", type=float, default=120.0, help="seconds per request")
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds per burst, overall")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432",
                        help="server to create the throw-away database on (no database name)")
    args = parser.parse_args()
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = set(configs) - set(CONFIGS)
    if unknown:
        parser.error(f"unknown configuration(s) {', '.join(sorted(unknown))}; choose from {', '.join(CONFIGS)}")
    server_url = urlsplit(args.postgres)
    if server_url.scheme != "postgres" or server_url.hostname != "127.0.0.1" or server_url.path not in ("", "/"):
        parser.error("--postgres is a postgres:// URL on 127.0.0.1 without a database name")

    database = f"talent_rush_{os.getpid()}"
    data_dir = tempfile.mkdtemp(prefix="rush-bench-")
    server_env = {
        "DATABASE_URL": f"{args.postgres.rstrip('/')}/{database}",
        "TALENT_DATA_DIR": data_dir,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "AT_REST_KEYS": "rush1:" + base64.b64encode(os.urandom(32)).decode(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "DJANGO_SETTINGS_MODULE": "compact.settings",
    }
    # No Celery broker: neither a submission nor a close queues a task, and a broker would only
    # add a Redis round trip to /api/v1/health, which is not measured.
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.update(server_env)

    load_before = _load_average()
    _database_create(args.postgres, database)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        results = run(args, configs, server_env, data_dir)
    finally:
        from django.db import connections

        connections.close_all()
        _database_drop(args.postgres, database)
    errors = sum(c.get("server_errors_logged", 0) for c in results["configs"].values())
    if errors:
        results["logs"] = data_dir  # kept: gunicorn's logs hold the tracebacks
    else:
        shutil.rmtree(data_dir, ignore_errors=True)
    results.update({
        "load_before": load_before,
        "load_after": _load_average(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "postgresql": _pg_version(args.postgres)},
    })
    print(json.dumps(results))
    print(summary(results))


# --- The database and the server ---------------------------------------------------------


def _psql(url: str, sql: str) -> str:
    out = subprocess.run(["psql", f"{url.rstrip('/')}/postgres", "-tAc", sql], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def _database_create(url: str, name: str) -> None:
    _psql(url, f'CREATE DATABASE "{name}"')


def _database_drop(url: str, name: str) -> None:
    _psql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_version(url: str) -> str:
    return _psql(url, "SHOW server_version")


def _load_average() -> str:
    """The 1, 5 and 15-minute load averages, as `uptime` prints them."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn on 127.0.0.1 in a subprocess; stopped by its PID."""

    def __init__(self, *, config: str, workers: int, threads: int, env: dict, log_dir: str):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "gunicorn", "compact.wsgi", "--bind", f"127.0.0.1:{self.port}",
                   "--workers", str(workers), "--timeout", "120", "--chdir", str(ROOT)]
        if config == "gthread":
            command += ["--worker-class", "gthread", "--threads", str(threads)]
        self.command = command
        self.log_path = Path(log_dir) / f"gunicorn-{config}.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            command, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT,
            env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited early; see {self.log_path}")
            try:
                if requests.get(f"{self.base}/api/v1/health", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout} s; see {self.log_path}")

    def worker_cpu_seconds(self) -> float:
        """CPU seconds used so far by gunicorn's workers (children of the master)."""
        total = 0.0
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        except OSError:
            return 0.0
        tick = os.sysconf("SC_CLK_TCK")
        for pid in children:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / tick
        return total

    def server_errors(self) -> int:
        text = self.log_path.read_text(errors="replace")
        return text.count("Internal Server Error") + text.count("WORKER TIMEOUT")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


# --- Setup through the real services (not timed) -----------------------------------------


def office_setup():
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from compact.access import OFFICE_GROUP, principal_for_user

    analyst = get_user_model().objects.create_user("rush-analyst")
    analyst.groups.add(Group.objects.get_or_create(name=OFFICE_GROUP)[0])
    return principal_for_user(analyst), X25519PrivateKey.generate()


def employers_setup(*, office, n: int) -> list[tuple]:
    """N employers, each with one member and one API key: (employer, member principal, raw key)."""
    from django.contrib.auth import get_user_model

    from compact.access import principal_for_user
    from employers.models import EmployerMember
    from employers.services.organisations import api_key_create, employer_create

    industries = ["IT", "Education", "Financial Services", "Healthcare and Wellness", "Nonprofit", "Hospitality"]
    sizes = ["1-49", "50-199", "200-499", "500+"]
    User = get_user_model()
    pool = []
    for i in range(n):
        employer = employer_create(principal=office, name=f"Rush employer {i:04d}",
                                   industry=industries[i % len(industries)], size_band=sizes[(i // 6) % 4])
        user = User.objects.create_user(f"rush-hr-{i:04d}")  # no usable password: signs in with its key
        EmployerMember.objects.create(user=user, employer=employer)
        member = principal_for_user(user)
        _, raw = api_key_create(principal=member, employer=employer, name="payroll system")
        pool.append((employer, member, raw))
    return pool


def cycle_setup(*, office, key, slug: str, pool):
    from django.utils import timezone

    from compact.services import cycles, invitations
    from protocol.officekey import public_key_document

    cycle = cycles.cycle_create(principal=office, slug=slug, name=f"Rush {slug}",
                                deadline=timezone.now() + timedelta(days=1))
    cycle = cycles.cycle_set_office_key(principal=office, cycle=cycle,
                                        public_key=json.dumps(public_key_document(key.public_key())))
    for employer, member, _ in pool:
        _, code = invitations.invitation_create(principal=office, cycle=cycle, employer=employer)
        invitations.invitation_accept(principal=member, cycle=cycle, code=code)
    return cycles.cycle_open(principal=office, cycle=cycle)


def sealed_bodies(*, key, cycle, pool, version: int, seed: int) -> list[bytes]:
    """One sealed envelope per employer, as the JSON body the client sends."""
    import numpy as np

    from protocol.layout import VectorBuilder, layout_for
    from protocol.sealing import seal

    layout = layout_for(cycle.taxonomy)
    rng = np.random.default_rng(seed)
    bodies = []
    for employer, _, _ in pool:
        builder = VectorBuilder(layout)
        builder.set("submissions", [1])
        builder.set("headcount", rng.integers(0, 50, size=270))
        builder.set("comp_sum", rng.integers(0, 5_000_000_00, size=270))
        doc = seal(elements=builder.elements(), public_key=key.public_key(), cycle=cycle.slug,
                   employer=employer.pk, version=version, taxonomy=cycle.taxonomy, layout=layout.layout_id)
        bodies.append(json.dumps(doc).encode())
    return bodies


# --- The client --------------------------------------------------------------------------


class Outcome:
    __slots__ = ("index", "start", "end", "status", "code")

    def __init__(self, index: int):
        self.index, self.start, self.end, self.status, self.code = index, None, None, None, None

    @property
    def latency(self) -> float:
        return self.end - self.start


def _post(url: str, raw_key: str, body: bytes, timeout: float, outcome: Outcome) -> None:
    outcome.start = time.perf_counter()
    try:
        response = requests.post(url, data=body, timeout=timeout, headers={
            "Authorization": f"Api-Key {raw_key}", "Content-Type": "application/json"})
        outcome.status = response.status_code
        if response.status_code != 201:
            try:
                outcome.code = response.json().get("code")
            except ValueError:
                outcome.code = "not-json"
    except requests.RequestException as exc:
        outcome.status = f"error:{type(exc).__name__}"
    outcome.end = time.perf_counter()


def sequential(*, server: Server, slug: str, pool, bodies, timeout: float) -> list[float]:
    url = f"{server.base}/api/v1/cycles/{slug}/submissions"
    latencies = []
    for i, ((_, _, raw), body) in enumerate(zip(pool, bodies, strict=True)):
        outcome = Outcome(i)
        _post(url, raw, body, timeout, outcome)
        if outcome.status != 201:
            raise RuntimeError(f"sequential submission {i} answered {outcome.status} {outcome.code}")
        latencies.append(outcome.latency)
    return latencies


def burst(*, server: Server, slug: str, pool, bodies, timeout: float, time_limit: float,
          when_half_answered=None) -> dict:
    """Every employer POSTs at once (one thread and connection each, released by a barrier)."""
    url = f"{server.base}/api/v1/cycles/{slug}/submissions"
    n = len(pool)
    outcomes = [Outcome(i) for i in range(n)]
    barrier = threading.Barrier(n + 1)
    answered = threading.Semaphore(0)

    def one(i: int) -> None:
        barrier.wait()
        _post(url, pool[i][2], bodies[i], timeout, outcomes[i])
        answered.release()

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    cpu0, server_cpu0, machine0 = time.process_time(), server.worker_cpu_seconds(), _machine_busy()
    postgres0 = _postgres_children_cpu_seconds()
    lock_waits = LockWaits()
    lock_waits.start()
    barrier.wait()
    t0 = time.perf_counter()
    hook = None
    deadline = t0 + time_limit
    for k in range(n):
        if not answered.acquire(timeout=max(0.0, deadline - time.perf_counter())):
            break
        if when_half_answered is not None and k + 1 == n // 2:
            hook = when_half_answered(t0)
    if hook is not None:
        hook.join(max(0.0, deadline - time.perf_counter()))
    wall = time.perf_counter() - t0
    machine1 = _machine_busy()
    waits = lock_waits.result()
    time.sleep(0.5)  # the last backends exit and are reaped
    postgres1 = _postgres_children_cpu_seconds()
    done = [o for o in outcomes if o.end is not None]
    latencies = sorted(o.latency for o in done)
    statuses: dict = {}
    for o in outcomes:
        label = str(o.status if o.end is not None else "unanswered")
        if o.code:
            label += f" {o.code}"
        statuses[label] = statuses.get(label, 0) + 1
    span = (max(o.end for o in done) - min(o.start for o in done)) if done else float("nan")
    return {
        "outcomes": outcomes,
        "t0": t0,
        "requests": n,
        "statuses": statuses,
        "p50_s": _pct(latencies, 50), "p95_s": _pct(latencies, 95), "p99_s": _pct(latencies, 99),
        "max_s": round(latencies[-1], 3) if latencies else None,
        "mean_s": round(statistics.fmean(latencies), 3) if latencies else None,
        "span_s": round(span, 3),
        "requests_per_second": round(len(done) / span, 1) if done else None,
        "wall_s": round(wall, 3),
        "client_cpu_s": round(time.process_time() - cpu0, 2),
        "server_workers_cpu_s": round(server.worker_cpu_seconds() - server_cpu0, 2),
        "postgres_backends_cpu_s": round(postgres1 - postgres0, 2) if postgres0 is not None else None,
        "lock_waits": waits,
        "machine_busy_share": round((machine1[0] - machine0[0]) / max(1, machine1[1] - machine0[1]), 2),
    }


class LockWaits(threading.Thread):
    """Samples, every 50 ms, how many of this database's backends wait on a lock (row or table)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop_event = threading.Event()
        self.samples = self.waiting_samples = self.most = 0

    def run(self) -> None:
        from django.db import connection

        try:
            with connection.cursor() as cursor:
                while not self.stop_event.wait(0.05):
                    cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                   "AND wait_event_type = 'Lock'")
                    waiting = cursor.fetchone()[0]
                    self.samples += 1
                    self.waiting_samples += waiting > 0
                    self.most = max(self.most, waiting)
        finally:
            connection.close()

    def result(self) -> dict:
        self.stop_event.set()
        self.join(5)
        return {"samples": self.samples, "samples_with_a_lock_wait": self.waiting_samples, "most_waiting": self.most}


def _pct(sorted_values: list[float], p: float) -> float | None:
    if not sorted_values:
        return None
    # Nearest rank: the smallest value with at least p % of the values at or below it.
    rank = max(1, -(-len(sorted_values) * p // 100))
    return round(sorted_values[int(rank) - 1], 3)


def _postgres_children_cpu_seconds() -> float | None:
    """CPU seconds of the PostgreSQL server's exited backends so far (the postmaster's cutime
    and cstime). With one connection per request every request's backend is reaped by then;
    other jobs on the same server count too. None when /proc does not show it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    try:
        parent = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1]
        fields = Path(f"/proc/{parent}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def _machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies over all cores since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


# --- One configuration: baseline, burst, close during a burst -----------------------------


def run(args, configs, server_env, data_dir) -> dict:
    n, s = args.employers, args.sequential
    office, key = office_setup()
    t = time.perf_counter()
    pool = employers_setup(office=office, n=n + s)
    out = {"employers": n, "sequential_n": s, "setup_employers_s": round(time.perf_counter() - t, 1),
           "envelope_bytes": None, "configs": {}}
    for config in configs:
        out["configs"][config] = result = {}
        config_run(args, config=config, office=office, key=key, pool=pool, server_env=server_env,
                   data_dir=data_dir, result=result)
        out["envelope_bytes"] = result.get("envelope_bytes")
    return out


def config_run(args, *, config: str, office, key, pool, server_env, data_dir, result: dict) -> None:
    """One server configuration on a new cycle: baseline, burst, close during a burst. Fills
    ``result`` as it goes, so that a run stopped half-way still reports what it measured."""
    from django.db import connection

    from compact.access import SYSTEM
    from compact.services.cycles import cycle_close
    from employers.models import FrozenSubmission, SealedSubmission, SubmissionSet

    n, s = args.employers, args.sequential
    rush_pool, seq_pool = pool[:n], pool[n:]
    rush_employers = [e for e, _, _ in rush_pool]
    slug = f"rush-{config}"
    t = time.perf_counter()
    cycle = cycle_setup(office=office, key=key, slug=slug, pool=pool)
    seq_bodies = sealed_bodies(key=key, cycle=cycle, pool=seq_pool, version=1, seed=1)
    bodies = sealed_bodies(key=key, cycle=cycle, pool=rush_pool, version=1, seed=2)
    result["envelope_bytes"] = len(bodies[0])
    result["setup_cycle_s"] = round(time.perf_counter() - t, 1)
    server = Server(config=config, workers=args.workers, threads=args.threads, env=server_env, log_dir=data_dir)
    result["gunicorn"] = " ".join(server.command[2:])
    try:
        server.wait_ready()
        # Warm every worker (imports, URL resolution) before anything is timed.
        warmers = 3 * args.workers * (args.threads if config == "gthread" else 1)
        warm = [threading.Thread(target=requests.get, args=(f"{server.base}/api/v1/cycles/{slug}/cycle-key",),
                                 kwargs={"headers": {"Authorization": f"Api-Key {rush_pool[i % n][2]}"}, "timeout": 30})
                for i in range(warmers)]
        for w in warm:
            w.start()
        for w in warm:
            w.join()

        workers0, postgres0 = server.worker_cpu_seconds(), _postgres_children_cpu_seconds()
        latencies = sequential(server=server, slug=slug, pool=seq_pool, bodies=seq_bodies, timeout=args.client_timeout)
        time.sleep(0.5)  # the last backend exits and is reaped
        workers1, postgres1 = server.worker_cpu_seconds(), _postgres_children_cpu_seconds()
        result["sequential"] = {
            "n": s, "median_s": round(statistics.median(latencies), 4), "p95_s": _pct(sorted(latencies), 95),
            # CPU per submission on the server side: what bounds a burst's throughput.
            "workers_cpu_per_request_ms": round((workers1 - workers0) / s * 1000, 1),
            "postgres_cpu_per_request_ms": round((postgres1 - postgres0) / s * 1000, 1) if postgres0 is not None else None,
        }
        del seq_bodies

        first = burst(server=server, slug=slug, pool=rush_pool, bodies=bodies,
                      timeout=args.client_timeout, time_limit=args.time_limit)
        first.pop("outcomes"), first.pop("t0")
        rows = SealedSubmission.objects.filter(cycle=cycle, employer__in=rush_employers)
        first["stored"] = rows.count()
        first["stored_distinct_employers"] = rows.values("employer").distinct().count()
        result["burst"] = first

        # The deadline: version 2 from everyone, and the cycle closes half-way through.
        bodies = sealed_bodies(key=key, cycle=cycle, pool=rush_pool, version=2, seed=3)
        close: dict = {}

        def close_now(t0: float) -> threading.Thread:
            def closing() -> None:
                close["started_s"] = time.perf_counter() - t0
                try:
                    cycle_close(principal=SYSTEM, cycle=cycle, reason="deadline")
                except Exception as exc:  # reported, and the checks below then fail
                    close["error"] = repr(exc)
                finally:
                    close["finished_s"] = time.perf_counter() - t0
                    connection.close()

            thread = threading.Thread(target=closing, daemon=True)
            thread.start()
            return thread

        second = burst(server=server, slug=slug, pool=rush_pool, bodies=bodies, timeout=args.client_timeout,
                       time_limit=args.time_limit, when_half_answered=close_now)
        del bodies
        outcomes = second.pop("outcomes")
        second["close_started_s"] = round(close["started_s"], 3)
        second["close_took_s"] = round(close["finished_s"] - close["started_s"], 3)
        second["close_error"] = close.get("error")
        t0 = second.pop("t0")
        # When the answers came, against the close: a 201 may arrive after the close (its row
        # was committed before the close took the lock); a 409 before the close began would be wrong.
        second["accepted_answered_after_close"] = sum(
            1 for o in outcomes if o.status == 201 and o.end - t0 > close["finished_s"])
        second["refused_answered_before_close_began"] = sum(
            1 for o in outcomes if o.status == 409 and o.end - t0 < close["started_s"])
        second.update(_close_check(cycle=cycle, pool=rush_pool, outcomes=outcomes, enrolled=n + s,
                                   models=(SealedSubmission, SubmissionSet, FrozenSubmission)))
        result["close_during_burst"] = second
    finally:
        server.stop()
        result["server_errors_logged"] = server.server_errors()


def _close_check(*, cycle, pool, outcomes, enrolled: int, models) -> dict:
    """Every version 2 is either 201 and frozen, or refused and not stored."""
    SealedSubmission, SubmissionSet, FrozenSubmission = models
    frozen = dict(
        FrozenSubmission.objects.filter(submission_set=SubmissionSet.objects.get(cycle=cycle))
        .values_list("submission__employer_id", "submission__version")
    )
    stored_v2 = set(SealedSubmission.objects.filter(cycle=cycle, version=2).values_list("employer_id", flat=True))
    accepted = {pool[o.index][0].pk for o in outcomes if o.status == 201}
    refused = {pool[o.index][0].pk for o in outcomes if o.status == 409 and o.code == "cycle_not_open"}
    frozen_v2 = {e for e, v in frozen.items() if v == 2}
    return {
        "accepted_201": len(accepted),
        "refused_409_cycle_not_open": len(refused),
        "other": len(outcomes) - len(accepted) - len(refused),
        "stored_v2": len(stored_v2),
        "frozen": len(frozen),
        "frozen_expected": enrolled,
        "frozen_v2": len(frozen_v2),
        # Accepted but missing from the frozen set: a lost submission.
        "lost": len(accepted - frozen_v2),
        # Stored but not in the frozen set: stored after the freeze.
        "stored_after_freeze": len(stored_v2 - frozen_v2),
        # Refused but stored anyway, or stored without the client hearing 201.
        "refused_but_stored": len(refused & stored_v2),
        "stored_without_201": len(stored_v2 - accepted),
        "frozen_not_latest": sum(1 for e, v in frozen.items() if e in stored_v2 and v != 2),
    }


def summary(r: dict) -> str:
    lines = [f"Deadline rush: {r['employers']} simultaneous submitters, envelope {r['envelope_bytes']:,} bytes; "
             f"load {r['load_before']} before, {r['load_after']} after."]
    for config, c in r["configs"].items():
        if "close_during_burst" not in c:
            lines.append(f"  {config}: did not finish")
            continue
        b, x, q = c["burst"], c["close_during_burst"], c["sequential"]
        lines.append(
            f"  {config} ({c['gunicorn']}): sequential median {q['median_s'] * 1000:.0f} ms; burst p50 {b['p50_s']} s, "
            f"p95 {b['p95_s']} s, p99 {b['p99_s']} s, max {b['max_s']} s, {b['requests_per_second']} req/s; "
            f"statuses {b['statuses']}; stored {b['stored']} of {b['requests']}."
        )
        lines.append(
            f"    close during burst: {x['accepted_201']} accepted and frozen {x['frozen_v2']}, "
            f"{x['refused_409_cycle_not_open']} refused 409, {x['other']} other; lost {x['lost']}, "
            f"stored after freeze {x['stored_after_freeze']}; frozen set {x['frozen']} of {x['frozen_expected']}; "
            f"close took {x['close_took_s']} s; server errors logged {c['server_errors_logged']}."
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
