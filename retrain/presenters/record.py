"""One patient's whole record, loaded, for the ways it leaves the app (GDPR articles 15
and 20: access and portability): the JSON and FHIR exports, the CSV and the zip.

Plain loaded rows: ``usecases/exports.py`` fills it in a fixed number of queries and
the presenters beside this one turn it into files. The messages between the patient and
their care team are part of it; care-team notes and reinjection decisions are not.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ..models import (
    InjectionVisit,
    Message,
    Patient,
    PracticeSession,
    Programme,
    QuestionnaireRequest,
    QuestionnaireResponse,
    Snapshot,
    User,
)
from ..progress.graded import GradedInstrument
from ..progress.instruments import Instrument


@dataclass(frozen=True)
class PatientRecord:
    exported_at: datetime  # aware UTC
    user: User
    patient: Patient
    zone: ZoneInfo  # the patient's own, else the clinic's
    instrument: Instrument  # the questionnaire the SAQ answers follow, item by item
    programmes: list[Programme]  # oldest version first, items and exercises loaded
    sessions: list[PracticeSession]  # oldest first, items and exercises loaded
    saqs: list[QuestionnaireResponse]  # oldest first
    saq_requests: list[QuestionnaireRequest]  # by day
    visits: list[InjectionVisit]  # oldest first, sites loaded
    snapshots: list[Snapshot]  # oldest first
    grading_instrument: GradedInstrument | None = None  # the Sunnybrook, item by item
    gradings: list[QuestionnaireResponse] = field(default_factory=list)  # oldest first
    messages: list[Message] = field(default_factory=list)  # oldest first, authors loaded

    @property
    def exported_on(self) -> date:
        """The day of the export where the patient lives (names the files)."""
        return self.exported_at.astimezone(self.zone).date()
