"""The exercise library pages, through the test client with CSRF on."""

import pytest
from sqlalchemy import func, select

from retrain.extensions import db
from retrain.models import Exercise
from retrain.usecases import exercises as library

from ..conftest import csrf_token, post_form

GOOD = {
    "name": "Cheek puff, eye soft",
    "region": "cheeks and smile",
    "purpose": "Helps the lips seal while the eye stays open.",
    "instructions": "Fill your cheeks with air.\nHold gently.\nLet the air out slowly.",
    "hold_back": "Keep your eye open and soft.",
    "default_reps": "6",
    "default_hold_seconds": "4",
    "default_rest_seconds": "8",
    "snapshot_expression": "",
}


def count() -> int:
    return db.session.scalar(select(func.count(Exercise.id)))


def builtin(slug: str = "gentle-brow-raise") -> Exercise:
    return db.session.scalar(select(Exercise).where(Exercise.slug == slug))


def make_own(author, **changes) -> Exercise:
    values = {**GOOD, "default_reps": 6, "default_hold_seconds": 4, "default_rest_seconds": 8}
    values.update(changes)
    return library.create_exercise(author, **values)


def snapshot(exercise_id: int) -> dict:
    db.session.expire_all()
    exercise = db.session.get(Exercise, exercise_id)
    return {key: getattr(exercise, key) for key in (*library.EDITABLE_FIELDS, "retired_at")}


# Who may see the library --------------------------------------------------------------


def test_anonymous_is_sent_to_login(client):
    response = client.get("/exercises/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["patient", "admin"])
def test_patients_and_admins_get_403(client, as_user, role):
    as_user(role)
    assert client.get("/exercises/").status_code == 403
    assert client.get(f"/exercises/{builtin().id}").status_code == 403
    assert client.get("/exercises/new").status_code == 403


def test_patient_cannot_create(client, as_user):
    as_user("patient")
    before = count()
    response = client.post(
        "/exercises/new", data={**GOOD, "csrf_token": csrf_token(client, "/today")}
    )
    assert response.status_code == 403
    assert count() == before


# Reading ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["therapist", "clinician"])
def test_staff_see_the_list_grouped_by_region(client, as_user, role):
    as_user(role)
    response = client.get("/exercises/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for heading in ("Brow", "Eyes", "Nose", "Cheeks and smile", "Lips", "Chin and neck"):
        assert f">{heading}</h2>" in html
    assert "Gentle brow raise" in html and "Built-in" in html
    assert "img/regions/chin-and-neck.svg" in html
    assert 'href="/exercises/new"' in html


def test_filter_by_region(client, as_user):
    as_user("therapist")
    html = client.get("/exercises/?region=eyes").get_data(as_text=True)
    assert "Gentle eye closure without smiling" in html
    assert "Gentle brow raise" not in html and "Pucker with eyes open" not in html
    assert ">Eyes</h2>" in html and ">Brow</h2>" not in html


def test_unknown_region_shows_a_message_and_everything(client, as_user):
    as_user("therapist")
    response = client.get("/exercises/?region=toes")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Choose one of the listed face regions." in html
    assert "Gentle brow raise" in html and "Pucker with eyes open" in html


def test_detail_shows_purpose_steps_hold_back_dose_and_picture(client, as_user):
    as_user("therapist")
    exercise = builtin("gentle-eye-closure")
    response = client.get(f"/exercises/{exercise.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert exercise.purpose in html
    for step in exercise.steps:
        assert f"<li>{step}</li>" in html
    assert exercise.hold_back in html
    assert f"<dd>{exercise.default_reps}</dd>" in html
    assert f"<dd>{exercise.default_hold_seconds} s</dd>" in html
    assert 'src="/static/img/regions/eyes.svg" alt=""' in html


def test_built_in_detail_has_no_edit_or_retire_button(client, as_user):
    as_user("therapist")
    exercise = builtin()
    html = client.get(f"/exercises/{exercise.id}").get_data(as_text=True)
    assert f"/exercises/{exercise.id}/edit" not in html
    assert f"/exercises/{exercise.id}/retire" not in html


def test_unknown_exercise_is_404(client, as_user):
    as_user("therapist")
    assert client.get("/exercises/999999").status_code == 404
    assert client.get("/exercises/999999/edit").status_code == 404


# Creating -----------------------------------------------------------------------------


def test_create_own_exercise(client, as_user):
    user = as_user("therapist")
    before = count()
    response = post_form(client, "/exercises/new", GOOD)
    assert response.status_code == 302
    assert count() == before + 1
    exercise = db.session.scalar(select(Exercise).where(Exercise.name == GOOD["name"]))
    assert response.headers["Location"].endswith(f"/exercises/{exercise.id}")
    assert exercise.author_id == user.id and not exercise.builtin and exercise.slug is None
    assert exercise.steps == [
        "Fill your cheeks with air.",
        "Hold gently.",
        "Let the air out slowly.",
    ]
    assert (exercise.default_reps, exercise.default_hold_seconds) == (6, 4)
    assert exercise.default_rest_seconds == 8 and exercise.snapshot_expression is None

    html = client.get(f"/exercises/{exercise.id}").get_data(as_text=True)
    assert "Yours" in html and f"/exercises/{exercise.id}/edit" in html
    listing = client.get("/exercises/?region=cheeks+and+smile").get_data(as_text=True)
    assert GOOD["name"] in listing


def test_create_ignores_mass_assigned_fields(client, as_user):
    user = as_user("clinician")
    post_form(client, "/exercises/new", {**GOOD, "builtin": "1", "slug": "x", "author_id": "1"})
    exercise = db.session.scalar(select(Exercise).where(Exercise.name == GOOD["name"]))
    assert exercise.author_id == user.id and not exercise.builtin and exercise.slug is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "Enter a name for the exercise."),
        ({"region": ""}, "Choose the face region this exercise works on."),
        ({"instructions": "  \n  "}, "Enter at least one step."),
        ({"hold_back": ""}, "Say what the patient should keep still while doing it."),
        ({"default_reps": ""}, "Enter a whole number from 1 to 100 repetitions."),
        ({"default_reps": "0"}, "Enter a whole number from 1 to 100 repetitions."),
        ({"default_reps": "101"}, "Enter a whole number from 1 to 100 repetitions."),
        ({"default_reps": "ten"}, "Enter a whole number from 1 to 100 repetitions."),
        ({"default_hold_seconds": "-1"}, "Enter a whole number from 0 to 120 seconds."),
        ({"default_rest_seconds": "121"}, "Enter a whole number from 0 to 120 seconds."),
    ],
)
def test_bad_values_show_a_message_and_save_nothing(client, as_user, changes, message):
    as_user("therapist")
    before = count()
    response = post_form(client, "/exercises/new", {**GOOD, **changes})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert html.count(message) == 1  # beside its field, once
    assert 'aria-invalid="true"' in html
    assert count() == before


def test_service_refusal_shows_beside_the_field(client, as_user):
    # Steps that pass the form but not the service (too many): message beside Steps.
    as_user("therapist")
    before = count()
    many = "\n".join(f"Step {n}." for n in range(25))
    html = post_form(client, "/exercises/new", {**GOOD, "instructions": many}).get_data(
        as_text=True
    )
    assert 'id="instructions-error"' in html and "20 steps or fewer" in html
    assert count() == before


def test_create_without_csrf_is_refused(client, as_user):
    as_user("therapist")
    before = count()
    assert client.post("/exercises/new", data=GOOD).status_code == 400
    assert count() == before


# Editing, retiring, restoring ---------------------------------------------------------


def test_edit_own_exercise(client, as_user):
    user = as_user("therapist")
    exercise = make_own(user)
    page = client.get(f"/exercises/{exercise.id}/edit").get_data(as_text=True)
    assert "Cheek puff, eye soft" in page and "Fill your cheeks with air.\nHold gently." in page
    changes = {**GOOD, "name": "Cheek puff", "default_reps": "12", "snapshot_expression": "pucker"}
    response = post_form(client, f"/exercises/{exercise.id}/edit", changes)
    assert response.status_code == 302
    after = snapshot(exercise.id)
    assert after["name"] == "Cheek puff" and after["default_reps"] == 12
    assert after["snapshot_expression"] == "pucker"


def test_edit_with_bad_value_changes_nothing(client, as_user):
    user = as_user("therapist")
    exercise = make_own(user)
    before = snapshot(exercise.id)
    response = post_form(
        client,
        f"/exercises/{exercise.id}/edit",
        {**GOOD, "name": "New", "default_hold_seconds": "500"},
    )
    assert response.status_code == 200
    assert "Enter a whole number from 0 to 120 seconds." in response.get_data(as_text=True)
    assert snapshot(exercise.id) == before


def test_retire_and_restore_own_exercise(client, as_user):
    user = as_user("therapist")
    exercise = make_own(user)

    response = post_form(
        client, f"/exercises/{exercise.id}/retire", {}, page=f"/exercises/{exercise.id}"
    )
    assert response.status_code == 302
    assert snapshot(exercise.id)["retired_at"] is not None
    assert db.session.get(Exercise, exercise.id) is not None  # never deleted
    assert GOOD["name"] not in client.get("/exercises/").get_data(as_text=True)
    with_retired = client.get("/exercises/?retired=1").get_data(as_text=True)
    assert GOOD["name"] in with_retired and "Retired" in with_retired
    assert exercise.id not in [e.id for e in library.choices_for_programme()]
    detail = client.get(f"/exercises/{exercise.id}").get_data(as_text=True)
    assert "Retired" in detail and f"/exercises/{exercise.id}/restore" in detail

    response = post_form(
        client, f"/exercises/{exercise.id}/restore", {}, page=f"/exercises/{exercise.id}"
    )
    assert response.status_code == 302
    assert snapshot(exercise.id)["retired_at"] is None
    assert GOOD["name"] in client.get("/exercises/").get_data(as_text=True)
    assert exercise.id in [e.id for e in library.choices_for_programme()]


def test_retiring_twice_says_so_and_keeps_the_first_date(client, as_user):
    user = as_user("therapist")
    exercise = make_own(user)
    library.retire_exercise(user, exercise.id)
    first = snapshot(exercise.id)["retired_at"]
    response = post_form(
        client,
        f"/exercises/{exercise.id}/retire",
        {},
        page=f"/exercises/{exercise.id}",
        follow_redirects=True,
    )
    assert "already retired" in response.get_data(as_text=True)
    assert snapshot(exercise.id)["retired_at"] == first


def test_retire_by_get_is_not_allowed(client, as_user):
    user = as_user("therapist")
    exercise = make_own(user)
    assert client.get(f"/exercises/{exercise.id}/retire").status_code == 405
    assert snapshot(exercise.id)["retired_at"] is None


@pytest.mark.parametrize("action", ["edit", "retire", "restore"])
def test_built_ins_are_read_only(client, as_user, action):
    as_user("therapist")
    exercise = builtin()
    before = snapshot(exercise.id)
    if action == "edit":
        assert client.get(f"/exercises/{exercise.id}/edit").status_code == 403
    response = post_form(
        client, f"/exercises/{exercise.id}/{action}", {**GOOD, "name": "Hacked"}, page="/exercises/"
    )
    assert response.status_code == 403
    assert snapshot(exercise.id) == before


@pytest.mark.parametrize("action", ["edit", "retire", "restore"])
def test_another_users_exercise_is_read_only(client, as_user, factories, action):
    colleague = factories.make_user("therapist")
    exercise = make_own(colleague)
    if action == "restore":
        library.retire_exercise(colleague, exercise.id)
    before = snapshot(exercise.id)
    as_user("clinician")
    html = client.get(f"/exercises/{exercise.id}").get_data(as_text=True)
    assert f"By {colleague.name}" in html and f"/exercises/{exercise.id}/edit" not in html
    if action == "edit":
        assert client.get(f"/exercises/{exercise.id}/edit").status_code == 403
    response = post_form(
        client, f"/exercises/{exercise.id}/{action}", {**GOOD, "name": "Hacked"}, page="/exercises/"
    )
    assert response.status_code == 403
    assert snapshot(exercise.id) == before


def test_staff_see_a_colleagues_exercise_in_the_list(client, as_user, factories):
    colleague = factories.make_user("therapist", name="Dana Colleague")
    make_own(colleague, name="Dana's lip exercise", region="lips")
    as_user("therapist")
    html = client.get("/exercises/?region=lips").get_data(as_text=True)
    assert "Dana&#39;s lip exercise" in html and "By Dana Colleague" in html


# Use-case rules, without the web ------------------------------------------------------


def test_may_edit(app, factories):
    author = factories.make_user("therapist")
    other = factories.make_user("therapist")
    patient = factories.make_user("patient")
    own = make_own(author)
    assert library.may_edit(author, own)
    assert not library.may_edit(other, own)
    assert not library.may_edit(patient, own)
    assert not library.may_edit(None, own)
    assert not library.may_edit(author, builtin())
    author.active = False
    assert not library.may_edit(author, own)


def test_update_by_another_user_raises_and_changes_nothing(app, factories):
    author = factories.make_user("therapist")
    other = factories.make_user("clinician")
    own = make_own(author)
    with pytest.raises(library.NotAllowed):
        library.update_exercise(other, own.id, name="Other")
    with pytest.raises(library.NotAllowed):
        library.update_exercise(author, builtin().id, name="Other")
    with pytest.raises(library.NotFound):
        library.update_exercise(author, 999_999, name="Other")
    assert snapshot(own.id)["name"] == GOOD["name"]


def test_choices_for_programme_are_active_ordered_by_region_then_name(app, factories):
    author = factories.make_user("therapist")
    retired = make_own(author, name="AAA retired", region="brow")
    library.retire_exercise(author, retired.id)
    make_own(author, name="aaa first brow", region="brow")
    choices = library.choices_for_programme()
    assert retired.id not in [e.id for e in choices]
    from retrain.models import REGIONS

    keys = [(REGIONS.index(e.region), e.name.lower()) for e in choices]
    assert keys == sorted(keys)
    assert choices[0].name == "aaa first brow"
