"""Loading one patient's dated record and the care team's notes, in a fixed number of queries.

Loaders for the progress use cases, which check access first: they take the Patient
that ``access.require`` returned (with its account loaded). Whatever the amount of
data, the record costs two queries (everything dated in one UNION ALL, then the
programme versions) and the notes and decisions one more (tests/web/
test_progress_pages.py counts the queries of the review page).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    Integer,
    String,
    cast,
    literal_column,
    null,
    select,
    union_all,
)

from ..extensions import db
from ..models import (
    Exercise,
    InjectionSite,
    InjectionVisit,
    Patient,
    PatientNote,
    PracticeItem,
    PracticeSession,
    Programme,
    QuestionnaireRequest,
    QuestionnaireResponse,
    ReinjectionDecision,
    User,
)
from ..models.base import UTCDateTime
from ..presenters.care_team import DecisionRow, NoteRow
from ..progress import live
from ..progress.record import Grading, PatientRecord, SaqOrigin, Visit
from .clinic_settings import SUNNYBROOK
from .local_time import local_now, zone_for
from .programme_reads import versions_for
from .questionnaires import SAQ


def load_record(patient: Patient, today: date | None = None) -> PatientRecord:
    """The patient's whole dated record; ``today`` defaults to today in their zone."""
    user = patient.user
    zone = zone_for(user)
    dated = _dated(patient.id, zone)
    versions = versions_for(Programme.patient_id == patient.id, {patient.id: zone}, zone)
    return PatientRecord(
        patient_id=patient.id,
        name=user.name,
        zone=zone,
        today=today or local_now(zone).date(),
        joined_on=user.created_at.astimezone(zone).date(),
        saq_interval_days=patient.saq_interval_days,
        versions=tuple(versions.get(patient.id, [])),
        **dated,
    )


# The columns of the record's UNION ALL (besides kind and id), each with its type: a kind
# that lacks one selects a typed NULL. _sorted_out unpacks them in this order.
_UNION = {
    "at": UTCDateTime,
    "on": Date,
    "value": Float,
    "product": String,
    "muscle": String,
    "side": String,
    "site_id": Integer,
    "label": String,  # a visit's kind; a response's source
    "by": String,  # who entered a response (staff name)
    "flag": Boolean,  # a response holds the total score only
    "answers": JSON,  # a grading's answers; an exercise's live rule
    "reps": Integer,  # live feedback: repetitions measured
    "clean": Integer,  # live feedback: clean repetitions
}


def _columns(kind: str, row_id, **given) -> list:
    """One SELECT's columns for the UNION ALL of _dated: what a kind lacks is NULL."""
    columns = [literal_column(f"'{kind}'").label("kind"), row_id.label("id")]
    for name, type_ in _UNION.items():
        value = given.get(name)
        if value is None:
            value = cast(null(), type_)
        elif name == "value":
            value = cast(value, Float)
        columns.append(value.label(name))
    return columns


def _responses(patient_id: int, instrument: str, kind: str, **extra):
    responses = QuestionnaireResponse
    return (
        select(
            *_columns(
                kind,
                responses.id,
                on=responses.answered_on,
                value=responses.score,
                label=responses.source,
                by=User.name,
                flag=responses.score_only,
                **extra,
            )
        )
        .outerjoin(User, User.id == responses.entered_by_id)
        .where(responses.patient_id == patient_id, responses.instrument == instrument)
    )


def _dated(patient_id: int, zone) -> dict:
    """Everything dated in the record, in ONE query (UNION ALL of six kinds): SAQ answers
    (with who entered them), Sunnybrook gradings, SAQ requests, practice sessions,
    injection sites (each with its visit's date, product and kind; a visit without sites
    still gives one row) and live feedback's numbers per exercise (issue 15). Sessions
    and live numbers carry an exact UTC time (``at``), the others a plain
    date (``on``)."""
    requests = QuestionnaireRequest
    answered = _responses(patient_id, SAQ, "saq")
    graded = _responses(patient_id, SUNNYBROOK, "grading", answers=QuestionnaireResponse.answers)
    requested = select(*_columns("request", requests.id, on=requests.requested_on)).where(
        requests.patient_id == patient_id, requests.instrument == SAQ
    )
    practised = select(
        *_columns(
            "session",
            PracticeSession.id,
            at=PracticeSession.performed_at,
            value=PracticeSession.synkinesis_rating,
        )
    ).where(PracticeSession.patient_id == patient_id)
    injected = (
        select(
            *_columns(
                "site",
                InjectionVisit.id,
                on=InjectionVisit.injected_on,
                value=InjectionSite.units,
                product=InjectionVisit.product,
                muscle=InjectionSite.muscle,
                side=InjectionSite.side,
                site_id=InjectionSite.id,
                label=InjectionVisit.kind,
            )
        )
        .outerjoin(InjectionSite, InjectionSite.visit_id == InjectionVisit.id)
        .where(InjectionVisit.patient_id == patient_id)
    )
    measured = _measured(patient_id)
    rows = db.session.execute(union_all(answered, graded, requested, practised, injected, measured))
    return _sorted_out(rows, zone)


def _measured(patient_id: int):
    """Live feedback's numbers, one row per measured exercise of a session."""
    return (
        select(
            *_columns(
                "live",
                PracticeItem.id,
                at=PracticeSession.performed_at,
                value=PracticeItem.live_median_hold_back,
                site_id=PracticeItem.exercise_id,
                label=Exercise.name,
                answers=Exercise.live_rule,
                reps=PracticeItem.live_reps_scored,
                clean=PracticeItem.live_clean_reps,
            )
        )
        .join(PracticeSession, PracticeSession.id == PracticeItem.session_id)
        .join(Exercise, Exercise.id == PracticeItem.exercise_id)
        .where(PracticeSession.patient_id == patient_id, PracticeItem.live_reps_scored.is_not(None))
    )


def recent_live(patient_id: int, zone, since: datetime) -> dict:
    """Live feedback's numbers of the sessions since ``since`` (one query), as the record
    holds them: ``live`` in time order and the ``live_exercises`` they name."""
    rows = db.session.execute(_measured(patient_id).where(PracticeSession.performed_at >= since))
    return _live_out(rows, zone)


def _sorted_out(rows, zone) -> dict:
    """The UNION's rows as the record's fields, each in date (or time, then id) order."""
    saqs: list[tuple[date, int, float]] = []
    origins: dict[date, SaqOrigin] = {}
    gradings: list[tuple[date, int, Grading]] = []
    requests: list[date] = []
    sessions: list[tuple[datetime, int, float | None]] = []
    visits: dict[int, tuple[date, str, str]] = {}
    sites: dict[int, list[tuple[int, str, str, float]]] = defaultdict(list)
    measured = []
    # Unpacked by position: a five-year record has thousands of rows (sessions mostly).
    for row in rows:
        kind, row_id, at, on, value, product, muscle, side, site_id, label, by, flag = row[:12]
        if kind == "session":
            sessions.append((at, row_id, value))
        elif kind == "live":
            measured.append(row)
        elif kind == "saq":
            saqs.append((on, row_id, value))
            if label != "app":
                origins[on] = SaqOrigin(label, by, bool(flag))
        elif kind == "grading":
            gradings.append((on, row_id, Grading(on, tuple(row.answers or ()), value)))
        elif kind == "request":
            requests.append(on)
        else:
            visits[row_id] = (on, product, label)
            if site_id is not None:
                sites[row_id].append((site_id, muscle, side, value))
    sessions.sort(key=lambda s: (s[0], s[1]))
    days = [at.astimezone(zone).date() for at, _, _ in sessions]
    return {
        **_live_out(measured, zone),
        "saqs": tuple((on, value) for on, _, value in sorted(saqs)),
        "saq_origins": origins,
        "gradings": tuple(grading for _, _, grading in sorted(gradings, key=lambda g: g[:2])),
        "requests": tuple(sorted(requests)),
        "session_days": tuple(days),
        "ratings": tuple(
            (day, value)
            for day, (_, _, value) in zip(days, sessions, strict=True)
            if value is not None
        ),
        "visits": tuple(
            Visit(
                visit_id,
                on,
                product,
                tuple((m, s, u) for _, m, s, u in sorted(sites[visit_id])),
                kind,
            )
            for visit_id, (on, product, kind) in sorted(visits.items(), key=lambda kv: kv[1][0])
        ),
    }


def _live_out(rows, zone) -> dict:
    """The live-feedback rows (one per measured exercise of a session), in time order,
    and the exercises they name."""
    measured: list[tuple[datetime, int, live.LiveRecord]] = []
    exercises: dict[int, live.LiveExercise] = {}
    for row in rows:
        day = row.at.astimezone(zone).date()
        record = live.LiveRecord(day, row.site_id, row.reps, row.clean, row.value)
        measured.append((row.at, row.id, record))
        exercises.setdefault(row.site_id, live.LiveExercise(row.site_id, row.label, row.answers))
    return {
        "live": tuple(item for _, _, item in sorted(measured, key=lambda m: m[:2])),
        "live_exercises": exercises,
    }


def load_team_notes(patient_id: int) -> tuple[list[NoteRow], list[DecisionRow]]:
    """The care team's notes and reinjection decisions, in one query (UNION ALL)."""
    notes = (
        select(
            literal_column("'note'").label("kind"),
            PatientNote.id.label("id"),
            PatientNote.created_at.label("at"),
            cast(null(), Date).label("decided_on"),
            cast(null(), String).label("decision"),
            cast(null(), Date).label("wait_until"),
            PatientNote.body.label("text"),
            User.name.label("author"),
        )
        .outerjoin(User, User.id == PatientNote.author_id)
        .where(PatientNote.patient_id == patient_id)
    )
    decisions = (
        select(
            literal_column("'decision'"),
            ReinjectionDecision.id,
            ReinjectionDecision.created_at,
            ReinjectionDecision.decided_on,
            ReinjectionDecision.decision,
            ReinjectionDecision.wait_until,
            ReinjectionDecision.note,
            User.name,
        )
        .outerjoin(User, User.id == ReinjectionDecision.clinician_id)
        .where(ReinjectionDecision.patient_id == patient_id)
    )
    note_rows, decision_rows = [], []
    for row in db.session.execute(union_all(notes, decisions)):
        if row.kind == "note":
            note_rows.append(NoteRow(row.id, row.at, row.author, row.text))
        else:
            decision_rows.append(
                DecisionRow(
                    row.id, row.decided_on, row.decision, row.wait_until, row.text, row.author
                )
            )
    return note_rows, decision_rows
