"""The rules of one injection visit, checked without the database: its date, product,
sites, lot and dilution; its kind (top-up or new cycle) against the patient's other
visits; the confirmations an unusual dose or a short interval needs.

usecases.injections (recording and editing) and usecases.history_import (a clinic's
past visits) both check a visit here, so a rule holds whichever way a visit comes in.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from .. import formatting
from ..errors import Invalid
from ..models import INJECTION_SIDES, MUSCLES, PRODUCT_LABELS, PRODUCTS
from ..presenters import injection_visit as present
from ..progress import cycles
from ..progress.rules import ClinicRules

MAX_SITES = 30
MAX_NOTE = 2000
MAX_UNITS_PER_SITE = 1000  # a typing slip guard (e.g. "55" for "5.5"), far above any dose
MAX_LOT = 40
MAX_DILUTION = 100  # units per 0.1 mL: a typing slip guard (usual: 2.5 to 20)
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
    kind: str | None = None  # None: the top-up rule decides
    lot: str | None = None
    dilution: float | None = None


def _number(raw) -> float | None | str:
    """A finite number (a decimal comma accepted), None for blank, or NUMBER (the error)."""
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
    return value if math.isfinite(value) else NUMBER


def _parse_units(raw) -> float | None | str:
    """A number, None for blank, or the error text."""
    value = _number(raw)
    if value is None or isinstance(value, str):
        return value
    if value <= 0:
        return "Units must be more than 0."
    if value > MAX_UNITS_PER_SITE:
        return f"Units must be at most {MAX_UNITS_PER_SITE:,}. Please check the number."
    if round(value, 2) != value:
        return "Enter the units with at most 2 decimals."
    return value


def _check_extras(kind, lot, dilution) -> tuple[str | None, str | None, float | None, list]:
    """The visit's kind, lot and dilution, cleaned, with a problem for each that is wrong."""
    errors = []
    if kind in ("", None):
        kind = None
    elif kind not in cycles.VISIT_KINDS:
        errors.append(Invalid("Choose a top-up or a new cycle.", "kind"))
    lot = (lot or "").strip() or None
    if lot is not None and (len(lot) > MAX_LOT or not lot.isprintable()):
        errors.append(Invalid(f"Enter the lot number in at most {MAX_LOT} characters.", "lot"))
    value = _number(dilution)
    if isinstance(value, str) or (value is not None and not 0 < value <= MAX_DILUTION):
        message = f"Enter the units per 0.1 mL as a number above 0 and at most {MAX_DILUTION}."
        errors.append(Invalid(message, "dilution"))
    elif value is not None and round(value, 2) != value:
        errors.append(Invalid("Enter the dilution with at most 2 decimals.", "dilution"))
    return kind, lot, value if isinstance(value, float) else None, errors


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
    kind: str | None = None,
    lot: str | None = None,
    dilution=None,
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
    kind, lot, dilution, extra_errors = _check_extras(kind, lot, dilution)
    errors += extra_errors
    if errors:
        raise Invalid.all_of(errors)
    return CleanVisit(injected_on, product, note or None, tuple(clean_sites), kind, lot, dilution)


def settle_kind(clean: CleanVisit, others: list[cycles.InjectionVisit], clinic: ClinicRules) -> str:
    """The kind the visit is saved with: the clinician's, else the top-up rule's. A top-up
    must fall 1 to ``top_up_days`` after its cycle's first visit."""
    proposed = cycles.suggested_kind(others, clean.injected_on, clinic.top_up_days)
    if clean.kind == cycles.TOP_UP and proposed != cycles.TOP_UP:
        raise Invalid(
            f"A top-up is a visit 1 to {clinic.top_up_days} days after the first visit of "
            "its cycle. This visit is not: record it as a new cycle.",
            "kind",
        )
    return clean.kind or proposed


def require_interval_confirmation(
    clean: CleanVisit, kind: str, others, clinic: ClinicRules, confirmed: bool
) -> None:
    """A new cycle sooner than ``short_interval_days`` after the last full treatment."""
    start = cycles.cycle_start_before(others, clean.injected_on)
    if kind != cycles.NEW_CYCLE or start is None or confirmed:
        return
    days = (clean.injected_on - start).days
    if days < clinic.short_interval_days:
        weeks = clinic.short_interval_days // 7
        raise Invalid(
            f"This new cycle comes {days} days after the last full treatment "
            f"({formatting.day(start)}), sooner than the usual {weeks} weeks. Check the date, "
            "then tick the box to confirm.",
            field="confirm_short_interval",
        )


def require_dose_confirmation(clean: CleanVisit, confirmed: bool) -> None:
    found = present.high_dose_sentences(clean.product, clean.sites)
    if found and not confirmed:
        raise Invalid(
            "These doses are unusually high for "
            f"{PRODUCT_LABELS[clean.product]}: {'; '.join(found)}. Check them, then tick "
            "the box to confirm they are right.",
            field="confirm_high_dose",
        )
