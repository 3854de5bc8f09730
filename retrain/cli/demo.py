"""The demo clinic (`flask demo`): three staff, three patients and about 8 weeks of
realistic history. Written straight to the tables, for a test server only.

Patients' Botox history goes back further (three cycles for the first patient), as it
would for someone who started Retrain part-way through treatment. Random but repeatable.
"""

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import (
    ADMIN,
    CLINICIAN,
    THERAPIST,
    CareTeamMember,
    Exercise,
    InjectionSite,
    InjectionVisit,
    Message,
    MessageRead,
    Patient,
    PracticeItem,
    PracticeSession,
    Programme,
    ProgrammeItem,
    QuestionnaireResponse,
    ReminderSettings,
    User,
)
from ..progress import live
from ..progress.graded import grade, load_graded
from ..usecases import accounts, exercises, messages

PASSWORD = "retrain-demo"  # noqa: S105 - demo data only; `demo` is refused in production

STAFF = [
    ("admin@demo.retrain", "Alex Morgan", ADMIN),
    ("therapist@demo.retrain", "Tess Okafor", THERAPIST),
    ("clinician@demo.retrain", "Dr Chris Lindqvist", CLINICIAN),
]
# email, name, affected side, how diligent (share of prescribed sittings done), days since last
PATIENTS = [
    ("patient@demo.retrain", "Pat Rivera", "left", 0.85, 0),
    ("patient2@demo.retrain", "Sam Chen", "right", 0.6, 1),
    ("patient3@demo.retrain", "Robin Hughes", "left", 0.45, 5),
]
FIRST_PROGRAMME = [
    ("gentle-eye-closure", 5, 3, 5),
    ("closed-lip-smile", 5, 3, 5),
    ("pucker-eyes-open", 5, 3, 5),
    ("cheek-stretch", 3, 20, 5),
]
SECOND_PROGRAMME = [
    ("gentle-eye-closure", 8, 4, 5),
    ("open-smile-eyes-open", 6, 3, 5),
    ("pucker-eyes-open", 8, 3, 5),
    ("platysma-stretch", 3, 20, 5),
    ("chin-relaxation", 5, 5, 5),
]
HISTORY_DAYS = 56
# The player's sessions of the last four weeks used live feedback (issue 15), so the care
# team's pages show its trends; its numbers improve over the weeks.
LIVE_DAYS = 28
# Days before today of each injection visit, per patient index: (days ago, sites)
INJECTIONS = {
    0: [190, 98, 12],
    1: [120, 30],
    2: [45],
}
SITES = [("orbicularis oculi", 4.0), ("mentalis", 2.5), ("platysma", 10.0)]
# A top-up 14 days into the first patient's second cycle, where the chin was uneven.
TOP_UPS = {0: [(84, [("mentalis", 1.5)])]}
# Sunnybrook gradings of the first patient (days ago, 13 grades: composites 50 and 65).
GRADINGS = {
    0: [
        (98, [1, 1, 0, 4, 3, 4, 2, 3, 1, 2, 0, 1, 0]),
        (70, [0, 1, 0, 5, 4, 4, 3, 4, 2, 3, 2, 1, 2]),
    ]
}


def load() -> list[tuple[str, str]]:
    rng = random.Random(20261125)  # noqa: S311 - repeatable demo data, not security
    exercises.sync_builtins()
    by_slug = {e.slug: e for e in db.session.scalars(select(Exercise).where(Exercise.builtin))}
    staff = {}
    for email, name, role in STAFF:
        staff[role] = accounts.create_user_with_password(
            email=email, name=name, role=role, password=PASSWORD
        )
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    today = datetime.now(tz).date()
    for index, (email, name, side, diligence, idle_days) in enumerate(PATIENTS):
        user = accounts.create_user_with_password(
            email=email, name=name, role="patient", password=PASSWORD
        )
        db.session.add(Patient(id=user.id, affected_side=side, created_by_id=staff[THERAPIST].id))
        for role in (THERAPIST, CLINICIAN):
            db.session.add(CareTeamMember(patient_id=user.id, staff_id=staff[role].id))
        db.session.flush()
        programmes = _programmes(user.id, staff[THERAPIST].id, today, by_slug)
        _sessions(rng, user.id, programmes, today, tz, diligence, idle_days)
        _live_feedback(user.id, today, tz, by_slug)
        _botox_and_saq(rng, user.id, staff[CLINICIAN].id, today, INJECTIONS[index])
        _top_ups_and_gradings(index, user.id, staff[CLINICIAN].id, today)
        _reminders(user.id, index)
        _messages(user.id, index, staff)
    db.session.flush()
    messages.recount(db.session.scalars(select(User.id)).all())
    db.session.commit()
    return [(email, role) for email, _, role in STAFF] + [(p[0], "patient") for p in PATIENTS]


def _programmes(patient_id, author_id, today, by_slug):
    versions = []
    for version, (items, starts_ago) in enumerate(
        [(FIRST_PROGRAMME, HISTORY_DAYS), (SECOND_PROGRAMME, 28)], start=1
    ):
        programme = Programme(
            patient_id=patient_id,
            version=version,
            starts_on=today - timedelta(days=starts_ago),
            created_by_id=author_id,
            note="Slow and small. Stop each movement before your eye starts to close.",
        )
        for position, (slug, reps, hold, rest) in enumerate(items):
            programme.items.append(
                ProgrammeItem(
                    position=position,
                    exercise_id=by_slug[slug].id,
                    reps=reps,
                    sets=1,
                    hold_seconds=hold,
                    rest_seconds=rest,
                    times_per_day=2,
                    days_per_week=7,
                )
            )
        versions.append(programme)
    versions[0].ended_on = versions[1].starts_on - timedelta(days=1)
    db.session.add_all(versions)
    db.session.flush()
    return versions


def _sessions(rng, patient_id, programmes, today, tz, diligence, idle_days):
    notes = [
        None,
        None,
        None,
        "Eye felt tighter today.",
        "Easier than last week.",
        "Tired after work, did a short one.",
        "Neck felt looser after the stretch.",
    ]
    for days_ago in range(HISTORY_DAYS, idle_days - 1, -1):
        day = today - timedelta(days=days_ago)
        programme = programmes[0] if day < programmes[1].starts_on else programmes[1]
        for sitting, hour in enumerate((8, 19)):
            if rng.random() > diligence or (days_ago == 0 and sitting == 1):
                continue
            local = datetime.combine(day, time(hour, rng.randrange(0, 50)), tz)
            trend = 6 - 2.5 * (HISTORY_DAYS - days_ago) / HISTORY_DAYS
            session = PracticeSession(
                patient_id=patient_id,
                programme_id=programme.id,
                performed_at=local.astimezone(UTC),
                logged_at=local.astimezone(UTC) + timedelta(minutes=12),
                effort=rng.choice([2, 2, 3, 3, 4]),
                synkinesis_rating=max(0, min(10, round(trend + rng.gauss(0, 1.2)))),
                note=rng.choice(notes),
                source=rng.choice(["player", "player", "form"]),
            )
            for item in programme.items:
                session.items.append(
                    PracticeItem(
                        exercise_id=item.exercise_id,
                        reps_done=item.reps if rng.random() > 0.1 else item.reps - 2,
                        sets_done=1,
                    )
                )
            db.session.add(session)


def _live_feedback(patient_id, today, tz, by_slug) -> None:
    """Live feedback's numbers for the measured exercises of the recent player sessions:
    more clean repetitions and less held-back movement as the weeks go by."""
    rng = random.Random(patient_id)  # noqa: S311 - its own stream: the rest stays as it was
    limits = {e.id: live.default_limit(e.live_rule) for e in by_slug.values()}
    since = datetime.combine(today - timedelta(days=LIVE_DAYS), time(), tz).astimezone(UTC)
    items = db.session.scalars(
        select(PracticeItem)
        .join(PracticeSession)
        .where(
            PracticeSession.patient_id == patient_id,
            PracticeSession.source == "player",
            PracticeSession.performed_at >= since,
        )
        .order_by(PracticeItem.id)
    )
    for item in items:
        limit = limits.get(item.exercise_id)
        if not limit:
            continue  # nothing to hold back: not measured
        days_ago = (today - item.session.performed_at.astimezone(tz).date()).days
        progress = 1 - days_ago / LIVE_DAYS  # 0 four weeks ago, 1 today
        share = min(1.0, max(0.0, 0.45 + 0.45 * progress + rng.uniform(-0.15, 0.15)))
        item.live_reps_scored = item.reps_done
        item.live_clean_reps = round(item.reps_done * share)
        item.live_median_hold_back = round(
            limit * (1.3 - 0.6 * progress + rng.uniform(-0.1, 0.1)), 3
        )
        item.live_fps = round(rng.uniform(14, 24), 1)


def _botox_and_saq(rng, patient_id, clinician_id, today, injections_ago):
    """Visits with typical starting doses, and an SAQ every 14 days that dips after each."""
    visit_days = [today - timedelta(days=ago) for ago in injections_ago]
    for visit_day in visit_days:
        visit = InjectionVisit(
            patient_id=patient_id,
            injected_on=visit_day,
            product="onabotulinumtoxinA",
            created_by_id=clinician_id,
        )
        for muscle, units in SITES:
            visit.sites.append(InjectionSite(muscle=muscle, side="left", units=units))
        db.session.add(visit)
    first = visit_days[0] - timedelta(days=10)
    day = first
    while day <= today:
        since = [(day - v).days for v in visit_days if v <= day]
        effect = _toxin_effect(since[-1]) if since else 0.0
        answers = [max(1, min(5, round(3.6 - 2.2 * effect + rng.gauss(0, 0.5)))) for _ in range(9)]
        db.session.add(
            QuestionnaireResponse(
                patient_id=patient_id,
                instrument="saq",
                answered_on=day,
                answers=answers,
                score=sum(answers) / 45 * 100,  # Mehta et al. 2007
            )
        )
        day += timedelta(days=14)


def _top_ups_and_gradings(index, patient_id, clinician_id, today):
    for ago, sites in TOP_UPS.get(index, []):
        db.session.add(
            InjectionVisit(
                patient_id=patient_id,
                injected_on=today - timedelta(days=ago),
                product="onabotulinumtoxinA",
                kind="top_up",
                created_by_id=clinician_id,
                sites=[InjectionSite(muscle=m, side="left", units=u) for m, u in sites],
            )
        )
    for ago, answers in GRADINGS.get(index, []):
        db.session.add(
            QuestionnaireResponse(
                patient_id=patient_id,
                instrument="sunnybrook",
                answered_on=today - timedelta(days=ago),
                answers=answers,
                score=grade(load_graded("sunnybrook"), answers).composite,
                entered_by_id=clinician_id,
                source="paper",
            )
        )


def _toxin_effect(days: int) -> float:
    """0..1: onset after 3 days, full by 2 weeks, fading from day 60 to 120."""
    if days < 3:
        return 0.0
    if days < 14:
        return (days - 3) / 11
    if days <= 60:
        return 1.0
    return max(0.0, 1 - (days - 60) / 60)


# Reminders the other two patients chose (the first chooses hers in the walkthrough):
# index -> (channel that last reached them, days ago). Robin's 5 days raise the flag.
DEMO_REMINDERS = {1: ("email", 1), 2: ("push", 5)}


def _reminders(patient_id: int, index: int) -> None:
    if index not in DEMO_REMINDERS:
        return
    channel, days_ago = DEMO_REMINDERS[index]
    now = datetime.now(UTC)
    db.session.add(
        ReminderSettings(
            patient_id=patient_id,
            push_on=channel == "push",
            email_on=channel == "email",
            times=["09:00", "18:00"],
            weekdays=list(range(7)),
            on_since=now - timedelta(days=20),
            reached_at=now - timedelta(days=days_ago, hours=3),
            reached_by=channel,
        )
    )


# A short thread per patient index: (author: "patient" or a staff role, hours ago, text,
# read by the other side: hours ago or None). The first patient has one reply unread.
DEMO_MESSAGES = {
    0: [
        (
            "patient",
            70,
            "My eye still closes a little when I smile. Should I keep going "
            "with the closed-lip smile?",
            60,
        ),
        (
            THERAPIST,
            58,
            "Yes, keep going, and make the smile smaller: stop just before the "
            "eye starts to close. Small and slow works better than big.",
            50,
        ),
        (
            CLINICIAN,
            20,
            "Your review is coming up. Keep rating the tightness each day so "
            "we can see how the injection is working.",
            None,
        ),
    ],
    2: [("patient", 6, "I missed a few days with a cold. Is it fine to start again today?", None)],
}


def _messages(patient_id: int, index: int, staff: dict) -> None:
    now = datetime.now(UTC)
    for author, hours_ago, body, read_ago in DEMO_MESSAGES.get(index, []):
        author_id = patient_id if author == "patient" else staff[author].id
        message = Message(
            patient_id=patient_id,
            author_id=author_id,
            body=body,
            created_at=now - timedelta(hours=hours_ago),
        )
        db.session.add(message)
        db.session.flush()
        readers = [author_id]
        if read_ago is not None:
            readers.append(staff[THERAPIST].id if author == "patient" else patient_id)
        for reader_id in readers:
            read_at = now - timedelta(hours=hours_ago if reader_id == author_id else read_ago)
            db.session.add(MessageRead(message_id=message.id, reader_id=reader_id, read_at=read_at))
