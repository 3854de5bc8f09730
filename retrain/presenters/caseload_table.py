"""The caseload as a table a clinician or a therapist can search, filter and sort.

Both roles share the mechanism (query parameters ``q``, ``state``, ``sort``, ``order``)
but keep their own columns and states: the clinician's rows carry the figures that
decide an injection visit (progress.review, worded as on the review page), the
therapist's the practice figures. Unknown parameters fall back to the defaults, so a
hand-edited address shows the whole list rather than an error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from .. import formatting
from ..progress.change import Change
from ..progress.instruments import display_score
from ..progress.review import Due
from .caseload import CaseloadRow

CLINICIAN, THERAPIST = "clinician", "therapist"
ORDERS = ("asc", "desc")


@dataclass(frozen=True)
class Column:
    key: str
    label: str


@dataclass(frozen=True)
class CaseloadQuery:
    q: str = ""
    state: str = "all"
    sort: str = "name"
    order: str = "asc"

    def params(self, **changes) -> dict[str, str]:
        """The query string's values with ``changes``, defaults left out."""
        values = {"q": self.q, "state": self.state, "sort": self.sort, "order": self.order}
        values.update(changes)
        defaults = CaseloadQuery()
        return {k: v for k, v in values.items() if v != getattr(defaults, k)}


@dataclass(frozen=True)
class ClinicalCells:
    """The clinician's figures for one row, as short text."""

    due_label: str
    due_class: str  # badge class: bad (due), ok (not due), muted (no injection)
    reasons: str
    injection: str
    top_up: str
    days_since: str
    phase: str
    latest_saq: str
    change: str  # "-13.3 from 53.3, better" or why there is no comparison
    projection: str
    spread: str
    uncertain: bool


@dataclass(frozen=True)
class Line:
    row: CaseloadRow
    clinical: ClinicalCells | None


@dataclass(frozen=True)
class SortHeader:
    column: Column
    params: dict[str, str]  # the query string that sorts by this column
    aria_sort: str | None  # "ascending" / "descending" on the sorted column


@dataclass(frozen=True)
class CaseloadTable:
    role: str
    query: CaseloadQuery
    lines: list[Line]
    total: int  # patients on the caseload, before search and filter
    headers: list[SortHeader]
    states: list[tuple[str, str]]  # (value, label) for the filter
    sorts: list[tuple[str, str]]  # (value, label) for the sort menu
    counts: dict[str, int] = field(default_factory=dict)  # per state, before the filter


def _clinical_sort(attribute: str) -> Callable[[CaseloadRow], object]:
    return lambda row: None if row.clinical is None else getattr(row.clinical, attribute)


DUE_ORDER = {Due.DUE: 0, Due.NOT_DUE: 1, Due.NO_INJECTION: 2}
COLUMNS = {
    CLINICIAN: [
        (Column("name", "Patient"), lambda r: (r.name.casefold(), r.patient_id)),
        (Column("state", "State"), lambda r: DUE_ORDER[r.clinical.due]),
        (Column("injection", "Last injection"), _clinical_sort("cycle_started_on")),
        (Column("days", "Days since"), _clinical_sort("days_since")),
        (Column("phase", "Phase"), _clinical_sort("days_since")),
        (Column("saq", "Latest SAQ"), _clinical_sort("latest_saq")),
        (Column("change", "Change from baseline"), _clinical_sort("change_points")),
        (
            Column("projection", "Projected wear-off"),
            lambda r: r.clinical.projection and r.clinical.projection.on,
        ),
        (Column("adherence", "Adherence, 28 days"), lambda r: r.adherence_28d),
    ],
    THERAPIST: [
        (Column("name", "Patient"), lambda r: (r.name.casefold(), r.patient_id)),
        (Column("attention", "Attention"), lambda r: (not r.no_session_3_days, r.has_programme)),
        (Column("last_session", "Last session"), lambda r: r.last_session_at),
        (Column("week", "Last 7 days"), lambda r: r.sessions_7d),
        (Column("month", "Last 28 days"), lambda r: r.sessions_28d),
        (Column("adherence", "Adherence, 28 days"), lambda r: r.adherence_28d),
    ],
}
STATES: dict[str, list[tuple[str, str, Callable[[CaseloadRow], bool]]]] = {
    CLINICIAN: [
        ("all", "All patients", lambda r: True),
        ("due", Due.DUE.label, lambda r: r.clinical.due is Due.DUE),
        ("not_due", Due.NOT_DUE.label, lambda r: r.clinical.due is Due.NOT_DUE),
        ("no_injection", Due.NO_INJECTION.label, lambda r: r.clinical.due is Due.NO_INJECTION),
    ],
    THERAPIST: [
        ("all", "All patients", lambda r: True),
        ("attention", "Needs attention", lambda r: r.needs_attention),
        ("quiet", "No session for 3 days", lambda r: r.no_session_3_days),
        ("no_programme", "No programme yet", lambda r: not r.has_programme),
    ],
}


def parse_query(args: Mapping[str, str], role: str) -> CaseloadQuery:
    """The caseload's query from request arguments; unknown values become defaults."""
    sorts = {column.key for column, _ in COLUMNS[role]}
    states = {value for value, _, _ in STATES[role]}
    q = " ".join(str(args.get("q", "")).split())[:100]
    state = args.get("state", "all")
    sort = args.get("sort", "name")
    order = args.get("order", "asc")
    return CaseloadQuery(
        q=q,
        state=state if state in states else "all",
        sort=sort if sort in sorts else "name",
        order=order if order in ORDERS else "asc",
    )


def caseload_table(rows: Iterable[CaseloadRow], role: str, query: CaseloadQuery) -> CaseloadTable:
    rows = list(rows)
    states = STATES[role]
    counts = {value: sum(1 for r in rows if keep(r)) for value, _, keep in states}
    keep = next(keep for value, _, keep in states if value == query.state)
    needle = query.q.casefold()
    shown = [r for r in rows if keep(r) and needle in r.name.casefold()]
    key = next(key for column, key in COLUMNS[role] if column.key == query.sort)
    shown = sorted_rows(shown, key, query.order == "desc")
    return CaseloadTable(
        role=role,
        query=query,
        lines=[Line(r, clinical_cells(r) if role == CLINICIAN else None) for r in shown],
        total=len(rows),
        headers=[_header(column, query) for column, _ in COLUMNS[role]],
        states=[(value, label) for value, label, _ in states],
        sorts=[(column.key, column.label) for column, _ in COLUMNS[role]],
        counts=counts,
    )


def sorted_rows(rows: Sequence[CaseloadRow], key, descending: bool) -> list[CaseloadRow]:
    """By ``key``, rows without a value last in either order; then by name."""
    by_name = sorted(rows, key=lambda r: (r.name.casefold(), r.patient_id))
    known = [r for r in by_name if key(r) is not None]
    unknown = [r for r in by_name if key(r) is None]
    return sorted(known, key=key, reverse=descending) + unknown


def _header(column: Column, query: CaseloadQuery) -> SortHeader:
    sorted_here = query.sort == column.key
    order = "desc" if sorted_here and query.order == "asc" else "asc"
    aria = None
    if sorted_here:
        aria = "ascending" if query.order == "asc" else "descending"
    return SortHeader(column, query.params(sort=column.key, order=order), aria)


BADGES = {Due.DUE: "bad", Due.NOT_DUE: "ok", Due.NO_INJECTION: "muted"}


def clinical_cells(row: CaseloadRow) -> ClinicalCells:
    status = row.clinical
    started = status.cycle_started_on
    top_up = (
        f"top-up {formatting.short_day(status.last_visit_on)}"
        if started is not None and status.last_visit_on != started
        else ""
    )
    projection = status.projection
    return ClinicalCells(
        due_label=status.due.label,
        due_class=BADGES[status.due],
        reasons="; ".join(status.reasons),
        injection="" if started is None else formatting.short_day(started),
        top_up=top_up,
        days_since="" if status.days_since is None else str(status.days_since),
        phase="" if status.phase is None else status.phase.label,
        latest_saq=_latest(status.latest_saq, status.latest_saq_on),
        change=_change(status),
        projection=_projection(projection),
        spread=_spread(projection),
        uncertain=bool(projection and projection.uncertain),
    )


def _latest(score: float | None, on: date | None) -> str:
    if score is None:
        return ""
    return f"{display_score(score)} ({formatting.short_day(on)})"


def _change(status) -> str:
    if status.change is None:
        if status.cycle_started_on is None or status.latest_saq_on is None:
            return ""
        if status.latest_saq_on <= status.cycle_started_on:
            return "No SAQ since the injection"
        return "No baseline"
    points = status.change_points
    sign = "−" if points < 0 else "+" if points > 0 else "±"
    word = "better" if status.change is Change.BETTER else status.change.label
    return f"{sign}{display_score(abs(points))} from {display_score(status.baseline)}: {word}"


def _projection(projection) -> str:
    if projection is None or projection.on is None:
        return ""
    return f"{formatting.short_day(projection.on)} (day {projection.day})"


def _spread(projection) -> str:
    if projection is None or projection.on is None:
        return ""
    return f"day {projection.earliest_day}–{projection.latest_day}, {projection.cycle_count} cycles"
