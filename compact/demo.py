"""The demonstration cycle behind ``manage.py demo``.

It plays every part through the real code paths: the equity office (its key generated in its
own folder, the services, the unmask client over HTTP), the employers (invitation codes, and
the client's check, seal and submit over HTTP with API keys), and the public.

Then it leaves a second cycle open for a newcomer to take part in by hand: most employers have
submitted, a few have invitations ready, and the summary says how to start the service, where
each role starts, who can sign in, and where the office key's passphrase is.
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import shlex
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.handlers.wsgi import WSGIHandler
from django.core.management.base import CommandError

from compact.access import principal_for_user
from compact.models import Cycle
from compact.services import cycles, invitations, people

SLUG = "2026"
NEXT_SLUG = "2027"
DEMO_PASSWORD = "demo passphrase 2026"
OFFICE_PASSPHRASE = "office passphrase for the demo"
PASSPHRASE_FILE = "office-passphrase"
SERVE_AT = "127.0.0.1:8000"
LEFT_TO_ENROL = 3  # employers of the open cycle whose invitation is left for a newcomer to use


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):  # the demo prints its own summary
        pass


@dataclass
class DemoEmployer:
    employer: object
    user: object
    size: int
    api_key: str = ""
    extract: Path | None = None
    version: int = 0
    elements: object = None  # the statistics vector of the extract, sealed again for the next cycle
    next_code: str = ""  # an unused invitation code for the open cycle


@dataclass
class DemoRun:
    out: Path
    employers: int
    seed: int
    deadline: datetime
    say: Callable[[str], None]
    cast: list[DemoEmployer] = field(default_factory=list)

    def execute(self) -> None:
        if Cycle.objects.filter(slug=SLUG).exists():
            raise CommandError(
                f"This database already holds the demo cycle {SLUG}. `make demo` starts from a "
                "fresh data directory (out/demo/data) each time."
            )
        self.out.mkdir(parents=True, exist_ok=True)
        self.rng = random.Random(self.seed)
        self._serve()
        try:
            self._office()
            self._cycle()
            self._employers()
            self._enrol_and_open()
            self._submit()
            self._close_and_unmask()
            self._after_unmask()
            self._next_cycle()
        finally:
            self.server.shutdown()
        self._summary()

    # --- plumbing --------------------------------------------------------------------
    def _serve(self) -> None:
        self.server = make_server("127.0.0.1", 0, WSGIHandler(), server_class=_ThreadingServer,
                                  handler_class=_QuietHandler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def _step(self, text: str) -> None:
        self.say(f"• {text}")

    # --- the equity office -------------------------------------------------------------
    def _office(self) -> None:
        from aggregation.office.keys import keypair_write, passphrase_file_write

        User = get_user_model()
        root = User.objects.create_superuser("admin", "admin@example.org", DEMO_PASSWORD)
        self.admin = principal_for_user(root)
        analyst = people.person_create(
            principal=self.admin, username="analyst", email="equity@example.org",
            password=DEMO_PASSWORD, role="analyst",
        )
        self.analyst_user = analyst
        self.analyst = principal_for_user(analyst)
        office_dir = self.out / "office"
        self.private_key_path, self.public_key_path, fp = keypair_write(
            out_dir=office_dir, passphrase=OFFICE_PASSPHRASE
        )
        self.fingerprint = fp
        self.passphrase_path = Path(settings.DATA_DIR) / PASSPHRASE_FILE
        self.passphrase_path.unlink(missing_ok=True)
        passphrase_file_write(self.passphrase_path, OFFICE_PASSPHRASE)
        self._step(f"Equity office: key pair made in {office_dir} (fingerprint {fp[:16]}…), its passphrase in "
                   f"{self.passphrase_path} (mode 0600); people 'admin' and 'analyst' created.")

    def _cycle(self) -> None:
        self.cycle = cycles.cycle_create(
            principal=self.analyst, slug=SLUG, name="Pay gaps 2026 (demo)", deadline=self.deadline
        )
        self.cycle = cycles.cycle_set_office_key(
            principal=self.analyst, cycle=self.cycle, public_key=self.public_key_path.read_bytes()
        )
        self._step(f"Cycle {SLUG} created, office public key registered, deadline {self.deadline:%Y-%m-%d}.")

    # --- employers ---------------------------------------------------------------------
    def _employers(self) -> None:
        from employers.services.organisations import api_key_create, employer_create
        from populations.extracts import compact_draw

        self.compact = compact_draw(self.employers, seed=self.seed)
        for i in range(self.employers):
            employer = employer_create(
                principal=self.analyst,
                name=f"Demo Employer {i + 1:02d}",
                industry=self.compact.industries[i],
                size_band=self.compact.size_bands[i],
            )
            user = people.person_create(
                principal=self.admin, username=f"hr{i + 1:02d}", email=f"hr{i + 1:02d}@example.org",
                password=DEMO_PASSWORD, role="employer", employer=employer,
            )
            member = DemoEmployer(employer=employer, user=user, size=int(self.compact.roster.size[i]))
            _, member.api_key = api_key_create(principal=principal_for_user(user), employer=employer, name="payroll")
            self.cast.append(member)
        self._step(f"{len(self.cast)} employers registered in {len(set(self.compact.industries))} industries "
                   f"and {len(set(self.compact.size_bands))} size bands (a realistic compact: uneven "
                   "industries, sizes from 10 to 20,000, one employer dominating a job), each with a "
                   "staff account and an API key.")

    def _enrol_and_open(self) -> None:
        for member in self.cast:
            _, code = invitations.invitation_create(principal=self.analyst, cycle=self.cycle, employer=member.employer)
            invitations.invitation_accept(principal=principal_for_user(member.user), cycle=self.cycle, code=code)
        self.cycle = cycles.cycle_open(principal=self.analyst, cycle=self.cycle)
        self._step(f"{len(self.cast)} single-use invitations issued and accepted; cycle {SLUG} is open.")

    def _submit(self) -> None:
        import requests

        from employers.client.check import check_extract
        from employers.client.commands.submit import submission_send
        from employers.client.cyclekey import seal_target_load
        from employers.client.synthetic import write_csv, write_xlsx
        from employers.client.vector import vector_from
        from populations.extracts import extract_frame
        from protocol.layout import layout_for
        from protocol.sealing import seal

        people_total = 0
        for i, member in enumerate(self.cast):
            folder = self.out / "employers" / f"employer-{i + 1:02d}"
            folder.mkdir(parents=True, exist_ok=True)
            frame = extract_frame(self.compact, i)
            member.extract = (write_xlsx(frame, folder / "payroll.xlsx", title_rows=("Payroll extract",))
                              if i % 4 == 3 else write_csv(frame, folder / "payroll.csv"))
            headers = {"Authorization": f"Api-Key {member.api_key}"}
            key_doc = requests.get(f"{self.url}/api/v1/cycles/{SLUG}/cycle-key", headers=headers, timeout=60).json()
            (folder / "cycle-key.json").write_text(json.dumps(key_doc, indent=2))
            target = seal_target_load(folder / "cycle-key.json", expect_fingerprint=self.fingerprint[:32])
            result = check_extract(member.extract)
            if not result.ok:
                raise CommandError(f"Demo extract {member.extract} has errors: {result.errors[:2]}")
            layout = layout_for(target.taxonomy)
            member.elements = vector_from(result, layout)
            envelope = seal(elements=member.elements, public_key=target.public_key, cycle=target.cycle,
                            employer=target.employer, version=target.version, taxonomy=target.taxonomy,
                            layout=layout.layout_id)
            sealed = json.dumps(envelope).encode()
            (folder / "sealed.json").write_bytes(sealed)
            response = submission_send(sealed=sealed, url=self.url, api_key=member.api_key)
            if response.status_code != 201:
                raise CommandError(f"Submission refused: {response.text[:300]}")
            (folder / f"receipt-v{envelope['version']}.json").write_text(json.dumps(response.json(), indent=2))
            member.version = envelope["version"]
            people_total += result.summary.rows_used
        # One employer finds a mistake and resubmits: the latest version counts.
        first = self.cast[0]
        key_doc = json.loads((self.out / "employers" / "employer-01" / "cycle-key.json").read_text())
        assert key_doc["next_version"] == 1
        self.people = people_total
        self._step(f"{len(self.cast)} extracts ({people_total:,} people) checked, sealed and submitted over "
                   f"HTTP with API keys; files and receipts in {self.out / 'employers'}.")
        self._resubmit(first)

    def _resubmit(self, member: DemoEmployer) -> None:
        import requests

        from employers.client.check import check_extract
        from employers.client.commands.submit import submission_send
        from employers.client.vector import vector_from
        from protocol.layout import layout_for
        from protocol.officekey import public_key_load
        from protocol.sealing import seal

        headers = {"Authorization": f"Api-Key {member.api_key}"}
        key_doc = requests.get(f"{self.url}/api/v1/cycles/{SLUG}/cycle-key", headers=headers, timeout=60).json()
        result = check_extract(member.extract)
        layout = layout_for()
        envelope = seal(elements=vector_from(result, layout), public_key=public_key_load(json.dumps(key_doc["office_key"])),
                        cycle=SLUG, employer=key_doc["employer"], version=key_doc["next_version"],
                        taxonomy=key_doc["taxonomy"], layout=key_doc["layout"])
        response = submission_send(sealed=json.dumps(envelope).encode(), url=self.url, api_key=member.api_key)
        if response.status_code != 201:
            raise CommandError(f"Resubmission refused: {response.text[:300]}")
        self._step(f"{member.employer.name} resubmitted as version {response.json()['version']}; "
                   "the latest version counts.")

    # --- close and unmask ----------------------------------------------------------------
    def _close_and_unmask(self) -> None:
        from aggregation.models import UnmaskJob
        from aggregation.office.keys import private_key_load
        from aggregation.office.unmask_client import OfficeApi, unmask_remote
        from employers.services.organisations import office_api_key_create

        self.cycle = cycles.cycle_close(principal=self.analyst, cycle=self.cycle)
        frozen = self.cycle.submission_set.members.count()
        self._step(f"Cycle closed: {frozen} submissions frozen.")
        _, office_key = office_api_key_create(principal=self.analyst, name="office laptop")
        private_key = private_key_load(self.private_key_path, OFFICE_PASSPHRASE)
        # Embedded mode runs the summing and the release build inside the start request.
        api = OfficeApi(self.url, office_key, timeout=1800)
        bundle_bytes = len(json.dumps(api.bundle(SLUG)).encode())
        unmask_remote(api=api, cycle=SLUG, private_key=private_key, expect_fingerprint=self.fingerprint[:32],
                      say=lambda line: None)
        job = UnmaskJob.objects.get(cycle__slug=SLUG)
        self.cycle.refresh_from_db()
        cohorts = ", ".join(c["key"] for c in job.cohorts)
        self._step(f"Office unmask over HTTP: downloaded {bundle_bytes / frozen:.0f} bytes per employer "
                   f"(seeds and memberships only); cohorts unmasked: {cohorts}; job {job.state}, "
                   f"cycle {self.cycle.state}.")

    def _after_unmask(self) -> None:
        """The release (built by the task that follows the unmask), its review, publication, the
        public report in every format, and one employer's benchmark."""
        import requests
        from django.test import Client

        from aggregation.models import Release
        from aggregation.services.releases import release_publish

        release = Release.objects.filter(cycle=self.cycle).order_by("-number").first()
        if release is None or not release.passed:
            raise CommandError(f"The release was not built or did not pass its audit: {release and release.error}")
        cert = release.certificate
        self._step(
            f"Release {release.number} built and audited: {cert['published']} cells published, "
            f"{cert['suppressed']['primary']} suppressed by the rules and {cert['suppressed']['secondary']} to "
            f"protect them; exact disclosures {cert['exact_disclosures']}, worst protection "
            f"{cert['worst_protection_ratio']:.2f} ({cert['lps']} linear programs, "
            f"{cert['seconds']['release_build']:.0f} s)."
        )
        office = Client()
        office.force_login(self.analyst_user)
        for name, path in (("office-review.html", f"/office/cycles/{SLUG}/review/"),
                           ("office-draft-report.html", f"/office/cycles/{SLUG}/review/report")):
            (self.out / name).write_text(self._standalone(office.get(path).content.decode()), encoding="utf-8")
        release_publish(principal=self.analyst, cycle=self.cycle)
        public = {
            "release.json": f"/api/v1/cycles/{SLUG}/release",
            "release.csv": f"/api/v1/cycles/{SLUG}/release.csv",
            "report.html": f"/releases/{SLUG}/",
            "report.pdf": f"/releases/{SLUG}/report.pdf",
        }
        for name, path in public.items():
            response = requests.get(self.url + path, timeout=300)
            response.raise_for_status()
            (self.out / name).write_bytes(response.content)
        self._step(f"Published; public report written as {', '.join(public)} in {self.out}.")
        self._benchmark()

    @staticmethod
    def _standalone(html: str) -> str:
        """A page saved to a file, with its local stylesheets inlined so it reads the same."""
        from django.contrib.staticfiles import finders

        def inline(match: re.Match) -> str:
            found = finders.find(match.group(1))
            if not found:
                return match.group(0)
            return f"<style>\n{Path(found).read_text(encoding='utf-8')}\n</style>"

        return re.sub(r'<link rel="stylesheet" href="/static/([^"]+)">', inline, html)

    def _benchmark(self) -> None:
        from employers.client.cli import main as client

        member = self.cast[0]
        folder = self.out / "employers" / "employer-01"
        for name in ("benchmark.html", "benchmark.pdf"):
            code = client(["benchmark", str(member.extract), "--release", f"{self.url}/api/v1/cycles/{SLUG}/release",
                           "--cycle-key", str(folder / "cycle-key.json"), "--out", str(folder / name)])
            if code != 0:
                raise CommandError(f"The benchmark of {member.employer.name} failed (exit {code}).")
        self._step(f"{member.employer.name}'s benchmark, computed on its own machine: {folder / 'benchmark.html'} and .pdf.")

    # --- the next cycle, left open for a newcomer -----------------------------------------------
    def _next_cycle(self) -> None:
        """Cycle 2027: its own office key, every employer invited; all but the first few enrolled
        and submitted (their 2026 figures again), so that a newcomer can enrol one of those with
        its code, submit in the browser, then close, unmask and publish as the office."""
        from datetime import timedelta

        import requests
        from django.utils import timezone

        from aggregation.office.keys import keypair_write
        from employers.client.commands.submit import submission_send
        from employers.client.cyclekey import seal_target_load
        from protocol.sealing import seal

        office_dir = self.out / f"office-{NEXT_SLUG}"
        self.next_private_key, public_key, self.next_fingerprint = keypair_write(
            out_dir=office_dir, passphrase=OFFICE_PASSPHRASE)
        self.next_deadline = timezone.now() + timedelta(days=30)
        cycle = cycles.cycle_create(principal=self.analyst, slug=NEXT_SLUG, name=f"Pay gaps {NEXT_SLUG} (demo, open)",
                                    deadline=self.next_deadline)
        cycle = cycles.cycle_set_office_key(principal=self.analyst, cycle=cycle, public_key=public_key.read_bytes())
        waiting = self.cast[:LEFT_TO_ENROL]
        for member in self.cast:
            _, member.next_code = invitations.invitation_create(
                principal=self.analyst, cycle=cycle, employer=member.employer, note="demo", valid_days=45)
            if member not in waiting:
                invitations.invitation_accept(principal=principal_for_user(member.user), cycle=cycle,
                                              code=member.next_code)
                member.next_code = ""
        self.next_cycle = cycles.cycle_open(principal=self.analyst, cycle=cycle)
        for i, member in enumerate(self.cast):
            if member in waiting:
                continue
            folder = self.out / "employers" / f"employer-{i + 1:02d}" / NEXT_SLUG
            folder.mkdir(parents=True, exist_ok=True)
            headers = {"Authorization": f"Api-Key {member.api_key}"}
            key_doc = requests.get(f"{self.url}/api/v1/cycles/{NEXT_SLUG}/cycle-key", headers=headers, timeout=60).json()
            (folder / "cycle-key.json").write_text(json.dumps(key_doc, indent=2))
            target = seal_target_load(folder / "cycle-key.json", expect_fingerprint=self.next_fingerprint[:32])
            envelope = seal(elements=member.elements, public_key=target.public_key, cycle=target.cycle,
                            employer=target.employer, version=target.version, taxonomy=target.taxonomy,
                            layout=key_doc["layout"])
            response = submission_send(sealed=json.dumps(envelope).encode(), url=self.url, api_key=member.api_key)
            if response.status_code != 201:
                raise CommandError(f"Submission to {NEXT_SLUG} refused: {response.text[:300]}")
            (folder / f"receipt-v{envelope['version']}.json").write_text(json.dumps(response.json(), indent=2))
        self.invitations_path = self.out / f"invitations-{NEXT_SLUG}.csv"
        self.invitations_path.unlink(missing_ok=True)
        fd = os.open(self.invitations_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["employer", "user", "cycle", "invitation code"])
            for member in waiting:
                writer.writerow([member.employer.name, member.user.get_username(), NEXT_SLUG, member.next_code])
        self._step(f"Cycle {NEXT_SLUG} is open until {self.next_deadline:%Y-%m-%d} with its own office key "
                   f"({office_dir}): {len(self.cast) - len(waiting)} employers have submitted, "
                   f"{len(waiting)} have invitations ready ({self.invitations_path}).")

    def _python(self) -> str:
        """This interpreter as a newcomer would type it in the project folder."""
        exe = Path(sys.executable)
        try:
            return str(exe.relative_to(Path(settings.BASE_DIR)))
        except ValueError:
            return str(exe)

    def _summary(self) -> None:
        self.cycle.refresh_from_db()
        site = f"http://{SERVE_AT}"
        data_dir = Path(settings.DATA_DIR)
        pythonpath = os.environ.get("PYTHONPATH")
        env = f"TALENT_DATA_DIR={shlex.quote(str(data_dir))}" + (f" PYTHONPATH={shlex.quote(pythonpath)}" if pythonpath else "")
        python = shlex.quote(self._python())
        first = self.cast[0]
        waiting = [m for m in self.cast if m.next_code]
        next_key = self.next_private_key
        say = self.say
        say("")
        say(f"Cycle {self.cycle.slug}: {self.cycle.enrollments.count()} employers, {self.people:,} people, "
            f"state {self.cycle.state}. Cycle {NEXT_SLUG}: open until {self.next_deadline:%Y-%m-%d}, "
            f"{len(self.cast) - len(waiting)} of {len(self.cast)} employers submitted.")
        say(f"Outputs in {self.out}")
        say("")
        say(f"Start the service on the demo's data (SQLite, tasks run in-process), in {settings.BASE_DIR}:")
        say(f"    {env} {python} manage.py runserver {SERVE_AT}")
        say(f"then open {site}/ and sign in at {site}/accounts/login/ . Start pages:")
        rows = [
            ("equity office", f"{site}/office/cycles/", "analyst"),
            ("administrator", f"{site}/people/", "admin (also acts as the office)"),
            ("employer", f"{site}/employer/", f"hr01 … hr{len(self.cast):02d}"),
            ("public", f"{site}/releases/{SLUG}/", "no sign-in"),
            ("API docs", f"{site}/api/docs/", "an API key or a session"),
        ]
        for role, url, who in rows:
            say(f"    {role:<14} {url:<42} {who}")
        say(f"Every demo person's password: {DEMO_PASSWORD}")
        say(f"Office key passphrase: in {self.passphrase_path} (mode 0600), for both office keys "
            f"({self.private_key_path} and {next_key}).")
        say("")
        say(f"Try cycle {NEXT_SLUG} yourself:")
        if waiting:
            names = ", ".join(m.user.get_username() for m in waiting)
            say(f"  1. As {first.user.get_username()}: enrol on {site}/employer/ with cycle {NEXT_SLUG} and code "
                f"{first.next_code} (the codes of {names}: {self.invitations_path}),")
            say(f"     then check, seal and submit {first.extract} on {site}/employer/cycles/{NEXT_SLUG}/browser")
        say(f"  2. As analyst: close the cycle on {site}/office/cycles/{NEXT_SLUG}/ and make an office key on "
            f"{site}/office/keys/ , then unmask:")
        say(f"     {python} -m aggregation.office unmask --cycle {NEXT_SLUG} --key {shlex.quote(str(next_key))} "
            f"--passphrase-file {shlex.quote(str(self.passphrase_path))} --url {site} --api-key tc_…")
        say(f"  3. Review and publish on {site}/office/cycles/{NEXT_SLUG}/review/")
