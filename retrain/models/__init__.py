"""SQLAlchemy models, one module per part of the domain."""

from .exercises import EXPRESSIONS, REGIONS, Exercise
from .practice import PracticeItem, PracticeSession
from .programmes import Programme, ProgrammeItem
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
    "LoginSession",
    "Patient",
    "PracticeItem",
    "PracticeSession",
    "Programme",
    "ProgrammeItem",
    "User",
]
