"""API v1 messages: the thread newest first, writing (bad input answered by field, nothing
saved), linking a session (staff only), marking read and the receipts."""

from datetime import timedelta

import pytest

from retrain.infrastructure import mail
from retrain.models.base import utcnow

from ..web.practice_helpers import add_session
from .conftest import table_rows

URL = "/api/v1/patients/{pid}/messages"


def post(client, clinic, role, body, pid=None):
    pid = pid or ("me" if role == "patient" else clinic.patient.id)
    return client.post(URL.format(pid=pid), json=body, headers=clinic.headers[role])


def thread(client, clinic, role):
    pid = "me" if role == "patient" else clinic.patient.id
    return client.get(URL.format(pid=pid), headers=clinic.headers[role]).json


def test_a_message_each_way_with_receipts(client, clinic):
    asked = post(client, clinic, "patient", {"body": "Is twice a day enough?"})
    assert asked.status_code == 201
    assert asked.json["author"] == "You" and asked.json["read_by"] == []
    assert len(mail.sent_messages()) == 2  # the therapist and the clinician
    items = thread(client, clinic, "therapist")["items"]
    assert [(m["body"], m["unread"]) for m in items] == [("Is twice a day enough?", True)]
    assert items[0]["author"] == f"{clinic.patient.name} (patient)"
    # Listing does not mark read; the read endpoint does, once.
    read = f"/api/v1/patients/{clinic.patient.id}/messages/read"
    assert client.post(read, headers=clinic.headers["therapist"]).json == {"marked": 1}
    assert client.post(read, headers=clinic.headers["therapist"]).json == {"marked": 0}
    mine = thread(client, clinic, "patient")["items"][0]
    assert [r["reader_id"] for r in mine["read_by"]] == [clinic.therapist.id]
    assert thread(client, clinic, "clinician")["items"][0]["unread"] is True


def test_the_thread_is_newest_first_and_paged(client, clinic):
    for n in range(3):
        post(client, clinic, "patient", {"body": f"Message {n}"})
    url = URL.format(pid=clinic.patient.id) + "?limit=2"
    first = client.get(url, headers=clinic.headers["therapist"]).json
    assert [m["body"] for m in first["items"]] == ["Message 2", "Message 1"]
    rest = client.get(
        url + "&cursor=" + first["next_cursor"], headers=clinic.headers["therapist"]
    ).json
    assert [m["body"] for m in rest["items"]] == ["Message 0"] and rest["next_cursor"] is None


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"body": ""}, "body", "Write your message first."),
        ({"body": " \n\t "}, "body", "Write your message first."),
        ({"body": "x" * 2001}, "body", "Keep your message to 2,000 characters"),
        ({"body": "a\x00b"}, "body", "String should match pattern"),
        ({"body": 5}, "body", "Input should be a valid string"),
        ({}, "body", "Field required"),
        ({"body": "Hi", "attachment": "x.png"}, "attachment", "Extra inputs are not permitted"),
    ],
)
def test_bad_messages_are_422_naming_the_field_and_nothing_is_saved(
    client, clinic, body, field, message
):
    before = table_rows()
    response = post(client, clinic, "patient", body)
    assert response.status_code == 422
    assert message in response.json["error"]["fields"][field]
    assert table_rows() == before


def test_markup_is_kept_as_text(client, clinic):
    body = "<b>bold</b> <script>alert(1)</script>"
    assert post(client, clinic, "patient", {"body": body}).json["body"] == body


def test_only_staff_link_a_session_of_that_patient(client, clinic):
    own = add_session(clinic.patient.id, utcnow() - timedelta(days=1))
    foreign = add_session(clinic.other.id, utcnow() - timedelta(days=1))
    before = table_rows()
    by_patient = post(client, clinic, "patient", {"body": "Hi", "session_id": own.id})
    assert by_patient.status_code == 422
    assert by_patient.json["error"]["fields"] == {
        "session_id": "Only the care team links a message to a session."
    }
    other = post(client, clinic, "therapist", {"body": "Hi", "session_id": foreign.id})
    assert other.status_code == 422 and "session_id" in other.json["error"]["fields"]
    assert table_rows() == before
    linked = post(client, clinic, "therapist", {"body": "Well done", "session_id": own.id})
    assert linked.status_code == 201 and linked.json["session_id"] == own.id


def test_an_admin_never_reads_the_thread(client, clinic):
    post(client, clinic, "patient", {"body": "Private"})
    for pid in (clinic.patient.id, "me"):
        response = client.get(URL.format(pid=pid), headers=clinic.headers["admin"])
        assert response.status_code == 403


def test_messages_are_in_the_json_and_fhir_exports(client, clinic):
    from fhir.resources.R4B.bundle import Bundle

    session = add_session(clinic.patient.id, utcnow() - timedelta(days=1))
    post(client, clinic, "patient", {"body": "Is twice a day enough?"})
    post(client, clinic, "therapist", {"body": "Yes, <b>twice</b>.", "session_id": session.id})
    exported = client.get("/api/v1/patients/me/export", headers=clinic.headers["patient"]).json
    assert [(m["body"], m["from_patient"]) for m in exported["messages"]] == [
        ("Is twice a day enough?", True),
        ("Yes, <b>twice</b>.", False),
    ]
    assert exported["messages"][1]["author"] == f"{clinic.therapist.name} (physical therapist)"
    assert exported["messages"][1]["session_id"] == session.id
    fhir = client.get("/api/v1/patients/me/fhir", headers=clinic.headers["patient"]).json
    resources = [e.resource for e in Bundle.model_validate(fhir).entry]
    notes = [r for r in resources if r.get_resource_type() == "Communication"]
    assert [n.payload[0].contentString for n in notes] == [
        "Is twice a day enough?",
        "Yes, <b>twice</b>.",
    ]
    assert notes[0].sender.reference == notes[0].subject.reference  # the patient wrote it
    assert notes[1].sender.display == f"{clinic.therapist.name} (physical therapist)"
    assert notes[1].about[0].reference.startswith("urn:uuid:")
