"""Injection visits as the pages show them: the list, one visit with its map on a face and
its history of edits, and the form's page (with the values an edit starts from)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from .. import formatting
from ..models import MUSCLES, PRODUCT_LABELS
from ..progress import charts, cycles, doses
from ..progress.face_map import face_map as face_map_svg
from .care_team import FORMER_COLLEAGUE
from .progress_cycles import DoseRow, dose_rows

SIDE_LABELS = {"left": "Left", "right": "Right"}
KIND_LABELS = {cycles.NEW_CYCLE: "New cycle", cycles.TOP_UP: "Top-up"}


@dataclass(frozen=True)
class VisitListRow:
    id: int
    injected_on: date
    product_label: str
    site_count: int
    units_text: str  # this visit's total (one product)
    kind_label: str = KIND_LABELS[cycles.NEW_CYCLE]


@dataclass(frozen=True)
class VisitList:
    patient_id: int
    patient_name: str
    visits: list[VisitListRow]  # in the order loaded (newest first)
    can_record: bool  # the viewer may record and edit visits


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
    kind_label: str
    lot: str | None
    dilution_text: str | None  # "4 U per 0.1 mL"
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


def visit_content(
    injected_on: date,
    product: str,
    note: str | None,
    sites: Iterable,
    kind: str = cycles.NEW_CYCLE,
    lot: str | None = None,
    dilution: float | None = None,
) -> dict:
    """A visit's clinical content as plain JSON values: what an edit's revision keeps and
    what the history compares. ``sites``: (muscle, side, units)."""
    return {
        "injected_on": injected_on.isoformat(),
        "product": product,
        "kind": kind,
        "lot": lot,
        "dilution": dilution,
        "note": note,
        "sites": [{"muscle": m, "side": s, "units": u} for m, s, u in sites],
    }


def content_of(visit) -> dict:
    """The content of a loaded InjectionVisit (as visit_content)."""
    sites = [(s.muscle, s.side, s.units) for s in visit.sites]
    return visit_content(
        visit.injected_on, visit.product, visit.note, sites, visit.kind, visit.lot, visit.dilution
    )


def clean_content(clean) -> dict:
    """The content of checked values (usecases.injections.CleanVisit), kind settled."""
    return visit_content(
        clean.injected_on,
        clean.product,
        clean.note,
        clean.sites,
        clean.kind,
        clean.lot,
        clean.dilution,
    )


def visit_list(patient_id: int, patient_name: str, visits: Iterable, can_record: bool) -> VisitList:
    """Loaded InjectionVisits (sites loaded), in the order given."""
    rows = [
        VisitListRow(
            id=v.id,
            injected_on=v.injected_on,
            product_label=PRODUCT_LABELS.get(v.product, v.product),
            site_count=len(v.sites),
            units_text=formatting.units(sum(s.units for s in v.sites)),
            kind_label=KIND_LABELS.get(v.kind, v.kind),
        )
        for v in visits
    ]
    return VisitList(patient_id, patient_name, rows, can_record)


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
        kind_label=KIND_LABELS.get(visit.kind, visit.kind),
        lot=visit.lot,
        dilution_text=None
        if visit.dilution is None
        else f"{formatting.units(visit.dilution)} U per 0.1 mL",
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
    changes += _detail_changes(before, after)
    if (before.get("note") or "") != (after.get("note") or ""):
        changes.append(f"Note was: {before.get('note') or '(none)'}")
    changes += _site_changes(_site_totals(before["sites"]), _site_totals(after["sites"]))
    if not changes and before["sites"] != after["sites"]:
        changes.append("The site rows were reordered or split; the units are the same.")
    return changes


def _detail_changes(before: dict, after: dict) -> list[str]:
    """Kind, lot and dilution: compared only when both states hold them (revisions made
    before issue 13 do not)."""
    changes = []
    if "kind" in before and "kind" in after and before["kind"] != after["kind"]:
        was, now = (KIND_LABELS.get(c["kind"], c["kind"]).lower() for c in (before, after))
        changes.append(f"Was a {was}, now a {now}.")
    for key, name in (("lot", "Lot number"), ("dilution", "Dilution (units per 0.1 mL)")):
        if key in before and key in after and before[key] != after[key]:
            was, now = (c[key] if c[key] is not None else "none" for c in (before, after))
            changes.append(f"{name} was {was}, now {now}.")
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
