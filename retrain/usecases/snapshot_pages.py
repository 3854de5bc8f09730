"""What the photo pages and the API's photo list show. Each function checks access once,
loads, and hands the rows to a presenter (presenters/snapshot_*.py).

Only the care team's pages show numbers; dates are the patient's own calendar days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from .. import access
from ..access import MANAGE_PHOTOS, SET_EXPRESSIONS, VIEW
from ..errors import NotFound
from ..extensions import db
from ..models import InjectionVisit, Patient, Snapshot
from ..models.snapshots import PROMPTS, REST
from ..presenters import snapshot_gallery, snapshot_measures, snapshot_trends
from . import snapshots
from .local_time import local_now, zone_for
from .paging import newest_first


def _zone(patient: Patient):
    return zone_for(patient.user)


def _photos(patient_id: int) -> list[Snapshot]:
    """The patient's photos, oldest first."""
    return list(
        db.session.scalars(
            select(Snapshot)
            .where(Snapshot.patient_id == patient_id)
            .order_by(Snapshot.taken_at, Snapshot.id)
        )
    )


@dataclass(frozen=True)
class PhotoStatus:
    consent_on: date | None  # the day the patient agreed, in their calendar; None: off
    photo_count: int

    @property
    def consent(self) -> bool:
        return self.consent_on is not None


def photo_status(user, patient_id: int) -> PhotoStatus:
    """Whether photos are on, and how many are stored (the consent and delete pages)."""
    patient = access.require(user, MANAGE_PHOTOS, patient_id)
    agreed = patient.photo_consent_at
    count = db.session.scalar(
        select(func.count(Snapshot.id)).where(Snapshot.patient_id == patient_id)
    )
    return PhotoStatus(agreed.astimezone(_zone(patient)).date() if agreed else None, count)


def capture_plan(user, patient_id: int, session_id=None, first: str | None = None):
    """The expressions to photograph; ConsentRequired while photos are off, NotFound
    for a practice session that is not the patient's."""
    patient = snapshots.require_consent(user, patient_id)
    session_id = snapshots.own_session_id(patient_id, session_id)
    return snapshot_gallery.capture_plan(patient, session_id, first)


def gallery_page(user, patient_id: int) -> snapshot_gallery.Gallery:
    patient = access.require(user, VIEW, patient_id)
    return snapshot_gallery.gallery(patient, _photos(patient_id), _zone(patient))


@dataclass(frozen=True)
class StaffPage:
    gallery: snapshot_gallery.Gallery
    trends: list[snapshot_trends.Trend]
    can_set: bool  # the viewer may choose the expression set


def staff_page(user, patient_id: int) -> StaffPage:
    """The care team's page: the photos, each change measure over time, the set."""
    patient = access.require(user, VIEW, patient_id)
    zone, rows = _zone(patient), _photos(patient_id)
    injections = db.session.scalars(
        select(InjectionVisit.injected_on)
        .where(InjectionVisit.patient_id == patient_id)
        .order_by(InjectionVisit.injected_on)
    )
    today = local_now(zone).date()
    return StaffPage(
        gallery=snapshot_gallery.gallery(patient, rows, zone),
        trends=snapshot_trends.trends(rows, zone, list(injections), today),
        can_set=access.may(user, SET_EXPRESSIONS, patient_id),
    )


def photo_detail(user, snapshot_id: int) -> snapshot_measures.Detail:
    """One photo with its change from that day's rest photo."""
    row = db.session.get(Snapshot, snapshot_id)
    if row is None:
        raise NotFound()
    patient = access.require(user, VIEW, row.patient_id)
    rests = db.session.scalars(
        select(Snapshot).where(
            Snapshot.patient_id == row.patient_id,
            Snapshot.expression == REST,
            Snapshot.taken_at >= row.taken_at - timedelta(days=1),
            Snapshot.taken_at <= row.taken_at + timedelta(days=1),
        )
    )
    return snapshot_measures.detail(row, patient.user.name, rests, _zone(patient))


def comparison_page(
    user, patient_id: int, expression: str | None, a_id=None, b_id=None
) -> snapshot_measures.Comparison:
    """Two photos of one expression side by side; both must be this patient's.

    Without ids: the oldest and the newest photo of the expression. An id that is
    not one of this patient's photos of this expression raises NotFound.
    """
    patient = access.require(user, VIEW, patient_id)
    if expression is not None and expression not in PROMPTS:
        raise NotFound()
    rows = _photos(patient_id)
    if expression is None:
        expression = next(iter(snapshot_measures.expressions_with_photos(rows)), REST)
    of_expression = [r for r in rows if r.expression == expression]
    first = of_expression[0] if of_expression else None
    last = of_expression[-1] if len(of_expression) > 1 else None
    chosen = (_chosen(of_expression, a_id, first), _chosen(of_expression, b_id, last))
    return snapshot_measures.comparison(
        patient_id, patient.user.name, rows, expression, chosen, _zone(patient)
    )


def _chosen(rows: list[Snapshot], raw_id, default: Snapshot | None) -> Snapshot | None:
    wanted = snapshots.given_id(raw_id)
    if wanted is None:
        return default
    for row in rows:
        if row.id == wanted:
            return row
    raise NotFound()


def photo_list(user, patient_id: int, offset: int, count: int) -> list[Snapshot]:
    """The patient's photos, newest first, ``count`` of them from ``offset`` (the API)."""
    access.require(user, VIEW, patient_id)
    return newest_first(Snapshot, patient_id, Snapshot.taken_at, offset, count)
