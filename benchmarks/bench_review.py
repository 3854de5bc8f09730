"""Time the reinjection review page for a patient with years of data.

    .venv/bin/python benchmarks/bench_review.py [--years 5] [--requests 20]

Builds a temporary SQLite database at the head migration, adds a clinician and one
patient with ``years`` of made-up data (benchmarks/review_data.py: about 1,800
sessions, 130 SAQs and 18 cycles for 5 years), logs in through the real login form
and requests /patients/<id>/review. Prints the SQL statements one request runs (the
issue's limit is 15, the same for any amount of data), and the median and 95th
percentile time per request, in the test client (no network, no browser).

A script, not a test: timings depend on the machine and its load. The query count
is also checked by tests/web/test_progress_pages.py.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event  # noqa: E402

from benchmarks.review_data import add_history  # noqa: E402
from retrain import create_app  # noqa: E402
from retrain.extensions import db  # noqa: E402
from retrain.infrastructure import passwords
from retrain.models import CLINICIAN, PATIENT, CareTeamMember, Patient, User  # noqa: E402

PASSWORD = "benchmark password for the review"  # noqa: S105 - a throwaway local account
QUERY_LIMIT = 15


def build(instance: Path, years: float):
    from retrain.schema import upgrade
    from retrain.usecases import exercises
    from retrain.usecases.local_time import patient_today

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "benchmark",
            "INSTANCE_PATH": str(instance),
            "DATABASE_URL": f"sqlite:///{instance / 'bench.sqlite3'}",
            "LOGIN_RATE_LIMIT": "10000 per minute",
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST_KIB": 1024,
            "ARGON2_PARALLELISM": 1,
        }
    )
    with app.app_context():
        upgrade()
        exercises.sync_builtins()
        digest = passwords.hash_password(PASSWORD)
        clinician = User(
            email="clinician@bench.example",
            name="Bench Clinician",
            role=CLINICIAN,
            password_hash=digest,
        )
        person = User(
            email="patient@bench.example",
            name="Bench Patient",
            role=PATIENT,
            password_hash=digest,
        )
        db.session.add_all([clinician, person])
        db.session.flush()
        db.session.add(Patient(id=person.id, affected_side="left"))
        db.session.add(CareTeamMember(patient_id=person.id, staff_id=clinician.id))
        db.session.commit()
        started = time.perf_counter()
        size = add_history(
            person.id, staff_id=clinician.id, today=patient_today(person.id), years=years
        )
        built = time.perf_counter() - started
        patient_id = person.id
    return app, patient_id, size, built


def login(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', page)
    response = client.post(
        "/login",
        data={"email": "clinician@bench.example", "password": PASSWORD, "csrf_token": token[1]},
    )
    if response.status_code != 302:
        sys.exit(f"login failed ({response.status_code})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=float, default=5)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--show-queries", action="store_true", help="print every statement")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        app, patient_id, size, built = build(Path(folder), args.years)
        print(
            f"patient: {args.years:g} years, {size.sessions} sessions, {size.saqs} SAQs, "
            f"{size.visits} cycles, {size.programmes} programme versions, {size.notes} notes, "
            f"{size.decisions} decisions (built in {built:.1f} s)"
        )
        url = f"/patients/{patient_id}/review"
        client = app.test_client()
        login(client)  # outside an app context: each request has its own session
        with app.app_context():
            engine = db.engine
        assert client.get(url).status_code == 200  # warm up (templates, caches)

        statements: list[str] = []

        def count(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        response = client.get(url)
        event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200
        verdict = "within" if len(statements) <= QUERY_LIMIT else "OVER"
        print(
            f"SQL statements per request: {len(statements)} ({verdict} the limit of "
            f"{QUERY_LIMIT}); page size {len(response.data) / 1024:.0f} KiB"
        )
        if args.show_queries:
            for statement in statements:
                print("  ", " ".join(statement.split())[:140])

        times = []
        for _ in range(args.requests):
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        median = statistics.median(times)
        print(
            f"render time over {args.requests} requests: median {median * 1000:.0f} ms, "
            f"95th percentile {p95 * 1000:.0f} ms, fastest {times[0] * 1000:.0f} ms"
        )
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
