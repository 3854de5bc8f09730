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
- A visit is a top-up of its cycle or starts a new cycle (``kind``). Not given (the API
  may leave it out), the rule decides: a top-up 1 to TOP_UP_DAYS after the first visit
  of the cycle it joins (progress.cycles.suggested_kind). A top-up outside that window
  is refused. A new cycle less than SHORT_INTERVAL_DAYS (12 weeks) after the last full
  treatment is saved only with ``confirm_short_interval``.
- Optional per visit: the lot number (up to 40 characters) and the dilution in units
  per 0.1 mL (more than 0, at most MAX_DILUTION, 2 decimals).
- An edit first stores the visit as it was (InjectionVisitRevision.before) with who
  changed it and when, so the visit page can show every change.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import access, formatting
from ..errors import Conflict, NotFound
from ..extensions import db
from ..models import (
    InjectionSite,
    InjectionVisit,
    InjectionVisitRevision,
    User,
)
from ..models.base import utcnow
from ..presenters import injection_form
from ..presenters import injection_visit as present
from ..progress import cycles
from .clinic_settings import rules
from .injection_checks import (
    ONE_VISIT_PER_DAY,
    CleanVisit,
    check_visit,
    require_dose_confirmation,
    require_interval_confirmation,
    settle_kind,
)
from .local_time import patient_today


def _earlier(patient_id: int, except_visit: int | None) -> list[cycles.InjectionVisit]:
    """The patient's other visits as the cycle rules read them (date and kind)."""
    query = select(InjectionVisit.injected_on, InjectionVisit.product, InjectionVisit.kind).where(
        InjectionVisit.patient_id == patient_id
    )
    if except_visit is not None:
        query = query.where(InjectionVisit.id != except_visit)
    return [
        cycles.InjectionVisit(on=on, product=product, kind=kind)
        for on, product, kind in db.session.execute(query)
    ]


def _checked_kind(
    clean: CleanVisit, patient_id: int, except_visit: int | None, interval_confirmed: bool
) -> str:
    """The kind to save (see settle_kind), with the short-interval confirmation asked."""
    clinic = rules()
    others = _earlier(patient_id, except_visit)
    kind = settle_kind(clean, others, clinic)
    require_interval_confirmation(clean, kind, others, clinic, interval_confirmed)
    return kind


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
    today: date | None = None,
    confirm_high_dose: bool = False,
    confirm_short_interval: bool = False,
    **entry,
) -> InjectionVisit:
    """Record a visit. ``entry``: the visit's fields as ``check_visit`` takes them
    (injected_on, product, sites, note, kind, lot, dilution); ``today`` (default: the
    patient's) bounds its date."""
    access.require(user, access.RECORD_INJECTION, patient_id)
    clean = _checked(patient_id, today, entry)
    if _day_taken(patient_id, clean.injected_on):
        raise _duplicate_day(clean.injected_on)
    kind = _checked_kind(clean, patient_id, None, confirm_short_interval)
    require_dose_confirmation(clean, confirm_high_dose)
    visit = InjectionVisit(patient_id=patient_id, created_by_id=user.id)
    _fill(visit, clean, kind)
    db.session.add(visit)
    _commit_or_duplicate(clean.injected_on)
    return visit


def update_visit(
    user,
    patient_id: int,
    visit_id: int,
    *,
    today: date | None = None,
    confirm_high_dose: bool = False,
    confirm_short_interval: bool = False,
    **entry,
) -> tuple[InjectionVisit, bool]:
    """Save an edit (``entry`` as for ``create_visit``; no kind keeps the visit's);
    returns (visit, changed). Nothing changed: nothing is written."""
    access.require(user, access.RECORD_INJECTION, patient_id)
    visit = _visit(patient_id, visit_id)
    clean = _checked(patient_id, today, {**entry, "kind": entry.get("kind") or visit.kind})
    before = present.content_of(visit)
    if present.clean_content(clean) == before:
        return visit, False
    if clean.injected_on != visit.injected_on and _day_taken(
        patient_id, clean.injected_on, except_visit=visit.id
    ):
        raise _duplicate_day(clean.injected_on)
    unchanged_kind = clean.kind == visit.kind and clean.injected_on == visit.injected_on
    kind = _checked_kind(clean, patient_id, visit.id, confirm_short_interval or unchanged_kind)
    require_dose_confirmation(clean, confirm_high_dose)
    db.session.add(InjectionVisitRevision(visit_id=visit.id, changed_by_id=user.id, before=before))
    _fill(visit, clean, kind)
    visit.updated_at = utcnow()
    _commit_or_duplicate(clean.injected_on)
    return visit, True


def _checked(patient_id: int, today: date | None, entry: dict) -> CleanVisit:
    return check_visit(**{"note": None, **entry}, today=today or patient_today(patient_id))


def _fill(visit: InjectionVisit, clean: CleanVisit, kind: str) -> None:
    visit.injected_on = clean.injected_on
    visit.product = clean.product
    visit.kind = kind
    visit.lot = clean.lot
    visit.dilution = clean.dilution
    visit.note = clean.note
    visit.sites = [InjectionSite(muscle=m, side=s, units=u) for m, s, u in clean.sites]


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


def visit_form_page(
    user, patient_id: int, visit_id: int | None = None
) -> injection_form.VisitFormPage:
    """The form for a new visit, or for editing visit ``visit_id`` (NotFound: not this
    patient's): with the patient's today, which the visit will be by the top-up rule,
    and the latest visit (to copy its sites)."""
    patient = access.require(user, access.RECORD_INJECTION, patient_id)
    visit = None if visit_id is None else _visit(patient_id, visit_id)
    others = _earlier(patient_id, visit_id)
    last = None
    if visit is None and others:
        last = _visit_on(patient_id, max(other.on for other in others))
    return injection_form.visit_form_page(
        patient_id,
        patient.name,
        visit,
        others=others,
        today=patient_today(patient_id),
        top_up_days=rules().top_up_days,
        last=last,
    )


def last_visit_sites(user, patient_id: int) -> tuple[str, list[dict]] | None:
    """The latest visit's product and sites as the form's rows (None: no visit yet), so
    the clinician can start from the last map and change the units."""
    access.require(user, access.RECORD_INJECTION, patient_id)
    latest = db.session.scalar(
        select(InjectionVisit.injected_on)
        .where(InjectionVisit.patient_id == patient_id)
        .order_by(InjectionVisit.injected_on.desc())
        .limit(1)
    )
    if latest is None:
        return None
    visit = _visit_on(patient_id, latest)
    return visit.product, injection_form.site_values(visit)


def _visit_on(patient_id: int, day: date) -> InjectionVisit:
    return db.session.scalar(
        select(InjectionVisit)
        .where(InjectionVisit.patient_id == patient_id, InjectionVisit.injected_on == day)
        .options(selectinload(InjectionVisit.sites))
    )
