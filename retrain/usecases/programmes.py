"""Prescribing: a therapist writes a new programme version for a patient, in the builder
or from a template. The rules a version must meet are in programme_rules.py.

Versions are numbered 1, 2, 3... per patient; the unique constraint (patient_id, version)
settles two saves at once: the loser retries once on top of the winner's version, and
reports a clear message if it collides again.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import access
from ..errors import Invalid
from ..extensions import db
from ..infrastructure.locking import lock_patient
from ..models import Exercise, Patient, Programme, ProgrammeItem
from . import exercises, programme_reads, programme_rules
from .local_time import patient_today

CONCURRENT_SAVE = (
    "Someone else saved a programme for this patient at the same moment. "
    "Please look at the patient's page and try again."
)


@dataclass(frozen=True)
class ProgrammeBuilder:
    """What the programme builder shows (plain values where a refused save, which rolls
    the session back, would otherwise reload them)."""

    patient_id: int
    name: str
    today: date  # the patient's today: the default start
    current_version: int | None
    current_starts_on: date | None
    source: Programme | None  # the rows start from this: a template, else the current version
    template_id: int | None
    exercises: list[Exercise]  # the active ones, to choose from
    exercises_in_use: list[Exercise]  # retired ones still in the rows stay choosable
    templates: list[Programme]


def programme_in_force(user, patient_id: int) -> Programme | None:
    """The patient's version in force (None: none yet), items, exercises and author loaded."""
    access.require(user, access.VIEW, patient_id)
    return programme_reads.current_programme(patient_id)


def programme_versions(user, patient_id: int) -> list[Programme]:
    """Every version prescribed to the patient, newest first."""
    access.require(user, access.VIEW, patient_id)
    return programme_reads.programme_history(patient_id)


def view_programme_builder(
    user, patient_id: int, template_id: int | None = None
) -> ProgrammeBuilder:
    """The builder for a new version, its rows from the template or the version in force."""
    patient = access.require(user, access.PRESCRIBE, patient_id)
    current = programme_reads.current_programme(patient_id)
    source = programme_reads.get_template(template_id) if template_id else current
    return ProgrammeBuilder(
        patient_id=patient_id,
        name=patient.name,
        today=patient_today(patient_id),
        current_version=current.version if current else None,
        current_starts_on=current.starts_on if current else None,
        source=source,
        template_id=template_id,
        exercises=exercises.choices_for_programme(),
        exercises_in_use=[i.exercise for p in (source, current) if p for i in p.items],
        templates=programme_reads.list_templates(),
    )


def save_programme(
    user,
    patient_id: int,
    starts_on: date | None,
    items: Iterable[Mapping],
    note: str | None = None,
    *,
    today: date | None = None,
) -> Programme:
    """Prescribe a new version for the patient (the rules: programme_rules.py). Atomic.

    ``items`` are dicts: exercise_id, reps, sets, hold_seconds, rest_seconds,
    times_per_day, days_per_week, note. ``today`` defaults to the patient's today.
    Raises Invalid with every problem, nothing saved.
    """
    access.require(user, access.PRESCRIBE, patient_id)
    items = list(items)
    for attempt in range(2):
        try:
            day = today or patient_today(patient_id)
            programme = _write_version(patient_id, user, starts_on, items, note, day)
            db.session.commit()
            return programme
        except Invalid:
            db.session.rollback()
            raise
        except IntegrityError:
            # Another save took this version number first: retry once on top of it.
            db.session.rollback()
            if attempt:
                break
    raise Invalid(CONCURRENT_SAVE, field="starts_on") from None


def apply_template(
    user, template_id: int, patient_id: int, starts_on: date | None = None
) -> tuple[Patient, Programme]:
    """A new version for the patient with the template's items (copied, not linked),
    starting on ``starts_on`` (default: the patient's today). Returns the patient too,
    for the message that confirms it."""
    template = programme_reads.get_template(template_id)
    note = f"From the template “{template.title}”."
    if template.note:
        note = f"{note}\n{template.note}"
    programme = save_programme(
        user,
        patient_id,
        starts_on or patient_today(patient_id),
        programme_reads.items_as_rows(template),
        note[: programme_rules.MAX_NOTE],
    )
    return access.patient_with_account(patient_id), programme


def _next_version(patient_id: int) -> int:
    latest = db.session.scalar(
        select(func.max(Programme.version)).where(Programme.patient_id == patient_id)
    )
    return (latest or 0) + 1


def _write_version(patient_id, author, starts_on, raw_items, note, today) -> Programme:
    lock_patient(patient_id)  # two saves at once must not both end the same version
    checked = programme_rules.check_items(
        raw_items, exercises.by_id(programme_rules.exercise_ids(raw_items))
    )
    open_versions = list(
        db.session.scalars(
            select(Programme).where(
                Programme.patient_id == patient_id, Programme.ended_on.is_(None)
            )
        )
    )
    current_start = max((p.starts_on for p in open_versions if p.starts_on), default=None)
    note, note_problem = programme_rules.check_note(note)
    start_problem = programme_rules.check_starts_on(starts_on, today, current_start)
    errors = [e for e in (note_problem, start_problem) if e] + checked.errors
    if errors:
        raise Invalid.all_of(errors)

    for previous in open_versions:
        previous.ended_on = programme_rules.end_of_previous(starts_on)
    programme = Programme(
        patient_id=patient_id,
        version=_next_version(patient_id),
        starts_on=starts_on,
        note=note,
        created_by_id=author.id,
        items=[
            ProgrammeItem(position=position, **item)
            for position, item in enumerate(checked.items, start=1)
        ],
    )
    db.session.add(programme)
    db.session.flush()
    return programme
