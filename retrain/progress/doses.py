"""Unusually high toxin doses: above these, saving a visit needs an explicit confirmation.

They are a prompt to double-check a typing slip, not a limit. Where the numbers come from:

- Typical starting doses for facial synkinesis are small: orbicularis oculi 5-10 U of
  onabotulinumtoxinA in total, 0.5-5 U per injection point (docs/progress.md, Sources).
  One site row is everything injected into one muscle on one side, so more than 10 U at
  one site is above the usual range for any facial muscle; platysma may legitimately
  need more, which is why this asks for a confirmation instead of refusing.
- A whole synkinesis visit is usually a few tens of units; more than 100 U in one visit
  is unusual for the face.
- incobotulinumtoxinA is dosed 1:1 with onabotulinumtoxinA (Scaglione F. Conversion
  ratio between Botox, Dysport and Xeomin in clinical practice. Toxins 2016;8(3):65).
- abobotulinumtoxinA units are not the same: about 2.5 to 3 units per unit of
  onabotulinumtoxinA (Scaglione 2016; systematic review of ONA:ABO ratios 1:2.5-1:3 for
  movement disorders). We scale by 2.5, the lower end, so the prompt comes early.
- "other" products: units unknown, so the onabotulinumtoxinA thresholds apply.

Units of different products are never added together: a visit has one product. Pure
Python.
"""

from collections.abc import Iterable
from dataclasses import dataclass

ONA_SITE_THRESHOLD = 10.0
ONA_VISIT_THRESHOLD = 100.0
ABO_FACTOR = 2.5
HIGH_DOSE_THRESHOLDS: dict[str, tuple[float, float]] = {
    "onabotulinumtoxinA": (ONA_SITE_THRESHOLD, ONA_VISIT_THRESHOLD),
    "incobotulinumtoxinA": (ONA_SITE_THRESHOLD, ONA_VISIT_THRESHOLD),
    "abobotulinumtoxinA": (ONA_SITE_THRESHOLD * ABO_FACTOR, ONA_VISIT_THRESHOLD * ABO_FACTOR),
    "other": (ONA_SITE_THRESHOLD, ONA_VISIT_THRESHOLD),
}


@dataclass(frozen=True)
class HighDose:
    """A dose above its threshold: one muscle and side, or (muscle None) the visit total."""

    units: float
    threshold: float
    muscle: str | None = None
    side: str | None = None


def thresholds(product: str) -> tuple[float, float]:
    """(per site, per visit) units for ``product``."""
    return HIGH_DOSE_THRESHOLDS.get(product, HIGH_DOSE_THRESHOLDS["other"])


def high_doses(product: str, sites: Iterable[tuple[str, str, float]]) -> list[HighDose]:
    """Every muscle and side above the site threshold (several rows of one muscle and side
    add up), then the visit total if it is above the visit threshold."""
    site_limit, visit_limit = thresholds(product)
    totals: dict[tuple[str, str], float] = {}
    for muscle, side, units in sites:
        totals[(muscle, side)] = totals.get((muscle, side), 0) + units
    found = [
        HighDose(units, site_limit, muscle, side)
        for (muscle, side), units in totals.items()
        if units > site_limit
    ]
    total = sum(totals.values())
    if total > visit_limit:
        found.append(HighDose(total, visit_limit))
    return found
