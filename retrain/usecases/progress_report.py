"""Progress pages: everything about one patient's cycles, loaded once, ready to show.

``load(patient_id)`` reads the patient's whole record in a fixed number of queries
(QUERIES below: 4, whatever the amount of data; tests/web/test_progress_pages.py
counts them) and hands plain values to retrain.progress.cycles.analyse. The pages get
dataclasses with ready-made text and SVG charts: templates run no queries.

Every figure is defined in docs/progress.md; the pages' help section says the same in
plain words. A missing figure carries the reason it is missing.

Care-team notes and reinjection decisions are written here too (``add_note``,
``record_decision``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import (
    Date,
    Float,
    Integer,
    String,
    cast,
    literal_column,
    null,
    select,
    union_all,
)

from .. import access, formatting
from ..errors import Invalid, NotFound
from ..extensions import db
from ..models import (
    DECISIONS,
    MUSCLES,
    PRODUCT_LABELS,
    InjectionSite,
    InjectionVisit,
    Patient,
    PatientNote,
    PracticeSession,
    Programme,
    QuestionnaireRequest,
    QuestionnaireResponse,
    ReinjectionDecision,
    User,
)
from ..models.base import UTCDateTime, utcnow
from ..progress import adherence, charts, cycles
from ..progress.instruments import display_score
from ..progress.series import OVERLAY_DAYS_BEFORE, overlay_series
from ..usecases.local_time import zone_for
from ..usecases.programme_reads import versions_for
from ..usecases.questionnaires import SAQ, SaqStatus, instrument, start_on_from, status_from

# The queries load() runs, whatever the amount of data: the patient with their account;
# everything dated (SAQ answers, SAQ requests, practice sessions, injection visits with
# their sites: one UNION ALL); the programme versions; and, for staff, the care team's
# notes and decisions (one UNION ALL).
QUERIES = 4
MAX_NOTE = 5000
MAX_DECISION_NOTE = 2000
MAX_WAIT = timedelta(days=365)

DECISION_LABELS = {
    "reinject_now": "Reinject now",
    "adjust_doses": "Reinject with adjusted doses",
    "wait_until": "Wait until a date",
}

# Plain words about each phase, for the patient's page (timing as in docs/progress.md).
PHASE_HELP = {
    cycles.Phase.ONSET: (
        "The injection is starting to work. Most people notice a change after 2 to 4 days."
    ),
    cycles.Phase.BUILDING: "The effect is building up. It is usually full after 1 to 2 weeks.",
    cycles.Phase.FULL_EFFECT: "This is usually when the injection works best.",
    cycles.Phase.WEARING_OFF: (
        "Around now the effect usually fades slowly. Your exercises help keep the gains."
    ),
    cycles.Phase.BEYOND: (
        "It has been longer than an injection usually lasts. Your care team will talk "
        "with you about the next step."
    ),
}


# --- values the pages show ---------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A value as text, or the reason there is none."""

    text: str | None
    reason: str | None = None

    @property
    def missing(self) -> bool:
        return self.text is None


@dataclass(frozen=True)
class SaqRow:
    answered_on: date
    score: float
    score_text: str
    cycle_index: int | None  # the cycle it falls in (after that injection), None before any
    cycle_day: int | None


@dataclass(frozen=True)
class DoseRow:
    muscle: str
    left: str  # units text, "" when none
    right: str


@dataclass(frozen=True)
class DoseGroup:
    product: str
    product_label: str
    rows: list[DoseRow]
    total_text: str  # within this product only


@dataclass(frozen=True)
class CycleRow:
    index: int
    visit_id: int
    injected_on: date
    ends_on: date | None
    is_open: bool
    length_text: str
    product_label: str
    baseline: Figure
    best: Figure
    response: Figure
    wear_off: Figure
    rating_baseline: Figure
    rating_best: Figure
    rating_response: Figure
    rating_wear_off: Figure
    adherence: Figure
    doses: list[DoseGroup]


@dataclass(frozen=True)
class Current:
    index: int
    injected_on: date
    days_since: int
    phase_label: str
    phase_help: str
    projection: Figure  # the projected wear-off date, or why there is none
    projection_note: str | None = None  # which earlier wear-off days it comes from


@dataclass(frozen=True)
class NoteRow:
    created_at: datetime  # in the patient's zone
    author: str
    body: str
    id: int = 0


@dataclass(frozen=True)
class DecisionRow:
    decided_on: date
    label: str
    wait_until: date | None
    note: str | None
    clinician: str
    id: int = 0


@dataclass(frozen=True)
class Chart:
    svg: charts.Svg
    title: str


@dataclass(frozen=True)
class ProgressPage:
    patient_id: int
    name: str
    today: date
    instrument_name: str
    instrument_short: str
    paraphrased: bool
    saqs: list[SaqRow]  # oldest first
    latest: SaqRow | None
    latest_vs_baseline: Figure  # latest SAQ against the current cycle's baseline
    cycles: list[CycleRow]  # oldest first
    current: Current | None
    status: SaqStatus
    summary: list[str]  # plain, encouraging sentences for the patient
    saq_chart: Chart
    overlay_chart: Chart | None
    overlay_table: list[tuple[int, date, str]]  # (cycle, injected_on, "day: score; ...")
    rating_chart: Chart | None
    rating_weeks: list[tuple[date, str]]  # (week starting, 7-day mean on its last rated day)
    rating_points: int
    adherence_28: Figure
    adherence_week: Figure
    sessions_total: int
    notes: list[NoteRow] = field(default_factory=list)
    decisions: list[DecisionRow] = field(default_factory=list)
    analysis_error: str | None = None

    @property
    def cycles_newest_first(self) -> list[CycleRow]:
        return list(reversed(self.cycles))


# --- loading -------------------------------------------------------------------------------


@dataclass
class Record:
    patient: Patient
    user: User
    zone: object
    today: date
    visits: list[_Visit]
    saqs: list[tuple[date, float]]
    session_days: list[date]
    ratings: list[tuple[date, float]]
    versions: list[adherence.Version]
    requests: list[date]


@dataclass(frozen=True)
class _Visit:
    id: int
    on: date
    product: str
    sites: tuple[tuple[str, str, float], ...]  # (muscle, side, units), in entry order


@dataclass
class _Timeline:
    saqs: list[tuple[date, float]]  # (answered on, exact score), date order
    requests: list[date]  # days a clinician asked for an SAQ
    session_days: list[date]  # every session's local date, in time order
    ratings: list[tuple[date, float]]  # (local date, synkinesis rating 0-10)
    visits: list[_Visit]  # date order


def _timeline(patient_id: int, zone) -> _Timeline:
    """Everything dated in the patient's record, in ONE query (UNION ALL of four kinds).

    SAQ answers, SAQ requests, practice sessions and injection sites (each site row
    with its visit's date and product; a visit without sites still gives one row).
    Sessions carry an exact UTC time (``at``); the others a plain date (``on``). Each
    kind fills the columns it has and leaves the others NULL. One query whatever the
    amount of data keeps the review page's query count fixed (issue 3).
    """
    none_at, none_on = cast(null(), UTCDateTime), cast(null(), Date)
    none_text, none_value = cast(null(), String), cast(null(), Float)
    answered = select(
        literal_column("'saq'").label("kind"),
        QuestionnaireResponse.id.label("id"),
        none_at.label("at"),
        QuestionnaireResponse.answered_on.label("on"),
        QuestionnaireResponse.score.label("value"),
        none_text.label("product"),
        none_text.label("muscle"),
        none_text.label("side"),
        cast(null(), Integer).label("site_id"),
    ).where(QuestionnaireResponse.patient_id == patient_id, QuestionnaireResponse.instrument == SAQ)
    requested = select(
        literal_column("'request'"),
        QuestionnaireRequest.id,
        none_at,
        QuestionnaireRequest.requested_on,
        none_value,
        none_text,
        none_text,
        none_text,
        cast(null(), Integer),
    ).where(QuestionnaireRequest.patient_id == patient_id, QuestionnaireRequest.instrument == SAQ)
    practised = select(
        literal_column("'session'"),
        PracticeSession.id,
        PracticeSession.performed_at,
        none_on,
        cast(PracticeSession.synkinesis_rating, Float),
        none_text,
        none_text,
        none_text,
        cast(null(), Integer),
    ).where(PracticeSession.patient_id == patient_id)
    injected = (
        select(
            literal_column("'site'"),
            InjectionVisit.id,
            none_at,
            InjectionVisit.injected_on,
            InjectionSite.units,
            InjectionVisit.product,
            InjectionSite.muscle,
            InjectionSite.side,
            InjectionSite.id,
        )
        .outerjoin(InjectionSite, InjectionSite.visit_id == InjectionVisit.id)
        .where(InjectionVisit.patient_id == patient_id)
    )

    saqs: list[tuple[tuple[date, int], float]] = []
    requests: list[date] = []
    sessions: list[tuple[datetime, int, float | None]] = []
    visits: dict[int, tuple[date, str]] = {}
    sites: dict[int, list[tuple[int, str, str, float]]] = defaultdict(list)
    rows = db.session.execute(union_all(answered, requested, practised, injected))
    for kind, row_id, at, on, value, product, muscle, side, site_id in rows:
        if kind == "session":
            sessions.append((at, row_id, value))
        elif kind == "saq":
            saqs.append(((on, row_id), value))
        elif kind == "request":
            requests.append(on)
        else:
            visits[row_id] = (on, product)
            if site_id is not None:
                sites[row_id].append((site_id, muscle, side, value))
    saqs.sort()
    sessions.sort(key=lambda s: (s[0], s[1]))
    session_days = [at.astimezone(zone).date() for at, _, _ in sessions]
    return _Timeline(
        saqs=[(on, value) for (on, _), value in saqs],
        requests=sorted(requests),
        session_days=session_days,
        ratings=[
            (day, value)
            for day, (_, _, value) in zip(session_days, sessions, strict=True)
            if value is not None
        ],
        visits=[
            _Visit(
                id=visit_id,
                on=on,
                product=product,
                sites=tuple((m, side, u) for _, m, side, u in sorted(sites[visit_id])),
            )
            for visit_id, (on, product) in sorted(visits.items(), key=lambda kv: kv[1][0])
        ],
    )


def load_record(patient_id: int, today: date | None) -> Record:
    patient = access.patient_with_account(patient_id)
    if patient is None:
        raise NotFound()
    user = patient.user
    zone = zone_for(user)
    if today is None:
        today = utcnow().astimezone(zone).date()
    timeline = _timeline(patient_id, zone)
    versions = versions_for(Programme.patient_id == patient_id, {patient_id: zone}, zone).get(
        patient_id, []
    )
    return Record(
        patient=patient,
        user=user,
        zone=zone,
        today=today,
        visits=timeline.visits,
        saqs=timeline.saqs,
        session_days=timeline.session_days,
        ratings=timeline.ratings,
        versions=versions,
        requests=timeline.requests,
    )


def _team_record(patient_id: int, zone) -> tuple[list[NoteRow], list[DecisionRow]]:
    """Care-team notes and reinjection decisions, newest first, in one query (UNION ALL)."""
    notes = (
        select(
            literal_column("'note'").label("kind"),
            PatientNote.id.label("id"),
            PatientNote.created_at.label("at"),
            cast(null(), Date).label("decided_on"),
            cast(null(), String).label("decision"),
            cast(null(), Date).label("wait_until"),
            PatientNote.body.label("text"),
            User.name.label("author"),
        )
        .outerjoin(User, User.id == PatientNote.author_id)
        .where(PatientNote.patient_id == patient_id)
    )
    decisions = (
        select(
            literal_column("'decision'"),
            ReinjectionDecision.id,
            ReinjectionDecision.created_at,
            ReinjectionDecision.decided_on,
            ReinjectionDecision.decision,
            ReinjectionDecision.wait_until,
            ReinjectionDecision.note,
            User.name,
        )
        .outerjoin(User, User.id == ReinjectionDecision.clinician_id)
        .where(ReinjectionDecision.patient_id == patient_id)
    )
    note_rows: list[NoteRow] = []
    decision_rows: list[DecisionRow] = []
    for row in db.session.execute(union_all(notes, decisions)):
        author = row.author or "A former colleague"
        if row.kind == "note":
            note_rows.append(NoteRow(row.at.astimezone(zone), author, row.text, row.id))
        else:
            decision_rows.append(
                DecisionRow(
                    decided_on=row.decided_on,
                    label=DECISION_LABELS.get(row.decision, row.decision),
                    wait_until=row.wait_until,
                    note=row.text,
                    clinician=author,
                    id=row.id,
                )
            )
    note_rows.sort(key=lambda n: (n.created_at, n.id), reverse=True)
    decision_rows.sort(key=lambda d: (d.decided_on, d.id), reverse=True)
    return note_rows, decision_rows


def load(patient_id: int, today: date | None = None, *, for_staff: bool = True) -> ProgressPage:
    """The whole progress picture of one patient. ``for_staff`` adds notes and decisions."""
    record = load_record(patient_id, today)
    page = build_page(record)
    if for_staff:
        notes, decisions = _team_record(patient_id, record.zone)
        page.notes.extend(notes)
        page.decisions.extend(decisions)
    return page


# --- building the page ---------------------------------------------------------------------


def _score(value: float | None) -> str | None:
    return None if value is None else display_score(value)


def _one(value: float | None) -> str | None:
    return None if value is None else f"{value:.1f}"


def _cycle_of(day: date, visits: Sequence[cycles.InjectionVisit]) -> tuple[int | None, int | None]:
    """The latest injection on or before a date, and the day since it (day 0: an SAQ on
    the injection day, answered before the injection: that cycle's baseline)."""
    index = None
    for number, visit in enumerate(visits, start=1):
        if visit.on <= day:
            index = number
    if index is None:
        return None, None
    return index, (day - visits[index - 1].on).days


def _wear_off_reason(
    measure_response: float | None,
    best_day: int | None,
    daily: Sequence[tuple[date, float]],
    cycle: cycles.CycleSummary,
    what: str,
) -> str:
    if measure_response is None:
        return "Needs a response (a baseline and a best) first."
    if measure_response <= 0:
        return "No improvement on the baseline in this cycle, so nothing to wear off."
    best_on = cycle.injected_on + timedelta(days=best_day)
    later = [
        on for on, _ in daily if on > best_on and (cycle.ends_on is None or on <= cycle.ends_on)
    ]
    if not later:
        return (
            f"No {what} after the best day yet."
            if cycle.is_open
            else (f"No {what} after the best day in this cycle.")
        )
    if cycle.is_open:
        return f"Not reached yet: the {what} has not regained half of the response."
    return f"The {what} had not regained half of the response before the next injection."


def _measures(
    cycle: cycles.CycleSummary,
    daily: Sequence[tuple[date, float]],
    today: date,
    *,
    rating: bool,
) -> tuple[Figure, Figure, Figure, Figure]:
    prefix = "rating_" if rating else ""
    baseline = getattr(cycle, prefix + "baseline")
    baseline_day = getattr(cycle, prefix + "baseline_day")
    best = getattr(cycle, prefix + "best")
    best_day = getattr(cycle, prefix + "best_day")
    response = getattr(cycle, prefix + "response_points")
    response_pct = getattr(cycle, prefix + "response_pct")
    wear_day = getattr(cycle, prefix + "wear_off_day")
    fmt = _one if rating else _score
    what = "7-day mean rating" if rating else "SAQ"
    days_in = (
        (cycle.ends_on - cycle.injected_on).days
        if cycle.ends_on
        else (today - cycle.injected_on).days
    )

    if baseline is None:
        reason = f"No {what} in the {cycles.BASELINE_WINDOW_DAYS} days before this injection."
        if rating:
            reason += " A 7-day mean needs at least 3 ratings within 7 days."
        baseline_fig = Figure(None, reason)
    else:
        baseline_fig = Figure(f"{fmt(baseline)} (day {baseline_day})")

    if best is None:
        if days_in < cycles.BEST_FIRST_DAY:
            reason = (
                f"Too early: the best is looked for from day {cycles.BEST_FIRST_DAY}."
                if cycle.is_open
                else f"The cycle ended before day {cycles.BEST_FIRST_DAY}."
            )
        else:
            reason = f"No {what} between days {cycles.BEST_FIRST_DAY} and {cycles.BEST_LAST_DAY}."
        best_fig = Figure(None, reason)
    else:
        best_fig = Figure(f"{fmt(best)} (day {best_day})")

    if response is None:
        missing = []
        if baseline is None:
            missing.append("a baseline")
        if best is None:
            missing.append("a best")
        response_fig = Figure(None, f"Needs {' and '.join(missing)}.")
    else:
        pct = "" if response_pct is None else f" ({response_pct:.0f} %)"
        response_fig = Figure(f"{fmt(response)}{pct}")

    if wear_day is not None:
        wear_fig = Figure(
            f"day {wear_day} ({formatting.short_day(cycle.injected_on + timedelta(days=wear_day))})"
        )
    else:
        wear_fig = Figure(None, _wear_off_reason(response, best_day, daily, cycle, what))
    return baseline_fig, best_fig, response_fig, wear_fig


def _doses(cycle: cycles.CycleSummary) -> list[DoseGroup]:
    by_product: dict[str, dict[tuple[str, str], float]] = defaultdict(dict)
    for (product, muscle, side), units in cycle.doses.items():
        by_product[product][(muscle, side)] = units
    groups = []
    for product, doses in by_product.items():
        rows = [
            DoseRow(
                muscle=muscle,
                left=formatting.units(doses[(muscle, "left")]) if (muscle, "left") in doses else "",
                right=formatting.units(doses[(muscle, "right")])
                if (muscle, "right") in doses
                else "",
            )
            for muscle in sorted(
                {m for m, _ in doses}, key=lambda m: MUSCLES.index(m) if m in MUSCLES else 99
            )
        ]
        groups.append(
            DoseGroup(
                product=product,
                product_label=PRODUCT_LABELS.get(product, product),
                rows=rows,
                total_text=formatting.units(sum(doses.values())),
            )
        )
    return groups


def cycle_sessions(
    record: Record, counts: dict[date, int], injected_on: date, ends_on: date | None
) -> tuple[int, float]:
    """(sessions credited, sessions prescribed) in a cycle's adherence window: from the
    injection day to the day before the next injection (so no session counts twice), or
    to today for the open cycle. The pages and the API both count with this."""
    end = record.today if ends_on is None else ends_on - timedelta(days=1)
    versions = _overlapping(record.versions, injected_on, end)
    if ends_on is None:
        window = adherence.to_date(counts, versions, injected_on, end)
        return window.credited, window.prescribed
    return (
        adherence.credited(counts, versions, injected_on, end),
        adherence.prescribed(versions, injected_on, end),
    )


def _cycle_adherence(record: Record, counts: dict[date, int], cycle: cycles.CycleSummary) -> Figure:
    done, due = cycle_sessions(record, counts, cycle.injected_on, cycle.ends_on)
    if due <= 0:
        return Figure(None, "No programme was prescribed during this cycle.")
    percent = min(100.0, done * 100 / due)  # as adherence.adherence: capped at 100 %
    return Figure(f"{percent:.0f} % ({done} of {due:.0f} sessions)")


def _overlapping(
    versions: list[adherence.Version], start: date, end: date
) -> list[adherence.Version]:
    """The versions in force on some day of start..end, in their order: the others cannot
    change any figure for those days, and leaving them out keeps long records fast."""
    return [
        v for v in versions if v.starts_on <= end and (v.ended_on is None or v.ended_on >= start)
    ]


def _window_figure(window: adherence.Window, period: str = "in this period") -> Figure:
    if window.adherence is None:
        return Figure(None, f"No programme was prescribed {period}.")
    return Figure(
        f"{window.adherence:.0f} % ({window.credited} of {window.prescribed:.0f} sessions)"
    )


def build_page(record: Record) -> ProgressPage:
    inst = instrument()
    today = record.today
    visits = [
        cycles.InjectionVisit(
            on=v.on,
            product=v.product,
            sites=v.sites,
        )
        for v in record.visits
    ]
    analysis_error = None
    analyse_today = max([today, *(v.on for v in visits)])
    try:
        report = cycles.analyse(visits, record.saqs, record.ratings, analyse_today)
    except (cycles.CycleDataError, ValueError) as error:
        # Stored data the analysis refuses (should not happen: the forms check it).
        analysis_error = str(error)
        report = cycles.analyse([], [], [], analyse_today)

    counts = adherence.daily_counts(record.session_days)
    saq_daily = report.saq_by_day
    cycle_rows = []
    for summary, visit in zip(report.cycles, record.visits, strict=False):
        saq_figs = _measures(summary, saq_daily, today, rating=False)
        rating_figs = _measures(summary, report.rating_trend, today, rating=True)
        length = (
            f"{summary.length_days} days"
            if summary.ends_on
            else f"open, day {(analyse_today - summary.injected_on).days}"
        )
        cycle_rows.append(
            CycleRow(
                index=summary.index,
                visit_id=visit.id,
                injected_on=summary.injected_on,
                ends_on=summary.ends_on,
                is_open=summary.is_open,
                length_text=length,
                product_label=PRODUCT_LABELS.get(summary.product, summary.product),
                baseline=saq_figs[0],
                best=saq_figs[1],
                response=saq_figs[2],
                wear_off=saq_figs[3],
                rating_baseline=rating_figs[0],
                rating_best=rating_figs[1],
                rating_response=rating_figs[2],
                rating_wear_off=rating_figs[3],
                adherence=_cycle_adherence(record, counts, summary),
                doses=_doses(summary),
            )
        )

    current = None
    if report.current is not None:
        c = report.current
        if c.projected_wear_off_on is not None:
            used = c.projection_based_on
            projection = Figure(
                f"{formatting.day(c.projected_wear_off_on)} (day {c.projected_wear_off_day})"
            )
            projection_note = (
                f"The median of the wear-off days of the {len(used)} earlier cycles that "
                f"had one: {', '.join(str(d) for d in used)}."
            )
        else:
            projection = Figure(None, c.projection_reason)
            projection_note = None
        current = Current(
            index=c.index,
            injected_on=c.injected_on,
            days_since=c.days_since_injection,
            phase_label=c.phase.label,
            phase_help=PHASE_HELP[c.phase],
            projection=projection,
            projection_note=projection_note,
        )

    saq_rows = []
    for on, value in record.saqs:
        index, day = _cycle_of(on, visits)
        saq_rows.append(SaqRow(on, value, display_score(value), index, day))
    latest = saq_rows[-1] if saq_rows else None
    latest_vs = _latest_vs_baseline(latest, report, cycle_rows)

    status = status_from(
        start_on=start_on_from(
            [v.starts_on for v in record.versions],
            record.user.created_at.astimezone(record.zone).date(),
        ),
        answered_on=[on for on, _ in record.saqs],
        interval_days=record.patient.saq_interval_days or 14,
        requested=record.requests,
        today=today,
    )

    recent = _overlapping(record.versions, today - timedelta(days=27), today)
    week = adherence.last_days(counts, recent, today, 7)
    month = adherence.last_days(counts, recent, today, 28)
    overlay_chart, overlay_table = _overlay(report, record.saqs, inst)
    rating_chart, rating_weeks = _rating_chart(report, visits, today)
    return ProgressPage(
        patient_id=record.patient.id,
        name=record.user.name,
        today=today,
        instrument_name=inst.name,
        instrument_short=inst.short_name,
        paraphrased=inst.wording == "paraphrase",
        saqs=saq_rows,
        latest=latest,
        latest_vs_baseline=latest_vs,
        cycles=cycle_rows,
        current=current,
        status=status,
        summary=_summary(latest, saq_rows, report, cycle_rows, status, today),
        saq_chart=_saq_chart(saq_rows, visits, today, inst),
        overlay_chart=overlay_chart,
        overlay_table=overlay_table,
        rating_chart=rating_chart,
        rating_weeks=rating_weeks,
        rating_points=len(report.rating_trend),
        adherence_28=_window_figure(month),
        adherence_week=_window_figure(week),
        sessions_total=len(record.session_days),
        analysis_error=analysis_error,
    )


def _latest_vs_baseline(
    latest: SaqRow | None, report: cycles.ProgressReport, rows: list[CycleRow]
) -> Figure:
    if latest is None:
        return Figure(None, "No SAQ has been answered yet.")
    if report.current is None:
        return Figure(None, "No injection is recorded, so there is no baseline to compare with.")
    summary = report.cycles[-1]
    if summary.baseline is None:
        return Figure(None, rows[-1].baseline.reason)
    if latest.answered_on < summary.injected_on:
        return Figure(None, "No SAQ since the latest injection yet.")
    difference = latest.score - summary.baseline
    if abs(difference) < 0.05:
        word = "the same as"
    elif difference < 0:
        word = f"{display_score(-difference)} points lower (better) than"
    else:
        word = f"{display_score(difference)} points higher (worse) than"
    return Figure(
        f"{latest.score_text} on {formatting.day(latest.answered_on)}: {word} the baseline of "
        f"{display_score(summary.baseline)}"
    )


def _summary(
    latest: SaqRow | None,
    saqs: list[SaqRow],
    report: cycles.ProgressReport,
    rows: list[CycleRow],
    status: SaqStatus,
    today: date,
) -> list[str]:
    """A few plain, kind sentences for the patient's own page."""
    lines = []
    if latest is None:
        lines.append(
            "You have not filled in the synkinesis questionnaire yet. Your answers help "
            "you and your care team see how your treatment works over time."
        )
    else:
        lines.append(
            f"You have filled in the questionnaire {len(saqs)} "
            f"{'time' if len(saqs) == 1 else 'times'}. Thank you: every one makes the "
            "picture clearer."
        )
        summary = report.cycles[-1] if report.cycles else None
        if (
            summary is not None
            and summary.baseline is not None
            and latest.answered_on > summary.injected_on
        ):
            difference = summary.baseline - latest.score
            if difference >= 0.05:
                lines.append(
                    f"Your latest score, {latest.score_text}, is {display_score(difference)} "
                    "points lower than before your latest injection. Lower means less "
                    "synkinesis: that is a good sign."
                )
            else:
                lines.append(
                    f"Your latest score is {latest.score_text}. Scores go up and down from "
                    "week to week; your care team looks at the whole picture with you."
                )
        elif len(saqs) > 1:
            first = saqs[0]
            difference = first.score - latest.score
            if difference >= 0.05:
                lines.append(
                    f"Your latest score, {latest.score_text}, is {display_score(difference)} "
                    f"points lower than your first one ({first.score_text}). Lower means "
                    "less synkinesis."
                )
            else:
                lines.append(
                    f"Your latest score is {latest.score_text}. Change can be slow and hard "
                    "to see; keeping up your exercises is what counts."
                )
    if status.due:
        lines.append("A questionnaire is due now. It takes about two minutes.")
    else:
        lines.append(f"Your next questionnaire is due on {formatting.day(status.due_on)}.")
    return lines


# --- charts --------------------------------------------------------------------------------


def _saq_axis(inst) -> charts.Axis:
    low, high = inst.min_score, inst.max_score
    return charts.Axis(low=low, high=high, label="SAQ score", ticks=charts.nice_ticks(low, high, 4))


def _saq_chart(
    rows: list[SaqRow], visits: Sequence[cycles.InjectionVisit], today: date, inst
) -> Chart:
    title = "SAQ score over time"
    dates = [r.answered_on for r in rows] + [v.on for v in visits]
    start = min(dates) - timedelta(days=7) if dates else today - timedelta(days=90)
    x = charts.date_axis(start, today + timedelta(days=3))
    points = tuple((r.answered_on.toordinal(), r.score) for r in rows)
    vlines = [charts.VLine(v.on.toordinal(), str(n)) for n, v in enumerate(visits, start=1)]
    if rows:
        desc = (
            f"{len(rows)} SAQ scores from {formatting.day(rows[0].answered_on)} to "
            f"{formatting.day(rows[-1].answered_on)}; the latest is {rows[-1].score_text}. "
            "Lower scores mean less synkinesis."
        )
    else:
        desc = "No SAQ has been answered yet."
    if visits:
        desc += (
            " Injections are marked by dashed lines, numbered in order: "
            + "; ".join(f"{n}: {formatting.day(v.on)}" for n, v in enumerate(visits, start=1))
            + "."
        )
    svg = charts.line_chart(
        chart_id="saq-chart",
        title=title,
        desc=desc,
        x=x,
        y=_saq_axis(inst),
        series=[charts.Series("SAQ", points)],
        vlines=vlines,
        empty_text="No questionnaire answered yet.",
        y_note="lower is better",
    )
    return Chart(svg, title)


def _overlay(
    report: cycles.ProgressReport, saqs: list[tuple[date, float]], inst
) -> tuple[Chart | None, list[tuple[int, date, str]]]:
    if not report.cycles:
        return None, []
    overlay = overlay_series(report, saqs)
    longest = max(
        [point[0] for s in overlay for point in s.points]
        + [cycles.DEFAULT_PHASES.wearing_off_last_day]
    )
    high = min(365, ((longest // 30) + 1) * 30)
    phases = report.phases
    bands = [
        charts.Band(0, phases.onset_last_day, "", "#f6f1e7"),
        charts.Band(phases.onset_last_day, phases.building_last_day, "building", "#eef3f4"),
        charts.Band(
            phases.building_last_day, phases.full_effect_last_day, "full effect", "#e3eef0"
        ),
        charts.Band(
            phases.full_effect_last_day, phases.wearing_off_last_day, "wearing off", "#eef3f4"
        ),
    ]
    count = len(overlay)
    series = []
    table = []
    for position, item in enumerate(overlay):
        style = charts.series_style(count - 1 - position)
        label = f"{item.cycle_index}: {item.injected_on:%d %b %Y}"
        series.append(
            charts.Series(label, tuple(item.points), css=f"cycle-{item.cycle_index}", **style)
        )
        table.append(
            (
                item.cycle_index,
                item.injected_on,
                "; ".join(f"day {d}: {display_score(v)}" for d, v in item.points)
                or "No SAQ in this cycle.",
            )
        )
    ticks = tuple((d, str(d)) for d in range(-30, high + 1, 30))
    title = "All cycles overlaid: SAQ by days since injection"
    desc = (
        f"{count} {'cycle' if count == 1 else 'cycles'} drawn from "
        f"{OVERLAY_DAYS_BEFORE} days before each injection (day 0) to the next injection; "
        "the newest cycle is the thickest line, cycles older than the last four are grey. "
        "Shaded bands mark the usual phases. Lower scores mean less synkinesis."
    )
    if longest > high:
        desc += f" Points after day {high} are not drawn; the table lists them."
    svg = charts.line_chart(
        chart_id="overlay-chart",
        title=title,
        desc=desc,
        x=charts.Axis(-OVERLAY_DAYS_BEFORE, high, "Days since injection", ticks),
        y=_saq_axis(inst),
        series=series,
        vlines=[charts.VLine(0, "injection")],
        bands=bands,
        layout=charts.Layout(height=320, top=40),
        empty_text="No SAQ within any cycle yet.",
        y_note="lower is better",
    )
    return Chart(svg, title), table


def _rating_chart(
    report: cycles.ProgressReport, visits: Sequence[cycles.InjectionVisit], today: date
) -> tuple[Chart | None, list[tuple[date, str]]]:
    trend = report.rating_trend
    title = "Daily synkinesis rating: 7-day mean"
    if not trend:
        return None, []
    start = min([trend[0][0], *(v.on for v in visits)]) - timedelta(days=7)
    points = tuple((on.toordinal(), value) for on, value in trend)
    desc = (
        f"The 7-day mean of the patient's own synkinesis rating (0 none to 10 worst), "
        f"{len(trend)} days with a value from {formatting.day(trend[0][0])} to "
        f"{formatting.day(trend[-1][0])}; the latest is {trend[-1][1]:.1f}. Gaps are periods "
        "with fewer than 3 ratings in 7 days. Injections are dashed lines, numbered in order."
    )
    svg = charts.line_chart(
        chart_id="rating-chart",
        title=title,
        desc=desc,
        x=charts.date_axis(start, today + timedelta(days=3)),
        y=charts.Axis(0, 10, "Rating, 7-day mean", charts.nice_ticks(0, 10, 5)),
        series=[
            charts.Series("7-day mean", points, stroke=charts.PALETTE[1], dots=False, break_over=7)
        ],
        vlines=[charts.VLine(v.on.toordinal(), str(n)) for n, v in enumerate(visits, start=1)],
        y_note="lower is better",
    )
    weeks: dict[date, float] = {}
    for on, value in trend:
        weeks[adherence.week_start(on)] = value  # the last rated day of each week wins
    table = [(week, f"{value:.1f}") for week, value in sorted(weeks.items())]
    return Chart(svg, title), table


# --- writing: notes and decisions ----------------------------------------------------------


def _require(user, action: str, patient_id: int) -> None:
    if not access.may(user, action, patient_id):
        raise NotFound()


def add_note(user, patient_id: int, body: str | None) -> PatientNote:
    _require(user, access.WRITE_NOTE, patient_id)
    text = (body or "").strip()
    if not text:
        raise Invalid("Write the note first.", "body")
    if len(text) > MAX_NOTE:
        raise Invalid(f"Keep the note under {MAX_NOTE:,} characters.", "body")
    note = PatientNote(patient_id=patient_id, author_id=user.id, body=text)
    db.session.add(note)
    db.session.commit()
    return note


def record_decision(
    user,
    patient_id: int,
    *,
    decision: str | None,
    wait_until: date | None,
    note: str | None,
    today: date,
) -> ReinjectionDecision:
    """Keep the clinician's decision with the record (the review page lists them)."""
    _require(user, access.DECIDE, patient_id)
    if decision not in DECISIONS:
        raise Invalid("Choose a decision.", "decision")
    if decision == "wait_until":
        if wait_until is None:
            raise Invalid("Enter the date to wait until.", "wait_until")
        if wait_until <= today:
            raise Invalid("The date to wait until must be after today.", "wait_until")
        if wait_until > today + MAX_WAIT:
            raise Invalid("Choose a date within the next year.", "wait_until")
    else:
        wait_until = None
    text = (note or "").strip()
    if len(text) > MAX_DECISION_NOTE:
        raise Invalid(f"Keep the note under {MAX_DECISION_NOTE:,} characters.", "note")
    if decision == "adjust_doses" and not text:
        raise Invalid("Say which doses to change and how.", "note")
    row = ReinjectionDecision(
        patient_id=patient_id,
        decided_on=today,
        decision=decision,
        wait_until=wait_until,
        note=text or None,
        clinician_id=user.id,
    )
    db.session.add(row)
    db.session.commit()
    return row
