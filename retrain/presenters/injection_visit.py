"""Injection visits as the pages show them: the list, one visit with its map on a face and
its history of edits, and the form's page (with the values an edit starts from)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from .. import formatting
from ..models import MUSCLES, PRODUCT_LABELS
from ..progress import charts, doses
from ..progress.face_map import face_map as face_map_svg
from .care_team import FORMER_COLLEAGUE
from .progress_cycles import DoseRow, dose_rows

SIDE_LABELS = {"left": "Left", "right": "Right"}


@dataclass(frozen=True)
class VisitListRow:
    id: int
    injected_on: date
    product_label: str
    site_count: int
    units_text: str  # this visit's total (one product)


@dataclass(frozen=True)
class VisitList:
    patient_id: int
    patient_name: str
    visits: list[VisitListRow]  # in the order loaded (newest first)
    can_record: bool  # the viewer may record and edit visits


@dataclass(frozen=True)
class VisitFormPage:
    patient_id: int
    patient_name: str
    visit_id: int | None  # None: a new visit
    values: dict | None  # what an edit form starts from (form_values); None: a new visit
    high_dose_hint: str


@dataclass(frozen=True)
class SiteRow:
    muscle: str
    side: str
    units: float


@dataclass(frozen=True)
class Change:
    changed_at: datetime
    changed_by: str
    changes: list[str]  # plain sentences: what was different before this edit


@dataclass(frozen=True)
class VisitPage:
    id: int
    patient_id: int
    patient_name: str
    injected_on: date
    product_label: str
    note: str | None
    sites: list[SiteRow]  # form order
    by_muscle: list[DoseRow]  # units per muscle and side, top of the face down
    total_text: str
    created_by: str | None
    created_at: datetime
    history: list[Change]  # newest first
    high_doses: list[str]
    face: charts.Svg  # the injection map on a face
    can_edit: bool  # the viewer may edit the visit


def visit_content(injected_on: date, product: str, note: str | None, sites: Iterable) -> dict:
    """A visit's clinical content as plain JSON values: what an edit's revision keeps and
    what the history compares. ``sites``: (muscle, side, units)."""
    return {
        "injected_on": injected_on.isoformat(),
        "product": product,
        "note": note,
        "sites": [{"muscle": m, "side": s, "units": u} for m, s, u in sites],
    }


def content_of(visit) -> dict:
    """The content of a loaded InjectionVisit (as visit_content)."""
    sites = [(s.muscle, s.side, s.units) for s in visit.sites]
    return visit_content(visit.injected_on, visit.product, visit.note, sites)


def visit_list(patient_id: int, patient_name: str, visits: Iterable, can_record: bool) -> VisitList:
    """Loaded InjectionVisits (sites loaded), in the order given."""
    rows = [
        VisitListRow(
            id=v.id,
            injected_on=v.injected_on,
            product_label=PRODUCT_LABELS.get(v.product, v.product),
            site_count=len(v.sites),
            units_text=formatting.units(sum(s.units for s in v.sites)),
        )
        for v in visits
    ]
    return VisitList(patient_id, patient_name, rows, can_record)


def visit_form_page(patient_id: int, patient_name: str, visit=None) -> VisitFormPage:
    """The page of the form for a new visit, or for editing a loaded ``visit``."""
    return VisitFormPage(
        patient_id=patient_id,
        patient_name=patient_name,
        visit_id=None if visit is None else visit.id,
        values=None if visit is None else form_values(visit),
        high_dose_hint=high_dose_hint(),
    )


def high_dose_hint() -> str:
    """When the form asks to confirm a dose (the thresholds of progress.doses)."""
    units = formatting.units
    ona_site, ona_visit = doses.thresholds("onabotulinumtoxinA")
    abo_site, abo_visit = doses.thresholds("abobotulinumtoxinA")
    return (
        f"Needed when a dose is unusually high: more than {units(ona_site)} U at one site or "
        f"{units(ona_visit)} U in one visit (onabotulinumtoxinA, incobotulinumtoxinA, other); "
        f"{units(abo_site)} U and {units(abo_visit)} U for abobotulinumtoxinA."
    )


def visit_page(visit, patient_name: str, created_by: str | None, can_edit: bool) -> VisitPage:
    """One loaded InjectionVisit (sites and revisions with their authors loaded)."""
    sites = [SiteRow(s.muscle, s.side, s.units) for s in visit.sites]
    triples = [(s.muscle, s.side, s.units) for s in sites]
    product_label = PRODUCT_LABELS.get(visit.product, visit.product)
    current = content_of(visit)
    by_muscle = dose_rows(_site_totals(current["sites"]))
    return VisitPage(
        id=visit.id,
        patient_id=visit.patient_id,
        patient_name=patient_name,
        injected_on=visit.injected_on,
        product_label=product_label,
        note=visit.note,
        sites=sites,
        by_muscle=by_muscle,
        total_text=formatting.units(sum(s.units for s in sites)),
        created_by=created_by,
        created_at=visit.created_at,
        history=history(visit.revisions, current),
        high_doses=high_dose_sentences(visit.product, triples),
        face=face_map(visit.id, visit.injected_on, product_label, by_muscle, triples),
        can_edit=can_edit,
    )


def history(revisions: Iterable, current: dict) -> list[Change]:
    """Each edit, newest first: what the visit was before it, against what came next."""
    ordered = sorted(revisions, key=lambda r: (r.changed_at, r.id))
    after = [r.before for r in ordered[1:]] + [current] if ordered else []
    changes = [
        Change(
            changed_at=revision.changed_at,
            changed_by=revision.changed_by.name if revision.changed_by else FORMER_COLLEAGUE,
            changes=describe_changes(revision.before, later),
        )
        for revision, later in zip(ordered, after, strict=True)
    ]
    return changes[::-1]


def _site_totals(sites: Iterable[Mapping]) -> dict[tuple[str, str], float]:
    totals: dict[tuple[str, str], float] = {}
    for site in sites:
        key = (site["muscle"], site["side"])
        totals[key] = totals.get(key, 0) + site["units"]
    return totals


def describe_changes(before: dict, after: dict) -> list[str]:
    """What differs between two contents, as plain sentences about the 'before' state."""
    changes = []
    if before["injected_on"] != after["injected_on"]:
        was, now = (date.fromisoformat(c["injected_on"]) for c in (before, after))
        changes.append(f"Date was {formatting.day(was)}, now {formatting.day(now)}.")
    if before["product"] != after["product"]:
        was, now = (PRODUCT_LABELS.get(c["product"], c["product"]) for c in (before, after))
        changes.append(f"Product was {was}, now {now}.")
    if (before.get("note") or "") != (after.get("note") or ""):
        changes.append(f"Note was: {before.get('note') or '(none)'}")
    changes += _site_changes(_site_totals(before["sites"]), _site_totals(after["sites"]))
    if not changes and before["sites"] != after["sites"]:
        changes.append("The site rows were reordered or split; the units are the same.")
    return changes


def _site_changes(old: dict, new: dict) -> list[str]:
    def order(key):
        return (MUSCLES.index(key[0]) if key[0] in MUSCLES else len(MUSCLES), key[1])

    units = formatting.units
    changes = []
    for key in sorted(set(old) | set(new), key=order):
        where = f"{key[0]} ({key[1]})"
        if key not in new:
            changes.append(f"{where} {units(old[key])} U was removed.")
        elif key not in old:
            changes.append(f"{where} {units(new[key])} U was added.")
        elif old[key] != new[key]:
            changes.append(f"{where} was {units(old[key])} U, now {units(new[key])} U.")
    return changes


def high_dose_sentences(product: str, sites: Iterable[tuple[str, str, float]]) -> list[str]:
    """Plain sentences for every dose above the thresholds of progress.doses (none: [])."""
    units = formatting.units
    return [
        f"{d.muscle} ({d.side}) {units(d.units)} U is more than {units(d.threshold)} U at one site"
        if d.muscle
        else f"the visit total of {units(d.units)} U is more than {units(d.threshold)} U"
        for d in doses.high_doses(product, sites)
    ]


def face_map(
    visit_id: int,
    injected_on: date,
    product_label: str,
    by_muscle: Sequence[DoseRow],
    sites: Sequence[tuple[str, str, float]],
) -> charts.Svg:
    """The visit's injection map drawn on a simple face (escaped by progress.charts)."""
    listed = "; ".join(
        f"{row.muscle}: "
        + ", ".join(
            part
            for part in (
                f"left {row.left} U" if row.left else "",
                f"right {row.right} U" if row.right else "",
            )
            if part
        )
        for row in by_muscle
    )
    return face_map_svg(
        chart_id=f"face-map-{visit_id}",
        title=f"Injection map, {formatting.day(injected_on)} ({product_label})",
        desc=(
            "A face seen from the front: the patient's right is on the left of the picture. "
            f"Units per muscle and side: {listed or 'none'}."
        ),
        sites=list(sites),
    )


def form_values(visit) -> dict:
    """A loaded InjectionVisit as the values the edit form starts from."""
    return {
        "injected_on": visit.injected_on,
        "product": visit.product,
        "note": visit.note or "",
        "sites": [
            {"muscle": s.muscle, "side": s.side, "units": formatting.units(s.units)}
            for s in visit.sites
        ],
    }
