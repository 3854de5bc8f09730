"""The injection visit form's page: the date it starts with, which the visit will be by
the top-up rule, the latest visit to copy, the muscles by face region, the values an
edit starts from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .. import formatting
from ..models import PRODUCT_LABELS
from ..progress import cycles, doses


@dataclass(frozen=True)
class VisitFormPage:
    patient_id: int
    patient_name: str
    visit_id: int | None  # None: a new visit
    values: dict | None  # what an edit form starts from (form_values); None: a new visit
    high_dose_hint: str
    today: date | None = None  # the patient's today: a new visit's date
    kind_hint: str = ""  # which the visit will be by the top-up rule, and why
    proposed_kind: str = cycles.NEW_CYCLE  # for the date the form starts with
    cycle_starts: tuple[date, ...] = ()  # the other visits' cycle starts (the form's script)
    top_up_days: int = 28
    last_visit: str | None = None  # "12 March 2026: onabotulinumtoxinA, 4 sites" (copy it)


def visit_form_page(
    patient_id: int,
    patient_name: str,
    visit=None,
    *,
    others: Sequence[cycles.InjectionVisit] = (),
    today: date | None = None,
    top_up_days: int = 28,
    last=None,
) -> VisitFormPage:
    """The page of the form for a new visit, or for editing a loaded ``visit``. ``others``:
    the patient's other visits; ``last``: the latest visit (loaded, to copy its sites)."""
    on = today if visit is None else visit.injected_on
    proposed = cycles.suggested_kind(others, on, top_up_days) if on else cycles.NEW_CYCLE
    return VisitFormPage(
        patient_id=patient_id,
        patient_name=patient_name,
        visit_id=None if visit is None else visit.id,
        values=None if visit is None else form_values(visit),
        high_dose_hint=high_dose_hint(),
        today=today,
        kind_hint=kind_hint(others, on, top_up_days) if on else "",
        proposed_kind=proposed,
        cycle_starts=tuple(group[0].on for group in cycles.group_cycles(others)),
        top_up_days=top_up_days,
        last_visit=None if last is None else _visit_summary(last),
    )


def kind_hint(others: Sequence[cycles.InjectionVisit], on: date, top_up_days: int) -> str:
    """Which a visit on ``on`` will be by the top-up rule, in words."""
    start = cycles.cycle_start_before(others, on)
    rule = (
        f"A visit 1 to {top_up_days} days after the first visit of a cycle is a top-up of "
        "that cycle: its doses join the cycle's, and the cycle's days still count from its "
        "first visit."
    )
    if start is None:
        return f"{rule} This is the first visit, so it starts a new cycle."
    days = (on - start).days
    will = "a top-up" if 1 <= days <= top_up_days else "a new cycle"
    return (
        f"{rule} On this date it is {days} days after the cycle that began on "
        f"{formatting.day(start)}, so it will be {will} unless you choose otherwise."
    )


def _visit_summary(visit) -> str:
    count = len(visit.sites)
    product = PRODUCT_LABELS.get(visit.product, visit.product)
    return (
        f"{formatting.day(visit.injected_on)}: {product}, {count} "
        f"{'site' if count == 1 else 'sites'}"
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


def site_values(visit) -> list[dict]:
    """A loaded visit's sites as the form's rows (to copy the last visit's)."""
    return [
        {"muscle": s.muscle, "side": s.side, "units": formatting.units(s.units)}
        for s in visit.sites
    ]


def form_values(visit) -> dict:
    """A loaded InjectionVisit as the values the edit form starts from."""
    return {
        "injected_on": visit.injected_on,
        "product": visit.product,
        "kind": visit.kind,
        "lot": visit.lot or "",
        "dilution": "" if visit.dilution is None else formatting.units(visit.dilution),
        "note": visit.note or "",
        "sites": site_values(visit),
    }
