"""Made-up records for the reinjection review benchmark and the query-count test.

``add_history(patient_id, ...)`` writes years of plausible data for one patient:
programme versions every ~6 months, about one practice session a day (ratings that
dip after each injection and drift back), an SAQ every 14 days, an injection visit
about every 100 days, care-team notes and reinjection decisions. Five years give about
1,800 sessions, 130 SAQs and 18 cycles, the size issue 3 asks the review to handle
with a fixed number of queries.

Deterministic (a seeded random generator), so every run builds the same record.
Needs an app context; the caller commits nothing: this function commits once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from retrain.extensions import db
from retrain.models import (
    Exercise,
    InjectionSite,
    InjectionVisit,
    PatientNote,
    PracticeSession,
    Programme,
    ProgrammeItem,
    QuestionnaireRequest,
    QuestionnaireResponse,
    ReinjectionDecision,
)

CYCLE_DAYS = 101  # 5 years / 18 cycles
SAQ_EVERY = 14
SESSION_CHANCE = 0.986  # about 1,800 sessions in 1,826 days


@dataclass(frozen=True)
class HistorySize:
    sessions: int
    saqs: int
    visits: int
    programmes: int
    notes: int
    decisions: int


def toxin_effect(day_in_cycle: int) -> float:
    """0 (no toxin effect) to 1 (full), by day since injection: up by day 14, down by 110."""
    if day_in_cycle < 3:
        return 0.0
    if day_in_cycle <= 14:
        return (day_in_cycle - 3) / 11
    if day_in_cycle <= 60:
        return 1.0
    return max(0.0, 1 - (day_in_cycle - 60) / 50)


def add_history(
    patient_id: int,
    *,
    staff_id: int | None,
    today: date,
    years: float = 5,
    seed: int = 3,
) -> HistorySize:
    rng = random.Random(seed)
    days = int(years * 365.25)
    first = today - timedelta(days=days)
    exercise_id = db.session.scalar(select(Exercise.id).order_by(Exercise.id).limit(1))
    if exercise_id is None:
        exercise = Exercise(
            name="Benchmark smile",
            region="cheeks and smile",
            purpose="A small, even smile.",
            instructions="Slowly lift both mouth corners.",
            hold_back="Keep the eyes soft.",
            default_reps=10,
            default_hold_seconds=5,
            default_rest_seconds=5,
        )
        db.session.add(exercise)
        db.session.flush()
        exercise_id = exercise.id

    # Programme versions every ~180 days, once a day, 7 days a week.
    programmes = []
    starts = list(range(0, days, 180))
    for version, offset in enumerate(starts, start=1):
        ends = starts[version] - 1 if version < len(starts) else None
        programmes.append(
            Programme(
                patient_id=patient_id,
                version=version,
                starts_on=first + timedelta(days=offset),
                ended_on=None if ends is None else first + timedelta(days=ends),
                created_by_id=staff_id,
                items=[
                    ProgrammeItem(
                        position=0,
                        exercise_id=exercise_id,
                        reps=10,
                        sets=1,
                        hold_seconds=5,
                        rest_seconds=5,
                        times_per_day=1,
                        days_per_week=7,
                    )
                ],
            )
        )
    db.session.add_all(programmes)

    # Injection visits: the first 60 days in, then every CYCLE_DAYS (+- a few days).
    visit_days = []
    offset = 60
    while offset < days - 5:
        visit_days.append(offset)
        offset += CYCLE_DAYS + rng.randint(-4, 4)
    visits = []
    for number, offset in enumerate(visit_days):
        product = "incobotulinumtoxinA" if number % 6 == 5 else "onabotulinumtoxinA"
        visits.append(
            InjectionVisit(
                patient_id=patient_id,
                injected_on=first + timedelta(days=offset),
                product=product,
                created_by_id=staff_id,
                sites=[
                    InjectionSite(muscle="orbicularis oculi", side="left", units=5.0),
                    InjectionSite(muscle="orbicularis oculi", side="left", units=2.5),
                    InjectionSite(muscle="mentalis", side="left", units=2.0),
                    InjectionSite(muscle="platysma", side="left", units=rng.choice((5, 7.5))),
                    InjectionSite(muscle="depressor anguli oris", side="right", units=1.0),
                ],
            )
        )
    db.session.add_all(visits)

    def effect_on(day: int) -> float:
        last = max((v for v in visit_days if v <= day), default=None)
        return 0.0 if last is None else toxin_effect(day - last)

    sessions = []
    for day in range(days + 1):
        if rng.random() > SESSION_CHANCE:
            continue
        on = first + timedelta(days=day)
        rating = round(7 - 4 * effect_on(day) + rng.uniform(-1, 1))
        sessions.append(
            PracticeSession(
                patient_id=patient_id,
                performed_at=datetime(on.year, on.month, on.day, 12, tzinfo=UTC),
                effort=rng.randint(1, 5),
                synkinesis_rating=min(10, max(0, rating)),
                source="form",
            )
        )
    db.session.add_all(sessions)

    saqs = []
    for day in range(0, days + 1, SAQ_EVERY):
        answers = [
            min(5, max(1, round(4 - 2.5 * effect_on(day) + rng.uniform(-0.6, 0.6))))
            for _ in range(9)
        ]
        saqs.append(
            QuestionnaireResponse(
                patient_id=patient_id,
                instrument="saq",
                answered_on=first + timedelta(days=day),
                answers=answers,
                score=sum(answers) * 100 / 45,
                entered_by_id=patient_id,
            )
        )
    db.session.add_all(saqs)

    notes = [
        PatientNote(
            patient_id=patient_id,
            author_id=staff_id,
            body=f"Review {n}: practising well; eye closure on smiling a little better.",
        )
        for n in range(1, len(visits) + 3)
    ]
    decisions = [
        ReinjectionDecision(
            patient_id=patient_id,
            decided_on=visit.injected_on,
            decision="reinject_now" if n % 3 else "adjust_doses",
            note=None if n % 3 else "Less in orbicularis oculi, more in platysma.",
            clinician_id=staff_id,
        )
        for n, visit in enumerate(visits)
    ]
    requests = [
        QuestionnaireRequest(
            patient_id=patient_id,
            instrument="saq",
            requested_on=visit.injected_on + timedelta(days=14),
            requested_by_id=staff_id,
        )
        for visit in visits
    ]
    db.session.add_all(notes + decisions + requests)
    db.session.commit()
    return HistorySize(
        sessions=len(sessions),
        saqs=len(saqs),
        visits=len(visits),
        programmes=len(programmes),
        notes=len(notes),
        decisions=len(decisions),
    )
