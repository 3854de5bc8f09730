"""Botulinum toxin injection visits: recording one (clinicians) and reading them.

The rules are usecases.injections': a date not in the future, one product, 1 to 30
sites (muscle, side, units > 0, at most 2 decimals), one visit per patient per day
(a second one answers 409), and unusually high doses saved only with
``confirm_high_dose: true`` (otherwise 422 naming ``confirm_high_dose`` and saying
which dose is high). Units of different products are never added together.

``kind`` says whether the visit is a top-up of its cycle or starts a new cycle; left
out, the top-up rule decides (1 to TOP_UP_DAYS days after the cycle's first visit: a
top-up). A new cycle sooner than 12 weeks after the last full treatment needs
``confirm_short_interval: true`` (otherwise 422 naming it).
"""

from datetime import date, datetime
from typing import Literal

from flask_login import current_user
from pydantic import ConfigDict, Field, FiniteFloat

from ..models import (
    CLINICIAN,
    INJECTION_SIDES,
    MUSCLES,
    PRODUCTS,
    VISIT_KINDS,
)
from ..usecases import injections
from .core import Out, Strict, patient_endpoint, record_id
from .pagination import Page, PageQuery, page_of
from .schemas import Text, example, yesterday


class SiteIn(Strict):
    muscle: Literal[MUSCLES]
    side: Literal[INJECTION_SIDES]
    units: FiniteFloat = Field(description="Units of this visit's product, more than 0")


class InjectionIn(Strict):
    model_config = ConfigDict(
        json_schema_extra=example(
            lambda: {
                "injected_on": yesterday(),
                "product": "onabotulinumtoxinA",
                "sites": [
                    {"muscle": "orbicularis oculi", "side": "left", "units": 2.5},
                    {"muscle": "platysma", "side": "left", "units": 5},
                ],
                "note": "First visit: small doses.",
                "lot": "C5012AB",
                "dilution": 4,
            }
        )
    )

    injected_on: date = Field(description="Not in the future (the patient's timezone)")
    product: Literal[PRODUCTS]
    kind: Literal[VISIT_KINDS] | None = Field(
        None, description="top_up or new_cycle; null: the top-up rule decides"
    )
    sites: list[SiteIn] = Field(max_length=100)
    lot: Text | None = Field(None, description="The product's lot number, up to 40 characters")
    dilution: FiniteFloat | None = Field(None, description="Units per 0.1 mL, above 0, max 100")
    note: Text | None = None
    confirm_high_dose: bool = Field(False, description="Confirms doses above the usual range")
    confirm_short_interval: bool = Field(
        False, description="Confirms a new cycle sooner than 12 weeks after the last one"
    )


class SiteOut(Out):
    muscle: str
    side: str
    units: float


class InjectionOut(Out):
    id: int
    injected_on: date
    product: str
    product_label: str
    kind: str = Field(description="top_up or new_cycle")
    lot: str | None
    dilution: float | None = Field(description="Units per 0.1 mL")
    note: str | None
    sites: list[SiteOut]
    total_units: float = Field(description="This visit only (one product)")
    created_at: datetime
    updated_at: datetime | None


@patient_endpoint(
    "POST /injections", roles=(CLINICIAN,), body=InjectionIn, out=InjectionOut, status=201
)
def injection_create(patient_id: int, body: InjectionIn):
    """Record an injection visit (a clinician on the care team)"""
    visit = injections.create_visit(
        current_user,
        patient_id,
        injected_on=body.injected_on,
        product=body.product,
        sites=[site.model_dump() for site in body.sites],
        note=body.note,
        confirm_high_dose=body.confirm_high_dose,
        kind=body.kind,
        lot=body.lot,
        dilution=body.dilution,
        confirm_short_interval=body.confirm_short_interval,
    )
    return InjectionOut.model_validate(visit)


@patient_endpoint("GET /injections", query=PageQuery, out=Page[InjectionOut])
def injection_list(patient_id: int, query: PageQuery):
    """The patient's injection visits with their sites, newest first"""
    visits = injections.list_visits(current_user, patient_id)
    rows, cursor = page_of(visits, query)
    return Page[InjectionOut](
        items=[InjectionOut.model_validate(v) for v in rows], next_cursor=cursor
    )


@patient_endpoint("GET /injections/<int:visit_id>", out=InjectionOut)
def injection_detail(patient_id: int, visit_id: int):
    """One injection visit"""
    visit = injections.get_visit(current_user, patient_id, record_id(visit_id))
    return InjectionOut.model_validate(visit)
