"""When the next SAQ is owed, with the reason in plain words (docs/progress.md, "SAQ schedule").

The rule itself is ``instruments.saq_due``; this adds what the pages say about it: the
clinicians' pending requests and why the next one falls on its day. Pure Python.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .instruments import saq_due

DEFAULT_INTERVAL_DAYS = 14


@dataclass(frozen=True)
class SaqStatus:
    due: bool  # one is owed today
    due_on: date  # when the next one is owed
    overdue_days: int  # days past due_on (0 on the day itself)
    interval_days: int
    reason: str  # why it is owed on due_on, in plain words
    last_answered_on: date | None
    requested_on: date | None  # the earliest clinician's request not yet answered
    upcoming_requests: tuple[date, ...]  # every pending requested day, earliest first

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0


def start_on_from(programme_starts: Iterable[date | None], account_made_on: date) -> date:
    """The programme's first day: the earliest version's start, else the account's day."""
    starts = [d for d in programme_starts if d is not None]
    return min(starts) if starts else account_made_on


def status_from(
    *,
    start_on: date,
    answered_on: Iterable[date],
    interval_days: int | None,
    requested: Iterable[date],
    today: date,
) -> SaqStatus:
    """The SAQ schedule from plain values; ``interval_days`` None: the default 14."""
    interval_days = interval_days or DEFAULT_INTERVAL_DAYS
    answered = sorted(set(answered_on))
    last = answered[-1] if answered else None
    pending = sorted({d for d in requested if last is None or d > last})
    requested_on = pending[0] if pending else None
    result = saq_due(
        start_on, answered, today, interval_days=interval_days, requested_on=requested_on
    )
    if requested_on is not None and result.due_on == requested_on:
        reason = "Your care team asked for one on this day."
    elif last is None or result.due_on == start_on:
        reason = "The first one is due when the programme starts."
    else:
        reason = f"One is due every {interval_days} days."
    return SaqStatus(
        due=result.due,
        due_on=result.due_on,
        overdue_days=result.overdue_days,
        interval_days=interval_days,
        reason=reason,
        last_answered_on=last,
        requested_on=requested_on,
        upcoming_requests=tuple(pending),
    )
