"""Nothing lost under load (security bar: "writes are atomic; concurrent writes lose nothing").

A real gunicorn with 4 worker processes serves the app; 11 clients log in through the
login form and work at the same time, each for a fixed number of rounds:

- 8 patient devices (4 patients, each on a phone and a laptop) log practice sessions
  through /session/new and answer the SAQ through /saq;
- the therapist on 2 devices saves new programme versions for the same patient at the
  same moment through the programme builder;
- the clinician adds notes on the review page.

Every write carries a unique marker (the session's note, the programme's note, the
note's body, the SAQ's answers) so each answer can be matched to its row. Afterwards:
every success has exactly one row and every refusal none; programme versions are
1..n with one in force per patient; one SAQ row per patient and day; one login row and
one audit row per login; the audit chain is intact; no answer was a 5xx; and SQLite's
integrity check says ok. Each client stops early (and the report says so) once
TIME_BUDGET seconds of load have passed, so a slow machine still finishes in time.

Two smaller tests make two writes meet on purpose, without a server: both read before
either writes (an SQLAlchemy event holds the first reader until the second has read,
or for a few seconds when the second cannot read because the first holds a lock). A
correct service ends with one SAQ row per day and one programme version in force.
"""

import itertools
import re
import sqlite3
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html import unescape

import pytest
from sqlalchemy import func, select

from retrain.extensions import db
from retrain.infrastructure import audit_chain
from retrain.models import (
    AuditEvent,
    LoginSession,
    PatientNote,
    PracticeSession,
    Programme,
    QuestionnaireResponse,
)

from .browser import Browser, form_with
from .seeding import PASSWORD

pytestmark = pytest.mark.load

ROUNDS = 25  # per client
DEVICES_PER_PATIENT = 2
THERAPIST_DEVICES = 2
TIME_BUDGET = 45.0  # seconds of load at most; clients stop early (and say so) after it
SAQ_SAVED = "Thank you. Your answers are saved."
SAQ_UPDATED = "Your answers are updated for today."
_ERROR = re.compile(
    r'<p class="error"[^>]*>(.*?)</p>|<div class="form-errors"[^>]*>(.*?)</div>', re.S
)


@dataclass
class Write:
    kind: str  # session | saq | programme | note | login
    patient_id: int | None
    marker: object  # the note text, or the SAQ answers
    ok: bool
    status: int
    reason: str = ""
    saq_outcome: str = ""  # saved | updated (what the page said)


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)
    server_errors: list = field(default_factory=list)
    failures: list = field(default_factory=list)  # exceptions in a client
    writes: list[Write] = field(default_factory=list)
    stopped_early: int = 0
    client_cpu: float = 0.0  # CPU seconds the clients themselves used
    timings: dict = field(default_factory=lambda: defaultdict(list))  # route -> seconds

    def saw(self, method: str, url: str, response) -> None:
        route = method + " " + re.sub(r"/\d+", "/<id>", url.split("?")[0])
        with self.lock:
            self.statuses[response.status] += 1
            self.timings[route].append(response.elapsed)
            if response.status >= 500:
                self.server_errors.append((method, url, response.status, response.text[:300]))

    def wrote(self, write: Write) -> None:
        with self.lock:
            self.writes.append(write)

    def of(self, kind: str) -> list[Write]:
        return [w for w in self.writes if w.kind == kind]


class Client:
    """One person on one device, with its own cookies."""

    def __init__(self, base_url: str, tally: Tally, name: str):
        self.browser = Browser(base_url)
        self.tally = tally
        self.name = name

    def get(self, url: str):
        response = self.browser.get(url)
        self.tally.saw("GET", url, response)
        return response

    def post(self, url: str, data):
        response = self.browser.post(url, data)
        self.tally.saw("POST", url, response)
        return response

    def open_form(self, page_url: str, field_name: str, radios: bool = False):
        """Open the page; the form on it holding ``field_name`` (and radio buttons)."""
        page = self.get(page_url)
        assert page.status == 200, f"{self.name}: GET {page_url} answered {page.status}"
        return form_with(page.text, field_name, radios=radios)

    def send(self, form, page_url: str, values: dict, click=None):
        """Fill the form like a browser and post it where it says (else back to the page)."""
        return self.post(form.action or page_url, form.fill(values, click))

    def login(self, email: str) -> None:
        form = self.open_form("/login", "password")
        response = self.send(form, "/login", {"email": email, "password": PASSWORD})
        ok = response.status == 302 and "/login" not in (response.location or "/login")
        self.tally.wrote(Write("login", None, email, ok, response.status, _reason(response)))
        assert ok, f"{self.name} could not log in: {response.status}"


def _reason(response) -> str:
    if response.status != 200:
        return f"HTTP {response.status}"
    messages = [unescape(re.sub(r"<[^>]+>", " ", a or b)) for a, b in _ERROR.findall(response.text)]
    return " ".join(" ".join(messages).split())[:160] or "200 without a message"


def _saq_answers(number: int, count: int) -> list[int]:
    """A unique answer pattern (1-5 per item) for ``number``: its base-5 digits."""
    digits = []
    for _ in range(count):
        number, digit = divmod(number, 5)
        digits.append(digit + 1)
    assert number == 0, "too many SAQ submissions for a unique pattern each"
    return digits


class Together:
    """Devices that press "save" at the same moment (a barrier); any may call the round off."""

    def __init__(self, parties: int, deadline: float):
        self.barrier = threading.Barrier(parties, timeout=60)
        self.deadline = deadline

    def go(self) -> bool:
        """Wait for the others; False when the time is up or another device stopped."""
        if time.monotonic() > self.deadline:
            self.barrier.abort()
            return False
        try:
            self.barrier.wait()
        except threading.BrokenBarrierError:
            return False
        return True


def _stopped(tally: Tally) -> None:
    with tally.lock:
        tally.stopped_early += 1


def patient_device(target, tally, patient, device, together, saq_numbers):
    """A patient's phone or laptop; both devices of one patient send at the same moment."""
    client = Client(target.base_url, tally, f"patient {patient.id} device {device}")
    client.login(patient.email)
    for round_ in range(ROUNDS):
        marker = f"load-session-{patient.id}-{device}-{round_}-{uuid.uuid4().hex[:8]}"
        values = {"effort": 1 + round_ % 5, "synkinesis_rating": round_ % 11, "note": marker}
        form = client.open_form("/session/new", "effort")
        if not together.go():
            return _stopped(tally)
        response = client.send(form, "/session/new", values)
        ok = response.status == 302 and response.location.endswith("/today")
        tally.wrote(Write("session", patient.id, marker, ok, response.status, _reason(response)))

        form = client.open_form("/saq", "csrf_token", radios=True)
        items = list(form.radio_groups())  # the questions, in page order
        answers = _saq_answers(next(saq_numbers), len(items))
        if not together.go():
            return _stopped(tally)
        response = client.send(form, "/saq", dict(zip(items, answers, strict=True)))
        ok = response.status == 302
        said = ""
        if ok:
            landing = client.get(response.location).text
            said = "saved" if SAQ_SAVED in landing else "updated" if SAQ_UPDATED in landing else "?"
        tally.wrote(
            Write("saq", patient.id, tuple(answers), ok, response.status, _reason(response), said)
        )


def therapist_device(target, tally, device, together, rounds=ROUNDS, prefix="load"):
    """The therapist on two devices saves a new version of the same patient's programme
    at the same moment, every round (the note is marked ``prefix``-programme-...)."""
    client = Client(target.base_url, tally, f"therapist device {device}")
    client.login(target.seed.therapist.email)
    patients = target.seed.patients
    for round_ in range(rounds):
        patient = patients[round_ % len(patients)]
        marker = f"{prefix}-programme-{patient.id}-{device}-{round_}-{uuid.uuid4().hex[:8]}"
        url = f"/patients/{patient.id}/programme/edit"
        form = client.open_form(url, "starts_on")
        if not together.go():
            return _stopped(tally)
        values = {"note": marker, "items-0-reps": 1 + (round_ + device) % 20}
        response = client.send(form, url, values, click=("submit", "save"))
        ok = response.status == 302
        tally.wrote(Write("programme", patient.id, marker, ok, response.status, _reason(response)))


def clinician_device(target, tally, together):
    client = Client(target.base_url, tally, "clinician")
    client.login(target.seed.clinician.email)
    patients = target.seed.patients
    for round_ in range(ROUNDS):
        patient = patients[round_ % len(patients)]
        marker = f"load-note-{patient.id}-{round_}-{uuid.uuid4().hex[:8]}"
        url = f"/patients/{patient.id}/review"
        form = client.open_form(url, "body")
        if not together.go():
            return _stopped(tally)
        response = client.send(form, url, {"body": marker})
        ok = response.status == 302
        tally.wrote(Write("note", patient.id, marker, ok, response.status, _reason(response)))


def run_load(target) -> tuple[Tally, float]:
    tally = Tally()
    saq_numbers = itertools.count(1)  # next() on itertools.count is atomic under the GIL
    jobs = []  # (device function, its Together, arguments)
    deadline = time.monotonic() + TIME_BUDGET
    for patient in target.seed.patients:
        together = Together(DEVICES_PER_PATIENT, deadline)
        for device in range(DEVICES_PER_PATIENT):
            jobs.append((patient_device, together, (patient, device, together, saq_numbers)))
    together = Together(THERAPIST_DEVICES, deadline)
    for device in range(THERAPIST_DEVICES):
        jobs.append((therapist_device, together, (device, together)))
    together = Together(1, deadline)
    jobs.append((clinician_device, together, (together,)))

    def guarded(function, together, args):
        try:
            function(target, tally, *args)
        except BaseException:
            together.barrier.abort()  # its partner device stops instead of waiting
            raise

    started, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(guarded, *job) for job in jobs]
        for future in futures:
            try:
                future.result(timeout=TIME_BUDGET + 60)
            except Exception as error:  # noqa: BLE001 - every client failure is reported
                tally.failures.append(repr(error))
    tally.client_cpu = time.process_time() - cpu
    return tally, time.perf_counter() - started


# Reading the database back ------------------------------------------------------------------


def _count_by(column, prefix: str) -> Counter:
    rows = db.session.execute(
        select(column, func.count()).where(column.like(f"{prefix}%")).group_by(column)
    ).all()
    return Counter(dict(rows))


def matched(writes: list[Write], rows: Counter) -> list[str]:
    """Problems: a success without exactly one row, a refusal with a row, a row from nowhere."""
    problems = []
    for write in writes:
        found = rows.get(write.marker, 0)
        if write.ok and found != 1:
            problems.append(f"{write.kind} {write.marker}: succeeded, {found} rows")
        if not write.ok and found:
            problems.append(f"{write.kind} {write.marker}: refused ({write.reason}), {found} rows")
    unknown = set(rows) - {w.marker for w in writes}
    problems += [f"row with marker {m!r} that no client sent" for m in sorted(unknown)]
    return problems


def programme_problems(writes: list[Write], patient_ids) -> list[str]:
    problems = []
    successes = Counter(w.patient_id for w in writes if w.ok)
    for patient_id in patient_ids:
        rows = db.session.execute(
            select(Programme.version, Programme.ended_on, Programme.starts_on)
            .where(Programme.patient_id == patient_id)
            .order_by(Programme.version)
        ).all()
        versions = [r.version for r in rows]
        expected = list(range(1, successes[patient_id] + 2))  # the seed's version 1 too
        if versions != expected:
            problems.append(f"patient {patient_id}: versions {versions}, expected {expected}")
        in_force = [r.version for r in rows if r.ended_on is None]
        if in_force != versions[-1:]:
            problems.append(
                f"patient {patient_id}: versions in force {in_force}, expected {versions[-1:]}"
            )
    return problems


def saq_problems(writes: list[Write]) -> list[str]:
    problems = []
    rows = db.session.execute(
        select(
            QuestionnaireResponse.patient_id,
            QuestionnaireResponse.answered_on,
            QuestionnaireResponse.answers,
        )
    ).all()
    per_day = Counter((r.patient_id, r.answered_on) for r in rows)
    problems += [f"patient {p}: {n} SAQ rows on {d}" for (p, d), n in per_day.items() if n != 1]
    sent = defaultdict(set)
    for write in writes:
        if write.ok:
            sent[write.patient_id].add(write.marker)
    for row in rows:
        if tuple(row.answers) not in sent[row.patient_id]:
            problems.append(f"patient {row.patient_id}: stored answers {row.answers} never sent")
    saved = Counter(w.patient_id for w in writes if w.ok and w.saq_outcome == "saved")
    stored = Counter(r.patient_id for r in rows)
    if saved != stored:
        problems.append(f"'saved' pages per patient {dict(saved)} != rows {dict(stored)}")
    unclear = [w for w in writes if w.ok and w.saq_outcome not in ("saved", "updated")]
    problems += [f"SAQ success without its message: {w.marker}" for w in unclear]
    return problems


def check_database(target, tally: Tally) -> dict[str, list[str]]:
    app = target.app()
    with app.app_context():
        try:
            found = {
                "sessions": matched(
                    tally.of("session"), _count_by(PracticeSession.note, "load-session-")
                ),
                "programmes": matched(
                    tally.of("programme"), _count_by(Programme.note, "load-programme-")
                )
                + programme_problems(tally.of("programme"), [p.id for p in target.seed.patients]),
                "notes": matched(tally.of("note"), _count_by(PatientNote.body, "load-note-")),
                "saq": saq_problems(tally.of("saq")),
            }
            logins = sum(w.ok for w in tally.of("login"))
            rows = db.session.scalar(select(func.count(LoginSession.id)))
            audited = db.session.scalar(
                select(func.count(AuditEvent.id)).where(
                    AuditEvent.action == "login", AuditEvent.outcome == "ok"
                )
            )
            audit_chain.seal()  # what the servers' sealers have not sealed yet
            report = audit_chain.verify()
            found["logins"] = []
            if rows != logins:
                found["logins"].append(f"{logins} logins, {rows} login rows")
            if audited != logins:
                found["logins"].append(f"{logins} logins, {audited} audited as ok")
            found["audit"] = report.problems
            everything = db.session.scalar(select(func.count(AuditEvent.id)))
            if report.checked != everything:  # every row sealed into the one chain
                found["audit"].append(f"{everything} audit rows, {report.checked} in the chain")
            found["audit_rows"] = report.checked
        finally:
            db.session.remove()
            db.engine.dispose()
    return found


def sqlite_integrity(url: str) -> tuple[list, list]:
    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        integrity = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        foreign = connection.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        connection.close()
    return integrity, foreign


def report(target, tally: Tally, elapsed: float, audit_rows: int) -> None:
    requests = sum(tally.statuses.values())
    print(f"\n== load on {target.backend}: {len(tally.of('login'))} clients, {ROUNDS} rounds each")
    print(
        f"   {requests} requests in {elapsed:.1f} s ({requests / elapsed:.0f}/s, clients' CPU "
        f"{tally.client_cpu:.1f} s); "
        f"statuses {dict(sorted(tally.statuses.items()))}"
    )
    for route, seconds in sorted(tally.timings.items()):
        print(
            f"   {route:42} n {len(seconds):4}  mean {sum(seconds) / len(seconds):5.2f} s"
            f"  max {max(seconds):5.2f} s"
        )
    for kind in ("login", "session", "saq", "programme", "note"):
        writes = tally.of(kind)
        refused = Counter(f"{w.status} {w.reason}" for w in writes if not w.ok)
        extra = ""
        if kind == "saq":
            extra = f" ({dict(Counter(w.saq_outcome for w in writes if w.ok))})"
        print(
            f"   {kind:9} sent {len(writes):4}  ok {sum(w.ok for w in writes):4}{extra}"
            f"  refused {dict(refused) or 0}"
        )
    print(f"   audit rows verified {audit_rows}; clients stopped early: {tally.stopped_early}")


def test_concurrent_writes_lose_nothing(load_target):
    tally, elapsed = run_load(load_target)
    found = check_database(load_target, tally)
    report(load_target, tally, elapsed, found.pop("audit_rows"))

    assert not tally.failures, f"client failures: {tally.failures}"
    assert not tally.server_errors, f"5xx answers: {tally.server_errors[:5]}"
    log = load_target.server.log_text()
    assert "Traceback" not in log, f"the server logged an exception:\n{log[-3000:]}"
    for kind in ("login", "session", "saq", "programme", "note"):
        assert any(w.ok for w in tally.of(kind)), f"no {kind} succeeded: the test proved nothing"
    problems = {kind: p for kind, p in found.items() if p}
    assert not problems, f"lost or duplicated writes: {problems}"
    if load_target.backend == "sqlite":
        integrity, foreign = sqlite_integrity(load_target.database_url)
        assert integrity == ["ok"]
        assert foreign == []


# Two writes at the same moment, made to meet: deterministic, no server -------------------


class MeetAfter:
    """Holds each of two threads just after its first statement that ``matches`` until the
    other thread has run its own: both have read before either writes. When the other
    cannot get there (it waits for a lock held by the first), the hold ends after
    ``patience`` seconds and the first goes on alone: that is the correct outcome."""

    def __init__(self, matches, patience: float = 3.0):
        self.matches = matches
        self.barrier = threading.Barrier(2, timeout=patience)
        self.local = threading.local()
        self.met = False

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if getattr(self.local, "held", False) or not self.matches(statement):
            return
        self.local.held = True
        try:
            self.barrier.wait()
            self.met = True
        except threading.BrokenBarrierError:
            pass


def at_the_same_moment(app, meet: MeetAfter, work) -> list:
    """Run ``work(0)`` and ``work(1)`` in two threads, each with its own database session."""
    from sqlalchemy import event

    outcomes: list = [None, None]

    def run(index):
        with app.app_context():
            try:
                outcomes[index] = work(index)
            except Exception as error:  # noqa: BLE001 - reported by the caller
                db.session.rollback()
                outcomes[index] = error
            finally:
                db.session.remove()

    with app.app_context():
        engine = db.engine
    event.listen(engine, "after_cursor_execute", meet)
    try:
        threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(engine, "after_cursor_execute", meet)
    return outcomes


def _reads(table: str, also: str = ""):
    def matches(statement: str) -> bool:
        return (
            statement.lstrip().upper().startswith("SELECT")
            and f"FROM {table}" in statement
            and also in statement
        )

    return matches


def test_two_first_saq_answers_at_once_keep_one_row(seeded_app):
    """A patient's phone and laptop send today's first SAQ at the same moment."""
    from retrain.models import User
    from retrain.usecases import local_time, questionnaires

    app, people = seeded_app
    patient_id = people.patients[0].id
    with app.app_context():
        today = local_time.patient_today(patient_id)
        keys = [item.key for item in questionnaires.instrument().items]
    sent = {i: [1 + i] * len(keys) for i in (0, 1)}

    def answer(index):
        user = db.session.get(User, patient_id)
        questionnaires.submit_saq(
            user, patient_id, dict(zip(keys, sent[index], strict=True)), today
        )
        return "ok"

    meet = MeetAfter(_reads("questionnaire_responses"))
    outcomes = at_the_same_moment(app, meet, answer)
    with app.app_context():
        rows = db.session.execute(
            select(QuestionnaireResponse.answers).where(
                QuestionnaireResponse.patient_id == patient_id,
                QuestionnaireResponse.answered_on == today,
            )
        ).all()
        db.session.remove()
    print(f"\n== same-moment SAQ: reads met: {meet.met}; outcomes {outcomes}; rows {len(rows)}")
    assert outcomes == ["ok", "ok"]
    assert len(rows) == 1, f"{len(rows)} SAQ rows for one patient and day"
    assert rows[0].answers in sent.values()


def test_two_programme_saves_at_once_keep_one_version_in_force(seeded_app):
    """The therapist presses "Save as a new version" on two devices at the same moment."""
    from retrain.errors import Invalid
    from retrain.models import User
    from retrain.usecases import local_time, programmes

    app, people = seeded_app
    patient_id = people.patients[1].id
    with app.app_context():
        today = local_time.patient_today(patient_id)
    items = [{"exercise_id": e, "reps": 12} for e in people.exercise_ids]

    def save(index):
        therapist = db.session.get(User, people.therapist.id)
        try:
            programmes.save_programme(therapist, patient_id, today, items, f"same moment {index}")
        except Invalid as refusal:
            return f"refused: {refusal.message}"
        return "ok"

    meet = MeetAfter(_reads("programmes", "ended_on IS NULL"))
    outcomes = at_the_same_moment(app, meet, save)
    with app.app_context():
        rows = db.session.execute(
            select(Programme.version, Programme.ended_on, Programme.note)
            .where(Programme.patient_id == patient_id)
            .order_by(Programme.version)
        ).all()
        db.session.remove()
    print(f"\n== same-moment programme saves: reads met: {meet.met}; outcomes {outcomes}")
    assert all(o == "ok" or str(o).startswith("refused") for o in outcomes), outcomes
    saved = sum(o == "ok" for o in outcomes)
    assert [r.version for r in rows] == list(range(1, saved + 2))
    in_force = [r.version for r in rows if r.ended_on is None]
    assert in_force == [rows[-1].version], f"versions in force: {in_force}"
