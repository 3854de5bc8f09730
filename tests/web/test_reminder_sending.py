"""The scheduler end to end on the sync jobs backend: the tick plans what fell due,
claims it and the sending job delivers it (e-mail to memory; Web Push replaced by a
recorder here, and by a real pywebpush call in tests/infrastructure/test_webpush.py)."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from retrain.companion import sending
from retrain.extensions import db
from retrain.infrastructure import links, mail, webpush
from retrain.models import DueReminder, PushSubscription, ReminderDelivery, ReminderSettings
from retrain.models.base import utcnow
from retrain.reminders import schedule
from retrain.usecases import reminder_delivery, reminder_tick
from retrain.usecases.local_time import zone_for

from ..conftest import POSTGRES_URL
from .practice_helpers import add_session
from .reminder_helpers import add_device, set_reminders


def push_patient(factories):
    """A patient with notifications on, due a minute ago, on one device."""
    patient = factories.make_patient()
    set_reminders(patient, push=True, email=False)
    add_device(patient)
    return patient


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def deliveries():
    return db.session.scalars(select(ReminderDelivery).order_by(ReminderDelivery.id)).all()


@pytest.fixture
def pushes(monkeypatch):
    """Web Push calls recorded instead of sent; set ``pushes.error`` to make them fail."""

    class Recorder(list):
        error = None

    sent = Recorder()

    def fake_send(endpoint, p256dh, auth, payload, ttl):
        if sent.error is not None:
            raise sent.error
        sent.append((endpoint, payload, ttl))

    monkeypatch.setattr(webpush, "send", fake_send)
    return sent


def test_a_due_reminder_is_e_mailed_once_with_no_clinical_text(app, factories):
    patient = factories.make_patient(name="Sam Rivers")
    set_reminders(patient, email=True)
    sending.tick()
    sending.tick()  # the next minute: nothing new
    (message,) = mail.sent_messages()
    assert message["To"] == patient.user.email
    assert message["Subject"] == "Time for your facial exercises"
    text = message.get_body(("plain",)).get_content()
    assert "/reminders/opened/" in text and "/reminders/stop/" in text
    assert "Sam" not in text and "synkinesis" not in text.lower()
    # Mail programs offer the same stop page as their own "Unsubscribe".
    stop = message["List-Unsubscribe"].strip("<>")
    assert "/reminders/stop/" in stop and stop.startswith("http") and stop in text
    (reminder,) = db.session.scalars(select(DueReminder)).all()
    assert reminder.status == "sent" and reminder.slot == 1
    (delivery,) = deliveries()
    assert (delivery.channel, delivery.status, delivery.attempts) == ("email", "sent", 1)
    settings = db.session.get(ReminderSettings, patient.id)
    assert settings.reached_by == "email" and settings.reached_at == delivery.sent_at


def test_push_goes_to_every_device_with_links_and_a_time_to_live(app, factories, pushes):
    patient = factories.make_patient()
    set_reminders(patient, push=True, email=False, minutes_ago=5)
    add_device(patient, "https://fcm.googleapis.com/fcm/send/a")
    add_device(patient, "https://updates.push.services.mozilla.com/wpush/v2/b")
    sending.tick()
    assert sorted(endpoint for endpoint, _, _ in pushes) == [
        "https://fcm.googleapis.com/fcm/send/a",
        "https://updates.push.services.mozilla.com/wpush/v2/b",
    ]
    _, payload, ttl = pushes[0]
    assert payload["title"] == "Time for your facial exercises"
    assert payload["open"].startswith("/reminders/opened/")
    assert payload["shown"].startswith("/reminders/receipt/") and payload["shown"].endswith(
        "/shown"
    )
    assert 55 * 60 - 60 <= ttl <= 55 * 60  # until the reminder would be an hour late
    assert {d.status for d in deliveries()} == {"sent"}


def _minute(moment, zone):
    return moment.astimezone(zone).time().replace(second=0, microsecond=0)


@pytest.mark.parametrize("reason", ["paused", "quiet", "practised", "no channel"])
def test_a_reminder_not_to_send_is_recorded_with_its_reason(app, factories, pushes, reason):
    patient = factories.make_patient()
    settings = set_reminders(patient, email=reason != "no channel")
    now, zone = utcnow(), zone_for(patient.user)
    if reason == "paused":
        settings.resume_on = now.astimezone(zone).date() + timedelta(days=1)
    elif reason == "quiet":
        settings.quiet_from = _minute(now - timedelta(minutes=30), zone)
        settings.quiet_until = _minute(now + timedelta(minutes=30), zone)
    elif reason == "practised":
        add_session(patient.id, now - timedelta(minutes=10))
    else:
        settings.push_on = True  # but no device has said yes
    db.session.commit()
    sending.tick()
    (reminder,) = db.session.scalars(select(DueReminder)).all()
    assert (reminder.status, reminder.reason) == ("skipped", reason)
    assert deliveries() == [] and mail.sent_messages() == [] and pushes == []


def test_a_session_logged_after_the_reminder_was_planned_stops_its_retry(app, factories, pushes):
    patient = push_patient(factories)
    pushes.error = webpush.PushFailed("http 503")
    sending.tick()
    (delivery,) = deliveries()
    assert (delivery.status, delivery.attempts, delivery.error) == ("pending", 1, "http 503")
    add_session(patient.id, utcnow())
    pushes.error = None
    sending.tick(utcnow() + timedelta(minutes=1))  # the retry is due
    db.session.expire_all()
    assert (deliveries()[0].status, deliveries()[0].error) == ("skipped", "practised")
    assert pushes == []


def test_failures_are_retried_with_backoff_then_recorded_as_failed(app, factories, pushes):
    push_patient(factories)
    pushes.error = webpush.PushFailed("timeout")
    start = utcnow()
    sending.tick(start)
    waits = []  # each retry's delay after its try (the tries all run at about `start`)
    for _ in range(schedule.MAX_ATTEMPTS - 1):
        db.session.expire_all()
        delivery = deliveries()[0]
        waits.append(round((delivery.next_attempt_at - start).total_seconds() / 60))
        sending.tick(delivery.next_attempt_at)
    db.session.expire_all()
    delivery = deliveries()[0]
    assert waits == [1, 2, 4, 8]
    assert (delivery.status, delivery.attempts, delivery.error) == ("failed", 5, "timeout")
    assert db.session.scalar(select(DueReminder.status)) == "failed"


def test_a_retry_succeeds(app, factories, pushes):
    push_patient(factories)
    pushes.error = webpush.PushFailed("http 429")
    sending.tick()
    pushes.error = None
    sending.tick(utcnow() + timedelta(minutes=1))
    db.session.expire_all()
    (delivery,) = deliveries()
    assert (delivery.status, delivery.attempts) == ("sent", 2) and len(pushes) == 1


def test_a_dead_device_is_removed_and_the_patient_told(app, factories, client, pushes):
    from ..conftest import login

    patient = factories.make_patient()
    set_reminders(patient, push=True, email=True)
    add_device(patient)
    pushes.error = webpush.PushGone("http 410")
    sending.tick()
    assert count(PushSubscription) == 0
    statuses = sorted((d.channel, d.status) for d in deliveries())
    assert statuses == [("email", "sent"), ("push", "gone")]
    assert db.session.get(ReminderSettings, patient.id).push_lost_at is not None
    login(client, patient.user.email)
    page = client.get("/reminders").get_data(as_text=True)
    assert "Notifications stopped reaching one of your devices" in page


def test_a_refusal_is_not_retried(app, factories, pushes):
    push_patient(factories)
    pushes.error = webpush.PushRefused("http 403")
    sending.tick()
    sending.tick(utcnow() + timedelta(minutes=5))
    (delivery,) = deliveries()
    assert (delivery.status, delivery.attempts, delivery.error) == ("failed", 1, "http 403")


def test_a_claim_left_by_a_dead_worker_is_taken_again(app, factories, monkeypatch):
    patient = factories.make_patient()
    set_reminders(patient)
    monkeypatch.setattr(sending.jobs, "enqueue", lambda *args: None)  # the worker died
    now = utcnow()
    sending.tick(now)
    assert deliveries()[0].status == "sending"
    assert reminder_tick.claim(now + timedelta(minutes=5)) == []  # still its own
    (again,) = reminder_tick.claim(now + reminder_tick.STALE_CLAIM + timedelta(seconds=1))
    db.session.expire_all()
    assert deliveries()[0].attempts == 1 and again == deliveries()[0].id


def test_receipts_mark_the_patient_reached(app, factories, client, pushes):
    from ..conftest import login

    patient = push_patient(factories)
    sending.tick()
    (delivery,) = deliveries()
    token = links.sign("delivery", delivery.id)
    assert client.post(f"/reminders/receipt/{token}/shown").status_code == 204
    own = app.test_client()  # the patient's page says what reached them, and how
    login(own, patient.user.email)
    local = delivery.sent_at.astimezone(zone_for(patient.user))
    page = own.get("/reminders").get_data(as_text=True)
    assert f"Last reminder: {local:%A %H:%M} by notification: shown" in page
    response = client.get(f"/reminders/opened/{token}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/today")
    db.session.expire_all()
    delivery = deliveries()[0]
    assert delivery.shown_at is not None and delivery.opened_at >= delivery.shown_at
    settings = db.session.get(ReminderSettings, patient.id)
    assert settings.reached_by == "push" and settings.reached_at == delivery.opened_at
    page = own.get("/reminders").get_data(as_text=True)
    assert f"Last reminder: {local:%A %H:%M} by notification: opened" in page
    forged = links.sign("stop", delivery.id)  # a token for another purpose
    assert client.post(f"/reminders/receipt/{forged}/shown").status_code == 404
    assert client.post("/reminders/receipt/nonsense/shown").status_code == 404


def test_no_reminders_for_a_closed_account(app, factories):
    patient = factories.make_patient()
    set_reminders(patient)
    patient.user.active = False
    db.session.commit()
    sending.tick()
    assert count(DueReminder) == 0 and mail.sent_messages() == []


def test_two_ticks_at_once_make_and_send_each_reminder_once(app, factories):
    """Two schedulers in two threads, each with its own database session. On PostgreSQL
    both reach the insert together (a barrier holds each until the other arrives), so
    the unique key and ON CONFLICT DO NOTHING decide; on SQLite BEGIN IMMEDIATE makes
    the second wait for the first's commit (its barrier gives up: it cannot arrive)."""
    patients = [factories.make_patient() for _ in range(5)]
    for patient in patients:
        set_reminders(patient)
    now = utcnow()
    barrier = threading.Barrier(2)
    met, errors = [], []
    original = reminder_tick._insert_new

    def insert_together(rows, when):
        try:
            barrier.wait(timeout=3)
            met.append(True)
        except threading.BrokenBarrierError:
            met.append(False)
        return original(rows, when)

    def one_tick():
        try:
            with app.app_context():
                sending.tick(now)
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    reminder_tick._insert_new = insert_together
    try:
        threads = [threading.Thread(target=one_tick) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        reminder_tick._insert_new = original
    assert errors == []
    if POSTGRES_URL:
        assert met == [True, True]  # the two inserts really overlapped
    assert count(DueReminder) == 5 and count(ReminderDelivery) == 5
    assert sorted(m["To"] for m in mail.sent_messages()) == sorted(p.user.email for p in patients)


def test_the_tick_command_reports_the_deliveries(app, factories, runner):
    patient = factories.make_patient()
    set_reminders(patient)
    result = runner.invoke(args=["reminders", "tick"])
    assert result.exit_code == 0 and "1 sent" in result.output


def test_the_tick_is_a_periodic_job_every_minute():
    """The workers (RQ) and make run's thread run it; nothing else starts it."""
    from retrain.infrastructure import jobs_base

    assert jobs_base.PERIODIC["retrain.companion.sending:tick"] == 60


def test_an_unknown_outcome_is_a_programming_error(app):
    with pytest.raises(ValueError, match="unknown outcome"):
        reminder_delivery.finish(1, "maybe", None, utcnow())
