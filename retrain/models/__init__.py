"""SQLAlchemy models, one module per part of the domain."""

from .audit import AuditEvent
from .derived import PatientFigures
from .exercises import EXPRESSIONS, REGIONS, Exercise
from .injections import (
    DECISIONS,
    INJECTION_SIDES,
    MUSCLES,
    PRODUCT_LABELS,
    PRODUCTS,
    VISIT_KINDS,
    InjectionSite,
    InjectionVisit,
    InjectionVisitRevision,
    ReinjectionDecision,
)
from .messages import Message, MessageRead
from .practice import PracticeItem, PracticeSession
from .programmes import Programme, ProgrammeItem
from .progress import PatientNote, QuestionnaireRequest, QuestionnaireResponse
from .reminders import DueReminder, PushSubscription, ReminderDelivery, ReminderSettings
from .snapshots import DEFAULT_EXPRESSIONS, Snapshot
from .tokens import ApiToken
from .users import (
    ADMIN,
    CLINICIAN,
    PATIENT,
    ROLES,
    SIDES,
    STAFF_ROLES,
    THERAPIST,
    CareTeamMember,
    Invitation,
    LoginSession,
    Patient,
    User,
)

__all__ = [
    "PatientFigures",
    "ApiToken",
    "DueReminder",
    "PushSubscription",
    "ReminderDelivery",
    "ReminderSettings",
    "AuditEvent",
    "DEFAULT_EXPRESSIONS",
    "Snapshot",
    "DECISIONS",
    "INJECTION_SIDES",
    "MUSCLES",
    "PRODUCT_LABELS",
    "PRODUCTS",
    "InjectionSite",
    "InjectionVisit",
    "InjectionVisitRevision",
    "ReinjectionDecision",
    "VISIT_KINDS",
    "PatientNote",
    "QuestionnaireRequest",
    "QuestionnaireResponse",
    "ADMIN",
    "CLINICIAN",
    "EXPRESSIONS",
    "PATIENT",
    "REGIONS",
    "ROLES",
    "SIDES",
    "STAFF_ROLES",
    "THERAPIST",
    "CareTeamMember",
    "Exercise",
    "Invitation",
    "Message",
    "MessageRead",
    "LoginSession",
    "Patient",
    "PracticeItem",
    "PracticeSession",
    "Programme",
    "ProgrammeItem",
    "User",
]
