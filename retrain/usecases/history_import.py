"""Bringing a patient's past SAQs and injection visits in from a CSV file.

A clinic holds years of paper SAQs and injection records; onboarding a patient means
entering them dated as they happened. The file (``template_csv`` shows the columns):

- one row per SAQ: ``record`` "saq", ``date``, and either the answers ``q1`` to ``q9``
  (1-5, in the questionnaire's order) or only the total ``score`` (20-100, kept as
  "score only");
- one row per injection site: ``record`` "visit", ``date``, ``product``, ``muscle``,
  ``side``, ``units`` and optionally ``lot``. Rows of one date make one visit, so they
  share its product and lot. Each visit is a top-up or a new cycle by the top-up rule.

Dates are YYYY-MM-DD, on or before the patient's today. A date that already holds an
SAQ (or a visit) in the record, or twice in the file, is an error. Every row is checked
by the same rules as the forms (usecases.questionnaires, usecases.injection_checks).

``preview`` changes nothing and reports every line's result or its errors; ``run``
imports all rows in one transaction, or none when any line has an error, and records
the import in the audit trail (counts only, no clinical text). SAQ rows need
access.ENTER_SAQ; visit rows also access.RECORD_INJECTION (clinicians).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from .. import access, formatting
from ..errors import Invalid, Problem
from ..extensions import db
from ..infrastructure import audit
from ..infrastructure.locking import lock_patient
from ..models import (
    INJECTION_SIDES,
    MUSCLES,
    PRODUCTS,
    InjectionSite,
    InjectionVisit,
    QuestionnaireResponse,
)
from ..presenters import spreadsheet
from ..progress import cycles, instruments
from ..progress.instruments import Instrument, display_score
from .clinic_settings import rules
from .injection_checks import check_visit
from .local_time import patient_today
from .questionnaires import SAQ, check_answers, check_past_day, instrument

MAX_BYTES = 1_000_000
MAX_LINES = 5_000
VISIT_COLUMNS = ("product", "muscle", "side", "units", "lot")


@dataclass
class Line:
    """One data line of the file and what it becomes (``result``) or why not (``errors``)."""

    number: int  # the line in the file (the header is line 1)
    record: str
    day: date | None
    result: str = ""
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Preview:
    lines: list[Line]
    file_errors: list[str]  # problems of the whole file (header, size)
    saq_count: int
    visit_count: int
    site_count: int

    @property
    def ok(self) -> bool:
        return not self.file_errors and all(not line.errors for line in self.lines)

    @property
    def error_count(self) -> int:
        return len(self.file_errors) + sum(1 for line in self.lines if line.errors)


@dataclass
class _Parsed:
    lines: list[Line]
    saqs: dict[date, tuple[list[int], float, bool]]  # day -> (answers, score, score only)
    visits: dict[date, dict]  # day -> {"product", "lot", "sites": [...], "lines": [...]}


def template_csv() -> str:
    """The template to download: the header and one example of each kind of row."""
    inst_items = len(instrument().items)
    header = ["record", "date", *VISIT_COLUMNS, "score", *_answer_columns(inst_items)]
    examples = [
        ["saq", "2021-03-02", "", "", "", "", "", "", *["2"] * inst_items],
        ["saq", "2021-06-15", "", "", "", "", "", "48.9", *[""] * inst_items],
        ["visit", "2021-03-02", "onabotulinumtoxinA", "orbicularis oculi", "left", "2.5",
         "C5012AB", "", *[""] * inst_items],
        ["visit", "2021-03-02", "onabotulinumtoxinA", "mentalis", "right", "2", "C5012AB",
         "", *[""] * inst_items],
    ]  # fmt: skip
    return spreadsheet.csv_text(examples, header)


def preview(user, patient_id: int, text: str, today: date | None = None) -> Preview:
    """Every line's result or errors; nothing is written."""
    access.require(user, access.ENTER_SAQ, patient_id)
    return _check(user, patient_id, text, today)[0]


def run(user, patient_id: int, text: str, today: date | None = None) -> Preview:
    """Import every row, or nothing when any line has an error (Invalid then, with the
    preview's errors by line in ``problems``)."""
    access.require(user, access.ENTER_SAQ, patient_id)
    lock_patient(patient_id)
    result, parsed = _check(user, patient_id, text, today)
    if not result.ok:
        messages = result.file_errors + [
            f"Line {line.number}: {' '.join(line.errors)}" for line in result.lines if line.errors
        ]
        raise Invalid(
            f"Nothing was imported: {result.error_count} lines have errors.",
            "file",
            problems=[Problem(message, "file") for message in messages],
        )
    _write(user, patient_id, parsed)
    db.session.commit()
    audit.record(
        "import_history",
        patient_id=patient_id,
        target=f"saqs:{result.saq_count} visits:{result.visit_count}",
    )
    return result


# --- checking ---------------------------------------------------------------------------


def _check(user, patient_id: int, text: str, today: date | None) -> tuple[Preview, _Parsed]:
    today = today or patient_today(patient_id)
    inst = instrument()
    rows, file_errors = _rows(text, len(inst.items))
    parsed = _Parsed([], {}, {})
    may_record = access.may(user, access.RECORD_INJECTION, patient_id)
    for number, row in rows:
        line = _line(row, number, today, inst, parsed, may_record)
        parsed.lines.append(line)
    _against_the_record(patient_id, parsed)
    _settle_visits(patient_id, parsed)
    sites = sum(len(visit["sites"]) for visit in parsed.visits.values())
    result = Preview(parsed.lines, file_errors, len(parsed.saqs), len(parsed.visits), sites)
    return result, parsed


def _answer_columns(count: int) -> list[str]:
    return [f"q{n}" for n in range(1, count + 1)]


def _rows(text: str, item_count: int) -> tuple[list[tuple[int, dict]], list[str]]:
    """The data rows by line number, as {column: text}; or the file's problems."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        return [], [f"The file is larger than {MAX_BYTES // 1_000_000} MB: split it."]
    text = text.lstrip("\ufeff")
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = [column.strip().lower() for column in next(reader)]
    except (StopIteration, csv.Error):
        return [], ["The file is empty. Start from the template."]
    known = {"record", "date", *VISIT_COLUMNS, "score", *_answer_columns(item_count)}
    unknown = [column for column in header if column and column not in known]
    missing = [column for column in ("record", "date") if column not in header]
    if unknown or missing or len(set(header)) != len(header):
        problems = [f"Unknown column: {c}." for c in unknown]
        problems += [f"The column {c} is missing." for c in missing]
        if len(set(header)) != len(header):
            problems.append("A column appears twice.")
        return [], [f"Line 1 (the header): {' '.join(problems)} Start from the template."]
    rows = []
    try:
        for values in reader:
            if reader.line_num > MAX_LINES:
                return [], [f"The file has more than {MAX_LINES:,} lines: split it."]
            if any(value.strip() for value in values):
                cells = dict(zip(header, (v.strip() for v in values), strict=False))
                rows.append((reader.line_num, cells))
    except csv.Error as error:
        return [], [f"Line {reader.line_num}: the file cannot be read as CSV ({error})."]
    if not rows:
        return [], ["The file has a header but no rows."]
    return rows, []


def _line(row: dict, number: int, today: date, inst, parsed: _Parsed, may_record: bool) -> Line:
    record = row.get("record", "").lower()
    line = Line(number, record, None)
    day = _date(row.get("date", ""))
    if day is None:
        line.errors.append("Write the date as YYYY-MM-DD, for example 2021-03-02.")
    else:
        try:
            line.day = check_past_day(day, today, "date")
        except Invalid as error:
            line.errors.append(error.message)
    if record == "saq":
        _saq_line(row, line, inst, parsed)
    elif record == "visit":
        if may_record:
            _visit_line(row, line, today, parsed)
        else:
            line.errors.append("Only a clinician can import injection visits.")
    else:
        line.errors.append('Write "saq" or "visit" in the record column.')
    return line


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def _saq_line(row: dict, line: Line, inst: Instrument, parsed: _Parsed) -> None:
    keys = _answer_columns(len(inst.items))
    given = [row.get(key, "") for key in keys]
    score_text = row.get("score", "")
    extra = [c for c in VISIT_COLUMNS if row.get(c)]
    if extra:
        line.errors.append(f"An SAQ row leaves {', '.join(extra)} empty.")
    if any(given) and score_text:
        line.errors.append("Give the answers or the score, not both.")
        return
    if any(given):
        try:
            answers = check_answers(
                inst, dict(zip((i.key for i in inst.items), given, strict=True))
            )
        except Invalid as error:
            line.errors += [_with_column(p.message) for p in error.problems]
            return
        score, score_only = instruments.score(inst, answers), False
    else:
        answers, score, score_only = [], _score(score_text, inst, line), True
        if score is None:
            return
    if line.day is None or line.errors:
        return
    if line.day in parsed.saqs:
        line.errors.append("The file has another SAQ on this date.")
        return
    parsed.saqs[line.day] = (answers, score, score_only)
    line.result = f"SAQ, score {display_score(score)}" + (" (score only)" if score_only else "")


def _with_column(message: str) -> str:
    """check_answers speaks of "question N": here that is the column qN."""
    return message.replace("Please answer question ", "Fill in q").replace("Question ", "q")


def _score(text: str, inst: Instrument, line: Line) -> float | None:
    try:
        score = float(text.replace(",", "."))
    except ValueError:
        score = None
    if score is None or not inst.min_score <= score <= inst.max_score:
        low, high = display_score(inst.min_score), display_score(inst.max_score)
        line.errors.append(f"Give the nine answers, or a score from {low} to {high}.")
        return None
    return score


def _visit_line(row: dict, line: Line, today: date, parsed: _Parsed) -> None:
    product = row.get("product", "")
    muscle, side = row.get("muscle", "").lower(), row.get("side", "").lower()
    if row.get("score") or any(row.get(key) for key in row if key.startswith("q")):
        line.errors.append("A visit row leaves score and q1-q9 empty.")
    try:
        clean = check_visit(
            injected_on=line.day or today,
            product=product,
            sites=[{"muscle": muscle, "side": side, "units": row.get("units", "")}],
            note=None,
            today=today,
            lot=row.get("lot", ""),
        )
    except Invalid as error:
        line.errors += [_site_message(p.message, product, muscle, side) for p in error.problems]
        return
    if line.day is None or line.errors:
        return
    visit = parsed.visits.setdefault(
        line.day, {"product": clean.product, "lot": clean.lot, "sites": [], "lines": []}
    )
    if (visit["product"], visit["lot"]) != (clean.product, clean.lot):
        line.errors.append("Rows of one visit (one date) have the same product and lot.")
        return
    visit["sites"].append(clean.sites[0])
    visit["lines"].append(line)
    m, s, units = clean.sites[0]
    line.result = f"{clean.product}: {m} {s} {formatting.units(units)} U"


def _site_message(message: str, product: str, muscle: str, side: str) -> str:
    """The form's site messages, with the value that was in the file."""
    if "product" in message:
        return f"Unknown product '{product}': one of {', '.join(PRODUCTS)}."
    if "muscle" in message:
        return f"Unknown muscle '{muscle}': one of {', '.join(MUSCLES)}."
    if "side" in message:
        return f"Side '{side}' is not one of {', '.join(INJECTION_SIDES)}."
    return message


def _against_the_record(patient_id: int, parsed: _Parsed) -> None:
    """A date that already holds an SAQ or a visit in the record is an error."""
    taken_saqs = set(
        db.session.scalars(
            select(QuestionnaireResponse.answered_on).where(
                QuestionnaireResponse.patient_id == patient_id,
                QuestionnaireResponse.instrument == SAQ,
            )
        )
    )
    taken_visits = set(
        db.session.scalars(
            select(InjectionVisit.injected_on).where(InjectionVisit.patient_id == patient_id)
        )
    )
    for line in parsed.lines:
        if line.errors or line.day is None:
            continue
        if line.record == "saq" and line.day in taken_saqs:
            line.errors.append("The record already has an SAQ on this date.")
            parsed.saqs.pop(line.day, None)
        elif line.record == "visit" and line.day in taken_visits:
            line.errors.append("The record already has an injection visit on this date.")
            parsed.visits.pop(line.day, None)


def _settle_visits(patient_id: int, parsed: _Parsed) -> None:
    """Each imported visit's kind by the top-up rule, among the record's visits and the
    file's, in date order; its lines say which it is."""
    visits = [
        cycles.InjectionVisit(on=on, product=product, kind=kind)
        for on, product, kind in db.session.execute(
            select(InjectionVisit.injected_on, InjectionVisit.product, InjectionVisit.kind).where(
                InjectionVisit.patient_id == patient_id
            )
        )
    ]
    window = rules().top_up_days
    for day in sorted(parsed.visits):
        visit = parsed.visits[day]
        visit["kind"] = cycles.suggested_kind(visits, day, window)
        visits.append(cycles.InjectionVisit(on=day, product=visit["product"], kind=visit["kind"]))
        label = "top-up" if visit["kind"] == cycles.TOP_UP else "new cycle"
        for line in visit["lines"]:
            line.result = f"Visit ({label}), {line.result}"


def _write(user, patient_id: int, parsed: _Parsed) -> None:
    for day, (answers, score, score_only) in parsed.saqs.items():
        db.session.add(
            QuestionnaireResponse(
                patient_id=patient_id,
                instrument=SAQ,
                answered_on=day,
                answers=answers,
                score=score,
                entered_by_id=user.id,
                source="import",
                score_only=score_only,
            )
        )
    for day, visit in parsed.visits.items():
        db.session.add(
            InjectionVisit(
                patient_id=patient_id,
                injected_on=day,
                product=visit["product"],
                kind=visit["kind"],
                lot=visit["lot"],
                note="Imported from an earlier record.",
                created_by_id=user.id,
                sites=[InjectionSite(muscle=m, side=s, units=u) for m, s, u in visit["sites"]],
            )
        )
