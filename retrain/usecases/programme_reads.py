"""Loading programme versions and templates, and the versions as adherence counts them.

No access checks here: these are the loads of the use cases (programmes, templates,
practice, Today, caseload, the patient page), which check before they call them.
"""

from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import joinedload

from ..errors import NotFound
from ..extensions import db
from ..models import Programme, ProgrammeItem
from ..progress import adherence


def _with_items(statement):
    """Versions with their items, exercises and authors, joined into one query (a version
    has a handful of items): callers take ``.unique()`` results."""
    return statement.options(
        joinedload(Programme.items).joinedload(ProgrammeItem.exercise),
        joinedload(Programme.created_by),
    )


def current_programme(patient_id: int) -> Programme | None:
    """The patient's programme in force (latest version not ended), items, exercises and
    author loaded.

    One query: the items and their exercises are joined in (a programme has a handful),
    where selectin loads would cost more on Today, the player and every save.
    """
    return (
        db.session.scalars(
            _with_items(
                select(Programme)
                .where(Programme.patient_id == patient_id, Programme.ended_on.is_(None))
                .order_by(Programme.version.desc())
                .limit(1)
            )
        )
        .unique()
        .first()
    )


def programme_history(patient_id: int) -> list[Programme]:
    """All the patient's versions, newest first; items, exercises and authors loaded."""
    return list(
        db.session.scalars(
            _with_items(
                select(Programme)
                .where(Programme.patient_id == patient_id)
                .order_by(Programme.version.desc())
            )
        ).unique()
    )


def list_templates() -> list[Programme]:
    """Every template, by title; items, exercises and authors loaded."""
    return list(
        db.session.scalars(
            _with_items(
                select(Programme)
                .where(Programme.patient_id.is_(None))
                .order_by(func.lower(Programme.title), Programme.id)
            )
        ).unique()
    )


def get_template(template_id: int) -> Programme:
    """One template with its items; NotFound for anything else (a patient's version too)."""
    template = (
        db.session.scalars(
            _with_items(
                select(Programme).where(Programme.id == template_id, Programme.patient_id.is_(None))
            )
        )
        .unique()
        .first()
    )
    if template is None:
        raise NotFound()
    return template


def items_as_rows(programme: Programme | None) -> list[dict]:
    """A programme's items as the plain dicts a save takes (to copy it or pre-fill a form)."""
    if programme is None:
        return []
    return [
        {
            "exercise_id": item.exercise_id,
            "reps": item.reps,
            "sets": item.sets,
            "hold_seconds": item.hold_seconds,
            "rest_seconds": item.rest_seconds,
            "times_per_day": item.times_per_day,
            "days_per_week": item.days_per_week,
            "note": item.note or "",
            "live_limit": item.live_limit,
        }
        for item in programme.items
    ]


# Versions as retrain/progress/adherence.py counts them ------------------------------------


def versions_for(
    patient_filter: ColumnElement[bool], zones: Mapping[int, ZoneInfo], default: ZoneInfo
) -> dict[int, list[adherence.Version]]:
    """Every programme version of the patients matched by ``patient_filter``, in one query.

    ``patient_filter`` is a condition on Programme.patient_id. A version without a start
    date starts on the local day it was created. times_per_day and days_per_week are the
    maxima over its items (as Programme.times_per_day), 0 for a version without items.
    """
    rows = db.session.execute(
        select(
            Programme.patient_id,
            Programme.starts_on,
            Programme.ended_on,
            Programme.created_at,
            func.max(ProgrammeItem.times_per_day),
            func.max(ProgrammeItem.days_per_week),
        )
        .outerjoin(ProgrammeItem, ProgrammeItem.programme_id == Programme.id)
        .where(patient_filter)
        .group_by(Programme.id)
        .order_by(Programme.patient_id, Programme.version, Programme.id)
    )
    versions: dict[int, list[adherence.Version]] = {}
    for patient_id, starts_on, ended_on, created_at, times, days in rows:
        zone = zones.get(patient_id, default)
        versions.setdefault(patient_id, []).append(
            _version(starts_on, ended_on, created_at, times, days, zone)
        )
    return versions


def versions_of(programmes: Iterable[Programme], zone: ZoneInfo) -> list[adherence.Version]:
    """The same as versions_for, from one patient's versions already loaded with items."""
    return [
        _version(p.starts_on, p.ended_on, p.created_at, p.times_per_day, p.days_per_week, zone)
        for p in sorted(programmes, key=lambda p: (p.version, p.id))
    ]


def _version(starts_on, ended_on, created_at, times, days, zone) -> adherence.Version:
    start = starts_on or created_at.astimezone(zone).date()
    return adherence.Version(start, ended_on, times or 0, days or 0)
