"""What a request costs before the page's own work (issue 17, part 2): at most two
statements (the login session with its user is one), nothing written and nothing
committed before the page; the page view's audit row is written after it; a login
session's last-seen time is written at most once a minute."""

from datetime import timedelta

from sqlalchemy import event, update

from retrain.extensions import db
from retrain.infrastructure import logins
from retrain.models import LoginSession
from retrain.models.base import utcnow

from ..conftest import login
from .practice_helpers import make_exercise, make_programme

WRITES = ("INSERT", "UPDATE", "DELETE", "COMMIT")
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def statements_around_the_view(app, client, url: str, endpoint: str):
    """(statements before the view function ran, statements from then on) of one GET."""
    seen: list[str] = []
    marks: list[int] = []
    view = app.view_functions[endpoint]

    def marked_view(*args, **kwargs):
        marks.append(len(seen))
        return view(*args, **kwargs)

    def record(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()).upper())

    app.view_functions[endpoint] = marked_view
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
        app.view_functions[endpoint] = view
    return seen[: marks[0]], seen[marks[0] :]


def patient_browser(app, factories):
    patient = factories.make_patient()
    make_programme(patient.id, [make_exercise()], times_per_day=1)
    client = app.test_client()
    assert login(client, patient.user.email).status_code == 302
    return patient, client


def test_today_costs_at_most_two_statements_before_its_own_work(app, factories):
    _, client = patient_browser(app, factories)
    client.get("/today")  # warm
    before, after = statements_around_the_view(app, client, "/today", "patient.today")
    queries = [s for s in before if not s.startswith(TRANSACTION_CONTROL)]
    assert len(queries) <= 2, before
    assert "FROM LOGIN_SESSIONS" in queries[0] and "JOIN USERS" in queries[0]
    assert not [s for s in before if s.startswith(WRITES)], before  # no audit commit first
    audit_inserts = [s for s in after if s.startswith("INSERT INTO AUDIT_EVENTS")]
    assert len(audit_inserts) == 1  # the page view, written after the page


def test_last_seen_is_written_at_most_once_a_minute(app, factories):
    patient, client = patient_browser(app, factories)

    def touches() -> int:
        """Last-seen writes in two requests in a row."""
        count = 0
        for _ in range(2):
            before, _ = statements_around_the_view(app, client, "/today", "patient.today")
            count += sum(s.startswith("UPDATE LOGIN_SESSIONS") for s in before)
        return count

    assert touches() == 0  # just logged in: seen less than a minute ago
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == patient.id)
        .values(last_seen_at=utcnow() - logins.TOUCH_EVERY - timedelta(seconds=1))
    )
    db.session.commit()
    assert touches() == 1  # the first request after a minute writes it, the next does not
