"""The thread as one reader sees it (presenters/messages.py) and its FHIR Communication,
on hand-made messages with known answers."""

from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from fhir.resources.R4B.bundle import Bundle

from retrain.presenters import fhir
from retrain.presenters.messages import FORMER, thread_view

from .record_helpers import hand_made_record

LONDON = ZoneInfo("Europe/London")
PAT = SimpleNamespace(id=7, name="Pat Rivera", role="patient")
TERRY = SimpleNamespace(id=3, name="Terry Ward", role="therapist")
CLEO = SimpleNamespace(id=4, name="Cleo Hart", role="clinician")


def read(reader, hour):
    return SimpleNamespace(reader_id=reader.id, reader=reader, read_at=at(hour))


def at(hour, minute=0):
    return datetime(2026, 7, 1, hour, minute, tzinfo=UTC)  # London is UTC+1 in July


def message(id_, author, hour, reads=(), session_id=None):
    return SimpleNamespace(
        id=id_,
        author=author,
        author_id=author.id if author else None,
        body=f"Message {id_}",
        created_at=at(hour),
        session_id=session_id,
        reads=[read(author, hour), *reads] if author else list(reads),
    )


def test_the_patient_sees_who_wrote_who_read_and_what_is_new():
    thread = [
        message(2, TERRY, 10, reads=[read(PAT, 11)]),
        message(1, PAT, 9, reads=[read(CLEO, 9), read(TERRY, 10)]),
        message(3, None, 12),
    ]
    view = thread_view(thread, PAT.id, LONDON, unread_ids={3}, session_times={})
    assert [m.id for m in view.messages] == [1, 2, 3]  # oldest first
    mine, reply, former = view.messages
    assert (mine.author, mine.mine) == ("You", True)
    # Names sorted; "first" is the earliest read, in the reader's zone (10:00 BST).
    assert mine.seen == "Seen by Cleo Hart, Terry Ward (first Wed 1 Jul 2026, 10:00)"
    assert (reply.author, reply.mine, reply.seen) == ("Terry Ward (physical therapist)", False, "")
    assert (former.author, former.new) == (FORMER, True)
    assert view.unread == 1


def test_nobody_has_seen_it_yet():
    view = thread_view([message(1, CLEO, 9)], CLEO.id, LONDON, set(), {})
    assert view.messages[0].seen == "Not seen yet"


def test_a_message_about_a_session_names_it_in_the_readers_zone():
    thread = [message(1, TERRY, 9, session_id=55)]
    view = thread_view(thread, PAT.id, LONDON, set(), {55: at(7, 30)})
    assert view.messages[0].session == "About the practice session of Wed 1 Jul 2026, 08:30"


def test_messages_are_fhir_communications():
    thread = [message(1, PAT, 9), message(2, TERRY, 10, session_id=11), message(3, None, 11)]
    bundle = fhir.bundle(hand_made_record(messages=thread))
    entries = Bundle.model_validate(bundle).entry
    notes = [e.resource for e in entries if e.resource.get_resource_type() == "Communication"]
    assert [n.payload[0].contentString for n in notes] == ["Message 1", "Message 2", "Message 3"]
    patient_urn = entries[0].fullUrl
    assert notes[0].sender.reference == patient_urn
    assert notes[1].sender.display == "Terry Ward (physical therapist)"
    assert notes[1].about[0].reference == fhir.urn("Observation/rating", 11)
    assert notes[2].sender.display == FORMER
    assert notes[0].sent == at(9)
