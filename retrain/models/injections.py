"""Botulinum toxin injection visits, their sites, their edit history, and reinjection decisions."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..progress.cycles import NEW_CYCLE, VISIT_KINDS
from .base import ByAccount, NowByDefault, OfPatient, RowId, UTCDateTime

# Each product's words on a page; units of different products are never added together.
PRODUCT_LABELS = {
    "onabotulinumtoxinA": "onabotulinumtoxinA (Botox)",
    "incobotulinumtoxinA": "incobotulinumtoxinA (Xeomin)",
    "abobotulinumtoxinA": "abobotulinumtoxinA (Dysport)",
    "other": "Other product",
}
PRODUCTS = tuple(PRODUCT_LABELS)
# The muscles by face region, top of the face down (the visit form groups them so).
MUSCLE_REGIONS = (
    ("Upper face", ("frontalis", "corrugator", "procerus", "orbicularis oculi")),
    (
        "Mid face",
        (
            "nasalis",
            "levator labii superioris",
            "zygomaticus major",
            "zygomaticus minor",
            "risorius",
            "buccinator",
        ),
    ),
    (
        "Lower face",
        ("orbicularis oris", "depressor anguli oris", "depressor labii inferioris", "mentalis"),
    ),
    ("Neck", ("platysma",)),
)
MUSCLES = tuple(muscle for _, muscles in MUSCLE_REGIONS for muscle in muscles)
INJECTION_SIDES = ("left", "right")
DECISIONS = ("reinject_now", "adjust_doses", "wait_until")


class InjectionVisit(db.Model):
    __tablename__ = "injection_visits"
    __table_args__ = (
        # Cycles run from one visit to the next: two visits on one day would make a 0-day cycle.
        UniqueConstraint("patient_id", "injected_on", name="uq_injection_visit_day"),
        CheckConstraint(f"product IN {PRODUCTS!r}", name="product_known"),
        CheckConstraint(f"kind IN {VISIT_KINDS!r}", name="kind_known"),
        CheckConstraint("dilution > 0", name="dilution_positive"),
    )

    id: Mapped[RowId]
    patient_id: Mapped[OfPatient]
    injected_on: Mapped[date] = mapped_column(Date)
    product: Mapped[str] = mapped_column(String(32))
    # A top-up joins the cycle of the latest new-cycle visit before it (progress/cycles.py).
    kind: Mapped[str] = mapped_column(String(16), default=NEW_CYCLE, server_default=NEW_CYCLE)
    lot: Mapped[str | None] = mapped_column(String(40))  # the product's lot (batch) number
    dilution: Mapped[float | None] = mapped_column(Float)  # units per 0.1 mL
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[ByAccount]
    created_at: Mapped[NowByDefault]
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    sites: Mapped[list["InjectionSite"]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="InjectionSite.id"
    )
    revisions: Mapped[list["InjectionVisitRevision"]] = relationship(
        cascade="all, delete-orphan", order_by="InjectionVisitRevision.changed_at"
    )

    @property
    def product_label(self) -> str:
        return PRODUCT_LABELS.get(self.product, self.product)

    @property
    def total_units(self) -> float:
        """This visit's units (one product), summed over its sites."""
        return sum(site.units for site in self.sites)


class InjectionSite(db.Model):
    __tablename__ = "injection_sites"
    __table_args__ = (
        CheckConstraint("units > 0", name="units_positive"),
        CheckConstraint(f"muscle IN {MUSCLES!r}", name="muscle_known"),
        CheckConstraint(f"side IN {INJECTION_SIDES!r}", name="side_known"),
    )

    id: Mapped[RowId]
    visit_id: Mapped[int] = mapped_column(
        ForeignKey("injection_visits.id", ondelete="CASCADE"), index=True
    )
    muscle: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(8))
    units: Mapped[float] = mapped_column(Float)

    visit: Mapped[InjectionVisit] = relationship(back_populates="sites")


class InjectionVisitRevision(db.Model):
    """The state of a visit before an edit: who changed it, when, and what it was."""

    __tablename__ = "injection_visit_revisions"

    id: Mapped[RowId]
    visit_id: Mapped[int] = mapped_column(
        ForeignKey("injection_visits.id", ondelete="CASCADE"), index=True
    )
    changed_by_id: Mapped[ByAccount]
    changed_at: Mapped[NowByDefault]
    before: Mapped[dict] = mapped_column(JSON)  # {injected_on, product, note, sites: [...]}

    changed_by = relationship("User")


class ReinjectionDecision(db.Model):
    """What the clinician decided at a reinjection review."""

    __tablename__ = "reinjection_decisions"
    __table_args__ = (
        CheckConstraint(f"decision IN {DECISIONS!r}", name="decision_known"),
        CheckConstraint(
            "decision != 'wait_until' OR wait_until IS NOT NULL", name="wait_needs_date"
        ),
    )

    id: Mapped[RowId]
    patient_id: Mapped[OfPatient] = mapped_column(index=True)
    decided_on: Mapped[date] = mapped_column(Date)
    decision: Mapped[str] = mapped_column(String(16))
    wait_until: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    clinician_id: Mapped[ByAccount]
    created_at: Mapped[NowByDefault]
