"""The scheduler's work, once a minute (companion/sending.py runs it as a periodic job):

1. plan(): every reminder that fell due since the last hour becomes a DueReminder row.
   Its key (patient, instant) is unique and rows are inserted with ON CONFLICT DO
   NOTHING, so two ticks at once make each row once, and only the tick that made a row
   goes on with it: it records why it is not sent (paused, quiet hours, practised
   already, late) or makes one delivery per channel (push: one per device).
2. claim(): deliveries that are due (new ones, and retries whose backoff has passed)
   move from "pending" to "sending" in one UPDATE ... RETURNING; a row is claimed by one
   tick only, whose caller hands each to a sending job. A claim older than STALE_CLAIM
   (its worker died) goes back to pending.

System work: no user acts, so no access check; nothing here names a patient in a log.
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import (
    DueReminder,
    PracticeSession,
    PushSubscription,
    ReminderDelivery,
    ReminderSettings,
    User,
)
from ..reminders import schedule
from .local_time import before_local_day, zone_for

LOOKBACK = schedule.MAX_LATENESS
STALE_CLAIM = timedelta(minutes=10)


def plan_of(settings: ReminderSettings, person) -> schedule.Plan:
    """The schedule's view of one patient's settings (``person``: their User)."""
    quiet = None
    if settings.quiet_from is not None and settings.quiet_until is not None:
        quiet = (settings.quiet_from, settings.quiet_until)
    return schedule.Plan(
        zone=zone_for(person),
        times=tuple(time.fromisoformat(t) for t in settings.times),
        weekdays=frozenset(settings.weekdays),
        quiet=quiet,
        resume_on=settings.resume_on,
    )


def sessions_on(days: dict[int, date], plans: dict) -> dict[tuple[int, date], int]:
    """Sessions per (patient, local day) of the patients in ``days``, from the earliest
    of those days on (one query)."""
    if not days:
        return {}
    counts: dict[tuple[int, date], int] = defaultdict(int)
    for patient_id, performed_at in db.session.execute(
        select(PracticeSession.patient_id, PracticeSession.performed_at).where(
            PracticeSession.patient_id.in_(list(days)),
            PracticeSession.performed_at >= before_local_day(min(days.values())),
        )
    ):
        counts[(patient_id, performed_at.astimezone(plans[patient_id].zone).date())] += 1
    return counts


def plan(now: datetime) -> int:
    """Make the rows of the reminders due in (now - LOOKBACK, now]; returns how many."""
    active = db.session.execute(
        select(ReminderSettings, User)
        .join(User, User.id == ReminderSettings.patient_id)
        .where(or_(ReminderSettings.push_on, ReminderSettings.email_on), User.active)
    ).all()
    plans = {settings.patient_id: plan_of(settings, person) for settings, person in active}
    settings_of = {settings.patient_id: settings for settings, _ in active}
    after = now - LOOKBACK
    known = set(
        db.session.execute(
            select(DueReminder.patient_id, DueReminder.planned_at).where(
                DueReminder.planned_at > after, DueReminder.planned_at <= now
            )
        ).all()
    )
    wanted = [
        {"patient_id": pid, "planned_at": due.at, "slot": due.slot, "status": "sending"}
        for pid, p in plans.items()
        for due in schedule.planned(p, after, now)
        if (pid, due.at) not in known
    ]
    made = _insert_new(wanted, now)
    if made:
        _decide(made, plans, settings_of, now)
    db.session.commit()
    return len(made)


def _insert_new(rows: list[dict], now: datetime) -> list:
    """Insert, skipping rows another tick made first; the rows this call made."""
    if not rows:
        return []
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(DueReminder)
        .on_conflict_do_nothing(index_elements=["patient_id", "planned_at"])
        .returning(DueReminder.id, DueReminder.patient_id, DueReminder.planned_at, DueReminder.slot)
    )
    for row in rows:
        row["created_at"] = now
    return db.session.execute(statement, rows).all()


def _decide(made: list, plans: dict, settings_of: dict, now: datetime) -> None:
    """Skip (with the reason) or make the deliveries of each reminder this tick made."""
    days = {r.patient_id: r.planned_at.astimezone(plans[r.patient_id].zone).date() for r in made}
    counts = sessions_on(days, plans)
    devices = _devices([pid for pid in days if settings_of[pid].push_on])
    skipped: dict[str, list[int]] = defaultdict(list)
    deliveries: list[dict] = []
    for row in made:
        p = plans[row.patient_id]
        due = schedule.Due(row.planned_at, row.planned_at.astimezone(p.zone).date(), row.slot)
        reason = schedule.skip_reason(p, due, counts.get((row.patient_id, due.day), 0), now)
        made_now = [] if reason else _deliveries(row, settings_of[row.patient_id], devices, now)
        if not reason and not made_now:
            reason = "no channel"  # push on, but no device has said yes yet
        if reason:
            skipped[reason].append(row.id)
        deliveries += made_now
    for reason, ids in skipped.items():
        db.session.execute(
            update(DueReminder)
            .where(DueReminder.id.in_(ids))
            .values(status="skipped", reason=reason)
            .execution_options(synchronize_session=False)
        )
    if deliveries:
        db.session.execute(insert(ReminderDelivery), deliveries)


def _devices(patient_ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    if patient_ids:
        for sub_id, patient_id in db.session.execute(
            select(PushSubscription.id, PushSubscription.patient_id).where(
                PushSubscription.patient_id.in_(patient_ids)
            )
        ):
            found[patient_id].append(sub_id)
    return found


def _deliveries(row, settings: ReminderSettings, devices: dict, now: datetime) -> list[dict]:
    base = {"reminder_id": row.id, "patient_id": row.patient_id, "status": "pending"}
    base |= {"attempts": 0, "next_attempt_at": now}
    made = []
    if settings.push_on:
        made += [base | {"channel": "push", "subscription_id": s} for s in devices[row.patient_id]]
    if settings.email_on:
        made.append(base | {"channel": "email", "subscription_id": None})
    return made


def claim(now: datetime) -> list[int]:
    """Claim the deliveries due now (each by one caller only); their ids."""
    db.session.execute(
        update(ReminderDelivery)
        .where(
            ReminderDelivery.status == "sending", ReminderDelivery.claimed_at < now - STALE_CLAIM
        )
        .values(status="pending", next_attempt_at=now, attempts=ReminderDelivery.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    ids = db.session.scalars(
        update(ReminderDelivery)
        .where(ReminderDelivery.status == "pending", ReminderDelivery.next_attempt_at <= now)
        .values(status="sending", claimed_at=now)
        .returning(ReminderDelivery.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted(ids)


def counts_by_status() -> dict[str, int]:
    """Deliveries per status (the tick command's report)."""
    return dict(
        db.session.execute(
            select(ReminderDelivery.status, func.count()).group_by(ReminderDelivery.status)
        ).all()
    )
