"""Live feedback's numbers on the care team's pages (issue 15 phase 2, part 4): the
therapist's patient page shows each session's figures in its log (from the log's own
query) and the weekly trend per exercise of the last eight weeks, and links to every
week on the progress page; the clinician's review shows them per cycle beside the SAQ."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from retrain.extensions import db
from retrain.models import Exercise, PracticeItem
from retrain.usecases.local_time import patient_today

from .practice_helpers import add_session
from .test_review_first_screen import record  # noqa: F401 - the fixture


def add_live(patient_id, days_ago, scored, clean, median, slug="closed-lip-smile"):
    exercise = db.session.scalar(select(Exercise).where(Exercise.slug == slug))
    day = patient_today(patient_id) - timedelta(days=days_ago)
    session = add_session(patient_id, datetime(day.year, day.month, day.day, 12, tzinfo=UTC))
    db.session.add(
        PracticeItem(
            session_id=session.id,
            exercise_id=exercise.id,
            reps_done=scored,
            sets_done=1,
            live_reps_scored=scored,
            live_clean_reps=clean,
            live_median_hold_back=median,
            live_fps=12.0,
        )
    )
    db.session.commit()
    return exercise


def test_the_therapist_sees_the_trend_per_exercise(client, as_user, factories):
    therapist = as_user("therapist")
    patient = factories.make_patient(care_team=[therapist])
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert f'href="/patients/{patient.id}/progress#live-heading"' in page
    page = client.get(f"/patients/{patient.id}/progress").get_data(as_text=True)
    assert "No session with live feedback yet." in page

    smile = add_live(patient.id, 14, scored=10, clean=4, median=0.31)
    add_live(patient.id, 0, scored=10, clean=9, median=0.12)
    page = client.get(f"/patients/{patient.id}/progress").get_data(as_text=True)
    section = page[page.index('id="live-heading"') :]
    assert smile.name in section and 'id="live-chart-' in section
    assert "4 of 10 (40 %)" in section and "9 of 10 (90 %)" in section
    assert "31 % of the eye opening" in section and "12 % of the eye opening" in section
    # The patient page's session log carries each session's live figures (same query).
    log = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    log = log[log.index('id="sessions-heading"') :]
    assert "9 of 10 reps within the limit" in log and "4 of 10 reps within the limit" in log


def test_the_patient_page_shows_the_last_eight_weeks_trend(client, as_user, factories):
    therapist = as_user("therapist")
    patient = factories.make_patient(care_team=[therapist])
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert 'id="live-heading"' not in page  # nothing measured: no empty section

    smile = add_live(patient.id, 70, scored=10, clean=1, median=0.5)  # ten weeks ago
    add_live(patient.id, 14, scored=10, clean=4, median=0.31)
    add_live(patient.id, 0, scored=10, clean=9, median=0.12)
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    section = page[page.index('id="live-heading"') :]
    section = section[: section.index("</section>")]
    assert smile.name in section and 'id="live-chart-' in section
    assert "The last eight weeks." in section
    assert "4 of 10 (40 %)" in section and "9 of 10 (90 %)" in section
    assert "1 of 10" not in section  # older than the chart's eight weeks
    # Its key as text too, for a phone, where the chart's own legend scrolls away.
    key = section[section.index('class="chart-key"') :]
    assert "Clean repetitions, % of measured" in key[: key.index("</ul>")]


def test_a_therapist_off_the_care_team_gets_404(client, as_user, factories):
    as_user("therapist")
    patient = factories.make_patient()
    add_live(patient.id, 0, scored=10, clean=9, median=0.12)
    assert client.get(f"/patients/{patient.id}/progress").status_code == 404


def test_the_review_shows_live_numbers_beside_the_saq_per_cycle(client, record):  # noqa: F811
    add_live(record.id, 150, scored=8, clean=2, median=0.4)  # cycle 1 (day 200 to 101)
    add_live(record.id, 50, scored=8, clean=7, median=0.1)  # cycle 2 (day 100 on)
    html = client.get(f"/patients/{record.id}/review").get_data(as_text=True)
    section = html[html.index('id="live-cycles-heading"') :]
    section = section[: section.index("</section>")]
    rows = section.split("<tr>")[2:]  # newest first
    assert "2 ·" in rows[0] and "clean 7 of 8 (88 %)" in rows[0]
    assert "1 ·" in rows[1] and "clean 2 of 8 (25 %)" in rows[1]
    # Beside each cycle's SAQ response, in the same row.
    assert '<td data-label="SAQ response">30.0 (50 %)</td>' in rows[0]
    assert "-20.0 (-50 %): worse" in rows[1]
    assert "40 % of the eye opening" in rows[1]
