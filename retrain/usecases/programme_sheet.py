"""The printable programme sheet, for the patient and for their care team (issue 16 part 6)."""

from .. import access
from ..presenters import programme_sheet as presenters
from .exercises import REGION_PICTURES
from .local_time import patient_today
from .programme_reads import current_programme


def view_sheet(user, patient_id: int) -> presenters.ProgrammeSheet:
    """The programme in force as a sheet to print; NotFound unless ``user`` may see it."""
    patient = access.require(user, access.VIEW, patient_id)
    return presenters.programme_sheet(
        patient.name, current_programme(patient_id), REGION_PICTURES, patient_today(patient_id)
    )
