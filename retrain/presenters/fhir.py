"""One patient's record as a FHIR R4 Bundle (type "collection"), as plain dicts.

What goes in:

- Patient: name and e-mail.
- For each SAQ: a QuestionnaireResponse with every item answer (linkId = the item key
  of retrain/data/instruments/saq.json) and an Observation with the score
  (0-100 scale, derived from that response).
- For each practice session: an Observation of the patient's synkinesis self-rating
  (0-10) at the time of the session.
- For each Sunnybrook grading (Ross et al. 1996): an Observation (category "exam") of
  the composite score, with a component for each section score (resting symmetry,
  voluntary movement, synkinesis) and for each item's grade.
- For each injection visit: a Procedure (status completed, performed on its date)
  with one bodySite per site (muscle and side), the product as ``usedCode``, and each
  site's dose as a Quantity in an extension on its bodySite (FHIR R4's Procedure has
  no dose element); the note lists the doses in words too.

Codes: only code systems that exist are used (HL7's observation-category "survey",
UCUM units). Our own concepts have text only, so nothing pretends to a LOINC or
SNOMED CT code we have not checked. Every resource has a stable urn:uuid (uuid5 of
its type and row id), and references point at those.

The app builds plain dicts; tests validate them with the fhir.resources package.
"""

import uuid
from datetime import datetime

from .. import formatting
from ..models import PRODUCT_LABELS
from ..progress.graded import grade
from ..progress.instruments import AnswerError
from .messages import author_label
from .record import PatientRecord

NAMESPACE = uuid.UUID("6f1f3a52-9d1e-4bc1-8a0e-2f4f1c1b7e55")  # Retrain's own namespace
EXTENSION_BASE = "https://retrain.invalid/fhir/StructureDefinition/"
DOSE_EXTENSION = EXTENSION_BASE + "injected-dose"
CATEGORY_SURVEY = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "survey",
            "display": "Survey",
        }
    ]
}
CATEGORY_EXAM = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "exam",
            "display": "Exam",
        }
    ]
}
UCUM = "http://unitsofmeasure.org"


def urn(kind: str, row_id: int) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{kind}/{row_id}')}"


def _instant(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def _entry(resource: dict, kind: str, row_id: int) -> dict:
    return {"fullUrl": urn(kind, row_id), "resource": resource}


def _patient(record: PatientRecord) -> dict:
    user = record.user
    return {
        "resourceType": "Patient",
        "identifier": [{"system": "urn:retrain:patient-id", "value": str(user.id)}],
        "active": bool(user.active),
        "name": [{"text": user.name}],
        "telecom": [{"system": "email", "value": user.email, "use": "home"}],
    }


def _saq_entries(record: PatientRecord, subject: dict) -> list[dict]:
    inst = record.instrument
    entries = []
    for response in record.saqs:
        answers = list(response.answers or [])
        keyed = len(answers) == len(inst.items)
        questionnaire = {
            "resourceType": "QuestionnaireResponse",
            "status": "completed",
            "subject": subject,
            "authored": response.answered_on.isoformat(),
            "item": [
                {
                    "linkId": inst.items[n].key if keyed else str(n + 1),
                    "text": inst.items[n].text if keyed else None,
                    "answer": [{"valueInteger": int(answer)}],
                }
                for n, answer in enumerate(answers)
            ],
        }
        for item in questionnaire["item"]:
            if item["text"] is None:
                del item["text"]
        if not questionnaire["item"]:
            del questionnaire["item"]
        entries.append(_entry(questionnaire, "QuestionnaireResponse", response.id))
        observation = _score_observation(
            CATEGORY_SURVEY,
            f"{inst.name} ({inst.short_name}) score",
            subject,
            response.answered_on,
            _score(round(response.score, 2), "score (20-100, lower is better)"),
        )
        observation["derivedFrom"] = [{"reference": urn("QuestionnaireResponse", response.id)}]
        entries.append(_entry(observation, "Observation/saq", response.id))
    return entries


def _rating_entries(record: PatientRecord, subject: dict) -> list[dict]:
    return [
        _entry(
            {
                "resourceType": "Observation",
                "status": "final",
                "category": [CATEGORY_SURVEY],
                "code": {"text": "Synkinesis felt during facial exercise, self-rated 0-10"},
                "subject": subject,
                "effectiveDateTime": _instant(session.performed_at),
                "valueInteger": session.synkinesis_rating,
            },
            "Observation/rating",
            session.id,
        )
        for session in record.sessions
    ]


def _score(value: float, unit: str) -> dict:
    return {"value": value, "unit": unit, "system": UCUM, "code": "{score}"}


def _score_observation(category: dict, code: str, subject: dict, on, quantity: dict) -> dict:
    """An Observation of a score on a day (the SAQ's, the Sunnybrook's)."""
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [category],
        "code": {"text": code},
        "subject": subject,
        "effectiveDateTime": on.isoformat(),
        "valueQuantity": quantity,
    }


def _grading_entries(record: PatientRecord, subject: dict) -> list[dict]:
    inst = record.grading_instrument
    entries = []
    for response in record.gradings:
        answers = list(response.answers or [])
        components = []
        try:
            graded = grade(inst, answers)
        except AnswerError:  # graded with another version of the file: the score only
            graded = None
        if graded is not None:
            components = [
                {"code": {"text": f"{section.name} score"},
                 "valueQuantity": _score(graded.subscores[section.key], "score")}
                for section in inst.sections
            ] + [
                {"code": {"text": f"{item.text} ({item.key})"}, "valueInteger": int(answer)}
                for item, answer in zip(inst.items, answers, strict=True)
            ]  # fmt: skip
        observation = _score_observation(
            CATEGORY_EXAM,
            f"{inst.name} composite score",
            subject,
            response.answered_on,
            _score(round(response.score), "score (0-100, higher is better)"),
        )
        if components:
            observation["component"] = components
        entries.append(_entry(observation, "Observation/sunnybrook", response.id))
    return entries


def _procedure(visit, subject: dict) -> dict:
    product = PRODUCT_LABELS.get(visit.product, visit.product)
    body_sites = [
        {
            "extension": [
                {
                    "url": DOSE_EXTENSION,
                    "valueQuantity": {
                        "value": site.units,
                        "unit": f"units of {visit.product}",
                        "system": UCUM,
                        "code": "[arb'U]",
                    },
                }
            ],
            "text": f"{site.muscle} ({site.side})",
        }
        for site in visit.sites
    ]
    doses = "; ".join(f"{s.muscle} ({s.side}) {formatting.units(s.units)} U" for s in visit.sites)
    procedure = {
        "resourceType": "Procedure",
        "status": "completed",
        "code": {"text": "Injection of botulinum toxin for facial synkinesis"},
        "subject": subject,
        "performedDateTime": visit.injected_on.isoformat(),
        "usedCode": [{"text": product}],
        "note": [{"text": f"{product}: {doses}" if doses else product}],
    }
    if body_sites:
        procedure["bodySite"] = body_sites
    if visit.note:
        procedure["note"].append({"text": visit.note})
    return procedure


def _communication(message, record: PatientRecord, subject: dict) -> dict:
    """A message of the thread (FHIR R4 Communication): sent by the patient or by a
    member of the care team, about a practice session when staff linked one."""
    author = message.author
    if author is not None and author.id == record.user.id:
        sender = dict(subject)
    else:
        sender = {"display": author_label(author, viewer_id=0)}
    communication = {
        "resourceType": "Communication",
        "status": "completed",
        "subject": subject,
        "sent": _instant(message.created_at),
        "sender": sender,
        "payload": [{"contentString": message.body}],
    }
    if message.session_id is not None:
        communication["about"] = [{"reference": urn("Observation/rating", message.session_id)}]
    return communication


def bundle(record: PatientRecord) -> dict:
    """The record as a FHIR R4 Bundle of type collection."""
    patient_urn = urn("Patient", record.user.id)
    subject = {"reference": patient_urn, "display": record.user.name}
    entries = [{"fullUrl": patient_urn, "resource": _patient(record)}]
    entries += _saq_entries(record, subject)
    entries += _rating_entries(record, subject)
    entries += _grading_entries(record, subject)
    entries += [
        _entry(_procedure(visit, subject), "Procedure", visit.id) for visit in record.visits
    ]
    entries += [
        _entry(_communication(m, record, subject), "Communication", m.id) for m in record.messages
    ]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _instant(record.exported_at),
        "entry": entries,
    }
