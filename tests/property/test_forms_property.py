"""Bad input in every state-changing HTML form (ASVS 2.2, 8.2.3).

Each case below names one form, the role that owns it, the page that shows it and the
tables a successful post may change. For every example Hypothesis

1. opens the page as that role (and checks that the GET changed nothing),
2. reads the form from the HTML (field names, what a browser sends untouched, the
   options of selects, radios and checkboxes, min/max hints),
3. sends the form back with the page's CSRF token and some fields replaced: the valid
   value, empty, 10,000 characters, unicode (NUL, right-to-left marks, emoji,
   combining marks, invalid UTF-8 bytes), numbers out of range, negative, floats,
   huge integers, dates far in the past or future, malformed dates and times,
   repeated keys, missing fields, and extra fields a form does not have (``role``,
   ``patient_id``, ``author_id``... mass assignment, ASVS 8.2.3),
4. checks: never a 5xx; a refusal (any answer that is not the form's success) changed
   nothing (row counts and a checksum of the rows of every table except audit rows and
   login sessions); a success changed only the form's own tables.

Before the fuzzing, each form is sent once exactly as a browser would send it filled in
correctly, and must succeed: so the cases really reach the code that writes.

Examples share one app and database per case, so each compares the database right
before and right after its own request. Everything is derandomized: the same examples
run every time. The count of examples is printed at the end of the run.

Also here, for the other inputs a browser sends:
- ids in URLs that cannot exist (beyond any row, past 32 and 64 bits), on every HTML
  route with an id, as every role: never 5xx, nothing changed;
- query strings of the pages that read them (Hypothesis, then a short sweep of the
  sharpest values one parameter at a time): never 5xx, a GET changes nothing;
- test_every_form_has_a_case: a new POST endpoint needs a case here or a reason.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from retrain.extensions import db
from retrain.infrastructure import invitations
from retrain.models import (
    Exercise,
    InjectionSite,
    InjectionVisit,
    Patient,
    Programme,
    ProgrammeItem,
    QuestionnaireRequest,
    ReminderSettings,
    User,
)
from retrain.usecases import questionnaires
from retrain.usecases.clinic_settings import grading_instrument

from .. import factories
from ..conftest import TEST_PASSWORD, login
from ..web.practice_helpers import make_exercise, make_programme
from .conftest import (
    Field,
    HtmlForm,
    changed_tables,
    count_example,
    fail_on_server_error,
    fingerprint,
    form_for,
    logged_in_client,
    property_settings,
    server_errors,
)

EXAMPLES_PER_FORM = 25
EXAMPLES_PER_QUERY_PAGE = 20
URL_EXAMPLES = 80
FORM_BODY = "application/x-www-form-urlencoded"
TODAY = date.today()

# --- values ----------------------------------------------------------------------------

LONG = [
    "x" * 10_000,
    "é" * 10_000,
    "🙂" * 10_000,
    "\u202e" * 5_000 + "x" * 5_000,
    "a\x00" * 5_000,
    "9" * 10_000,
    ("line\r\n" * 2_000),
]
ODD_TEXT = [
    "",
    " ",
    "   \t  ",
    "\x00",
    "a\x00b",
    "\u202eevil.exe\u202c",
    "\u200f\u200e",
    "🙂",
    "👩🏽‍⚕️",
    "\ufeff",
    "Z\u0335\u0322a\u0334\u0301",  # combining marks
    "\r\n",
    "<script>alert(1)</script>",
    "' OR '1'='1' --",
    "{{7*7}}",
    "%s%n%x",
    "../../etc/passwd",
    "null",
    "None",
    "true",
    "[]",
    "{}",
]
NUMBERS = [
    "0",
    "-1",
    "1",
    "-0",
    "1.5",
    "-2.5",
    "1e308",
    "1e-308",
    "NaN",
    "inf",
    "-Infinity",
    "0x1F",
    "1_000",
    "١٢",  # Arabic-Indic digits: int() accepts them
    "²",
    " 7 ",
    "+5",
    ".5",
    "1,5",
    str(2**31 - 1),
    str(2**31),
    str(2**63 - 1),
    str(2**63),
    str(-(2**63) - 1),
    "99999999999999999999",
    str(10**100),
]


def _iso(day: date) -> str:
    return day.isoformat()


DATES = [
    "0001-01-01",
    "0000-00-00",
    "9999-12-31",
    "1900-01-01",
    "1969-12-31",
    "2100-01-01",
    "2023-02-29",
    "2024-02-29",
    "2026-02-30",
    "2026-13-01",
    "2026-00-10",
    "31/12/2024",
    "12/31/2024",
    "2024-1-1",
    "20240101",
    "2024-01-01T00:00:00",
    "+2024-01-01",
    "-2024-01-01",
    "10000-01-01",
    _iso(TODAY),
    _iso(TODAY - timedelta(days=1)),
    _iso(TODAY + timedelta(days=1)),
    _iso(TODAY + timedelta(days=400)),
    _iso(TODAY - timedelta(days=366)),
    _iso(TODAY - timedelta(days=365 * 150)),
]
TIMES = ["00:00", "23:59", "24:00", "12:60", "25:00", "-1:00", "12:00:00", "12:00:00.5", "noon"]
EMAILS = [
    "a@b",
    "@",
    "a@",
    "user@example.org",
    "USER@EXAMPLE.ORG",
    "user@localhost",
    "ü@exämple.org",
    "a" * 250 + "@x.org",
    "a@" + "b" * 250 + ".org",
    "\x00@example.org",
    "x@example.org\r\nBcc: y@example.org",
    '"quoted space"@example.org',
    "user+tag@example.org",
]
INVALID_UTF8 = [b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"abc\xfe\xff"]

# The nastiest few, tried first for every field (Hypothesis favours the first branch).
CORE = [
    "",
    "x" * 10_000,
    "\x00",
    "-1",
    "99999999999999999999",
    "1e308",
    "NaN",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "🙂",
    "\u202e",
]

ODD_STRINGS = st.one_of(
    st.sampled_from(ODD_TEXT),
    st.sampled_from(LONG),
    st.text(st.characters(codec="utf-8"), max_size=30),
    st.sampled_from(INVALID_UTF8),
)
ODD_NUMBERS = st.one_of(
    st.sampled_from(NUMBERS),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats().map(repr),
)
ODD_DATES = st.one_of(
    st.sampled_from(DATES),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(_iso),
)


NUMERIC_EDGES = ["-1", "0", "1.5", "nan", "1e308", str(2**31), str(2**63), "99999999999999999999"]


def single_value(f: Field | None) -> st.SearchStrategy:
    """One value for a field: what its kind invites first, then anything at all."""
    kind = f.kind if f else "text"
    name = f.name if f else ""
    first = []
    if f and f.options:
        options = f.options
        first.append(st.sampled_from(options))
        first.append(st.sampled_from(options).map(lambda o: o.upper() + " "))
    if kind == "number" or name.endswith(("_id", "_days", "reps", "sets", "seconds")):
        bounds = []
        for key, step in (("min", -1), ("max", 1)):
            if f and f.attrs.get(key, "").lstrip("-").isdigit():
                bounds += [f.attrs[key], str(int(f.attrs[key]) + step)]
        first.append(st.sampled_from(bounds + NUMERIC_EDGES))
        first.append(ODD_NUMBERS)
    if kind == "date" or name.endswith(("_on", "_date", "_until")):
        first.append(ODD_DATES)
    if kind == "time" or name.endswith("_time"):
        first.append(st.sampled_from(TIMES))
    if kind == "email" or name == "email":
        first.append(st.sampled_from(EMAILS))
    return st.one_of(st.sampled_from(CORE), *first, ODD_STRINGS, ODD_NUMBERS, ODD_DATES)


def field_values(f: Field | None) -> st.SearchStrategy:
    """What is sent under one name: one odd value, nothing at all, or the key repeated."""
    one = single_value(f)
    return st.one_of(
        one.map(lambda v: [v]),
        st.just([]),
        st.lists(one, min_size=2, max_size=3),
    )


# Fields no form has: posting them must change nothing beyond what the form itself does.
def extra_pairs(world: World) -> st.SearchStrategy:
    ids = world.ids
    return st.sampled_from(
        [
            ("role", "admin"),
            ("active", "0"),
            ("patient_id", str(ids["foreign"])),
            ("author_id", str(ids["other_therapist"])),
            ("created_by_id", str(ids["other_therapist"])),
            ("user_id", str(ids["admin"])),
            ("id", "1"),
            ("password_hash", "x"),
            ("photo_consent_at", "2020-01-01"),
            ("builtin", "1"),
            ("items-99-exercise_id", "1"),
            ("items-99999999999999999999-reps", "5"),
            ("sites-60-muscle", "mentalis"),
            ("sites-60-units", "500"),
        ]
    )


def draw_submission(data, shape: HtmlForm, form: HtmlForm, valid: dict, world: World) -> list:
    """The (name, value) pairs to post: a browser's filled-in form, partly replaced.

    What is drawn depends only on ``shape``, the form as first rendered, never on the page
    of this example (``form``): a saved programme adds rows to the builder, and Hypothesis
    needs the same draws to mean the same thing in every example. Untouched fields take
    the current page's values where it has them (fresh request keys, current rows).
    """
    fields = {name: f for name, f in shape.fields.items() if name != "csrf_token"}
    base = {name: list(f.sent) for name, f in fields.items()}
    base.update({name: list(f.sent) for name, f in form.fields.items() if name in fields})
    base.update({k: [v] if isinstance(v, str) else list(v) for k, v in valid.items()})
    names = list(fields) + [name for name in valid if name not in fields]
    mode = data.draw(st.sampled_from(["valid", "one", "some", "all"]), label="mode")
    if mode == "valid" or not names:
        mutate = set()
    elif mode == "one":
        mutate = {data.draw(st.sampled_from(names), label="field")}
    elif mode == "some":
        mutate = data.draw(st.sets(st.sampled_from(names), min_size=1), label="fields")
    else:
        mutate = set(names)
    pairs = [("csrf_token", form.fields["csrf_token"].sent[0])]
    for name in names:
        values = base.get(name, [])
        if name in mutate:
            values = data.draw(field_values(fields.get(name)), label=name)
        pairs += [(name, value) for value in values]
    if shape.buttons:
        button = data.draw(st.sampled_from([*shape.buttons, None]), label="button")
        if button is not None:
            pairs.append(button)
    if mode != "valid":
        pairs += data.draw(st.lists(extra_pairs(world), max_size=3), label="extra")
    return pairs


# --- the world each case runs in --------------------------------------------------------


@dataclass
class World:
    app: object
    users: dict[str, User]
    ids: dict[str, int | str]
    password_hash: str
    clients: dict = field(default_factory=dict)
    serial: itertools.count = field(default_factory=itertools.count)

    def client(self, role: str):
        if role == "anonymous":
            return self.app.test_client()
        if role not in self.clients:
            self.clients[role] = logged_in_client(self.app, self.users[role])
        return self.clients[role]

    def relogin(self, role: str):
        client = self.clients[role]
        assert login(client, self.users[role].email).status_code == 302
        return client

    def fresh_email(self) -> str:
        return f"new.person{next(self.serial)}@example.org"


@pytest.fixture
def world(app):
    therapist = factories.make_user("therapist")
    clinician = factories.make_user("clinician")
    admin = factories.make_user("admin")
    other_therapist = factories.make_user("therapist")
    target = factories.make_user("therapist")  # the admin switches this one off and on
    # Far east of UTC, so a date typed in the patient's zone can fall off the calendar.
    patient = factories.make_patient(
        care_team=[therapist, clinician], timezone="Pacific/Kiritimati"
    )
    foreign = factories.make_patient(care_team=[other_therapist])
    invitee = factories.make_patient(care_team=[therapist], password_hash=None)
    builtins = list(db.session.scalars(select(Exercise).where(Exercise.builtin).limit(3)))
    make_programme(patient.id, builtins[:2], starts_on=TODAY - timedelta(days=30))
    own = make_exercise("Therapist's own", author_id=therapist.id)
    template = Programme(
        title="Starter",
        created_by_id=therapist.id,
        items=[
            ProgrammeItem(
                position=0,
                exercise_id=builtins[0].id,
                reps=5,
                sets=1,
                hold_seconds=3,
                rest_seconds=3,
                times_per_day=1,
                days_per_week=7,
            )
        ],
    )
    visit = InjectionVisit(
        patient_id=patient.id,
        injected_on=TODAY - timedelta(days=20),
        product="onabotulinumtoxinA",
        sites=[InjectionSite(muscle="mentalis", side="left", units=2.5)],
    )
    db.session.add_all([template, visit])
    db.session.commit()
    users = {
        "patient": patient.user,
        "therapist": therapist,
        "clinician": clinician,
        "admin": admin,
    }
    ids = {
        "patient": patient.id,
        "foreign": foreign.id,
        "invitee": invitee.id,
        "therapist": therapist.id,
        "other_therapist": other_therapist.id,
        "admin": admin.id,
        "target": target.id,
        "template": template.id,
        "exercise": own.id,
        "builtin": builtins[2].id,
        "visit": visit.id,
        "token": "",
        "erasee": 0,
    }
    return World(app, users, ids, patient.user.password_hash)


# --- hooks that keep a case repeatable ---------------------------------------------------


def new_invitation(world: World) -> None:
    invitee = db.session.get(User, world.ids["invitee"])
    inviter = db.session.get(User, world.ids["therapist"])
    world.ids["token"] = invitations.renew(invitee, inviter)
    db.session.commit()


def restore_password(world: World, outcome: str) -> None:
    if outcome == "accepted":
        db.session.get(User, world.users["patient"].id).password_hash = world.password_hash
        db.session.commit()


def consent(given_: bool) -> Callable[[World], None]:
    def hook(world: World) -> None:
        patient = db.session.get(Patient, world.ids["patient"])
        patient.photo_consent_at = patient.user.created_at if given_ else None
        db.session.commit()

    return hook


def someone_to_erase(world: World) -> None:
    """A patient with a little data to erase (a new one once the last is gone)."""
    if db.session.get(User, world.ids.get("erasee") or 0) is None:
        therapist = db.session.get(User, world.ids["therapist"])
        patient = factories.make_patient(care_team=[therapist])
        make_programme(patient.id, [db.session.get(Exercise, world.ids["builtin"])])
        world.ids["erasee"] = patient.id


def upcoming_request(world: World) -> None:
    pending = db.session.scalar(
        select(QuestionnaireRequest).where(
            QuestionnaireRequest.patient_id == world.ids["patient"],
            QuestionnaireRequest.requested_on >= TODAY,
        )
    )
    if pending is None:
        db.session.add(
            QuestionnaireRequest(
                patient_id=world.ids["patient"],
                instrument="saq",
                requested_on=TODAY + timedelta(days=5),
                requested_by_id=world.ids["therapist"],
            )
        )
        db.session.commit()


def reminders_saved(world: World) -> None:
    """Settings to pause (the pause buttons show once reminders are chosen)."""
    if db.session.get(ReminderSettings, world.ids["patient"]) is None:
        db.session.add(
            ReminderSettings(
                patient_id=world.ids["patient"], email_on=True, times=["09:00"], weekdays=[0]
            )
        )
        db.session.commit()


def no_calendar(world: World) -> None:
    """The "make my calendar link" button shows while there is no link."""
    settings = db.session.get(ReminderSettings, world.ids["patient"])
    if settings is not None and settings.calendar_key is not None:
        settings.calendar_key = None
        db.session.commit()


REMINDERS = frozenset({"reminder_settings"})


# --- the cases ---------------------------------------------------------------------------


def redirected(response) -> bool:
    return response.status_code in (302, 303)


def shows(marker: bytes) -> Callable:
    return lambda response: response.status_code == 200 and marker in response.data


GOOD_PASSWORD = "a sturdy lantern beside the quiet harbour"
NEW_PATIENT = frozenset({"users", "patients", "care_team_members", "invitations"})
PROGRAMMES = frozenset({"programmes", "programme_items"})
VISITS = frozenset({"injection_visits", "injection_sites", "injection_visit_revisions"})
# Erasure removes the patient's rows from every table that has any.
ERASED = frozenset(
    {
        "users",
        "patients",
        "care_team_members",
        "invitations",
        "api_tokens",
        "programmes",
        "programme_items",
        "practice_sessions",
        "practice_items",
        "questionnaire_responses",
        "questionnaire_requests",
        "patient_notes",
        "injection_visits",
        "injection_sites",
        "injection_visit_revisions",
        "reinjection_decisions",
        "snapshots",
    }
)


@dataclass(frozen=True)
class Case:
    id: str
    role: str
    page: str
    writes: frozenset[str]
    action: str | None = None  # when the form posts elsewhere than its page
    success: Callable = redirected
    valid: Callable[[World], dict] = lambda world: {}
    before: Callable[[World], None] | None = None
    after: Callable[[World, str], None] | None = None
    refusable: bool = True  # False: the form has nothing to get wrong, every post succeeds

    def __str__(self) -> str:
        return self.id


def new_patient_values(world: World) -> dict:
    return {"name": "Ann Example", "email": world.fresh_email(), "affected_side": "left"}


def exercise_values(world: World) -> dict:
    return {
        "name": "Slow blink",
        "region": "eyes",
        "purpose": "Helps the eye close softly.",
        "instructions": "Sit at a mirror.\nClose both eyes slowly.",
        "hold_back": "Keep the mouth still.",
        "default_reps": "10",
        "default_hold_seconds": "5",
        "default_rest_seconds": "5",
    }


def dose(world: World, row: int = 0) -> dict:
    values = {
        "exercise_id": str(world.ids["builtin"]),
        "reps": "8",
        "sets": "1",
        "hold_seconds": "5",
        "rest_seconds": "5",
        "times_per_day": "2",
        "days_per_week": "7",
    }
    return {f"items-{row}-{key}": value for key, value in values.items()}


CASES = [
    Case(
        "login",
        "anonymous",
        "/login",
        frozenset(),
        valid=lambda w: {"email": w.users["patient"].email, "password": TEST_PASSWORD},
    ),
    Case(
        "invitation",
        "anonymous",
        "/invitation/{token}",
        frozenset({"users", "invitations"}),
        valid=lambda w: {"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD},
        before=new_invitation,
    ),
    Case(
        "reset_password",
        "anonymous",
        "/password/reset/{token}",
        frozenset({"users", "invitations"}),
        valid=lambda w: {"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD},
        before=new_invitation,
    ),
    Case(
        "forgot_password",
        "anonymous",
        "/password/forgot",
        frozenset({"invitations"}),  # the e-mail's job, for an address with an account
        success=shows(b"Check your e-mail"),
        valid=lambda w: {"email": w.users["patient"].email},
    ),
    Case(
        "change_password",
        "patient",
        "/account/password",
        frozenset({"users"}),
        valid=lambda w: {
            "current_password": TEST_PASSWORD,
            "new_password": GOOD_PASSWORD,
            "confirm": GOOD_PASSWORD,
        },
        after=restore_password,
    ),
    Case(
        "session_form",
        "patient",
        "/session/new",
        frozenset({"practice_sessions", "practice_items"}),
        valid=lambda w: {"effort": "3", "synkinesis_rating": "4"},
    ),
    Case(
        "saq",
        "patient",
        "/saq",
        frozenset({"questionnaire_responses"}),
        valid=lambda w: {item.key: "3" for item in questionnaires.instrument().items},
    ),
    Case("programme_builder", "therapist", "/patients/{patient}/programme/edit", PROGRAMMES),
    Case(
        "template_new",
        "therapist",
        "/therapist/templates/new",
        PROGRAMMES,
        valid=lambda w: {"title": "Eyes first", **dose(w)},
    ),
    Case("template_edit", "therapist", "/therapist/templates/{template}/edit", PROGRAMMES),
    Case(
        "template_apply",
        "therapist",
        "/therapist/templates",
        PROGRAMMES,
        action="/therapist/templates/{template}/apply",
        valid=lambda w: {"patient_id": str(w.ids["patient"])},
    ),
    Case(
        "new_patient_therapist",
        "therapist",
        "/therapist/patients/new",
        NEW_PATIENT,
        success=shows(b'id="invitation-link"'),
        valid=new_patient_values,
    ),
    Case(
        "new_patient_clinician",
        "clinician",
        "/clinician/patients/new",
        NEW_PATIENT,
        success=shows(b'id="invitation-link"'),
        valid=new_patient_values,
    ),
    Case(
        "patient_new_link",
        "therapist",
        "/patients/{invitee}",
        frozenset({"users", "invitations"}),
        action="/patients/{invitee}/invitation",
        success=shows(b'id="invitation-link"'),
        refusable=False,
    ),
    Case(
        "patient_password_reset",
        "therapist",
        "/patients/{patient}",
        frozenset({"invitations"}),  # the e-mail's job makes the patient's link
        action="/patients/{patient}/password-reset",
        valid=lambda w: {"confirm": "y"},
        refusable=False,  # a refusal is a message on the page it goes back to, as a success
    ),
    Case(
        "exercise_new",
        "therapist",
        "/exercises/new",
        frozenset({"exercises"}),
        valid=exercise_values,
    ),
    Case("exercise_edit", "therapist", "/exercises/{exercise}/edit", frozenset({"exercises"})),
    Case(
        "injection_new",
        "clinician",
        "/patients/{patient}/injections/new",
        VISITS,
        valid=lambda w: {
            "injected_on": _iso(TODAY - timedelta(days=2)),
            "product": "onabotulinumtoxinA",
            "sites-0-muscle": "mentalis",
            "sites-0-side": "left",
            "sites-0-units": "2.5",
        },
    ),
    Case("injection_edit", "clinician", "/patients/{patient}/injections/{visit}/edit", VISITS),
    Case(
        "note",
        "therapist",
        "/patients/{patient}/review",
        frozenset({"patient_notes"}),
        action="/patients/{patient}/notes",
        valid=lambda w: {"body": "Smiles more evenly this week."},
    ),
    Case(
        "decision",
        "clinician",
        "/patients/{patient}/review",
        frozenset({"reinjection_decisions"}),
        action="/patients/{patient}/decisions",
        valid=lambda w: {"decision": "reinject_now"},
    ),
    Case(
        "saq_interval",
        "therapist",
        "/patients/{patient}/progress",
        frozenset({"patients"}),
        action="/patients/{patient}/saq-interval",
        valid=lambda w: {"interval_days": "21"},
    ),
    Case(
        "saq_request",
        "therapist",
        "/patients/{patient}/progress",
        frozenset({"questionnaire_requests"}),
        action="/patients/{patient}/saq-requests",
        valid=lambda w: {"requested_on": _iso(TODAY + timedelta(days=10))},
    ),
    Case(
        "saq_request_cancel",
        "therapist",
        "/patients/{patient}/progress",
        frozenset({"questionnaire_requests"}),
        action="/patients/{patient}/saq-requests/cancel",
        before=upcoming_request,
    ),
    Case(
        "admin_new_staff",
        "admin",
        "/admin/staff/new",
        frozenset({"users", "invitations"}),
        success=shows(b'id="invitation-link"'),
        valid=lambda w: {"name": "Sam Staff", "email": w.fresh_email(), "role": "clinician"},
    ),
    Case(
        "care_team",
        "admin",
        "/admin/care-teams",
        frozenset({"care_team_members"}),
        valid=lambda w: {
            "patient_id": str(w.ids["foreign"]),
            "staff_id": str(w.ids["therapist"]),
        },
    ),
    Case(
        "set_active",
        "admin",
        "/admin/",
        frozenset({"users"}),
        action="/admin/accounts/{target}/active",
        refusable=False,  # any value but "1" means "switch off"
    ),
    Case(
        "admin_erase",
        "admin",
        "/admin/accounts/{erasee}/erase",
        ERASED,
        valid=lambda w: {"confirm_email": db.session.get(User, w.ids["erasee"]).email},
        before=someone_to_erase,
    ),
    Case(
        "snapshot_consent",
        "patient",
        "/snapshots/consent",
        frozenset({"patients"}),
        valid=lambda w: {"agree": "y"},
        before=consent(False),
    ),
    Case(
        "snapshot_withdraw",
        "patient",
        "/snapshots/consent",
        frozenset({"patients"}),
        action="/snapshots/consent/withdraw",
        before=consent(True),
        refusable=False,  # only a button: nothing to get wrong
    ),
    Case(
        "paper_saq",
        "therapist",
        "/patients/{patient}/saq/paper",
        frozenset({"questionnaire_responses"}),
        valid=lambda w: {
            **{item.key: "3" for item in questionnaires.instrument().items},
            "answered_on": _iso(TODAY - timedelta(days=40)),
            "replace": "y",
        },
    ),
    Case(
        "sunnybrook",
        "clinician",
        "/patients/{patient}/sunnybrook/new",
        frozenset({"questionnaire_responses"}),
        valid=lambda w: {
            **dict(zip(grading_instrument().item_keys, "1104342312010", strict=True)),
            "graded_on": _iso(TODAY - timedelta(days=3)),
            "replace": "y",
        },
    ),
    Case(
        "history_import",
        "clinician",
        "/patients/{patient}/history-import",
        frozenset({"questionnaire_responses", "injection_visits", "injection_sites"}),
        valid=lambda w: {"csv_text": history_csv(), "confirm": "1"},
    ),
    Case(
        "snapshot_expressions",
        "therapist",
        "/patients/{patient}/snapshots",
        frozenset({"patients"}),
        action="/patients/{patient}/snapshots/expressions",
        valid=lambda w: {"expressions": ["rest", "full smile", "snarl"]},
    ),
    Case(
        "reminder_settings",
        "patient",
        "/reminders",
        REMINDERS,
        valid=lambda w: {"email_on": "y", "times-0": "08:30", "weekdays": ["0", "3"]},
    ),
    Case(
        "reminder_pause",
        "patient",
        "/reminders",
        REMINDERS,
        action="/reminders/pause",
        valid=lambda w: {"days": "3"},
        before=reminders_saved,
    ),
    Case(
        "reminder_suggestion",
        "therapist",
        "/patients/{patient}/reminders",
        REMINDERS,
        valid=lambda w: {"times-0": "07:45"},
    ),
    Case(
        "reminder_calendar",
        "patient",
        "/reminders",
        REMINDERS,
        action="/reminders/calendar/start",
        before=no_calendar,
        refusable=False,  # only a button: nothing to get wrong
    ),
]


def history_csv() -> str:
    """Two SAQs and a visit of two sites, long before the world's visit."""
    day = TODAY - timedelta(days=400)
    return "\n".join(
        [
            "record,date,product,muscle,side,units,lot,score,q1,q2,q3,q4,q5,q6,q7,q8,q9",
            f"saq,{_iso(day)},,,,,,,2,2,2,2,2,2,2,2,2",
            f"saq,{_iso(day + timedelta(days=14))},,,,,,48.9,,,,,,,,,",
            f"visit,{_iso(day)},onabotulinumtoxinA,mentalis,left,2.5,C5012,,,,,,,,,,",
            f"visit,{_iso(day)},onabotulinumtoxinA,platysma,right,5,C5012,,,,,,,,,,",
        ]
    )


# State-changing HTML endpoints with no case above, and why. A new form must get a case
# here or a reason, or test_every_form_has_a_case fails.
NOT_FUZZED = {
    "auth.logout": "a button: no fields",
    "library.retire": "a button: no fields (bad ids: test_ids_that_do_not_exist_in_urls)",
    "library.restore": "a button: no fields (bad ids: test_ids_that_do_not_exist_in_urls)",
    "therapist.delete_template": "a button: no fields (bad ids: the same)",
    "admin.reinvite": "a button: no fields (bad ids: the same)",
    "admin.send_password_reset": "a button: no fields (bad ids: the same)",
    "therapist.email_invitation": "its one field is the token shown once, on a POST's page: "
    "tests/web/test_invitation_page.py sends others', unknown, empty and 5,000-character ones",
    "admin.remove_member": "a button: no fields (bad ids: the same)",
    "snapshots.delete_one": "a button: no fields (bad ids: the same)",
    "snapshots.delete_all": "a button: no fields",
    "snapshots.upload": "a file upload: tests/property/test_upload_fuzz.py",
    "reminders.resume": "a button: no fields",
    "reminders.answer_suggestion": "a button: no fields (the answer is in the URL)",
    "reminder_links.stop": "a button; its signed token is fuzzed in test_companion_property.py",
    "reminders.add_device": "JSON with the CSRF header: test_companion_property.py",
    "reminders.remove_device": "JSON with the CSRF header: test_companion_property.py",
    "app_shell.send_saved_session": "JSON with the CSRF header: test_companion_property.py",
    "reminder_links.receipt": "no body; its signed token: test_companion_property.py",
}


# --- one example ---------------------------------------------------------------------------


class Example:
    """Open the form's page, post a submission, judge the answer.

    The page is opened again only when something may have changed it (an accepted post,
    a hook): after a refusal the database is as it was, so the form and its CSRF token
    still hold. The fingerprint taken after one post is the "before" of the next.
    """

    def __init__(self, world: World, case: Case):
        self.world, self.case = world, case
        self.opened = None  # (client, action, form) while still current
        self.state = None  # the database fingerprint, while still current

    def open_form(self):
        case, world = self.case, self.world
        if case.before:
            case.before(world)
            self.opened = self.state = None
        if self.opened is not None:
            return self.opened
        client = world.client(case.role)
        page = case.page.format(**world.ids)
        action = (case.action or case.page).format(**world.ids)
        before = self.state or fingerprint()
        response = client.get(page)
        if response.status_code == 302 and "/login" in response.headers["Location"]:
            client = world.relogin(case.role)  # e.g. a password change ended the session
            before = fingerprint()
            response = client.get(page)
        assert response.status_code == 200, f"{case.id}: GET {page} answered {response.status_code}"
        self.state = fingerprint()
        assert changed_tables(before, self.state) == set(), f"{case.id}: GET changed data"
        self.opened = client, action, form_for(response.get_data(as_text=True), action, page)
        return self.opened

    def post(self, client, action: str, pairs: list[tuple]) -> str:
        case = self.case
        before = self.state or fingerprint()
        with server_errors() as errors:
            response = client.post(action, data=urlencode(pairs), content_type=FORM_BODY)
        self.state = fingerprint()
        changed = changed_tables(before, self.state)
        status = response.status_code
        what = f"{case.id}: POST {action} with {describe(pairs)}"
        fail_on_server_error(status, errors, what)
        if case.success(response):
            outcome = "accepted"
            unexpected = changed - case.writes
            assert not unexpected, f"{what}: accepted ({status}) but changed {unexpected}"
            self.opened = None
        else:
            outcome = "refused"
            assert not changed, f"{what}: refused ({status}) but changed {sorted(changed)}"
        if case.after:
            case.after(self.world, outcome)
            self.opened = self.state = None
        return outcome


def describe(pairs: list[tuple]) -> str:
    """The submission, short enough to read (Hypothesis' own report leaves values out here).

    Every value is made up by the test, so nothing clinical can appear in it.
    """

    def short(value) -> str:
        text = repr(value)
        return text if len(text) <= 40 else f"{text[:30]}...<{len(value)} long>"

    return "{" + ", ".join(f"{name}={short(value)}" for name, value in pairs[1:]) + "}"


def valid_pairs(form: HtmlForm, valid: dict) -> list[tuple]:
    data = form.defaults()
    data.update({k: [v] if isinstance(v, str) else list(v) for k, v in valid.items()})
    return [(name, value) for name, values in data.items() for value in values]


MISSING = None  # in SHARP: leave the field out
SHARP = {
    "id": ["", MISSING, "-1", "0", str(2**31), str(2**63), "99999999999999999999"],
    "date": ["0001-01-01", "9999-12-31", "2026-02-30"],
    "text": ["\x00", "x" * 10_000],
}
LATER_ROWS = re.compile(r"^(items|sites)-([1-9]\d*)-")  # like row 0: not swept again


def sharp_edits(shape: HtmlForm) -> list[tuple[str, str | None]]:
    """(field, value) pairs for the sweep: ids, dates and text of the form (first row)."""
    edits = []
    for name, f in shape.fields.items():
        if name == "csrf_token" or LATER_ROWS.match(name):
            continue
        if name.endswith("_id") or f.kind == "number":
            kind = "id"
        elif f.kind == "date" or name.endswith(("_on", "_date", "_until")):
            kind = "date"
        else:
            kind = "text"
        edits += [(name, value) for value in SHARP[kind]]
    return edits


def edited(pairs: list[tuple], name: str, value: str | None) -> list[tuple]:
    kept = [(n, v) for n, v in pairs if n != name]
    return kept if value is MISSING else [*kept, (name, value)]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_form_survives_bad_input(world, case):
    example = Example(world, case)

    # The form filled in as a browser would: accepted.
    client, action, shape = example.open_form()
    assert example.post(client, action, valid_pairs(shape, case.valid(world))) == "accepted", (
        f"{case.id}: the correctly filled-in form was refused"
    )

    # The sharpest values, one field at a time, into the correctly filled-in form: a short
    # sweep that lists every failure at once.
    broken = {}
    for name, value in sharp_edits(shape):
        count_example(f"forms[{case.id}]", sweep=True)
        client, action, form = example.open_form()
        try:
            example.post(client, action, edited(valid_pairs(form, case.valid(world)), name, value))
        except AssertionError as failure:
            shown = "(missing)" if value is MISSING else repr(value[:24])
            broken[f"{name}={shown}"] = str(failure).rsplit("} ", 1)[-1]
            example.opened = example.state = None
    assert broken == {}, f"{case.id}: {broken}"

    # Then Hypothesis: many fields at once, and every kind of odd value.
    outcomes = Counter()

    @property_settings(EXAMPLES_PER_FORM)
    @given(data=st.data())
    def fuzz(data):
        count_example(f"forms[{case.id}]")
        client, action, form = example.open_form()
        pairs = draw_submission(data, shape, form, case.valid(world), world)
        outcomes[example.post(client, action, pairs)] += 1

    fuzz()
    if case.refusable:
        assert outcomes["refused"] > 0, f"{case.id}: no bad input was refused"


# --- ids in URLs -----------------------------------------------------------------------------

# Every HTML route with an id in its path, tried with ids that cannot exist (beyond any row,
# past 32 and 64 bits): each role gets a 4xx (or its usual redirect) and nothing changes.
MISSING_IDS = st.one_of(
    st.sampled_from([10**6, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 10**20, 10**40]),
    st.integers(min_value=10**6, max_value=2**80),
)
ROLES = ("patient", "therapist", "clinician", "admin")


def id_rules(app):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if not rule.rule.startswith("/api/")),
        key=lambda rule: rule.rule,
    )


def test_ids_that_do_not_exist_in_urls(app, world):
    rules = [
        (rule.rule, method)
        for rule in id_rules(app)
        if "<int:" in rule.rule
        for method in sorted(rule.methods & {"GET", "POST"})
    ]
    assert len(rules) > 20
    tokens = {}
    for role in ROLES:
        page = world.client(role).get("/account/password").get_data(as_text=True)
        tokens[role] = (
            form_for(page, "/account/password", "/account/password").fields["csrf_token"].sent[0]
        )
    state = {"before": fingerprint()}

    @property_settings(URL_EXAMPLES)
    @given(
        rule=st.sampled_from(rules),
        role=st.sampled_from(ROLES),
        value=MISSING_IDS,
        other=MISSING_IDS,
    )
    def fuzz(rule, role, value, other):
        count_example("urls[ids that do not exist]")
        path, method = rule
        names = iter((value, other))
        url = re.sub(r"<int:[^>]+>", lambda _: str(next(names, value)), path)
        url = re.sub(r"<[^>]+>", "x", url)
        client = world.client(role)
        with server_errors() as errors:
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": tokens[role]})
        after = fingerprint()
        fail_on_server_error(response.status_code, errors, f"{role}: {method} {url}")
        changed = changed_tables(state["before"], after)
        state["before"] = after
        assert not changed, f"{role}: {method} {url} (an id that does not exist) changed {changed}"

    fuzz()


# --- query strings -----------------------------------------------------------------------------

# Pages that read values from their query string, with the role that sees them. A GET must
# never change anything and never answer 5xx, whatever the values.
QUERY_KINDS = dict.fromkeys(
    ("page", "template", "before", "actor_id", "patient_id", "a", "b", "session", "speed"),
    "number",
) | {"start": "date", "end": "date"}
QUERY_PAGES = [
    ("anonymous", "/login", ("next",)),
    ("patient", "/history", ("page",)),
    ("patient", "/session/player", ("speed",)),
    ("patient", "/snapshots/capture", ("session", "expression")),
    ("therapist", "/exercises/", ("region", "retired")),
    ("therapist", "/therapist/", ("q", "state", "sort", "order")),
    ("clinician", "/clinician/", ("q", "state", "sort", "order")),
    ("therapist", "/patients/{patient}/programme/edit", ("template",)),
    ("therapist", "/patients/{patient}/snapshots/compare", ("expression", "a", "b", "aligned")),
    ("admin", "/admin/", ("role",)),
    (
        "admin",
        "/admin/audit",
        ("actor_id", "patient_id", "action", "outcome", "start", "end", "before"),
    ),
    ("admin", "/admin/audit.csv", ("actor_id", "patient_id", "outcome", "start", "end")),
]


EDGES = {
    "number": ["-1", "0", "1.5", "nan", "1e308", str(2**31), str(2**63), "99999999999999999999"],
    "date": ["0001-01-01", "9999-12-31", "2026-02-30", "-2024-01-01"],
    "text": ["", "\x00", "x" * 10_000, "🙂\u202e"],
}


def get_page(client, url: str) -> tuple[int, list]:
    """GET ``url`` to the end (a CSV streams); the status and any server exception."""
    with server_errors() as errors:
        try:
            response = client.get(url)
            response.get_data()
            return response.status_code, errors
        except Exception as error:  # noqa: BLE001 - escaped the error pages: mid-stream
            return 500, [*errors, error]


@pytest.mark.parametrize("role, page, names", QUERY_PAGES, ids=[p for _, p, _ in QUERY_PAGES])
def test_query_strings_never_break_a_page_or_change_data(app, world, role, page, names):
    known = {re.sub(r"<(?:int:)?([^>]+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()}
    assert page.replace("{patient}", "{patient_id}") in known, f"update QUERY_PAGES: {page}"
    consent(True)(world)  # the capture page is for patients who agreed to photos
    client = world.client(role)
    state = {"before": fingerprint()}

    # First the sharpest values, each alone in one parameter: short, and it lists them all.
    broken = {}
    for name in names:
        for value in EDGES[QUERY_KINDS.get(name, "text")]:
            count_example(f"query[{page}]", sweep=True)
            url = page.format(**world.ids) + "?" + urlencode({name: value})
            status, errors = get_page(client, url)
            if status >= 500:
                cause = type(errors[-1]).__name__ if errors else "?"
                broken[f"{name}={value[:24]!r}"] = f"{status} {cause}"
    assert broken == {}, f"{role}: GET {page} broke with {broken}"
    assert changed_tables(state["before"], fingerprint()) == set(), f"GET {page} changed data"

    # Then Hypothesis, every parameter at once.
    @property_settings(EXAMPLES_PER_QUERY_PAGE)
    @given(data=st.data())
    def fuzz(data):
        count_example(f"query[{page}]")
        params = []
        for name in names:
            kind = QUERY_KINDS.get(name, "text")
            for value in data.draw(field_values(Field(name, kind)), label=name):
                params.append((name, value))
        url = page.format(**world.ids) + "?" + urlencode(params)
        status, errors = get_page(client, url)
        after = fingerprint()
        fail_on_server_error(status, errors, f"{role}: GET {url[:300]}")
        changed = changed_tables(state["before"], after)
        state["before"] = after
        assert not changed, f"{role}: GET {url[:300]} changed {changed}"

    fuzz()


def test_every_form_has_a_case(app, world):
    """Each POST endpoint of the HTML app is fuzzed above or listed in NOT_FUZZED."""
    urls = app.url_map.bind("localhost")
    covered = set()
    # Placeholders not made yet (0) still need an id a URL can hold.
    ids = {name: value or 1 for name, value in world.ids.items()} | {"token": "x"}
    for case in CASES:
        action = (case.action or case.page).format(**ids)
        covered.add(urls.match(action, method="POST")[0])
    posts = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and not rule.rule.startswith("/api/")
    }
    assert posts - covered - set(NOT_FUZZED) == set(), "add a Case or a NOT_FUZZED reason"
    assert set(NOT_FUZZED) <= posts, "NOT_FUZZED names an endpoint that is gone"
