"""The FHIR R4 Bundle (presenters/fhir.py) on a hand-made record, checked against the
FHIR R4 models of the fhir.resources package."""

from fhir.resources.R4B.bundle import Bundle

from retrain.presenters import fhir

from .record_helpers import hand_made_record, with_grading


def resources_of(bundle: dict) -> list:
    return [entry.resource for entry in Bundle.model_validate(bundle).entry]


def test_bundle_is_valid_r4_with_one_resource_per_thing():
    bundle = fhir.bundle(hand_made_record())
    assert (bundle["type"], bundle["timestamp"]) == ("collection", "2026-01-20T13:30:00+00:00")
    kinds = [r.get_resource_type() for r in resources_of(bundle)]
    assert kinds == [
        "Patient",
        "QuestionnaireResponse",
        "Observation",  # the SAQ score
        "Observation",  # two practice ratings
        "Observation",
        "Procedure",
    ]


def test_saq_answers_are_keyed_by_the_instruments_items():
    answers, score = resources_of(fhir.bundle(hand_made_record()))[1:3]
    assert [item.linkId for item in answers.item][:2] == ["eye_smile", "eye_speak"]
    assert answers.item[0].text == "Eye narrows or shuts while smiling"
    assert float(score.valueQuantity.value) == 60
    assert score.code.text == "Synkinesis Assessment Questionnaire (SAQ) score"
    assert score.derivedFrom[0].reference == fhir.urn("QuestionnaireResponse", 21)


def test_answers_that_do_not_fit_are_numbered_without_text():
    record = hand_made_record()
    record.saqs[0].answers = [2, 4]
    answers = resources_of(fhir.bundle(record))[1]
    assert [(i.linkId, i.text) for i in answers.item] == [("1", None), ("2", None)]


def test_procedure_lists_each_site_with_its_dose():
    procedure = resources_of(fhir.bundle(hand_made_record()))[-1]
    assert [site.text for site in procedure.bodySite] == [
        "orbicularis oculi (left)",
        "platysma (left)",
    ]
    assert [float(s.extension[0].valueQuantity.value) for s in procedure.bodySite] == [2.5, 5.0]
    assert procedure.usedCode[0].text == "onabotulinumtoxinA (Botox)"
    notes = [note.text for note in procedure.note]
    assert notes == [
        "onabotulinumtoxinA (Botox): orbicularis oculi (left) 2.5 U; platysma (left) 5 U",
        "First visit.",
    ]


def test_every_resource_refers_to_the_patient_by_a_stable_urn():
    bundle = fhir.bundle(hand_made_record())
    patient_urn = fhir.urn("Patient", 7)
    assert bundle["entry"][0]["fullUrl"] == patient_urn
    assert all(r.subject.reference == patient_urn for r in resources_of(bundle)[1:])
    assert fhir.bundle(hand_made_record()) == bundle  # the same record, the same ids


def test_a_sunnybrook_grading_is_an_observation_with_components():
    bundle = fhir.bundle(with_grading(hand_made_record()))
    [observation] = [
        r for r in resources_of(bundle) if getattr(r, "code", None) and "Sunnybrook" in r.code.text
    ]
    assert observation.category[0].coding[0].code == "exam"
    assert observation.effectiveDateTime.isoformat() == "2026-01-04"
    assert float(observation.valueQuantity.value) == 50
    scores = [(c.code.text, float(c.valueQuantity.value)) for c in observation.component[:3]]
    assert scores == [
        ("Resting symmetry (compared with the normal side) score", 10),
        ("Symmetry of voluntary movement (excursion compared with the normal side) score", 64),
        ("Synkinesis (involuntary muscle contraction with each expression) score", 4),
    ]
    grades = [(c.code.text, c.valueInteger) for c in observation.component[3:]]
    assert len(grades) == 13 and grades[0] == ("Eye (lid opening) (rest_eye)", 1)
