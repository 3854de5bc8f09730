"""People, roles, care teams, invitations and server-side login sessions."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import (
    ByAccount,
    IssuedToAccount,
    NowByDefault,
    OfAccount,
    OfPatient,
    RowId,
    SecretHash,
    UTCDateTime,
)

PATIENT, THERAPIST, CLINICIAN, ADMIN = "patient", "therapist", "clinician", "admin"
ROLES = (PATIENT, THERAPIST, CLINICIAN, ADMIN)
STAFF_ROLES = (THERAPIST, CLINICIAN)
SIDES = ("left", "right", "both")


class User(db.Model):
    __tablename__ = "users"
    # AUTOINCREMENT: SQLite never gives an id again, even the newest one after it is
    # erased (PostgreSQL's sequences never do). Audit rows name people by id.
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES!r}", name="role_known"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[RowId]
    # Stored lower-cased (usecases.accounts.normalise_email), so unique regardless of case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[NowByDefault]
    # Messages waiting for this person (usecases/messages.py keeps it): loaded with the
    # login, so the navigation shows the count without a query of its own.
    unread_messages: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    patient: Mapped["Patient | None"] = relationship(
        back_populates="user", uselist=False, foreign_keys="Patient.id"
    )

    # Flask-Login protocol. The login identity is the server-side session key, set when
    # the session row is loaded, so ending the row ends the login everywhere.
    session_key = None  # str, set per request; not a column

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.session_key

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class Patient(db.Model):
    """Patient-only facts. Shares its primary key with the patient's user row."""

    __tablename__ = "patients"
    __table_args__ = (CheckConstraint(f"affected_side IN {SIDES!r}", name="side_known"),)

    id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    affected_side: Mapped[str] = mapped_column(String(8))
    saq_interval_days: Mapped[int] = mapped_column(Integer, default=14, server_default="14")
    # Photos are off until the patient opts in; withdrawing sets this back to None.
    photo_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The expressions the therapist chose for snapshots; None means the default set.
    snapshot_expressions: Mapped[list | None] = mapped_column(JSON)
    created_by_id: Mapped[ByAccount]

    user: Mapped[User] = relationship(back_populates="patient", foreign_keys=[id])
    care_team: Mapped[list["CareTeamMember"]] = relationship(
        back_populates="patient", cascade="all, delete-orphan"
    )

    @property
    def name(self) -> str:
        return self.user.name


class CareTeamMember(db.Model):
    """Links one staff member to one patient they treat."""

    __tablename__ = "care_team_members"
    __table_args__ = (UniqueConstraint("patient_id", "staff_id", name="uq_care_team_pair"),)

    id: Mapped[RowId]
    patient_id: Mapped[OfPatient]
    staff_id: Mapped[OfAccount] = mapped_column(index=True)
    added_at: Mapped[NowByDefault]

    patient: Mapped[Patient] = relationship(back_populates="care_team")
    staff: Mapped[User] = relationship()


class Invitation(IssuedToAccount, db.Model):
    """A single-use, expiring link by which a person sets their own password."""

    __tablename__ = "invitations"

    token_hash: Mapped[SecretHash]
    created_by_id: Mapped[ByAccount]
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys="Invitation.user_id")


class LoginSession(IssuedToAccount, db.Model):
    """One login on one device. Logout, password change and deactivation end these rows."""

    __tablename__ = "login_sessions"

    key_hash: Mapped[SecretHash]
    last_seen_at: Mapped[NowByDefault]
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
