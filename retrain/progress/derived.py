"""A patient's derived figures: the facts the caseload needs, kept with the patient instead
of worked out from their whole history on every request (issue 17, part 3).

Only facts that do not depend on today are stored, so they stay right tomorrow without
a write: the local days of the latest sessions (with counts), the last session's time,
and the open cycle's facts (its start, its latest visit, the earlier cycles' exact
wear-off days, the baseline, the latest SAQ). What depends on today (the 7- and 28-day
windows, "no session for 3 days", days since the injection, the phase, "due") and on
the clinic's settings (the projection's spread rule, the noise rule of a change) is
finished when the page is read (progress.review.status_from_facts,
presenters.caseload). docs/performance.md, "Derived figures". Pure Python.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta

from . import adherence, cycles

# The longest window a page reads (the caseload's 28 days): the stored days cover this
# many local days ending on the latest session's day.
WINDOW_DAYS = 28


def recent_days(session_days: Iterable[date]) -> dict[date, int]:
    """Sessions per local day over the WINDOW_DAYS days that end on the latest day."""
    return _window(Counter(session_days))


def _window(counts: Counter[date]) -> dict[date, int]:
    if not counts:
        return {}
    first = max(counts) - timedelta(days=WINDOW_DAYS - 1)
    return {day: n for day, n in sorted(counts.items()) if day >= first}


@dataclass(frozen=True)
class PracticeFigures:
    """The practice part of a patient's figures: how many sessions, the latest one's
    instant, and recent_days of their local days."""

    session_count: int = 0
    last_session_at: datetime | None = None
    recent_days: dict[date, int] = field(default_factory=dict)

    def with_added(self, sessions: Iterable[tuple[datetime, date]]) -> PracticeFigures:
        """The figures once ``sessions`` (each an instant and its local day) are added,
        in any order, also older than the latest: exactly ``practice_figures`` of all.

        Why the stored days are enough: the window ends on the newest day, which can only
        move forward, so its start does too; every earlier session inside the new window
        is inside the stored one (which started no later), and a new session older than
        the window's start is counted but not listed, as a full recomputation does."""
        sessions = list(sessions)
        if not sessions:
            return self
        instants = [at.astimezone(UTC) for at, _ in sessions]
        if self.last_session_at is not None:
            instants.append(self.last_session_at.astimezone(UTC))
        counts = Counter(self.recent_days)
        counts.update(day for _, day in sessions)
        return PracticeFigures(
            session_count=self.session_count + len(sessions),
            last_session_at=max(instants),
            recent_days=_window(counts),
        )


def practice_figures(sessions: Iterable[tuple[datetime, date]]) -> PracticeFigures:
    """The figures of every session of a patient (each an instant and its local day)."""
    sessions = list(sessions)
    return PracticeFigures(
        session_count=len(sessions),
        last_session_at=max((at.astimezone(UTC) for at, _ in sessions), default=None),
        recent_days=recent_days(day for _, day in sessions),
    )


def days_up_to(stored: dict[date, int], today: date) -> list[date] | None:
    """The session days (one per session) a window ending on ``today`` can see, or None
    when the stored days cannot tell: ``today`` is before the latest session's day, so
    the window may reach days older than the stored ones (a clock or zone oddity; the
    caller reads the sessions then)."""
    if stored and today < max(stored):
        return None
    return [day for day, n in stored.items() for _ in range(n)]


def counts_for_today(stored: dict[date, int], today: date) -> dict[date, int] | None:
    """Sessions per local day for the patient's Today (done today, due, this week, the
    streak), or None when the stored days cannot tell: ``today`` is before the latest
    session's day, or the streak runs back to the first stored day and may go on before
    it (the caller reads the sessions then). This week is always inside: its days
    before the latest session's day are fewer than WINDOW_DAYS back."""
    if days_up_to(stored, today) is None:
        return None
    streak = adherence.streak(stored, today)
    if streak:
        first_stored = max(stored) - timedelta(days=WINDOW_DAYS - 1)
        run_end = today if stored.get(today) else today - timedelta(days=1)
        if run_end - timedelta(days=streak - 1) <= first_stored:
            return None
    return dict(stored)


@dataclass(frozen=True)
class ClinicalFacts:
    """The open cycle's date-independent facts (progress.review.status_from_facts
    finishes them for a day). ``error``: why the stored visits or SAQs could not be
    analysed (the status then asks to check the record)."""

    cycle_index: int | None = None
    injected_on: date | None = None  # the open cycle's first visit
    last_visit_on: date | None = None
    earlier_wear_off: tuple[float | None, ...] = ()  # each earlier cycle's exact day
    baseline: float | None = None
    wear_off_day: int | None = None  # measured in the open cycle
    latest_saq_on: date | None = None
    latest_saq: float | None = None
    error: str | None = None

    def to_json(self) -> dict:
        values = asdict(self)
        for name in ("injected_on", "last_visit_on", "latest_saq_on"):
            values[name] = values[name] and values[name].isoformat()
        values["earlier_wear_off"] = list(self.earlier_wear_off)
        return values

    @classmethod
    def from_json(cls, values: dict | None) -> ClinicalFacts:
        values = dict(values or {})
        for name in ("injected_on", "last_visit_on", "latest_saq_on"):
            values[name] = values.get(name) and date.fromisoformat(values[name])
        values["earlier_wear_off"] = tuple(values.get("earlier_wear_off") or ())
        return cls(**values)


def clinical_facts(
    visits: Iterable[cycles.InjectionVisit], saqs: Iterable[tuple[date, float]]
) -> ClinicalFacts:
    """The facts from every visit and SAQ score of the patient (any order)."""
    visits = list(visits)
    saqs = list(saqs)
    as_of = max((v.on for v in visits), default=date.min)
    try:
        report = cycles.analyse(visits, saqs, (), as_of)
    except cycles.CycleDataError as error:
        return ClinicalFacts(error=str(error))
    return facts_of_report(report)


def facts_of_report(report: cycles.ProgressReport) -> ClinicalFacts:
    """The facts of an analysis (whatever day it was made for)."""
    latest_on, latest = report.saq_by_day[-1] if report.saq_by_day else (None, None)
    if not report.cycles:
        return ClinicalFacts(latest_saq_on=latest_on, latest_saq=latest)
    cycle = report.cycles[-1]
    return ClinicalFacts(
        cycle_index=cycle.index,
        injected_on=cycle.injected_on,
        last_visit_on=report.current.last_visit_on,
        earlier_wear_off=tuple(c.wear_off_day_exact for c in report.cycles[:-1]),
        baseline=cycle.baseline,
        wear_off_day=cycle.wear_off_day,
        latest_saq_on=latest_on,
        latest_saq=latest,
    )
