"""Deny by default (ASVS 8.1.1, 8.2.1, 8.2.2): every URL rule, anonymously and as each role.

Every HTML endpoint of the app must be listed in GET_STATUS (what each role gets with
records it may use) or POST_ONLY; a new route that is not classified fails
`test_every_route_is_classified`, so nobody can add a page without deciding who sees it.
"""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from retrain.extensions import db
from retrain.models import (
    AuditEvent,
    CareTeamMember,
    Exercise,
    InjectionSite,
    InjectionVisit,
    Invitation,
    LoginSession,
    Programme,
    ProgrammeItem,
    Snapshot,
)
from retrain.security import PUBLIC_ENDPOINTS

from ..conftest import csrf_from, login

ROLES = ("patient", "therapist", "clinician", "admin")
P, T, C, A = ROLES
ALL = dict.fromkeys(ROLES, 200)


def only(*roles, code=200, others=403):
    return {role: (code if role in roles else others) for role in ROLES}


STAFF = only(T, C)
# Status each role gets on GET, with its own (or shared) records in the URL.
GET_STATUS = {
    "main.index": dict.fromkeys(ROLES, 302),
    "auth.change_password": ALL,
    "patient.today": only(P),
    "patient.history": only(P),
    "patient.player": only(P),
    "patient.log_session": only(P),
    "patient.my_data": only(P),
    "patient.programme_sheet": only(P),
    "outcomes.my_progress": only(P),
    "outcomes.saq": only(P),
    "snapshots.gallery": only(P),
    "snapshots.consent": only(P),
    "snapshots.capture": only(P),
    "snapshots.delete_all": only(P),
    # Photos are patient records: 404 to anyone who may not see that patient.
    "snapshots.detail": ALL | {A: 404},
    "snapshots.analysis": ALL | {A: 404},
    "snapshots.image": ALL | {A: 404},
    "snapshots.thumbnail": ALL | {A: 404},
    "snapshots.aligned": ALL | {A: 404},
    "therapist.caseload": only(T),
    "therapist.new_patient": only(T),
    "therapist.templates": only(T),
    "therapist.new_template": only(T),
    "therapist.edit_template": only(T),
    "therapist.edit_programme": only(T),
    "therapist.patient": STAFF,
    "therapist.programme_sheet": STAFF,
    "clinician.caseload": only(C),
    "clinician.new_patient": only(C),
    "library.exercises": STAFF,
    "library.detail": STAFF,
    "library.new": STAFF,
    "library.edit": only(T),  # the exercise in the URL is the therapist's own
    "outcomes.patient_progress": STAFF,
    "outcomes.review": STAFF,
    "outcomes.injections_list": STAFF,
    "outcomes.injection": STAFF,
    "outcomes.new_injection": only(C),
    "outcomes.edit_injection": only(C),
    "outcomes.export_csv": ALL | {A: 403},  # the patient downloads their own record
    "outcomes.export_zip": ALL | {A: 403},
    "snapshots.staff_gallery": STAFF,
    "snapshots.compare": STAFF,
    "admin.accounts_list": only(A),
    "admin.new_staff": only(A),
    "admin.care_teams_page": only(A),
    "admin.audit_page": only(A),
    "admin.audit_csv": only(A),
    "admin.erase": only(A, others=403),
    "entries.paper_saq": STAFF,
    "entries.grade": STAFF,
    "entries.import_history": STAFF,
    "entries.import_template": STAFF,
    "reminders.settings": only(P),
    "reminders.staff_view": STAFF,  # a therapist may suggest times there (POST)
    # Messages: the patient's own thread; the care team's view of it (never an admin's).
    "messages.my_thread": only(P),
    "messages.staff_thread": STAFF,
}
POST_ONLY = {
    "auth.logout",
    "patient.log_session",
    "library.retire",
    "library.restore",
    "therapist.apply_template",
    "therapist.delete_template",
    "therapist.invite",
    "therapist.send_password_reset",
    "therapist.email_invitation",
    "outcomes.add_note",
    "outcomes.decide",
    "outcomes.saq_interval",
    "outcomes.saq_request",
    "outcomes.saq_request_cancel",
    "snapshots.delete_one",
    "snapshots.set_expressions",
    "snapshots.upload",
    "snapshots.withdraw",
    "admin.reinvite",
    "admin.send_password_reset",
    "admin.remove_member",
    "admin.set_active",
    "app_shell.send_saved_session",
    "reminders.save",
    "reminders.pause",
    "reminders.resume",
    "reminders.answer_suggestion",
    "reminders.calendar",
    "reminders.add_device",
    "reminders.remove_device",
}
# Tables that may change on a refused request: the refusal's own audit row and login rows.
BOOKKEEPING = {AuditEvent.__tablename__, LoginSession.__tablename__}


def html_rules(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and not rule.rule.startswith("/api/")
    ]


def test_every_route_is_classified(app):
    unclassified = {
        rule.endpoint
        for rule in html_rules(app)
        if rule.endpoint not in PUBLIC_ENDPOINTS
        and rule.endpoint not in GET_STATUS
        and not (rule.methods <= {"POST", "OPTIONS"} and rule.endpoint in POST_ONLY)
    }
    assert unclassified == set(), "classify these routes in GET_STATUS or POST_ONLY"


@pytest.fixture
def world(app, factories):
    """Two patients: `own` on the staff's care teams, `foreign` on nobody's."""
    from tests.web.practice_helpers import make_exercise

    staff = {role: factories.make_user(role) for role in (T, C, A)}
    other_therapist = factories.make_user(T)
    own = factories.make_patient(care_team=[staff[T], staff[C]])
    own.photo_consent_at = own.user.created_at
    foreign = factories.make_patient(care_team=[other_therapist])
    builtin = db.session.scalar(select(Exercise).where(Exercise.builtin).limit(1))
    mine = make_exercise("Therapist's own", author_id=staff[T].id)
    theirs = make_exercise("Someone else's", author_id=other_therapist.id)

    def template(author):
        t = Programme(
            title="Starter",
            created_by_id=author.id,
            items=[
                ProgrammeItem(
                    position=0,
                    exercise_id=builtin.id,
                    reps=5,
                    sets=1,
                    hold_seconds=3,
                    rest_seconds=3,
                    times_per_day=1,
                    days_per_week=7,
                )
            ],
        )
        db.session.add(t)
        return t

    def visit(patient):
        v = InjectionVisit(
            patient_id=patient.id,
            injected_on=date.today() - timedelta(days=20),
            product="onabotulinumtoxinA",
            sites=[InjectionSite(muscle="mentalis", side="left", units=2.5)],
        )
        db.session.add(v)
        return v

    def snapshot(patient, n):
        s = Snapshot(
            patient_id=patient.id,
            expression="rest",
            storage_key=f"{n:032x}.jpg",  # well-formed names of files that do not exist
            thumbnail_key=f"{n + 100:032x}.jpg",
            width=640,
            height=480,
            quality={},
            measures={},
            analysis_version="1",
        )
        db.session.add(s)
        return s

    records = {
        "own": {
            "patient_id": own.id,
            "template_id": template(staff[T]),
            "visit_id": visit(own),
            "snapshot_id": snapshot(own, 1),
            "exercise_id": mine,
        },
        "foreign": {
            "patient_id": foreign.id,
            "template_id": template(other_therapist),
            "visit_id": visit(foreign),
            "snapshot_id": snapshot(foreign, 2),
            "exercise_id": theirs,
        },
    }
    db.session.commit()
    for group in records.values():
        for key, value in group.items():
            group[key] = value if isinstance(value, int) else value.id
        group.update(user_id=own.id, staff_id=staff[T].id, token="not-a-token")
        group.update(answer="accept", change="start", event="shown")  # reminders' choices
    records["builtin_exercise"] = builtin.id
    users = {T: staff[T], C: staff[C], A: staff[A], P: own.user}
    return users, records


def url_for_rule(rule, values):
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(values[m.group(1)]), rule.rule)


def logged_in(app, user):
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    return client


def test_anonymous_is_sent_to_login_everywhere(app, client, world):
    _, records = world
    for rule in html_rules(app):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = url_for_rule(rule, records["own"])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code == 302, (method, url)
            assert response.headers["Location"].startswith("/login"), (method, url)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_its_pages(app, world, role):
    users, records = world
    client = logged_in(app, users[role])
    wrong = {}
    for rule in html_rules(app):
        if (
            rule.endpoint not in GET_STATUS
            or "GET" not in rule.methods
            or rule.arguments - set(records["own"])
        ):
            continue
        response = client.get(url_for_rule(rule, records["own"]))
        expected = GET_STATUS[rule.endpoint][role]
        # Photo files of this fixture do not exist on disk: the view answers 404 for them.
        if rule.endpoint in {"snapshots.image", "snapshots.thumbnail", "snapshots.aligned"}:
            expected = 404 if expected == 200 else expected
        if response.status_code != expected:
            wrong[rule.endpoint] = (response.status_code, expected)
    assert wrong == {}, "endpoint: (got, expected)"


def row_counts():
    counts = {}
    for table in db.metadata.sorted_tables:
        if table.name not in BOOKKEEPING:
            counts[table.name] = db.session.scalar(select(func.count()).select_from(table))
    return counts


@pytest.mark.parametrize("role", ROLES)
def test_foreign_records_are_refused_and_nothing_is_written(app, world, role):
    """Another patient's records in the URL: never 200, never a write (ASVS 8.2.2)."""
    users, records = world
    client = logged_in(app, users[role])
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    before = row_counts()
    leaks = {}
    for rule in html_rules(app):
        if not set(rule.arguments) & {"patient_id", "visit_id", "snapshot_id", "template_id"}:
            continue
        url = url_for_rule(rule, records["foreign"])
        if "GET" in rule.methods:
            status = client.get(url).status_code
            if status not in (403, 404):
                leaks[("GET", rule.endpoint)] = status
        if "POST" in rule.methods:
            status = client.post(url, data={"csrf_token": token}).status_code
            if status not in (403, 404):
                leaks[("POST", rule.endpoint)] = status
    # Templates are shared by all therapists: applying one names the patient in the form,
    # which this empty form does not, so it only redirects back with a message.
    if role == T:
        assert leaks.pop(("POST", "therapist.apply_template"), None) == 302
    assert leaks == {}
    assert row_counts() == before


def test_care_team_is_what_grants_access(app, world):
    """Removing the therapist from the team turns their 200 into 404 at once."""
    users, records = world
    client = logged_in(app, users[T])
    url = f"/patients/{records['own']['patient_id']}"
    assert client.get(url).status_code == 200
    db.session.execute(
        CareTeamMember.__table__.delete().where(CareTeamMember.staff_id == users[T].id)
    )
    db.session.commit()
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_no_role_gets_a_link_that_sets_someone_elses_password(app, world, role):
    """Issue 12, finding 1: every way to ask for a new link, for a patient and a staff
    member who have passwords, as each role: no link in any answer, no link made, no
    password changed. A forgotten password is a reset e-mailed to the owner only."""
    users, records = world
    client = logged_in(app, users[role])
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    patient_id, staff_id = records["own"]["patient_id"], users[C].id
    before = {u.id: u.password_hash for u in users.values()}
    urls = [
        f"/admin/accounts/{patient_id}/invitation",
        f"/admin/accounts/{staff_id}/invitation",
        f"/patients/{patient_id}/invitation",
    ]
    for url in urls:
        response = client.post(url, data={"csrf_token": token, "confirm": "y"})
        assert response.status_code in (302, 403, 404), url
        follow = client.get(response.headers.get("Location", "/account/password"))
        for text in (response.get_data(as_text=True), follow.get_data(as_text=True)):
            assert "/invitation/" not in text and "/password/reset/" not in text, url
    assert db.session.scalar(select(func.count(Invitation.id))) == 0
    db.session.expire_all()
    assert {u.id: db.session.merge(u).password_hash for u in users.values()} == before


def test_messages_reach_the_patient_and_their_care_team_only(app, world, factories):
    """The thread: the patient and their care team read and write it; other staff and
    other patients get 404 for it, an admin 403 for the section (and 404 from the use
    case); nothing is written by a refusal."""
    from retrain.models import Message

    users, records = world
    own = records["own"]["patient_id"]
    db.session.add(Message(patient_id=own, author_id=own, body="Hello team"))
    db.session.commit()
    other_staff = factories.make_user(T)
    other_patient = factories.make_patient(care_team=[other_staff]).user
    url = f"/patients/{own}/messages"
    expected = {
        "patient": (users[P], "/messages", 200),
        "therapist": (users[T], url, 200),
        "clinician": (users[C], url, 200),
        "other staff": (other_staff, url, 404),
        "other patient's own page": (other_patient, "/messages", 200),
        "other patient": (other_patient, url, 403),
        "admin": (users[A], url, 403),
    }
    for who, (user, target, status) in expected.items():
        client = logged_in(app, user)
        page = client.get(target)
        assert page.status_code == status, who
        shows = "Hello team" in page.get_data(as_text=True)
        assert shows == (status == 200 and who != "other patient's own page"), who
    before = db.session.scalar(select(func.count()).select_from(Message))
    for who in ("other staff", "other patient", "admin"):
        user, target, status = expected[who]
        client = logged_in(app, user)
        token = csrf_from(client.get("/account/password").get_data(as_text=True))
        response = client.post(target, data={"csrf_token": token, "body": "Let me in"})
        assert response.status_code == status, who
    assert db.session.scalar(select(func.count()).select_from(Message)) == before
