"""Programme versions, the builder, and templates (through the test client, CSRF on)."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from retrain.errors import Invalid, NotFound
from retrain.extensions import db
from retrain.models import Exercise, Programme, ProgrammeItem
from retrain.models.base import utcnow
from retrain.usecases import programme_reads, programme_templates, programmes
from retrain.usecases.local_time import patient_today

from ..conftest import post_form


def library(n=3):
    return list(
        db.session.scalars(
            select(Exercise).where(Exercise.retired_at.is_(None)).order_by(Exercise.id).limit(n)
        )
    )


def item(exercise_id, **dose):
    return {
        "exercise_id": exercise_id,
        "reps": 10,
        "sets": 1,
        "hold_seconds": 3,
        "rest_seconds": 5,
        "times_per_day": 2,
        "days_per_week": 7,
        "note": "",
        **dose,
    }


def builder_data(rows, *, starts_on, note="", press="submit"):
    data = {"starts_on": starts_on.isoformat(), "note": note, press: "y"}
    for index, row in enumerate(rows):
        for key, value in row.items():
            if value is not None and value is not False:
                data[f"items-{index}-{key}"] = str(value)
    return data


def programme_count(patient_id=None):
    query = select(func.count(Programme.id))
    if patient_id is not None:
        query = query.where(Programme.patient_id == patient_id)
    return db.session.scalar(query)


@pytest.fixture
def team(as_user, factories):
    """A logged-in therapist and a patient on their care team."""
    therapist = as_user("therapist")
    patient = factories.make_patient(care_team=[therapist])
    return therapist, patient


def edit_url(patient_id):
    return f"/patients/{patient_id}/programme/edit"


# Versions -------------------------------------------------------------------------------


def test_builder_saves_the_first_version_with_its_items(client, team):
    therapist, patient = team
    first, second = library(2)
    today = patient_today(patient.id)
    page = client.get(edit_url(patient.id))
    assert page.status_code == 200
    assert f'value="{first.id}"' in page.get_data(as_text=True)

    rows = [
        item(first.id, reps=12, sets=2, note="Small movements"),
        item(second.id, hold_seconds=0),
        {},  # the blank row is skipped
    ]
    response = post_form(
        client, edit_url(patient.id), builder_data(rows, starts_on=today, note="Start gently")
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/patients/{patient.id}"

    saved = programme_reads.current_programme(patient.id)
    assert (saved.version, saved.starts_on, saved.ended_on) == (1, today, None)
    assert saved.note == "Start gently" and saved.created_by_id == therapist.id
    assert [
        (i.position, i.exercise_id, i.reps, i.sets, i.hold_seconds, i.note) for i in saved.items
    ] == [(1, first.id, 12, 2, 3, "Small movements"), (2, second.id, 10, 1, 0, None)]
    assert "is saved" in client.get(f"/patients/{patient.id}").get_data(as_text=True)


def test_builder_is_prefilled_with_the_current_programme(client, team):
    therapist, patient = team
    first, second = library(2)
    programmes.save_programme(
        therapist, patient.id, patient_today(patient.id), [item(second.id, reps=17)]
    )
    html = client.get(edit_url(patient.id)).get_data(as_text=True)
    assert 'name="items-0-reps"' in html and 'value="17"' in html
    assert f'<input type="hidden" name="items-0-exercise_id" value="{second.id}">' in html
    assert 'name="items-1-exercise_id"' not in html  # more are added with the picker


def test_a_new_version_ends_the_old_one_and_keeps_the_history(app, team):
    therapist, patient = team
    first, second, third = library(3)
    today = patient_today(patient.id)
    old = programmes.save_programme(
        therapist, patient.id, today - timedelta(days=10), [item(first.id), item(second.id)]
    )
    new = programmes.save_programme(
        therapist, patient.id, today, [item(third.id, reps=5)], "Harder now"
    )

    history = programme_reads.programme_history(patient.id)
    assert [p.id for p in history] == [new.id, old.id]
    assert (history[1].version, history[1].ended_on) == (1, today - timedelta(days=1))
    assert (history[0].version, history[0].starts_on, history[0].ended_on) == (2, today, None)
    assert [i.exercise_id for i in history[1].items] == [first.id, second.id]  # unchanged
    assert [(i.exercise_id, i.reps) for i in history[0].items] == [(third.id, 5)]
    assert programme_reads.current_programme(patient.id).id == new.id


def test_a_second_version_on_the_same_day_replaces_the_first_but_keeps_it(app, team):
    therapist, patient = team
    (first,) = library(1)
    today = patient_today(patient.id)
    old = programmes.save_programme(therapist, patient.id, today, [item(first.id, reps=3)])
    new = programmes.save_programme(therapist, patient.id, today, [item(first.id, reps=4)])
    db.session.refresh(old)
    assert old.ended_on == today - timedelta(days=1) < old.starts_on  # never in force
    assert programme_reads.current_programme(patient.id).id == new.id
    assert [p.version for p in programme_reads.programme_history(patient.id)] == [2, 1]


def test_a_version_may_not_start_before_the_current_one(app, team):
    therapist, patient = team
    (first,) = library(1)
    today = patient_today(patient.id)
    programmes.save_programme(therapist, patient.id, today, [item(first.id)])
    with pytest.raises(Invalid) as caught:
        programmes.save_programme(
            therapist, patient.id, today - timedelta(days=1), [item(first.id)]
        )
    assert caught.value.field == "starts_on"
    assert programme_count(patient.id) == 1


def test_two_saves_at_once_never_share_a_version(app, team, monkeypatch):
    therapist, patient = team
    (first,) = library(1)
    today = patient_today(patient.id)
    programmes.save_programme(therapist, patient.id, today, [item(first.id)])
    real = programmes._next_version
    calls = []

    def stale_once(patient_id):
        calls.append(patient_id)
        # The first try reads the number another therapist has just taken.
        return 1 if len(calls) == 1 else real(patient_id)

    monkeypatch.setattr(programmes, "_next_version", stale_once)
    saved = programmes.save_programme(therapist, patient.id, today, [item(first.id, reps=9)])
    assert len(calls) == 2 and saved.version == 2
    assert sorted(p.version for p in programme_reads.programme_history(patient.id)) == [1, 2]


def test_a_save_that_collides_twice_reports_it_and_writes_nothing(app, team, monkeypatch):
    therapist, patient = team
    (first,) = library(1)
    today = patient_today(patient.id)
    programmes.save_programme(therapist, patient.id, today, [item(first.id)])
    monkeypatch.setattr(programmes, "_next_version", lambda patient_id: 1)
    with pytest.raises(Invalid) as caught:
        programmes.save_programme(therapist, patient.id, today, [item(first.id, reps=9)])
    assert caught.value.message == programmes.CONCURRENT_SAVE
    (only,) = programme_reads.programme_history(patient.id)
    assert only.version == 1 and only.ended_on is None and only.items[0].reps == 10


# Validation through the builder ----------------------------------------------------------


def test_out_of_range_reps_is_shown_beside_the_field_and_nothing_saved(client, team):
    _, patient = team
    first, second = library(2)
    data = builder_data(
        [item(first.id), item(second.id, reps=0)], starts_on=patient_today(patient.id)
    )
    response = post_form(client, edit_url(patient.id), data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="items-1-reps-error"' in html
    assert "Repetitions must be from 1 to 100." in html
    assert "Please check the highlighted field" in html  # the summary at the top
    assert programme_count() == 0


def test_unknown_and_retired_exercises_are_refused(client, team):
    _, patient = team
    first, retired = library(2)
    retired.retired_at = utcnow()
    db.session.commit()
    data = builder_data(
        [item(first.id), item(999_999), item(retired.id)], starts_on=patient_today(patient.id)
    )
    html = post_form(client, edit_url(patient.id), data).get_data(as_text=True)
    assert "That exercise is not in the library." in html
    assert f"“{retired.name}” has been retired from the library." in html
    assert 'id="items-1-exercise_id-error"' in html and 'id="items-2-exercise_id-error"' in html
    assert programme_count() == 0


def test_a_programme_without_exercises_is_refused(client, team):
    _, patient = team
    (first,) = library(1)
    rows = [{}, item(first.id, remove="y")]  # one blank row, one removed row
    response = post_form(
        client, edit_url(patient.id), builder_data(rows, starts_on=patient_today(patient.id))
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Add at least one exercise." in html and 'href="#items-heading"' in html
    assert programme_count() == 0


def test_a_start_date_in_the_future_is_refused(client, team):
    _, patient = team
    (first,) = library(1)
    tomorrow = patient_today(patient.id) + timedelta(days=1)
    html = post_form(
        client, edit_url(patient.id), builder_data([item(first.id)], starts_on=tomorrow)
    ).get_data(as_text=True)
    assert 'id="starts_on-error"' in html and "cannot be in the future" in html
    assert programme_count() == 0


def test_removed_rows_are_left_out_and_blank_doses_use_the_defaults(client, team):
    _, patient = team
    first, second = library(2)
    rows = [item(first.id, remove="y"), {"exercise_id": second.id}]
    response = post_form(
        client, edit_url(patient.id), builder_data(rows, starts_on=patient_today(patient.id))
    )
    assert response.status_code == 302
    (saved,) = programme_reads.current_programme(patient.id).items
    assert (saved.exercise_id, saved.reps, saved.hold_seconds, saved.rest_seconds) == (
        second.id,
        second.default_reps,
        second.default_hold_seconds,
        second.default_rest_seconds,
    )
    assert (saved.sets, saved.times_per_day, saved.days_per_week) == (1, 1, 7)


def test_the_picker_adds_a_row_with_the_programmes_how_often_and_saves_nothing(client, team):
    _, patient = team
    first, second, third = library(3)
    rows = [
        item(first.id, times_per_day=3, days_per_week=5),
        item(second.id, times_per_day=3, days_per_week=5),
    ]
    data = builder_data(rows, starts_on=patient_today(patient.id), press="add_exercise")
    data["add_exercise"] = str(third.id)
    response = post_form(client, edit_url(patient.id), data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<input type="hidden" name="items-2-exercise_id" value="{third.id}">' in html
    assert 'name="items-3-exercise_id"' not in html
    # "How often" follows the rows already there, not the 1-a-day default.
    assert re.search(r'name="items-2-times_per_day"[^>]*value="3"', html)
    assert re.search(r'name="items-2-days_per_week"[^>]*value="5"', html)
    # The dose fields show the exercise's own defaults as placeholders.
    assert re.search(rf'name="items-2-reps" placeholder="{third.default_reps}"', html)
    assert programme_count() == 0


def test_one_picker_grouped_by_region_replaces_the_dropdown_in_every_row(client, team):
    _, patient = team
    exercises = library(3)
    html = client.get(edit_url(patient.id)).get_data(as_text=True)
    assert "<select" not in html.split('id="items-heading"')[1]  # no per-row dropdown
    assert html.count('name="add_exercise"') >= len(exercises)
    assert 'id="exercise-search"' in html and "js/programme_builder.js" in html


@pytest.mark.parametrize("picked", ["abc", "999999", "\u00e9", "1" * 40])
def test_a_stray_pick_adds_no_row(client, team, picked):
    _, patient = team
    (first,) = library(1)
    data = builder_data([item(first.id)], starts_on=patient_today(patient.id))
    del data["submit"]
    data["add_exercise"] = picked
    response = post_form(client, edit_url(patient.id), data)
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 422)
    assert 'name="items-1-exercise_id"' not in html
    assert programme_count() == 0


def test_not_a_number_is_refused_by_the_form(client, team):
    _, patient = team
    (first,) = library(1)
    data = builder_data([item(first.id, sets="two")], starts_on=patient_today(patient.id))
    html = post_form(client, edit_url(patient.id), data).get_data(as_text=True)
    assert 'id="items-0-sets-error"' in html
    assert programme_count() == 0


# Access -----------------------------------------------------------------------------------


def test_clinician_cannot_edit_a_programme_403(client, as_user, factories):
    """Programme writing is for therapists (access.PRESCRIBE): a clinician gets 403 for
    the builder, whichever patient, because the whole page belongs to another role."""
    clinician = as_user("clinician")
    patient = factories.make_patient(care_team=[clinician])
    (first,) = library(1)
    assert client.get(edit_url(patient.id)).status_code == 403
    data = builder_data([item(first.id)], starts_on=patient_today(patient.id))
    response = post_form(client, edit_url(patient.id), data, page=f"/patients/{patient.id}")
    assert response.status_code == 403
    assert programme_count() == 0
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert edit_url(patient.id) not in page


def test_the_service_refuses_a_therapist_off_the_care_team(app, factories):
    outsider = factories.make_user("therapist")
    patient = factories.make_patient()
    (first,) = library(1)
    with pytest.raises(Exception) as caught:
        programmes.save_programme(outsider, patient.id, patient_today(patient.id), [item(first.id)])
    assert isinstance(caught.value, NotFound)
    assert programme_count() == 0


# Templates -----------------------------------------------------------------------------


def template_data(rows, title="Early recovery", note="", press="submit"):
    data = {"title": title, "note": note, press: "y"}
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"items-{index}-{key}"] = str(value)
    return data


def test_a_template_applied_to_two_patients_gives_each_their_own_copy(client, as_user, factories):
    therapist = as_user("therapist")
    anna = factories.make_patient(care_team=[therapist], name="Anna")
    ben = factories.make_patient(care_team=[therapist], name="Ben")
    first, second = library(2)
    response = post_form(
        client,
        "/therapist/templates/new",
        template_data([item(first.id, reps=6), item(second.id, days_per_week=5)], note="Daily"),
    )
    assert response.status_code == 302
    template = db.session.scalar(select(Programme).where(Programme.patient_id.is_(None)))
    assert template.title == "Early recovery" and template.created_by_id == therapist.id

    for patient in (anna, ben):
        response = post_form(
            client,
            f"/therapist/templates/{template.id}/apply",
            {"patient_id": patient.id},
            page="/therapist/templates",
        )
        assert response.status_code == 302
        assert response.headers["Location"] == f"/patients/{patient.id}"

    copies = [programme_reads.current_programme(p.id) for p in (anna, ben)]
    for copy in copies:
        assert copy.version == 1 and copy.starts_on == patient_today(copy.patient_id)
        assert copy.note == "From the template “Early recovery”.\nDaily"
        assert [(i.exercise_id, i.reps, i.days_per_week) for i in copy.items] == [
            (first.id, 6, 7),
            (second.id, 10, 5),
        ]
    item_ids = [i.id for copy in copies for i in copy.items]
    assert len(set(item_ids)) == 4  # copied rows, not shared

    # Changing the template later leaves the patients' programmes alone.
    post_form(
        client,
        f"/therapist/templates/{template.id}/edit",
        template_data([item(first.id, reps=20)], title="Renamed"),
    )
    db.session.expire_all()
    assert [i.reps for i in programme_reads.current_programme(anna.id).items] == [6, 10]
    assert programme_reads.get_template(template.id).title == "Renamed"


def test_the_builder_can_start_from_a_template(client, team):
    therapist, patient = team
    first, second = library(2)
    template = programme_templates.save_template(therapist, "Smile work", [item(second.id, reps=7)])
    html = client.get(f"{edit_url(patient.id)}?template={template.id}").get_data(as_text=True)
    hidden = f'<input type="hidden" name="items-0-exercise_id" value="{second.id}">'
    assert hidden in html and 'value="7"' in html
    assert programme_count(patient.id) == 0  # nothing saved by looking


def test_only_the_author_changes_or_deletes_a_template(client, as_user, factories):
    author = factories.make_user("therapist")
    (first,) = library(1)
    template = programme_templates.save_template(author, "Brow", [item(first.id)])
    as_user("therapist")
    listing = client.get("/therapist/templates").get_data(as_text=True)
    assert "Brow" in listing and f"/therapist/templates/{template.id}/edit" not in listing
    assert client.get(f"/therapist/templates/{template.id}/edit").status_code == 403
    edit = post_form(
        client,
        f"/therapist/templates/{template.id}/edit",
        template_data([item(first.id)], title="Taken over"),
        page="/therapist/templates",
    )
    delete = post_form(
        client, f"/therapist/templates/{template.id}/delete", {}, page="/therapist/templates"
    )
    assert edit.status_code == delete.status_code == 403
    db.session.expire_all()
    assert programme_reads.get_template(template.id).title == "Brow"


def test_the_author_deletes_a_template(client, as_user):
    therapist = as_user("therapist")
    (first,) = library(1)
    template = programme_templates.save_template(therapist, "Brow", [item(first.id)])
    response = post_form(
        client, f"/therapist/templates/{template.id}/delete", {}, page="/therapist/templates"
    )
    assert response.status_code == 302
    assert programme_count() == 0
    assert db.session.scalar(select(func.count(ProgrammeItem.id))) == 0


def test_a_template_needs_a_title_and_an_exercise(client, as_user):
    as_user("therapist")
    response = post_form(client, "/therapist/templates/new", template_data([{}], title=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Give the template a title." in html
    assert programme_count() == 0


def test_a_template_cannot_be_applied_to_a_patient_off_the_care_team(client, as_user, factories):
    therapist = as_user("therapist")
    stranger = factories.make_patient(care_team=[factories.make_user("therapist")])
    (first,) = library(1)
    template = programme_templates.save_template(therapist, "Brow", [item(first.id)])
    response = post_form(
        client,
        f"/therapist/templates/{template.id}/apply",
        {"patient_id": stranger.id},
        page="/therapist/templates",
    )
    assert response.status_code == 404
    assert programme_count(stranger.id) == 0


def test_a_patient_programme_is_not_reachable_as_a_template(client, team):
    therapist, patient = team
    (first,) = library(1)
    own = programmes.save_programme(
        therapist, patient.id, patient_today(patient.id), [item(first.id)]
    )
    assert client.get(f"/therapist/templates/{own.id}/edit").status_code == 404
    delete = post_form(
        client, f"/therapist/templates/{own.id}/delete", {}, page="/therapist/templates"
    )
    apply = post_form(
        client,
        f"/therapist/templates/{own.id}/apply",
        {"patient_id": patient.id},
        page="/therapist/templates",
    )
    assert delete.status_code == apply.status_code == 404
    assert [p.id for p in programme_reads.programme_history(patient.id)] == [own.id]
