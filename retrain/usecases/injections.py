"""Botulinum toxin injection visits: recording, editing with history, and reading them.

Rules (tested in tests/web/test_injections.py):

- Clinicians on the patient's care team record and edit visits (access.RECORD_INJECTION);
  the care team reads them (access.VIEW).
- A visit has a date (not in the future for the patient, not before EARLIEST_VISIT),
  one product (models.injections.PRODUCTS), 1 to MAX_SITES sites (muscle from MUSCLES,
  side left or right, units > 0) and an optional note. Blank site rows are ignored.
- One visit per patient per day: a cycle runs from one visit to the next, so two visits
  on one day would make a cycle of 0 days. The unique constraint settles two saves at
  once; both paths give the same message.
- Unusually high doses (HIGH_DOSE_THRESHOLDS) are saved only with an explicit
  confirmation. They are a prompt to double-check, not a limit.
- An edit first stores the visit as it was (InjectionVisitRevision.before) with who
  changed it and when, so the visit page can show every change.
- Units of different products are never added together: a visit has one product, and
  every total here is per visit (so per product).
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import access, formatting
from ..errors import Invalid, NotFound
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
from ..progress import charts

MAX_SITES = 30
MAX_NOTE = 2000
MAX_UNITS_PER_SITE = 1000  # a typing slip guard (e.g. "55" for "5.5"), far above any dose
EARLIEST_VISIT = date(1989, 1, 1)  # onabotulinumtoxinA was first licensed (FDA) in 1989

SIDE_LABELS = {"left": "Left", "right": "Right"}


# Unusually high doses: above these, saving needs an explicit confirmation.
#
# Where the numbers come from:
# - Typical starting doses for facial synkinesis are small: orbicularis oculi 5-10 U of
#   onabotulinumtoxinA in total, 0.5-5 U per injection point (see
#   /work/shared/notes/clinical.md, "Botulinum toxin for synkinesis"). One site row here
#   is everything injected into one muscle on one side, so more than 10 U at one site
#   is above the usual range for any facial muscle; platysma may legitimately need more,
#   which is why this asks for a confirmation instead of refusing.
# - A whole synkinesis visit is usually a few tens of units; more than 100 U in one
#   visit is unusual for the face.
# - incobotulinumtoxinA is dosed 1:1 with onabotulinumtoxinA (Scaglione F. Conversion
#   ratio between Botox, Dysport and Xeomin in clinical practice. Toxins 2016;8(3):65).
# - abobotulinumtoxinA units are not the same: about 2.5 to 3 units per unit of
#   onabotulinumtoxinA (Scaglione 2016; systematic review of ONA:ABO ratios 1:2.5-1:3
#   for movement disorders). We scale by 2.5, the lower end, so the prompt comes early.
# - "other" products: units unknown, so the onabotulinumtoxinA thresholds apply.
ONA_SITE_THRESHOLD = 10.0
ONA_VISIT_THRESHOLD = 100.0
ABO_FACTOR = 2.5
HIGH_DOSE_THRESHOLDS: dict[str, tuple[float, float]] = {
    "onabotulinumtoxinA": (ONA_SITE_THRESHOLD, ONA_VISIT_THRESHOLD),
    "incobotulinumtoxinA": (ONA_SITE_THRESHOLD, ONA_VISIT_THRESHOLD),
    "abobotulinumtoxinA": (ONA_SITE_THRESHOLD * ABO_FACTOR, ONA_VISIT_THRESHOLD * ABO_FACTOR),
    "other": (ONA_SITE_THRESHOLD, ONA_VISIT_THRESHOLD),
}

ONE_VISIT_PER_DAY = (
    "There is already an injection visit on {day} for this patient. Record all the "
    "sites of one day in one visit: open that visit and edit it."
)


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
            return "Enter the units as a number, for example 2.5."
    if not math.isfinite(value):
        return "Enter the units as a number, for example 2.5."
    if value <= 0:
        return "Units must be more than 0."
    if value > MAX_UNITS_PER_SITE:
        return f"Units must be at most {MAX_UNITS_PER_SITE:,}. Please check the number."
    if round(value, 2) != value:
        return "Enter the units with at most 2 decimals."
    return value


def check_visit(
    *,
    injected_on: date | None,
    product: str | None,
    sites: Iterable[Mapping],
    note: str | None,
    today: date,
) -> CleanVisit:
    """The visit's values, cleaned; Invalid listing every problem otherwise."""
    errors: list[Invalid] = []
    if injected_on is None:
        errors.append(Invalid("Enter the date of the injections.", "injected_on"))
    elif injected_on > today:
        errors.append(
            Invalid(
                "The date cannot be in the future. Record a visit on or after the day it happened.",
                "injected_on",
            )
        )
    elif injected_on < EARLIEST_VISIT:
        errors.append(Invalid("Please check the year of this date.", "injected_on"))
    if product not in PRODUCTS:
        errors.append(Invalid("Choose the product that was injected.", "product"))

    clean_sites: list[tuple[str, str, float]] = []
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
            clean_sites.append((muscle, side, units))
    if len(clean_sites) > MAX_SITES:
        errors.append(Invalid(f"A visit holds at most {MAX_SITES} sites.", "sites"))
    if not clean_sites and not any(e.field and e.field.startswith("sites-") for e in errors):
        errors.append(Invalid("Add at least one injection site.", "sites"))

    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        errors.append(Invalid(f"Keep the note under {MAX_NOTE:,} characters.", "note"))
    if errors:
        raise Invalid.all_of(errors)
    return CleanVisit(
        injected_on=injected_on, product=product, note=note or None, sites=tuple(clean_sites)
    )


def high_doses(product: str, sites: Iterable[tuple[str, str, float]]) -> list[str]:
    """Plain sentences for every dose above the thresholds (empty when none is)."""
    site_limit, visit_limit = HIGH_DOSE_THRESHOLDS.get(product, HIGH_DOSE_THRESHOLDS["other"])
    totals: dict[tuple[str, str], float] = {}
    for muscle, side, units in sites:
        totals[(muscle, side)] = totals.get((muscle, side), 0) + units
    found = [
        f"{muscle} ({side}) {formatting.units(units)} U is more than "
        f"{formatting.units(site_limit)} U at one site"
        for (muscle, side), units in totals.items()
        if units > site_limit
    ]
    total = sum(totals.values())
    if total > visit_limit:
        found.append(
            f"the visit total of {formatting.units(total)} U is more than "
            f"{formatting.units(visit_limit)} U"
        )
    return found


def _require_dose_confirmation(clean: CleanVisit, confirmed: bool) -> None:
    found = high_doses(clean.product, clean.sites)
    if found and not confirmed:
        raise Invalid(
            "These doses are unusually high for "
            f"{PRODUCT_LABELS[clean.product]}: {'; '.join(found)}. Check them, then tick "
            "the box to confirm they are right.",
            field="confirm_high_dose",
        )


# --- writing ----------------------------------------------------------------------------


def _require(user, patient_id: int) -> None:
    """Defence in depth for callers other than the HTML routes (which ask access first)."""
    if not access.may(user, access.RECORD_INJECTION, patient_id):
        raise NotFound()


def _day_taken(patient_id: int, day: date, except_visit: int | None = None) -> bool:
    query = select(InjectionVisit.id).where(
        InjectionVisit.patient_id == patient_id, InjectionVisit.injected_on == day
    )
    if except_visit is not None:
        query = query.where(InjectionVisit.id != except_visit)
    return db.session.scalar(query) is not None


def _duplicate_day(day: date) -> Invalid:
    return Invalid(ONE_VISIT_PER_DAY.format(day=formatting.day(day)), field="injected_on")


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
    today: date,
) -> InjectionVisit:
    _require(user, patient_id)
    clean = check_visit(
        injected_on=injected_on, product=product, sites=sites, note=note, today=today
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


def snapshot(visit: InjectionVisit) -> dict:
    """The visit's clinical content as plain JSON values (what a revision keeps)."""
    return {
        "injected_on": visit.injected_on.isoformat(),
        "product": visit.product,
        "note": visit.note,
        "sites": [
            {"muscle": site.muscle, "side": site.side, "units": site.units} for site in visit.sites
        ],
    }


def _clean_snapshot(clean: CleanVisit) -> dict:
    return {
        "injected_on": clean.injected_on.isoformat(),
        "product": clean.product,
        "note": clean.note,
        "sites": [{"muscle": m, "side": s, "units": u} for m, s, u in clean.sites],
    }


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
    today: date,
) -> tuple[InjectionVisit, bool]:
    """Save an edit; returns (visit, changed). Nothing changed: nothing is written."""
    _require(user, patient_id)
    visit = _visit(patient_id, visit_id)
    clean = check_visit(
        injected_on=injected_on, product=product, sites=sites, note=note, today=today
    )
    before = snapshot(visit)
    if _clean_snapshot(clean) == before:
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


def _visit(patient_id: int, visit_id: int) -> InjectionVisit:
    visit = db.session.scalar(
        select(InjectionVisit)
        .where(InjectionVisit.id == visit_id, InjectionVisit.patient_id == patient_id)
        .options(selectinload(InjectionVisit.sites))
    )
    if visit is None:
        raise NotFound()
    return visit


def get_visit(patient_id: int, visit_id: int) -> InjectionVisit:
    """One visit of this patient, sites loaded; 404 for another patient's visit."""
    return _visit(patient_id, visit_id)


def visits_for(patient_id: int) -> list[InjectionVisit]:
    """The patient's visits, newest first, sites loaded (two queries)."""
    return list(
        db.session.scalars(
            select(InjectionVisit)
            .where(InjectionVisit.patient_id == patient_id)
            .order_by(InjectionVisit.injected_on.desc())
            .options(selectinload(InjectionVisit.sites))
        )
    )


def form_values(visit: InjectionVisit) -> dict:
    """A visit as the values the edit form starts from."""
    return {
        "injected_on": visit.injected_on,
        "product": visit.product,
        "note": visit.note or "",
        "sites": [
            {"muscle": site.muscle, "side": site.side, "units": formatting.units(site.units)}
            for site in visit.sites
        ],
    }


@dataclass(frozen=True)
class SiteRow:
    muscle: str
    side: str
    units: float

    @property
    def units_text(self) -> str:
        return formatting.units(self.units)


@dataclass(frozen=True)
class Change:
    changed_at: datetime
    changed_by: str
    changes: list[str]  # plain sentences: what was different before this edit


@dataclass(frozen=True)
class VisitPage:
    id: int
    patient_id: int
    injected_on: date
    product: str
    product_label: str
    note: str | None
    sites: list[SiteRow]  # form order
    by_muscle: list[tuple[str, str, str]]  # (muscle, left units text, right units text)
    total_units: float
    created_by: str | None
    created_at: datetime
    updated_at: datetime | None
    history: list[Change]  # newest first
    high_doses: list[str]

    @property
    def total_text(self) -> str:
        return formatting.units(self.total_units)


def _site_totals(sites: Iterable[Mapping]) -> dict[tuple[str, str], float]:
    totals: dict[tuple[str, str], float] = {}
    for site in sites:
        key = (site["muscle"], site["side"])
        totals[key] = totals.get(key, 0) + site["units"]
    return totals


def describe_changes(before: dict, after: dict) -> list[str]:
    """What differs between two snapshots, as plain sentences about the 'before' state."""
    changes = []
    if before["injected_on"] != after["injected_on"]:
        changes.append(
            f"Date was {formatting.day(date.fromisoformat(before['injected_on']))}, "
            f"now {formatting.day(date.fromisoformat(after['injected_on']))}."
        )
    if before["product"] != after["product"]:
        changes.append(
            f"Product was {PRODUCT_LABELS.get(before['product'], before['product'])}, "
            f"now {PRODUCT_LABELS.get(after['product'], after['product'])}."
        )
    if (before.get("note") or "") != (after.get("note") or ""):
        changes.append(f"Note was: {before.get('note') or '(none)'}")
    old, new = _site_totals(before["sites"]), _site_totals(after["sites"])
    for key in sorted(set(old) | set(new), key=lambda k: (MUSCLES.index(k[0]), k[1])):
        muscle, side = key
        if key not in new:
            changes.append(f"{muscle} ({side}) {formatting.units(old[key])} U was removed.")
        elif key not in old:
            changes.append(f"{muscle} ({side}) {formatting.units(new[key])} U was added.")
        elif old[key] != new[key]:
            changes.append(
                f"{muscle} ({side}) was {formatting.units(old[key])} U, "
                f"now {formatting.units(new[key])} U."
            )
    if not changes and before["sites"] != after["sites"]:
        changes.append("The site rows were reordered or split; the units are the same.")
    return changes


def visit_page(patient_id: int, visit_id: int) -> VisitPage:
    """Everything the visit page shows, loaded in four queries (the template runs none)."""
    visit = db.session.scalar(
        select(InjectionVisit)
        .where(InjectionVisit.id == visit_id, InjectionVisit.patient_id == patient_id)
        .options(
            selectinload(InjectionVisit.sites),
            selectinload(InjectionVisit.revisions).joinedload(InjectionVisitRevision.changed_by),
        )
    )
    if visit is None:
        raise NotFound()
    creator = (
        db.session.scalar(select(User.name).where(User.id == visit.created_by_id))
        if visit.created_by_id
        else None
    )
    current = snapshot(visit)
    history = []
    revisions = sorted(visit.revisions, key=lambda r: (r.changed_at, r.id))
    for index, revision in enumerate(revisions):
        after = revisions[index + 1].before if index + 1 < len(revisions) else current
        history.append(
            Change(
                changed_at=revision.changed_at,
                changed_by=revision.changed_by.name
                if revision.changed_by
                else "A former colleague",
                changes=describe_changes(revision.before, after),
            )
        )
    history.reverse()
    totals = _site_totals(current["sites"])
    by_muscle = [
        (
            muscle,
            formatting.units(totals[(muscle, "left")]) if (muscle, "left") in totals else "",
            formatting.units(totals[(muscle, "right")]) if (muscle, "right") in totals else "",
        )
        for muscle in MUSCLES
        if (muscle, "left") in totals or (muscle, "right") in totals
    ]
    sites = [SiteRow(s.muscle, s.side, s.units) for s in visit.sites]
    return VisitPage(
        id=visit.id,
        patient_id=patient_id,
        injected_on=visit.injected_on,
        product=visit.product,
        product_label=PRODUCT_LABELS.get(visit.product, visit.product),
        note=visit.note,
        sites=sites,
        by_muscle=by_muscle,
        total_units=sum(s.units for s in sites),
        created_by=creator,
        created_at=visit.created_at,
        updated_at=visit.updated_at,
        history=history,
        high_doses=high_doses(visit.product, [(s.muscle, s.side, s.units) for s in sites]),
    )


def face_map_svg(page: VisitPage) -> charts.Svg:
    """The visit's injection map drawn on a simple face (SVG, escaped by progress.charts)."""
    listed = "; ".join(
        f"{muscle}: "
        + ", ".join(
            part
            for part in (f"left {left} U" if left else "", f"right {right} U" if right else "")
            if part
        )
        for muscle, left, right in page.by_muscle
    )
    svg = charts.face_map(
        chart_id=f"face-map-{page.id}",
        title=f"Injection map, {formatting.day(page.injected_on)} ({page.product_label})",
        desc=(
            "A face seen from the front: the patient's right is on the left of the picture. "
            f"Units per muscle and side: {listed or 'none'}."
        ),
        sites=[(s.muscle, s.side, s.units) for s in page.sites],
    )
    return svg
