"""Readers and writers at once under gunicorn -w 4: reads run in snapshots beside the
writers, and still nothing is lost (docs/performance.md, "Read/write split").

- 4 patients each log practice sessions (POST /session/new, a unique note each) and
  after every success open their history: their own session must be there (a reader
  never sees an older state than its own last write);
- the therapist on 2 devices saves new programme versions of the same patients at the
  same moment (read-modify-write: version n + 1, one version in force);
- 4 readers (the therapist's and the clinician's other devices) read the programme page,
  the review page and the caseload in a loop while the writers work, and note the
  programme version each page shows: for one reader it never goes down.

Afterwards every success has exactly one row, versions are 1..n with one in force, no
answer was a 5xx and the server logged no exception.
"""

import re
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest

from retrain.extensions import db
from retrain.models import PracticeSession, Programme

from .test_concurrent_writes import (
    THERAPIST_DEVICES,
    Client,
    Tally,
    Together,
    Write,
    _count_by,
    _reason,
    matched,
    programme_problems,
    therapist_device,
)

pytestmark = pytest.mark.load

WRITE_ROUNDS = 15
READERS = 4
TIME_BUDGET = 40.0
_VERSION = re.compile(r"The current one \(version (\d+),")


@dataclass
class Reads:
    lock: threading.Lock = field(default_factory=threading.Lock)
    pages: int = 0
    went_back: list = field(default_factory=list)  # (reader, patient, seen, then)
    missing_own_write: list = field(default_factory=list)

    def count(self) -> None:
        with self.lock:
            self.pages += 1


def patient_writer(target, tally, reads, patient, deadline):
    client = Client(target.base_url, tally, f"patient {patient.id}")
    client.login(patient.email)
    for round_ in range(WRITE_ROUNDS):
        if time.monotonic() > deadline:
            return
        marker = f"mixed-session-{patient.id}-{round_}-{uuid.uuid4().hex[:8]}"
        form = client.open_form("/session/new", "effort")
        response = client.send(
            form, "/session/new", {"effort": 3, "synkinesis_rating": 2, "note": marker}
        )
        ok = response.status == 302
        tally.wrote(Write("session", patient.id, marker, ok, response.status, _reason(response)))
        if ok and marker not in client.get("/history").text:
            with reads.lock:
                reads.missing_own_write.append(marker)


def reader(target, tally, reads, number, writers_done):
    staff = target.seed.therapist if number % 2 == 0 else target.seed.clinician
    client = Client(target.base_url, tally, f"reader {number}")
    client.login(staff.email)
    patients = target.seed.patients
    seen: dict[int, int] = defaultdict(int)
    turn = 0
    while not writers_done.is_set():
        patient = patients[turn % len(patients)]
        turn += 1
        if staff is target.seed.therapist:
            page = client.get(f"/patients/{patient.id}/programme/edit")
            found = _VERSION.search(page.text)
            version = int(found.group(1)) if found else 0
            if version < seen[patient.id]:
                with reads.lock:
                    reads.went_back.append((number, patient.id, seen[patient.id], version))
            seen[patient.id] = max(seen[patient.id], version)
            client.get("/therapist/")
        else:
            client.get(f"/patients/{patient.id}/review")
        reads.count()


def run_mixed(target) -> tuple[Tally, Reads, float]:
    tally, reads = Tally(), Reads()
    deadline = time.monotonic() + TIME_BUDGET
    writers_done = threading.Event()
    together = Together(THERAPIST_DEVICES, deadline)
    writers = [
        (patient_writer, (tally, reads, patient, deadline)) for patient in target.seed.patients
    ]
    writers += [
        (therapist_device, (tally, device, together, WRITE_ROUNDS, "mixed")) for device in range(2)
    ]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(writers) + READERS) as pool:
        reading = [
            pool.submit(reader, target, tally, reads, n, writers_done) for n in range(READERS)
        ]
        writing = [pool.submit(function, target, *args) for function, args in writers]
        for future in writing:
            try:
                future.result(timeout=TIME_BUDGET + 60)
            except Exception as error:  # noqa: BLE001 - every client failure is reported
                together.barrier.abort()
                tally.failures.append(repr(error))
        writers_done.set()
        for future in reading:
            try:
                future.result(timeout=60)
            except Exception as error:  # noqa: BLE001
                tally.failures.append(repr(error))
    return tally, reads, time.perf_counter() - started


def test_readers_beside_writers_see_no_older_state_and_lose_nothing(load_target):
    tally, reads, elapsed = run_mixed(load_target)
    app = load_target.app()
    with app.app_context():
        try:
            sessions = _count_by(PracticeSession.note, "mixed-session-")
            problems = matched(tally.of("session"), sessions)
            problems += matched(
                tally.of("programme"), _count_by(Programme.note, "mixed-programme-")
            )
            problems += programme_problems(
                tally.of("programme"), [p.id for p in load_target.seed.patients]
            )
        finally:
            db.session.remove()
            db.engine.dispose()
    requests = sum(tally.statuses.values())
    print(
        f"\n== mixed on {load_target.backend}: {requests} requests in {elapsed:.1f} s, "
        f"{reads.pages} reader rounds; statuses {dict(sorted(tally.statuses.items()))}"
    )
    for route, seconds in sorted(tally.timings.items()):
        print(f"   {route:42} n {len(seconds):4}  mean {sum(seconds) / len(seconds):5.2f} s")

    assert not tally.failures, f"client failures: {tally.failures}"
    assert not tally.server_errors, f"5xx answers: {tally.server_errors[:5]}"
    log = load_target.server.log_text()
    assert "Traceback" not in log, f"the server logged an exception:\n{log[-3000:]}"
    assert any(w.ok for w in tally.of("session")), "no session saved: the test proved nothing"
    assert any(w.ok for w in tally.of("programme")), "no programme saved: proved nothing"
    assert reads.pages >= READERS, "the readers read nothing: the test proved nothing"
    assert not reads.went_back, f"a reader saw an older programme: {reads.went_back[:5]}"
    assert not reads.missing_own_write, f"own session not in history: {reads.missing_own_write}"
    assert not problems, f"lost or duplicated writes: {problems}"
