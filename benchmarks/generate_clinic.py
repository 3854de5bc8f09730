"""Generate a made-up clinic of adjustable size for the benchmarks (issue 7, part 3).

    .venv/bin/python benchmarks/generate_clinic.py                       # SQLite, default size
    .venv/bin/python benchmarks/generate_clinic.py --database-url \\
        postgresql+psycopg://postgres@127.0.0.1:5432/retrain_bench --replace
    .venv/bin/python benchmarks/generate_clinic.py --small               # a quick one to try

Default size: 20 staff (13 therapists, 6 clinicians, 1 admin), 1,000 patients with 2
years of data each: about 700,000 practice sessions (2.1 million exercise rows), 50,000
SAQs, 6,000 injection visits, 5,000 snapshot records. Among them:

- therapist 1 (``therapist1@clinic.example``) has a caseload of 200 patients;
- patient 1 (``patient1@clinic.example``) has 5 years of data (benchmarks/review_data.py:
  about 1,800 sessions, 130 SAQs, 18 cycles) and is on therapist 1's and clinician 1's
  care teams;
- patient 2 has photo consent and is on clinician 1's care team too.

Every account's password is PASSWORD below (hashed once, with the app's own settings).

How: the database is migrated to head first (retrain.schema.upgrade, same URL), the
built-in exercises synced, then every table is written with SQLAlchemy Core ``insert()``
and lists of dicts in chunks (executemany), primary keys chosen here so children can
refer to parents without a round trip. The 5-year patient comes from review_data.py
(ORM, small). Deterministic: one seeded random generator per patient. Snapshot rows
carry the analysis of one generated photo (the image files themselves are not written).

Prints the time each table took (its INSERTs) and the total, and writes a manifest
(JSON: size, timings, who is who) to the path given by --manifest.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import (  # noqa: E402
    Column,
    DateTime,
    MetaData,
    String,
    Table,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import make_url  # noqa: E402

from benchmarks.review_data import toxin_effect  # noqa: E402

PASSWORD = "benchmark clinic password 2026"  # noqa: S105 - made-up accounts on a local copy
GENERATOR_VERSION = 2  # bump when the data changes shape: runs then regenerate (2: issue 17)
EMAIL_DOMAIN = "clinic.example"
CHUNK = 20_000  # rows per executemany
ZONES = (None,) * 17 + ("Europe/London", "Europe/Paris", "America/New_York")
FIRST_NAMES = [
    "Alex",
    "Amira",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Femi",
    "Grace",
    "Hana",
    "Ian",
    "Jo",
    "Kofi",
    "Lena",
    "Maya",
    "Niall",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tariq",
    "Uma",
    "Vic",
    "Wen",
    "Yusuf",
    "Zoe",
]
LAST_NAMES = [
    "Adams",
    "Bakker",
    "Chen",
    "Doyle",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ito",
    "Jones",
    "Khan",
    "Lopez",
    "Murphy",
    "Nowak",
    "Okafor",
    "Patel",
    "Quist",
    "Rossi",
    "Singh",
    "Taylor",
    "Ueda",
    "Varga",
    "Walsh",
    "Xu",
    "Young",
    "Zielinski",
]
NOTES = (
    "Practising well; eye closure on smiling a little better.",
    "Finds the pucker hard; we slowed the reps down.",
    "Less tightness in the neck this month.",
    "Busy weeks at work; fewer sessions, no change in synkinesis.",
)
SESSION_NOTES = ("Felt easier today.", "Tired, did what I could.", "Used the mirror.")
BOTOX_SITES = (
    ("orbicularis oculi", 2.5, 5.0),
    ("mentalis", 1.0, 3.0),
    ("platysma", 5.0, 10.0),
    ("depressor anguli oris", 1.0, 2.5),
    ("zygomaticus major", 1.0, 2.0),
    ("corrugator", 2.5, 5.0),
    ("buccinator", 1.0, 2.5),
)
EXPRESSION_SET = ("rest", "brow raise", "gentle eye closure", "full smile", "pucker")


@dataclass(frozen=True)
class Size:
    """How big a clinic to make. ``key()`` names it, so a run can find it again."""

    staff: int = 20
    patients: int = 1000
    years: float = 2.0
    caseload: int = 200  # patients on therapist 1's care teams (the 5-year patient included)
    long_years: float = 5.0  # patient 1's history
    seed: int = 7

    def key(self) -> str:
        return (
            f"s{self.staff}-p{self.patients}-y{self.years:g}-c{self.caseload}"
            f"-l{self.long_years:g}-r{self.seed}-v{GENERATOR_VERSION}"
        )


DEFAULT = Size()
# The small clinic of the query-count check: the same people and pages, far less data.
SMALL = Size(staff=5, patients=40, years=0.25, caseload=12, long_years=0.5)


def email(kind: str, number: int) -> str:
    return f"{kind}{number}@{EMAIL_DOMAIN}"


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


# --- writing ---------------------------------------------------------------------------------


def _raw_table(table, backend: str):
    """A copy of ``table`` whose UTC datetime columns take values ready for the driver.

    The models' UTCDateTime checks and converts every value in Python, which costs more
    than the INSERT itself for 700,000 sessions: the generator makes naive UTC values
    (``Bulk.stamp``) and writes them as SQLite's text form or PostgreSQL's timestamp.
    """
    from retrain.models.base import UTCDateTime

    columns = []
    for column in table.columns:
        kind = column.type
        if isinstance(kind, UTCDateTime):
            kind = String() if backend == "sqlite" else DateTime()
        columns.append(Column(column.name, kind, primary_key=column.primary_key))
    return Table(table.name, MetaData(), *columns)


def _sqlite_stamp(value: datetime) -> str:
    return value.isoformat(" ", "microseconds")  # SQLAlchemy's SQLite DateTime format


class Bulk:
    """Rows buffered per table, written parents first in chunks (one executemany each)."""

    def __init__(self, engine, tables: list, chunk: int = CHUNK):
        self.engine = engine
        backend = engine.dialect.name
        self.tables = [_raw_table(table, backend) for table in tables]  # foreign-key order
        # A naive UTC datetime as the driver takes it.
        self.stamp = _sqlite_stamp if backend == "sqlite" else (lambda value: value)
        self.chunk = chunk
        self.rows = {table.name: [] for table in tables}
        self.next_ids = {table.name: 1 for table in tables}
        self.seconds: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)

    def start_ids_after(self, connection) -> None:
        for table in self.tables:
            if "id" in table.c:
                top = connection.scalar(select(func.max(table.c.id))) or 0
                self.next_ids[table.name] = top + 1

    def new_id(self, table: str) -> int:
        value = self.next_ids[table]
        self.next_ids[table] = value + 1
        return value

    def add(self, table: str, row: dict) -> None:
        rows = self.rows[table]
        rows.append(row)
        if len(rows) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        with self.engine.begin() as connection:
            for table in self.tables:
                rows = self.rows[table.name]
                if not rows:
                    continue
                started = time.perf_counter()
                connection.execute(insert(table), rows)
                self.seconds[table.name] += time.perf_counter() - started
                self.counts[table.name] += len(rows)
                self.rows[table.name] = []


# --- the clinic ------------------------------------------------------------------------------


@dataclass
class Person:
    id: int
    email: str
    role: str


@dataclass
class Manifest:
    size: dict
    key: str
    database: str  # "sqlite" or "postgresql"
    generated_at: str
    today: str
    password: str
    seconds: dict  # per table (INSERT time) and "total"
    rows: dict
    caseload_therapist: dict
    clinician: dict
    long_patient: dict
    saving_patient: dict
    photo_patient: dict
    long_history: dict


def build_app(url: str, instance: Path):
    from retrain import create_app

    return create_app(
        {
            "SECRET_KEY": "generator",
            "INSTANCE_PATH": str(instance),
            "DATABASE_URL": url,
        }
    )


def wipe(url: str) -> None:
    """Empty the target: delete the SQLite file, or recreate PostgreSQL's public schema."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def create_postgres_database(url: str) -> None:
    """CREATE DATABASE when it does not exist (connects to the server's 'postgres' database)."""
    from sqlalchemy import create_engine

    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def snapshot_analysis() -> tuple[dict, dict, str]:
    """(quality, measures, version) of one generated 1280x720 photo, shared by every row."""
    try:
        from benchmarks.bench_vision import snapshot
        from retrain.usecases.snapshots import analyse_image

        return analyse_image(snapshot())
    except (ImportError, SystemExit):  # no scikit-image: rows say "not measured"
        return {"analysed": False, "ok": False, "faces_found": None, "flags": []}, {}, "none"


def generate(url: str, size: Size, *, instance: Path, replace: bool = False, quiet=False):
    """Migrate, fill and analyse the database at ``url``; return the Manifest."""
    from benchmarks.review_data import add_history
    from retrain.extensions import db
    from retrain.infrastructure import passwords
    from retrain.models import (
        CareTeamMember,
        Exercise,
        InjectionSite,
        InjectionVisit,
        Patient,
        PatientNote,
        PracticeItem,
        PracticeSession,
        Programme,
        ProgrammeItem,
        QuestionnaireRequest,
        QuestionnaireResponse,
        ReinjectionDecision,
        Snapshot,
        User,
    )
    from retrain.schema import upgrade
    from retrain.usecases import exercises

    say = (lambda *a: None) if quiet else print
    backend = make_url(url).get_backend_name()
    if backend == "postgresql":
        create_postgres_database(url)
    if replace:
        wipe(url)
    instance.mkdir(parents=True, exist_ok=True)
    app = build_app(url, instance)
    started = time.perf_counter()
    with app.app_context():
        engine = db.engine
        with engine.connect() as connection:
            has_users = engine.dialect.has_table(connection, "users") and connection.scalar(
                select(func.count()).select_from(User.__table__)
            )
        if has_users:
            raise SystemExit(f"{url} already holds data: pass --replace to start again")
        step = time.perf_counter()
        upgrade()
        exercises.sync_builtins()
        say(f"  migrate to head + built-in exercises   {time.perf_counter() - step:6.1f} s")
        step = time.perf_counter()
        digest = passwords.hash_password(PASSWORD)
        shared_quality, shared_measures, analysis_version = snapshot_analysis()
        exercise_ids = list(
            db.session.scalars(
                select(Exercise.id).where(Exercise.retired_at.is_(None)).order_by(Exercise.id)
            )
        )
        db.session.remove()
        say(f"  password hash + one photo analysed     {time.perf_counter() - step:6.1f} s")

        tables = [
            User.__table__,
            Patient.__table__,
            CareTeamMember.__table__,
            Programme.__table__,
            ProgrammeItem.__table__,
            PracticeSession.__table__,
            PracticeItem.__table__,
            QuestionnaireResponse.__table__,
            QuestionnaireRequest.__table__,
            InjectionVisit.__table__,
            InjectionSite.__table__,
            ReinjectionDecision.__table__,
            PatientNote.__table__,
            Snapshot.__table__,
        ]
        bulk = Bulk(engine, tables)
        with engine.connect() as connection:
            bulk.start_ids_after(connection)
        now = datetime.now(UTC).replace(tzinfo=None)  # naive UTC: see Bulk.stamp
        today = now.date()
        people = _fill(
            bulk,
            size,
            today=today,
            now=now,
            digest=digest,
            exercise_ids=exercise_ids,
            snapshot=(shared_quality, shared_measures, analysis_version),
        )
        bulk.flush()
        if backend == "postgresql":
            _reset_sequences(engine, tables)

        step = time.perf_counter()
        history = add_history(
            people["long_patient"].id,
            staff_id=people["clinician"].id,
            today=today,
            years=size.long_years,
            seed=size.seed,
        )
        bulk.seconds["(5-year patient, ORM)"] = time.perf_counter() - step
        db.session.remove()

        # The rows above were written by Core statements, which the unit of work's hooks
        # do not see: work every patient's derived figures out once (issue 17, part 3).
        step = time.perf_counter()
        from retrain.usecases import derived

        derived.rebuild()
        db.session.remove()
        bulk.seconds["(derived figures)"] = time.perf_counter() - step

        step = time.perf_counter()
        _analyse(engine, backend)
        bulk.seconds["(ANALYZE)"] = time.perf_counter() - step
        total = time.perf_counter() - started
    engine.dispose()

    seconds = {name: round(value, 2) for name, value in bulk.seconds.items()}
    seconds["total"] = round(total, 1)
    return Manifest(
        size=asdict(size),
        key=size.key(),
        database=backend,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        today=today.isoformat(),
        password=PASSWORD,
        seconds=seconds,
        rows=dict(bulk.counts),
        caseload_therapist=asdict(people["caseload_therapist"]),
        clinician=asdict(people["clinician"]),
        long_patient=asdict(people["long_patient"]),
        saving_patient=asdict(people["saving_patient"]),
        photo_patient=asdict(people["photo_patient"]),
        long_history=asdict(history),
    )


def _reset_sequences(engine, tables) -> None:
    """Ids were chosen here, so PostgreSQL's sequences must be moved past them."""
    with engine.begin() as connection:
        for table in tables:
            if "id" in table.c and table.c.id.autoincrement in (True, "auto"):
                sequence = connection.scalar(
                    text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}
                )
                if sequence:
                    top = connection.scalar(select(func.max(table.c.id))) or 0
                    connection.execute(
                        text("SELECT setval(:sequence, :next, false)"),
                        {"sequence": sequence, "next": top + 1},
                    )


def _analyse(engine, backend: str) -> None:
    """Fresh planner statistics (and, on PostgreSQL, the visibility map for index-only scans)."""
    if backend == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
        raw = engine.raw_connection()  # outside any transaction (autocommit on this driver)
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()


def _fill(bulk: Bulk, size: Size, *, today, now, digest, exercise_ids, snapshot) -> dict:
    """Every person and, for each patient, their whole record. Returns who is who."""
    rng = random.Random(size.seed)
    created = bulk.stamp(
        now - timedelta(days=round(max(size.years, size.long_years) * 365.25) + 30)
    )
    clinicians = max(1, size.staff * 3 // 10)
    therapists = max(1, size.staff - clinicians - 1)
    staff: dict[str, list[Person]] = {"therapist": [], "clinician": [], "admin": []}
    for role, count in (("therapist", therapists), ("clinician", clinicians), ("admin", 1)):
        for number in range(1, count + 1):
            person = Person(bulk.new_id("users"), email(role, number), role)
            staff[role].append(person)
            bulk.add(
                "users",
                {
                    "id": person.id,
                    "email": person.email,
                    "name": f"{role.capitalize()} {_name(rng)}",
                    "role": role,
                    "password_hash": digest,
                    "active": True,
                    "timezone": None,
                    "created_at": created,
                },
            )

    patients: list[Person] = []
    for number in range(1, size.patients + 1):
        patients.append(Person(bulk.new_id("users"), email("patient", number), "patient"))

    # Care teams: the first `caseload` patients are therapist 1's; the rest go round the
    # other therapists. About 80 % have Botox: they are on a clinician's team too.
    # Patient 1 has the long history (review_data) and is on therapist 1's and
    # clinician 1's teams; patient 2 consents to photos and is on clinician 1's team.
    ts, cs = staff["therapist"], staff["clinician"]
    others = ts[1:] or ts
    plans = []
    for index, person in enumerate(patients):
        prng = random.Random(size.seed * 1_000_003 + index)
        therapist = ts[0] if index < size.caseload else others[index % len(others)]
        botox = index < 2 or prng.random() < 0.85
        clinician = cs[0] if index < 2 else cs[index % len(cs)]
        plans.append((person, prng, therapist, clinician if botox else None))

    for person, prng, _therapist, _clinician in plans:
        zone = ZONES[prng.randrange(len(ZONES))]
        bulk.add(
            "users",
            {
                "id": person.id,
                "email": person.email,
                "name": _name(prng),
                "role": "patient",
                "password_hash": digest,
                "active": True,
                "timezone": zone,
                "created_at": created,
            },
        )
    long_patient, photo_patient = patients[0], patients[min(1, len(patients) - 1)]
    saving_patient = patients[min(2, len(patients) - 1)]
    for index, (person, prng, therapist, clinician) in enumerate(plans):
        consent = index == 1 or (index > 1 and prng.random() < 0.4)
        bulk.add(
            "patients",
            {
                "id": person.id,
                "affected_side": prng.choice(("left", "left", "right", "right", "both")),
                "saq_interval_days": 14,
                "photo_consent_at": created if consent else None,
                "snapshot_expressions": None,
                "created_by_id": therapist.id,
            },
        )
        for member in (therapist, clinician):
            if member is not None:
                bulk.add(
                    "care_team_members",
                    {
                        "id": bulk.new_id("care_team_members"),
                        "patient_id": person.id,
                        "staff_id": member.id,
                        "added_at": created,
                    },
                )
        if index == 0:
            continue  # patient 1's record comes from review_data.add_history
        _patient_record(
            bulk,
            person,
            prng,
            therapist=therapist,
            clinician=clinician,
            consent=consent,
            days=round(size.years * 365.25),
            today=today,
            now=now,
            exercise_ids=exercise_ids,
            snapshot=snapshot,
        )
    return {
        "caseload_therapist": ts[0],
        "clinician": cs[0],
        "long_patient": long_patient,
        "saving_patient": saving_patient,
        "photo_patient": photo_patient,
    }


def _patient_record(
    bulk: Bulk,
    person: Person,
    rng: random.Random,
    *,
    therapist: Person,
    clinician: Person | None,
    consent: bool,
    days: int,
    today: date,
    now: datetime,
    exercise_ids: list[int],
    snapshot: tuple[dict, dict, str],
) -> None:
    """One patient's programmes, sessions, SAQs, injections, notes and snapshots."""
    first = today - timedelta(days=days)
    pid = person.id

    stamp = bulk.stamp

    def at(day: int, hour: float) -> datetime:
        """Naive UTC; pass it through ``stamp`` for the driver."""
        on = first + timedelta(days=day)
        return datetime(on.year, on.month, on.day) + timedelta(hours=hour)

    # Injection visits: the first 20-120 days in, then every 85-120 days.
    visit_days: list[int] = []
    if clinician is not None:
        offset = rng.randint(20, 120)
        while offset <= days:
            visit_days.append(offset)
            offset += rng.randint(85, 120)

    def effect(day: int) -> float:
        last = None
        for visit in visit_days:
            if visit > day:
                break
            last = visit
        return 0.0 if last is None else toxin_effect(day - last)

    # Programme versions every 150-210 days; the sittings a day and the patient's habit.
    times_per_day = 2 if rng.random() < 0.3 else 1
    days_per_week = 5 if rng.random() < 0.2 else 7
    habit = rng.uniform(0.5, 0.98)
    stops = days - rng.randint(0, 60) if rng.random() < 0.1 else days + 1  # some go quiet
    starts = [0]
    while starts[-1] + 210 < days:
        starts.append(starts[-1] + rng.randint(150, 210))
    versions = []
    for number, start in enumerate(starts, start=1):
        programme_id = bulk.new_id("programmes")
        ends = starts[number] - 1 if number < len(starts) else None
        bulk.add(
            "programmes",
            {
                "id": programme_id,
                "patient_id": pid,
                "title": None,
                "version": number,
                "starts_on": first + timedelta(days=start),
                "ended_on": None if ends is None else first + timedelta(days=ends),
                "note": None,
                "created_by_id": therapist.id,
                "created_at": stamp(at(start, 9)),
            },
        )
        items = []
        for position, exercise_id in enumerate(rng.sample(exercise_ids, rng.randint(2, 4))):
            item = {
                "id": bulk.new_id("programme_items"),
                "programme_id": programme_id,
                "position": position,
                "exercise_id": exercise_id,
                "reps": rng.randint(8, 15),
                "sets": rng.randint(1, 2),
                "hold_seconds": rng.randint(3, 10),
                "rest_seconds": rng.randint(3, 10),
                "times_per_day": times_per_day,
                "days_per_week": days_per_week,
                "note": None,
            }
            items.append(item)
            bulk.add("programme_items", item)
        versions.append((start, programme_id, items))

    # Practice sessions with one row per programme exercise.
    version_index = 0
    for day in range(days + 1):
        while version_index + 1 < len(versions) and versions[version_index + 1][0] <= day:
            version_index += 1
        if day >= stops:
            break
        _, programme_id, items = versions[version_index]
        for sitting in range(times_per_day):
            if rng.random() > habit:
                continue
            performed = at(day, 7 + 9 * sitting + rng.uniform(0, 6))
            if performed > now:
                continue
            session_id = bulk.new_id("practice_sessions")
            player = rng.random() < 0.6
            rating = round(6.5 - 3.5 * effect(day) + rng.uniform(-1.2, 1.2))
            bulk.add(
                "practice_sessions",
                {
                    "id": session_id,
                    "patient_id": pid,
                    "programme_id": programme_id,
                    "performed_at": stamp(performed),
                    "logged_at": stamp(performed + timedelta(minutes=rng.randint(1, 20))),
                    "effort": rng.randint(1, 5),
                    "synkinesis_rating": min(10, max(0, rating)),
                    "note": rng.choice(SESSION_NOTES) if rng.random() < 0.05 else None,
                    "source": "player" if player else "form",
                    "idempotency_key": f"gen-{session_id}" if player else None,
                },
            )
            for item in items:
                skipped = rng.random() < 0.05
                full = item["reps"] * item["sets"]
                reps = 0 if skipped else (full if rng.random() < 0.8 else rng.randint(1, full))
                bulk.add(
                    "practice_items",
                    {
                        "id": bulk.new_id("practice_items"),
                        "session_id": session_id,
                        "exercise_id": item["exercise_id"],
                        "reps_done": reps,
                        "sets_done": 0 if skipped else -(-reps // item["reps"]),
                        "difficulty": None if skipped else rng.randint(1, 5),
                        "skipped": skipped,
                    },
                )

    # SAQ every 14 days (most of the time), scores following the toxin's effect.
    for day in range(0, days + 1, 14):
        if rng.random() > 0.96:
            continue
        answers = [
            min(5, max(1, round(4 - 2.5 * effect(day) + rng.uniform(-0.7, 0.7)))) for _ in range(9)
        ]
        bulk.add(
            "questionnaire_responses",
            {
                "id": bulk.new_id("questionnaire_responses"),
                "patient_id": pid,
                "instrument": "saq",
                "answered_on": first + timedelta(days=day),
                "answers": answers,
                "score": sum(answers) * 100 / 45,
                "entered_by_id": pid,
                "created_at": stamp(at(day, 19)),
            },
        )

    # Injection visits with their sites, reinjection decisions and SAQ requests.
    side = rng.choice(("left", "right"))
    for number, day in enumerate(visit_days):
        visit_id = bulk.new_id("injection_visits")
        roll = rng.random()
        product = (
            "onabotulinumtoxinA"
            if roll < 0.85
            else ("incobotulinumtoxinA" if roll < 0.95 else "abobotulinumtoxinA")
        )
        scale = 2.5 if product == "abobotulinumtoxinA" else 1.0
        bulk.add(
            "injection_visits",
            {
                "id": visit_id,
                "patient_id": pid,
                "injected_on": first + timedelta(days=day),
                "product": product,
                "note": "Patient happy with last cycle." if rng.random() < 0.2 else None,
                "created_by_id": clinician.id,
                "created_at": stamp(at(day, 11)),
                "updated_at": None,
            },
        )
        for muscle, low, high in rng.sample(BOTOX_SITES, rng.randint(3, 6)):
            bulk.add(
                "injection_sites",
                {
                    "id": bulk.new_id("injection_sites"),
                    "visit_id": visit_id,
                    "muscle": muscle,
                    "side": side if rng.random() < 0.85 else ("left", "right")[side == "left"],
                    "units": round(rng.uniform(low, high) * scale * 2) / 2,
                },
            )
        if number > 0:
            decision = rng.choices(("reinject_now", "adjust_doses", "wait_until"), (14, 5, 1))[0]
            bulk.add(
                "reinjection_decisions",
                {
                    "id": bulk.new_id("reinjection_decisions"),
                    "patient_id": pid,
                    "decided_on": first + timedelta(days=day),
                    "decision": decision,
                    "wait_until": first + timedelta(days=day + 14)
                    if decision == "wait_until"
                    else None,
                    "note": "Less in orbicularis oculi." if decision == "adjust_doses" else None,
                    "clinician_id": clinician.id,
                    "created_at": stamp(at(day, 11.5)),
                },
            )
        if rng.random() < 0.25 and day + 14 <= days:
            bulk.add(
                "questionnaire_requests",
                {
                    "id": bulk.new_id("questionnaire_requests"),
                    "patient_id": pid,
                    "instrument": "saq",
                    "requested_on": first + timedelta(days=day + 14),
                    "requested_by_id": clinician.id,
                    "created_at": stamp(at(day, 11.6)),
                },
            )

    # Care-team notes about every 4 months.
    for day in range(rng.randint(10, 120), days + 1, 120):
        author = clinician if clinician is not None and rng.random() < 0.4 else therapist
        bulk.add(
            "patient_notes",
            {
                "id": bulk.new_id("patient_notes"),
                "patient_id": pid,
                "author_id": author.id,
                "body": rng.choice(NOTES),
                "created_at": stamp(at(day, 15)),
            },
        )

    # Snapshots: consenting patients take the five expressions on two or three days.
    if consent:
        quality, measures, version = snapshot
        photo_days = sorted(rng.sample(range(days + 1), min(days + 1, rng.choice((2, 2, 3, 3, 3)))))
        for day in photo_days:
            taken = at(day, 18)
            if taken > now:
                continue
            for number, expression in enumerate(EXPRESSION_SET):
                snapshot_id = bulk.new_id("snapshots")
                bulk.add(
                    "snapshots",
                    {
                        "id": snapshot_id,
                        "patient_id": pid,
                        "session_id": None,
                        "expression": expression,
                        "taken_at": stamp(taken + timedelta(seconds=20 * number)),
                        "storage_key": f"gen{snapshot_id:09d}",
                        "thumbnail_key": f"gen{snapshot_id:09d}-t",
                        "width": 1280,
                        "height": 720,
                        "uploaded_mirrored": False,
                        "quality": quality,
                        "measures": measures,
                        "analysis_version": version,
                    },
                )


# --- command line ----------------------------------------------------------------------------


def default_sqlite_url(size: Size) -> str:
    path = ROOT / "benchmarks" / "out" / f"clinic-{size.key()}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def print_manifest(manifest: Manifest) -> None:
    print(f"\n{'table':<28} {'rows':>10} {'seconds':>8} {'rows/s':>9}")
    for name, seconds in manifest.seconds.items():
        if name == "total":
            continue
        rows = manifest.rows.get(name)
        rate = f"{rows / seconds:9.0f}" if rows and seconds else ""
        print(f"{name:<28} {rows if rows is not None else '':>10} {seconds:8.2f} {rate}")
    print(f"{'total (generation included)':<28} {'':>10} {manifest.seconds['total']:8.1f}")
    history = manifest.long_history
    print(
        f"5-year patient {manifest.long_patient['email']}: {history['sessions']} sessions, "
        f"{history['saqs']} SAQs, {history['visits']} cycles"
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: SQLite under benchmarks/out/")
    parser.add_argument("--small", action="store_true", help="the small clinic (quick try)")
    parser.add_argument("--staff", type=int)
    parser.add_argument("--patients", type=int)
    parser.add_argument("--years", type=float)
    parser.add_argument("--caseload", type=int)
    parser.add_argument("--long-years", type=float)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--replace", action="store_true", help="empty the database first")
    parser.add_argument("--manifest", help="write the manifest (JSON) here")
    args = parser.parse_args(argv)

    base = SMALL if args.small else DEFAULT
    size = Size(
        **{
            name: getattr(args, name) if getattr(args, name) is not None else value
            for name, value in asdict(base).items()
        }
    )
    if size.caseload > size.patients or size.patients < 3 or size.staff < 3:
        parser.error("need at least 3 staff, 3 patients, and caseload <= patients")
    url = args.database_url or default_sqlite_url(size)
    print(f"Generating clinic {size.key()} into {make_url(url).render_as_string()}")
    manifest = generate(
        url, size, instance=ROOT / "benchmarks" / "out" / "instance-generator", replace=args.replace
    )
    print_manifest(manifest)
    if args.manifest:
        Path(args.manifest).write_text(json.dumps(asdict(manifest), indent=2))


if __name__ == "__main__":
    main()
