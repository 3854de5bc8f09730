"""Secure messages between a patient and their care team, through the pages (CSRF on):
sending, bad input (nothing saved), read receipts, unread counts in the navigation and
the caseload, the notice with no clinical text, and every read audited."""

from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import func, select

from retrain.errors import Invalid
from retrain.extensions import db
from retrain.infrastructure import mail, webpush
from retrain.models import AuditEvent, Message, MessageRead
from retrain.models.base import utcnow
from retrain.usecases import message_notices, messages

from ..conftest import csrf_from, login, post_form
from .practice_helpers import add_session
from .reminder_helpers import add_device

SECRET = "My left eye twitches when I smile, and the Botox site is sore"


@pytest.fixture
def team(factories):
    """A patient with a therapist and a clinician on their care team."""
    therapist = factories.make_user("therapist", name="Terry Ward")
    clinician = factories.make_user("clinician", name="Cleo Hart")
    patient = factories.make_patient(care_team=[therapist, clinician], name="Pat Lane")
    return patient.user, therapist, clinician


def client_for(app, user):
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    return client


def message_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Message))


def send(client, url, body, **extra):
    return post_form(client, url, {"body": body, **extra}, page=url)


def test_patient_writes_and_the_care_team_reads_it(app, team):
    patient, therapist, _ = team
    response = send(client_for(app, patient), "/messages", "Hello, can I do the exercises twice?")
    assert response.status_code == 302 and response.headers["Location"].endswith("/messages#latest")
    staff = client_for(app, therapist)
    page = staff.get(f"/patients/{patient.id}/messages").get_data(as_text=True)
    assert "Hello, can I do the exercises twice?" in page
    assert "Pat Lane (patient)" in page and "New" in page
    # Opened once: read now, for this reader only.
    assert "New</span>" not in staff.get(f"/patients/{patient.id}/messages").get_data(True)
    readers = db.session.scalars(select(MessageRead.reader_id)).all()
    assert sorted(readers) == sorted([patient.id, therapist.id])


def test_read_receipts_show_who_saw_the_message(app, team):
    patient, therapist, _ = team
    staff = client_for(app, therapist)
    send(staff, f"/patients/{patient.id}/messages", "Try 5 repetitions this week.")
    mine = staff.get(f"/patients/{patient.id}/messages").get_data(as_text=True)
    assert "Not seen yet" in mine
    client_for(app, patient).get("/messages")
    mine = staff.get(f"/patients/{patient.id}/messages").get_data(as_text=True)
    assert "Seen by Pat Lane" in mine and "Not seen yet" not in mine


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write your message first."),
        ("   \n  ", "Write your message first."),
        ("x" * 2001, "Keep your message to 2,000 characters (this one has 2,001)."),
    ],
)
def test_bad_messages_are_refused_with_a_clear_answer(app, team, body, message):
    patient, _, _ = team
    response = send(client_for(app, patient), "/messages", body)
    assert response.status_code == 200  # the form again, the message beside the field
    assert message in response.get_data(as_text=True)
    assert message_count() == 0


def test_a_nul_character_is_refused_before_anything_is_read(app, team):
    """The app refuses NUL in any form (security.refuse_nul_characters: 400); the use
    case says why to any other caller."""
    patient, _, _ = team
    response = send(client_for(app, patient), "/messages", "Hi\x00there")
    assert response.status_code == 400
    assert "Something in that request was not right" in response.get_data(as_text=True)
    with pytest.raises(Invalid, match=r"hidden character \(NUL\)"):
        messages.send(patient, patient.id, "Hi\x00there")
    assert message_count() == 0


def test_the_limit_itself_is_accepted_and_said_on_the_page(app, team):
    patient, _, _ = team
    client = client_for(app, patient)
    page = client.get("/messages").get_data(as_text=True)
    assert "Up to 2,000 characters" in page and "no photos or files can be attached" in page
    assert send(client, "/messages", "y" * 2000).status_code == 302
    assert message_count() == 1


def test_markup_is_shown_as_text(app, team):
    patient, therapist, _ = team
    body = '<script>alert("x")</script><b>bold</b> & <img src=x onerror=alert(1)>'
    send(client_for(app, patient), "/messages", body)
    page = client_for(app, therapist).get(f"/patients/{patient.id}/messages").get_data(True)
    assert "<script>alert" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt; &amp;" in page
    assert db.session.scalar(select(Message.body)) == body  # kept exactly as typed


def test_without_the_csrf_token_nothing_is_sent(app, team):
    patient, _, _ = team
    client = client_for(app, patient)
    response = client.post("/messages", data={"body": "Hello"})
    assert response.status_code in (400, 422)
    assert message_count() == 0


def test_staff_link_a_message_to_one_of_the_patients_sessions(app, team, factories):
    patient, therapist, _ = team
    session = add_session(patient.id, utcnow() - timedelta(days=1))
    other = factories.make_patient()
    foreign = add_session(other.id, utcnow() - timedelta(days=1))
    staff = client_for(app, therapist)
    url = f"/patients/{patient.id}/messages"
    assert f'<option value="{session.id}">' in staff.get(url).get_data(as_text=True)
    refused = send(staff, url, "About that one", session_id=str(foreign.id))
    assert refused.status_code == 200
    assert "Choose one of this patient&#39;s practice sessions." in refused.get_data(True)
    nonsense = send(staff, url, "Nice work", session_id="nonsense")
    assert "Choose one of this patient&#39;s practice sessions." in nonsense.get_data(True)
    assert message_count() == 0
    assert send(staff, url, "Nice work on this one", session_id=str(session.id)).status_code == 302
    assert db.session.scalar(select(Message.session_id)) == session.id
    page = client_for(app, patient).get("/messages").get_data(as_text=True)
    assert "About the practice session of" in page


def test_a_patient_cannot_link_a_session(app, team):
    patient, _, _ = team
    session = add_session(patient.id, utcnow() - timedelta(days=1))
    with pytest.raises(Invalid):
        messages.send(patient, patient.id, "Hello", session.id)
    assert message_count() == 0


def nav_count(page: str) -> str | None:
    import re

    found = re.search(r'class="count-badge">(\d+)<span class="visually-hidden"> unread', page)
    return found.group(1) if found else None


def test_unread_counts_in_the_navigation_and_the_caseload(app, team, factories):
    patient, therapist, clinician = team
    second = factories.make_patient(care_team=[therapist], name="Quinn Moss")
    send(client_for(app, patient), "/messages", "One")
    send(client_for(app, patient), "/messages", "Two")
    send(client_for(app, second.user), "/messages", "Three")
    staff = client_for(app, therapist)
    caseload = staff.get("/therapist/").get_data(as_text=True)
    assert nav_count(caseload) == "3"
    assert f'href="/patients/{patient.id}/messages">2 unread messages</a>' in caseload
    assert f'href="/patients/{second.id}/messages">1 unread message</a>' in caseload
    staff.get(f"/patients/{patient.id}/messages")
    assert nav_count(staff.get("/therapist/").get_data(as_text=True)) == "1"
    # The clinician's receipts are their own: still 2 unread for them.
    clinical = client_for(app, clinician).get("/clinician/").get_data(as_text=True)
    assert nav_count(clinical) == "2"
    # A colleague's message to the patient is no patient waiting: not counted for staff.
    sent = send(client_for(app, clinician), f"/patients/{patient.id}/messages", "From us")
    assert sent.status_code == 302
    assert nav_count(staff.get("/therapist/").get_data(as_text=True)) == "1"
    # The patient: their own messages never count; the care team's do until opened.
    mine = client_for(app, patient)
    assert nav_count(mine.get("/today").get_data(as_text=True)) == "1"
    send(staff, f"/patients/{patient.id}/messages", "Answer")
    assert nav_count(mine.get("/today").get_data(as_text=True)) == "2"
    mine.get("/messages")
    assert nav_count(mine.get("/today").get_data(as_text=True)) is None


def test_the_notice_has_no_clinical_text(app, team, monkeypatch):
    patient, therapist, clinician = team
    pushes = []
    monkeypatch.setattr(webpush, "send", lambda *args: pushes.append(args))
    add_device(patient)
    send(client_for(app, patient), "/messages", SECRET)
    sent = mail.sent_messages()
    assert sorted(m["To"] for m in sent) == sorted([therapist.email, clinician.email])
    send(client_for(app, therapist), f"/patients/{patient.id}/messages", SECRET + " reply")
    notice = mail.sent_messages()[-1]
    assert notice["To"] == patient.email
    assert notice["Subject"] == "You have a new message in Retrain"
    ((endpoint, _, _, payload, _),) = pushes
    assert payload["open"] == "/messages"
    everything = " ".join([str(m) for m in mail.sent_messages()] + [str(payload)])
    for word in ("twitch", "Botox", "eye", "smile", "Pat", "Lane", "Terry", "Cleo", "sore"):
        assert word not in everything, word


def test_one_notice_until_the_reader_looks(app, team, monkeypatch):
    patient, therapist, _ = team
    monkeypatch.setattr(webpush, "send", lambda *args: None)
    staff = client_for(app, therapist)
    url = f"/patients/{patient.id}/messages"
    send(staff, url, "First")
    send(staff, url, "Second")
    assert len(mail.sent_messages()) == 1
    client_for(app, patient).get("/messages")
    send(staff, url, "Third")
    assert len(mail.sent_messages()) == 2


def test_a_gone_device_is_dropped_and_the_e_mail_still_goes(app, team, monkeypatch):
    patient, therapist, _ = team

    def gone(*args):
        raise webpush.PushGone("http 410")

    monkeypatch.setattr(webpush, "send", gone)
    add_device(patient)
    send(client_for(app, therapist), f"/patients/{patient.id}/messages", "Hello")
    assert len(mail.sent_messages()) == 1
    from retrain.models import PushSubscription

    assert db.session.scalar(select(func.count()).select_from(PushSubscription)) == 0


def test_every_read_is_audited(app, team):
    patient, therapist, _ = team
    client_for(app, therapist).get(f"/patients/{patient.id}/messages")
    client_for(app, patient).get("/messages")
    reads = db.session.scalars(
        select(AuditEvent.actor_id).where(
            AuditEvent.action == "read_messages", AuditEvent.patient_id == patient.id
        )
    ).all()
    assert sorted(reads) == sorted([therapist.id, patient.id])


def test_the_patients_thread_path_is_the_one_the_push_opens(app):
    with app.test_request_context():
        assert url_for("messages.my_thread") == message_notices.PATIENT_THREAD_PATH


def test_pages_link_to_the_thread(app, team):
    patient, therapist, _ = team
    page = client_for(app, therapist).get(f"/patients/{patient.id}").get_data(as_text=True)
    assert f'href="/patients/{patient.id}/messages"' in page
    today = client_for(app, patient).get("/today").get_data(as_text=True)
    assert 'href="/messages"' in today
    assert csrf_from(client_for(app, patient).get("/messages").get_data(as_text=True))


def test_erasure_takes_the_thread_and_its_receipts(app, team, factories):
    from retrain.usecases import erasure

    patient, therapist, _ = team
    other = factories.make_patient(care_team=[therapist])
    send(client_for(app, patient), "/messages", "Mine")
    send(client_for(app, therapist), f"/patients/{patient.id}/messages", "Reply")
    send(client_for(app, therapist), f"/patients/{other.id}/messages", "To someone else")
    client_for(app, patient).get("/messages")
    admin = factories.make_user("admin")
    erasure.erase_patient(admin, patient.id, confirm_email=patient.email)
    left = db.session.execute(select(Message.patient_id, Message.body)).all()
    assert left == [(other.id, "To someone else")]
    readers = db.session.execute(select(MessageRead.reader_id)).scalars().all()
    assert readers == [therapist.id]  # the therapist's own receipt of their own message


def test_the_zip_export_says_messages_are_in_it(app, team):
    patient, _, _ = team
    send(client_for(app, patient), "/messages", "In the zip")
    import io
    import json
    import zipfile

    response = client_for(app, patient).get(f"/patients/{patient.id}/export.zip")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert "messages with your care team" in archive.read("README.txt").decode()
    bundle = json.loads(archive.read("record.fhir.json"))
    bodies = [
        e["resource"]["payload"][0]["contentString"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Communication"
    ]
    assert bodies == ["In the zip"]


def kept_count(user) -> int:
    db.session.expire_all()
    return db.session.get(type(user), user.id).unread_messages


def test_the_kept_count_follows_care_team_changes_and_erasure(app, team, factories):
    from retrain.usecases import care_teams, erasure

    patient, therapist, clinician = team
    send(client_for(app, patient), "/messages", "One")
    send(client_for(app, patient), "/messages", "Two")
    assert (kept_count(therapist), kept_count(clinician), kept_count(patient)) == (2, 2, 0)
    admin = factories.make_user("admin")
    newcomer = factories.make_user("therapist")
    care_teams.add_member(admin, patient.id, newcomer.id)
    assert kept_count(newcomer) == 2  # the waiting messages wait for them too
    care_teams.remove_member(admin, patient.id, therapist.id)
    assert kept_count(therapist) == 0  # a thread they cannot open counts for nothing
    erasure.erase_patient(admin, patient.id, confirm_email=patient.email)
    assert (kept_count(clinician), kept_count(newcomer)) == (0, 0)


def test_the_thread_costs_the_same_statements_however_long(app, team):
    """Within the page budget (docs/performance.md), the same for 2 messages or 40."""
    from .test_performance_paths import PAGE_BUDGET, queries_of

    patient, therapist, _ = team
    url = f"/patients/{patient.id}/messages"
    session = add_session(patient.id, utcnow() - timedelta(days=1))

    def statements(user, page):
        client = client_for(app, user)
        client.get(page)  # warm, and read what was new
        response, seen = queries_of(lambda: client.get(page))
        assert response.status_code == 200
        return len(seen)

    def add(n):
        db.session.add_all(
            Message(patient_id=patient.id, author_id=author.id, body="x", session_id=session.id)
            for _ in range(n)
            for author in (patient, therapist)
        )
        db.session.commit()

    add(1)
    short = (statements(patient, "/messages"), statements(therapist, url))
    add(19)
    long = (statements(patient, "/messages"), statements(therapist, url))
    assert short == long and max(long) <= PAGE_BUDGET, (short, long)
