"""Botulinum toxin injection visits: recording, editing with history, and opening them.

Rules (tested in tests/web/test_injections.py):

- Clinicians on the patient's care team record and edit visits (access.RECORD_INJECTION);
  the care team reads them (access.VIEW), and the patient through the API.
- A visit has a date (not in the future for the patient, not before EARLIEST_VISIT),
  one product (models.injections.PRODUCTS), 1 to MAX_SITES sites (muscle from MUSCLES,
  side left or right, units > 0) and an optional note. Blank site rows are ignored.
- One visit per patient per day: a cycle runs from one visit to the next, so two visits
  on one day would make a cycle of 0 days (Conflict). The unique constraint settles two
  saves at once; both paths give the same message.
- Unusually high doses (retrain.progress.doses) are saved only with an explicit
  confirmation. They are a prompt to double-check, not a limit.
- An edit first stores the visit as it was (InjectionVisitRevision.before) with who
  changed it and when, so the visit page can show every change.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import access, formatting
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..models import (
    INJECTION_SIDES,
    MUSCLES,
    PRODUCT_LABELS,
    PRODUCTS,
    InjectionSite,
    InjectionVisit,
    InjectionVisitRevision,
    User,
)
from ..models.base import utcnow
from ..presenters import injection_visit as present
from .local_time import patient_today

MAX_SITES = 30
MAX_NOTE = 2000
MAX_UNITS_PER_SITE = 1000  # a typing slip guard (e.g. "55" for "5.5"), far above any dose
EARLIEST_VISIT = date(1989, 1, 1)  # onabotulinumtoxinA was first licensed (FDA) in 1989

ONE_VISIT_PER_DAY = (
    "There is already an injection visit on {day} for this patient. Record all the "
    "sites of one day in one visit: open that visit and edit it."
)
NUMBER = "Enter the units as a number, for example 2.5."


def site_field(index: int, key: str) -> str:
    """The field name of one site row's value, as WTForms names it: ``sites-0-units``."""
    return f"sites-{index}-{key}"


# --- checking ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CleanVisit:
    injected_on: date
    product: str
    note: str | None
    sites: tuple[tuple[str, str, float], ...]  # (muscle, side, units) in form order


def _parse_units(raw) -> float | None | str:
    """A number, None for blank, or the error text."""
    if raw is None:
        return None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        value = float(raw)
    else:
        text = str(raw).strip().replace(",", ".")
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            return NUMBER
    if not math.isfinite(value):
        return NUMBER
    if value <= 0:
        return "Units must be more than 0."
    if value > MAX_UNITS_PER_SITE:
        return f"Units must be at most {MAX_UNITS_PER_SITE:,}. Please check the number."
    if round(value, 2) != value:
        return "Enter the units with at most 2 decimals."
    return value


def _check_date(injected_on: date | None, today: date) -> list[Invalid]:
    if injected_on is None:
        return [Invalid("Enter the date of the injections.", "injected_on")]
    if injected_on > today:
        message = (
            "The date cannot be in the future. Record a visit on or after the day it happened."
        )
        return [Invalid(message, "injected_on")]
    if injected_on < EARLIEST_VISIT:
        return [Invalid("Please check the year of this date.", "injected_on")]
    return []


def _check_sites(sites: Iterable[Mapping]) -> tuple[list[tuple[str, str, float]], list[Invalid]]:
    """The complete site rows, and a problem for each part of a row that is wrong."""
    clean: list[tuple[str, str, float]] = []
    errors: list[Invalid] = []
    for index, raw in enumerate(sites):
        muscle = (raw.get("muscle") or "").strip()
        side = (raw.get("side") or "").strip()
        units = _parse_units(raw.get("units"))
        if not muscle and not side and units is None:
            continue  # a blank row
        if muscle not in MUSCLES:
            message = "Choose the muscle." if not muscle else "Choose a muscle from the list."
            errors.append(Invalid(message, site_field(index, "muscle")))
        if side not in INJECTION_SIDES:
            errors.append(Invalid("Choose the side: left or right.", site_field(index, "side")))
        if units is None:
            errors.append(Invalid("Enter the units injected.", site_field(index, "units")))
        elif isinstance(units, str):
            errors.append(Invalid(units, site_field(index, "units")))
        if muscle in MUSCLES and side in INJECTION_SIDES and isinstance(units, float):
            clean.append((muscle, side, units))
    if len(clean) > MAX_SITES:
        errors.append(Invalid(f"A visit holds at most {MAX_SITES} sites.", "sites"))
    if not clean and not errors:
        errors.append(Invalid("Add at least one injection site.", "sites"))
    return clean, errors


def check_visit(
    *,
    injected_on: date | None,
    product: str | None,
    sites: Iterable[Mapping],
    note: str | None,
    today: date,
) -> CleanVisit:
    """The visit's values, cleaned; Invalid listing every problem otherwise."""
    errors = _check_date(injected_on, today)
    if product not in PRODUCTS:
        errors.append(Invalid("Choose the product that was injected.", "product"))
    clean_sites, site_errors = _check_sites(sites)
    errors += site_errors
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        errors.append(Invalid(f"Keep the note under {MAX_NOTE:,} characters.", "note"))
    if errors:
        raise Invalid.all_of(errors)
    return CleanVisit(injected_on, product, note or None, tuple(clean_sites))


def _require_dose_confirmation(clean: CleanVisit, confirmed: bool) -> None:
    found = present.high_dose_sentences(clean.product, clean.sites)
    if found and not confirmed:
        raise Invalid(
            "These doses are unusually high for "
            f"{PRODUCT_LABELS[clean.product]}: {'; '.join(found)}. Check them, then tick "
            "the box to confirm they are right.",
            field="confirm_high_dose",
        )


# --- writing ----------------------------------------------------------------------------


def _day_taken(patient_id: int, day: date, except_visit: int | None = None) -> bool:
    query = select(InjectionVisit.id).where(
        InjectionVisit.patient_id == patient_id, InjectionVisit.injected_on == day
    )
    if except_visit is not None:
        query = query.where(InjectionVisit.id != except_visit)
    return db.session.scalar(query) is not None


def _duplicate_day(day: date) -> Conflict:
    return Conflict(ONE_VISIT_PER_DAY.format(day=formatting.day(day)), field="injected_on")


def _commit_or_duplicate(day: date) -> None:
    try:
        db.session.commit()
    except IntegrityError:
        # Another save for the same day landed between our check and our insert.
        db.session.rollback()
        raise _duplicate_day(day) from None


def create_visit(
    user,
    patient_id: int,
    *,
    injected_on: date | None,
    product: str | None,
    sites: Iterable[Mapping],
    note: str | None = None,
    confirm_high_dose: bool = False,
    today: date | None = None,
) -> InjectionVisit:
    """Record a visit; ``today`` (default: the patient's) bounds its date."""
    access.require(user, access.RECORD_INJECTION, patient_id)
    clean = check_visit(
        injected_on=injected_on,
        product=product,
        sites=sites,
        note=note,
        today=today or patient_today(patient_id),
    )
    if _day_taken(patient_id, clean.injected_on):
        raise _duplicate_day(clean.injected_on)
    _require_dose_confirmation(clean, confirm_high_dose)
    visit = InjectionVisit(
        patient_id=patient_id,
        injected_on=clean.injected_on,
        product=clean.product,
        note=clean.note,
        created_by_id=user.id,
        sites=[InjectionSite(muscle=m, side=s, units=u) for m, s, u in clean.sites],
    )
    db.session.add(visit)
    _commit_or_duplicate(clean.injected_on)
    return visit


def update_visit(
    user,
    patient_id: int,
    visit_id: int,
    *,
    injected_on: date | None,
    product: str | None,
    sites: Iterable[Mapping],
    note: str | None = None,
    confirm_high_dose: bool = False,
    today: date | None = None,
) -> tuple[InjectionVisit, bool]:
    """Save an edit; returns (visit, changed). Nothing changed: nothing is written."""
    access.require(user, access.RECORD_INJECTION, patient_id)
    visit = _visit(patient_id, visit_id)
    clean = check_visit(
        injected_on=injected_on,
        product=product,
        sites=sites,
        note=note,
        today=today or patient_today(patient_id),
    )
    before = present.content_of(visit)
    if present.visit_content(clean.injected_on, clean.product, clean.note, clean.sites) == before:
        return visit, False
    if clean.injected_on != visit.injected_on and _day_taken(
        patient_id, clean.injected_on, except_visit=visit.id
    ):
        raise _duplicate_day(clean.injected_on)
    _require_dose_confirmation(clean, confirm_high_dose)
    db.session.add(InjectionVisitRevision(visit_id=visit.id, changed_by_id=user.id, before=before))
    visit.injected_on = clean.injected_on
    visit.product = clean.product
    visit.note = clean.note
    visit.sites = [InjectionSite(muscle=m, side=s, units=u) for m, s, u in clean.sites]
    visit.updated_at = utcnow()
    _commit_or_duplicate(clean.injected_on)
    return visit, True


# --- reading ----------------------------------------------------------------------------


def _visit(patient_id: int, visit_id: int, *options) -> InjectionVisit:
    """One visit of this patient, sites loaded; NotFound for another patient's visit."""
    visit = db.session.scalar(
        select(InjectionVisit)
        .where(InjectionVisit.id == visit_id, InjectionVisit.patient_id == patient_id)
        .options(selectinload(InjectionVisit.sites), *options)
    )
    if visit is None:
        raise NotFound()
    return visit


def _visits(patient_id: int) -> list[InjectionVisit]:
    """The patient's visits, newest first, sites loaded (two queries)."""
    return list(
        db.session.scalars(
            select(InjectionVisit)
            .where(InjectionVisit.patient_id == patient_id)
            .order_by(InjectionVisit.injected_on.desc())
            .options(selectinload(InjectionVisit.sites))
        )
    )


def get_visit(user, patient_id: int, visit_id: int) -> InjectionVisit:
    """One visit with its sites, for the API."""
    access.require(user, access.VIEW, patient_id)
    return _visit(patient_id, visit_id)


def list_visits(user, patient_id: int) -> list[InjectionVisit]:
    """The patient's visits with their sites, newest first, for the API."""
    access.require(user, access.VIEW, patient_id)
    return _visits(patient_id)


def visits_page(user, patient_id: int) -> present.VisitList:
    patient = access.require(user, access.VIEW, patient_id)
    can_record = access.may(user, access.RECORD_INJECTION, patient_id)
    return present.visit_list(patient_id, patient.name, _visits(patient_id), can_record)


def visit_page(user, patient_id: int, visit_id: int) -> present.VisitPage:
    """One visit with its map and its history: four queries (the template runs none)."""
    patient = access.require(user, access.VIEW, patient_id)
    visit = _visit(
        patient_id,
        visit_id,
        selectinload(InjectionVisit.revisions).joinedload(InjectionVisitRevision.changed_by),
    )
    creator = (
        db.session.scalar(select(User.name).where(User.id == visit.created_by_id))
        if visit.created_by_id
        else None
    )
    can_edit = access.may(user, access.RECORD_INJECTION, patient_id)
    return present.visit_page(visit, patient.name, creator, can_edit)


def visit_form_page(user, patient_id: int, visit_id: int | None = None) -> present.VisitFormPage:
    """The form for a new visit, or for editing visit ``visit_id`` (NotFound: not this
    patient's)."""
    patient = access.require(user, access.RECORD_INJECTION, patient_id)
    visit = None if visit_id is None else _visit(patient_id, visit_id)
    return present.visit_form_page(patient_id, patient.name, visit)
