"""Shared fixtures: one cast of people that every access rule can be tested against.

- ``world.acme`` and ``world.birch``: two employers; ``alice`` acts for Acme, ``bob`` for Birch
- ``world.ana``: an equity-office analyst; ``world.root``: an administrator
- ``world.olga``: signed in but with no role
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from compact.access import OFFICE_GROUP, principal_for_user
from compact.models import Cycle
from compact.services import cycles, invitations
from employers.models import Employer, EmployerMember
from protocol.officekey import public_key_document

PASSWORD = "correct horse battery staple"

# CI draws the same examples on every run (a red run lands nothing, so it must be reproducible);
# locally each run draws new ones and keeps failures in .hypothesis/. See docs/decisions.md.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@dataclass
class World:
    acme: Employer
    birch: Employer
    alice: object
    bob: object
    ana: object
    root: object
    olga: object

    def principal(self, who):
        return principal_for_user(getattr(self, who) if isinstance(who, str) else who)

    def client(self, who: str | None) -> APIClient:
        """An API client signed in as ``who`` (a World attribute name), or anonymous."""
        client = APIClient()
        if who is not None:
            client.force_login(getattr(self, who))
        return client


@pytest.fixture(autouse=True)
def _release_build_on_demand(request, settings):
    """Building a release runs every protection and audit LP; tests that are about something
    else skip the automatic build after an unmask. Mark a test ``auto_release`` to keep it."""
    if request.node.get_closest_marker("auto_release") is None:
        settings.RELEASE_BUILD_AFTER_UNMASK = False


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher is deliberately slow; tests create many people.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db) -> World:
    User = get_user_model()
    acme = Employer.objects.create(name="Acme Analytics", industry="IT", size_band="200-499")
    birch = Employer.objects.create(name="Birch Hospital", industry="Healthcare and Wellness", size_band="500+")
    people = {}
    for name in ("alice", "bob", "ana", "root", "olga"):
        people[name] = User.objects.create_user(name, f"{name}@example.org", PASSWORD)
    EmployerMember.objects.create(user=people["alice"], employer=acme)
    EmployerMember.objects.create(user=people["bob"], employer=birch)
    office, _ = Group.objects.get_or_create(name=OFFICE_GROUP)
    people["ana"].groups.add(office)
    people["root"].is_superuser = people["root"].is_staff = True
    people["root"].save()
    return World(acme=acme, birch=birch, **people)


@pytest.fixture(scope="session")
def office_private_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


@pytest.fixture
def office_key_document(office_private_key) -> dict:
    return public_key_document(office_private_key.public_key())


@pytest.fixture
def make_cycle(world, office_key_document):
    """Build a cycle in a given state through the real services, with Acme and Birch enrolled."""
    import json

    def make(slug: str = "2026", state: str = "open", enrol=("acme", "birch"), days: int = 30) -> Cycle:
        analyst = world.principal("ana")
        cycle = cycles.cycle_create(
            principal=analyst,
            slug=slug,
            name=f"Pay gaps {slug}",
            deadline=timezone.now() + timedelta(days=days),
        )
        cycle = cycles.cycle_set_office_key(
            principal=analyst, cycle=cycle, public_key=json.dumps(office_key_document)
        )
        for name in enrol:
            employer = getattr(world, name)
            member = world.alice if name == "acme" else world.bob
            _, code = invitations.invitation_create(principal=analyst, cycle=cycle, employer=employer)
            invitations.invitation_accept(principal=principal_for_user(member), cycle=cycle, code=code)
        order = ["draft", "open", "closed"]
        for step in order[1 : order.index(state) + 1] if state in order else []:
            if step == "open":
                cycle = cycles.cycle_open(principal=analyst, cycle=cycle)
            elif step == "closed":
                cycle = cycles.cycle_close(principal=analyst, cycle=cycle)
        cycle.refresh_from_db()
        return cycle

    return make


# --- Celery -----------------------------------------------------------------------------
# Without CELERY_BROKER_URL every task runs eagerly. With it, tests marked ``worker`` talk to a
# real worker process on the real broker, bound to this test run's own queue and to the test
# database; every other test still runs tasks eagerly so that it never waits on a queue.

import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TEST_QUEUE = f"tests-{uuid.uuid4().hex[:8]}"


@pytest.fixture(autouse=True)
def _celery_mode(request):
    from compact.celery import app

    wants_worker = request.node.get_closest_marker("worker") is not None
    if wants_worker and not os.environ.get("CELERY_BROKER_URL"):
        pytest.skip("needs a real broker: set CELERY_BROKER_URL (the CI run does)")
    previous = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = not wants_worker
    app.conf.task_default_queue = TEST_QUEUE
    yield
    app.conf.task_always_eager, app.conf.task_default_queue = previous


def _database_url_for_worker() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        user = db.get("USER") or "postgres"
        return f"postgres://{user}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    raise RuntimeError("A separate worker process needs a server database (DATABASE_URL=postgres://...)")


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real ``celery worker`` process consuming this test run's queue, on the test database."""
    from django.conf import settings

    from compact.celery import app

    if not os.environ.get("CELERY_BROKER_URL"):
        pytest.skip("needs a real broker: set CELERY_BROKER_URL (the CI run does)")
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("a separate worker process needs a server database (DATABASE_URL=postgres://...)")

    env = {
        **os.environ,
        "DATABASE_URL": _database_url_for_worker(),
        "CELERY_TASK_DEFAULT_QUEUE": TEST_QUEUE,
        # Slow the unmask down and checkpoint often, so a test can kill the worker mid-run.
        "TALENT_UNMASK_PAUSE_SECONDS": "0.15",
        "TALENT_UNMASK_CHECKPOINT_EVERY": "4",
        # And pause a release build before its LPs, so a test can kill the worker mid-build.
        "TALENT_RELEASE_BUILD_PAUSE_SECONDS": "2",
        # The worker tests are about the unmask; a release build queued after it would hold
        # the test database past the test's end.
        "RELEASE_BUILD_AFTER_UNMASK": "0",
    }
    name = f"{TEST_QUEUE}@localhost"
    log = open(ROOT / "var" / f"{TEST_QUEUE}.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "compact", "worker", "-Q", TEST_QUEUE, "-n", name,
         "--concurrency=1", "--loglevel=INFO", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"The worker exited early; see {log.name}")
        if app.control.ping(destination=[name], timeout=1):
            break
    else:
        proc.kill()
        raise RuntimeError(f"The worker did not answer within 60 s; see {log.name}")
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def wait_for(predicate, *, timeout: float = 60, interval: float = 0.2):
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Condition not met within {timeout} s")


# --- A cycle with many employers that have submitted ----------------------------------


@dataclass
class Populated:
    cycle: Cycle
    vectors: dict  # employer id -> element array
    employers: list


@pytest.fixture
def populated_cycle(world, office_private_key, office_key_document):
    """Build an open cycle where ``n`` employers have each submitted one sealed vector."""
    import numpy as np

    from compact.access import principal_for_user
    from employers.services.organisations import employer_create
    from employers.services.submissions import submission_accept
    from protocol.layout import layout_for
    from protocol.sealing import seal
    from tests.factories import random_vector

    def build(n: int = 20, *, slug: str = "2026", industries=("IT", "Education"), sizes=("50-199", "500+"),
              vectors=None, seed: int = 0) -> Populated:
        analyst = world.principal("ana")
        layout = layout_for()
        rng = np.random.default_rng(seed)
        cycle = cycles.cycle_create(
            principal=analyst, slug=slug, name=f"Pay {slug}", deadline=timezone.now() + timedelta(days=30)
        )
        import json as _json

        cycle = cycles.cycle_set_office_key(principal=analyst, cycle=cycle, public_key=_json.dumps(office_key_document))
        User = get_user_model()
        made, vecs = [], {}
        for i in range(n):
            employer = employer_create(
                principal=analyst, name=f"Employer {slug}-{i:03d}",
                industry=industries[i % len(industries)], size_band=sizes[(i // len(industries)) % len(sizes)],
            )
            user = User.objects.create_user(f"hr-{slug}-{i}", password=PASSWORD)
            EmployerMember.objects.create(user=user, employer=employer)
            _, code = invitations.invitation_create(principal=analyst, cycle=cycle, employer=employer)
            invitations.invitation_accept(principal=principal_for_user(user), cycle=cycle, code=code)
            made.append((employer, user))
        cycle = cycles.cycle_open(principal=analyst, cycle=cycle)
        for i, (employer, user) in enumerate(made):
            elements = vectors[i] if vectors is not None else random_vector(layout, rng)
            doc = seal(
                elements=elements, public_key=office_private_key.public_key(), cycle=slug, employer=employer.pk,
                version=1, taxonomy="compact-2026", layout=layout.layout_id,
            )
            submission_accept(principal=principal_for_user(user), cycle=cycle, document=doc, received_via="test",
                              body_bytes=1000)
            vecs[employer.pk] = elements
        cycle.refresh_from_db()
        return Populated(cycle=cycle, vectors=vecs, employers=[e for e, _ in made])

    return build


@pytest.fixture
def wsgi_requests(db):
    """Lets a test send requests to the WSGI application itself (schemathesis does), not
    through Django's test client: like the test client, it keeps the end of a request from
    closing the connection, which on PostgreSQL would end the test's transaction."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark ``nodb`` every test that touches neither the database nor a broker.

    Those tests cannot behave differently on PostgreSQL and Redis, so the second pass of
    ``.ci/run`` leaves them out (docs/decisions.md, "CI runs the suite twice").
    """
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & DB_FIXTURES or item.get_closest_marker("django_db") or item.get_closest_marker("worker"):
            continue
        item.add_marker(pytest.mark.nodb)


BROWSER_INSTALL = "apt-get install -y chromium chromium-driver poppler-utils"


def pytest_unconfigure(config):
    """The run's last line, when browser tests were skipped (Chromium or Playwright missing):
    how many, and the one command that installs what they need, so that a green run does not
    hide that they did not run."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    skipped = {r.nodeid for r in reporter.stats.get("skipped", []) if "browser" in r.keywords}
    if skipped:
        reporter.write_line(
            f"{len(skipped)} browser tests were skipped (no Chromium or Playwright); to run them: {BROWSER_INSTALL}",
            yellow=True, bold=True,
        )
