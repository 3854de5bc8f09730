"""Snapshots (issue 4): consent, upload, galleries, comparisons, trends, review photos.

How the pieces fit:

- Consent: photos are off until the patient opts in (``Patient.photo_consent_at``).
  Withdrawing sets it back to None; the photos stay until the patient deletes them.
- Upload: ``store_upload`` checks and decodes the file (services/images.py), turns a
  mirrored picture the right way round, analyses the true view with retrain.vision,
  re-encodes photo and thumbnail as fresh JPEGs under random names (services/storage.py)
  and inserts the row. Either all of it is kept or none of it: a failed insert
  removes the files, a failed file write inserts no row.
- What is stored: ``quality`` = the quality flags with their plain-language hints;
  ``measures`` = the vision library's ``Analysis.to_dict()`` without the 468 landmarks
  (face geometry, static left-right measures, iris centres and radii). That is what
  ``vision.compare`` needs, so dynamic measures are computed when a page is shown.
- Dynamic measures compare an expression photo with the rest photo of the SAME day
  (the patient's own calendar day). When a day has several photos of one expression
  (retakes), the one without quality flags is used, else the latest.
- Only staff pages show numbers. Every number keeps its noise floor: a value closer
  to "no change" than twice its floor is labelled "within measurement noise";
  mouth-corner values are labelled as likely underestimates (shared notes,
  face-analysis.md; retrain/vision/measures.py).

Callers check access first (retrain/access.py); functions here take ids they may use.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from .. import formatting
from ..errors import Invalid, NotFound
from ..extensions import db
from ..ids import to_id
from ..infrastructure.storage import NotStored, StorageError, new_key, snapshot_storage
from ..media import images
from ..models import DEFAULT_EXPRESSIONS, InjectionVisit, Patient, PracticeSession, Snapshot, User
from ..models.base import utcnow
from ..models.exercises import EXPRESSIONS
from ..progress import charts
from ..usecases.local_time import zone_for

log = logging.getLogger("retrain.snapshots")

NOT_ANALYSED = "none"


def _vision():
    """retrain.vision (OpenCV, numpy, the face models), imported on first use: it adds a
    few tenths of a second and about 30 MB to every process at start, and most requests
    never analyse a photo (docs/performance.md)."""
    from .. import vision

    return vision


# The expressions a therapist may choose from, in this order, with the prompt the
# patient reads. Plain and kind: gentle movements, no squeezing (issue 4).
PROMPTS = {
    "rest": "Relax your whole face and look straight at the camera, as if at a friend.",
    "brow raise": "Raise your eyebrows gently, as if surprised.",
    "gentle eye closure": (
        "When the count reaches 1, close your eyes gently, as if falling asleep. "
        "Do not squeeze. Open them again after the click."
    ),
    "full smile": "Give a big, full smile, showing your teeth if that is comfortable.",
    "pucker": "Pucker your lips, as if to blow a kiss.",
    "snarl": "Wrinkle your nose and lift your upper lip gently, as if smelling something odd.",
}
CHOICES = tuple(e for e in EXPRESSIONS if e in PROMPTS)
REST = "rest"

SAVE_FAILED = "We could not save your photo just now. Please try again in a moment."
CONSENT_NEEDED = "Photos are turned off. Please read about photos and agree first."
UNKNOWN_EXPRESSION = "Please choose one of the listed expressions."

# Change measures worth showing for each expression (names from vision.measures).
# Eye opening during a smile, pucker or snarl is the objective sign of ocular
# synkinesis (Laryngoscope 2013, doi 10.1002/lary.23778); during gentle closure it
# shows how completely each eye closes.
DYNAMIC = {
    "brow raise": ("brow_rise",),
    "gentle eye closure": ("eye_narrowing",),
    "full smile": ("eye_narrowing", "commissure_excursion", "mouth_corner_rise"),
    "pucker": ("eye_narrowing",),
    "snarl": ("eye_narrowing", "mouth_corner_rise"),
}
MEASURE_TITLES = {
    "eye_narrowing": "Eye opening, as a share of the opening at rest",
    "brow_rise": "Eyebrow rise from rest",
    "commissure_excursion": "Mouth corner movement from rest",
    "mouth_corner_rise": "Mouth corner rise from rest",
    "smile_angle_change": "Smile angle change from rest",
}
MEASURE_NOTES = {
    "eye_narrowing": "100 % = the eye is as open as at rest; lower = narrower.",
    "brow_rise": "Millimetres (approximate) the eyebrow moved up.",
    "commissure_excursion": "Millimetres (approximate) the mouth corner moved.",
    "mouth_corner_rise": "Millimetres (approximate) the mouth corner moved up.",
    "smile_angle_change": "Degrees.",
}


class ConsentRequired(Invalid):
    def __init__(self):
        super().__init__(CONSENT_NEEDED, "image")


# --- consent ------------------------------------------------------------------------


def has_consent(patient: Patient) -> bool:
    return patient.photo_consent_at is not None


def give_consent(patient_id: int) -> None:
    patient = db.session.get(Patient, patient_id)
    if patient.photo_consent_at is None:
        patient.photo_consent_at = utcnow()
        db.session.commit()


def withdraw_consent(patient_id: int) -> int:
    """Photos off from now on; returns how many photos are still stored."""
    patient = db.session.get(Patient, patient_id)
    patient.photo_consent_at = None
    db.session.commit()
    return photo_count(patient_id)


def consent_label(patient: Patient) -> str | None:
    """The day the patient agreed, in their own calendar; None without consent."""
    if patient.photo_consent_at is None:
        return None
    zone = _zone_for_patient(patient.id)
    return formatting.short_day(patient.photo_consent_at.astimezone(zone).date())


def photo_count(patient_id: int) -> int:
    return db.session.scalar(
        select(func.count(Snapshot.id)).where(Snapshot.patient_id == patient_id)
    )


def _remove_rows_and_files(rows: Sequence[Snapshot]) -> None:
    """Rows first (not yet committed), then files, then commit.

    A file that cannot be removed rolls the rows back, so nothing claims to be gone
    while it is still on disk; if the commit fails after the files went, the rows
    point at nothing and deleting again finishes the job.
    """
    storage = snapshot_storage()
    keys = [key for row in rows for key in (row.storage_key, row.thumbnail_key)]
    for row in rows:
        db.session.delete(row)
    try:
        db.session.flush()
        for key in keys:
            storage.delete(key)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def delete_all_photos(patient_id: int) -> int:
    """Erase every snapshot of the patient: rows and files. Returns how many."""
    rows = list(db.session.scalars(select(Snapshot).where(Snapshot.patient_id == patient_id)))
    _remove_rows_and_files(rows)
    return len(rows)


def delete_photo(patient_id: int, snapshot_id: int) -> str:
    """Erase one of the patient's photos; returns its expression."""
    row = db.session.get(Snapshot, snapshot_id)
    if row is None or row.patient_id != patient_id:
        raise NotFound()
    expression = row.expression
    _remove_rows_and_files([row])
    return expression


# --- the expression set ---------------------------------------------------------------


def expressions_for(patient: Patient) -> list[str]:
    chosen = patient.snapshot_expressions or DEFAULT_EXPRESSIONS
    return [e for e in chosen if e in PROMPTS]


def set_expressions(patient_id: int, expressions: Iterable[str]) -> list[str]:
    chosen = set(expressions or ())
    unknown = chosen - set(CHOICES)
    if unknown:
        raise Invalid(UNKNOWN_EXPRESSION, "expressions")
    if REST not in chosen:
        raise Invalid(
            'Please keep "rest" in the set: the other photos are measured against it.',
            "expressions",
        )
    if len(chosen) < 2:
        raise Invalid("Please choose at least one expression besides rest.", "expressions")
    ordered = [e for e in CHOICES if e in chosen]
    patient = db.session.get(Patient, patient_id)
    patient.snapshot_expressions = None if tuple(ordered) == DEFAULT_EXPRESSIONS else ordered
    db.session.commit()
    return ordered


# --- capture --------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    expression: str
    prompt: str


@dataclass(frozen=True)
class CapturePlan:
    steps: list[Step]
    session_id: int | None
    first: str | None  # the expression to start with (?expression= for a retake)


def own_session_id(patient_id: int, session_id) -> int | None:
    """The practice session id if it is this patient's; None when none was given.

    Raises NotFound for someone else's session or a malformed id.
    """
    if session_id in (None, ""):
        return None
    try:
        wanted = to_id(session_id)
    except ValueError as error:
        raise NotFound() from error
    found = db.session.scalar(
        select(PracticeSession.id).where(
            PracticeSession.id == wanted, PracticeSession.patient_id == patient_id
        )
    )
    if found is None:
        raise NotFound()
    return found


def capture_plan(patient: Patient, session_id=None, first: str | None = None) -> CapturePlan:
    steps = [Step(e, PROMPTS[e]) for e in expressions_for(patient)]
    if first not in {s.expression for s in steps}:
        first = None
    return CapturePlan(steps, own_session_id(patient.id, session_id), first)


# --- upload ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadResult:
    snapshot_id: int
    expression: str
    analysed: bool
    ok: bool  # analysed and no quality flag
    flags: list[dict]  # {"code", "message"}

    @property
    def hints(self) -> list[str]:
        return [f["message"] for f in self.flags]


def analyse_image(image) -> tuple[dict, dict, str]:
    """(quality, measures, analysis_version) for a true-view BGR image.

    This is the one place the upload asks the vision library. When the face models
    are missing or the analysis fails, the photo is still kept, marked "not
    measured", and the reason is logged.
    """
    vision = _vision()
    try:
        analysis = vision.analyse(image)
    except vision.ModelsUnavailable as error:
        log.warning("snapshot not analysed: %s", error)
        return _not_analysed(), {}, NOT_ANALYSED
    except Exception:
        log.exception("snapshot analysis failed")
        return _not_analysed(), {}, NOT_ANALYSED
    data = analysis.to_dict(include_landmarks=False)
    quality = {
        "analysed": True,
        "ok": bool(analysis.ok),
        "faces_found": analysis.faces_found,
        "flags": [{"code": f["code"], "message": f["message"]} for f in data["flags"]],
    }
    return quality, data, vision.ANALYSIS_VERSION


def _not_analysed() -> dict:
    return {"analysed": False, "ok": False, "faces_found": None, "flags": []}


def store_upload(
    patient_id: int,
    *,
    expression: str,
    data: bytes,
    mirrored: bool,
    session_id=None,
) -> UploadResult:
    """Check, decode, turn, analyse, re-encode and store one photo, all or nothing."""
    patient = db.session.get(Patient, patient_id)
    if not has_consent(patient):
        raise ConsentRequired()
    if expression not in PROMPTS:
        raise Invalid(UNKNOWN_EXPRESSION, "expression")
    session_id = own_session_id(patient_id, session_id)

    image = images.decode(data)  # ImageRejected (a Invalid) says what is wrong
    if mirrored:
        image = images.unmirror(image)
    image = images.fit_within(image, images.STORED_MAX_SIDE)
    quality, measures, version = analyse_image(image)
    photo = images.encode_jpeg(image)
    small = images.encode_jpeg(images.thumbnail(image), images.THUMBNAIL_QUALITY)
    height, width = image.shape[:2]

    storage = snapshot_storage()
    key, thumbnail_key = new_key(), new_key("-t")
    written: list[str] = []
    try:
        storage.put(key, photo)
        written.append(key)
        storage.put(thumbnail_key, small)
        written.append(thumbnail_key)
        row = Snapshot(
            patient_id=patient_id,
            session_id=session_id,
            expression=expression,
            taken_at=utcnow(),
            storage_key=key,
            thumbnail_key=thumbnail_key,
            width=width,
            height=height,
            uploaded_mirrored=bool(mirrored),
            quality=quality,
            measures=measures,
            analysis_version=version,
        )
        db.session.add(row)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        for written_key in written:
            try:
                storage.delete(written_key)
            except StorageError:
                log.exception("could not remove %s after a failed upload", written_key)
        log.exception("snapshot upload for patient %s not saved", patient_id)
        raise Invalid(SAVE_FAILED, "image") from error
    return UploadResult(row.id, expression, quality["analysed"], quality["ok"], quality["flags"])


# --- one snapshot ---------------------------------------------------------------------


def find(snapshot_id: int) -> Snapshot | None:
    """The row, whoever it belongs to: the caller asks access.py about its patient."""
    return db.session.get(Snapshot, snapshot_id)


def image_bytes(row: Snapshot, kind: str = "image") -> bytes | None:
    key = row.thumbnail_key if kind == "thumbnail" else row.storage_key
    try:
        return snapshot_storage().get(key)
    except NotStored:
        log.warning("snapshot %s: file %s is missing", row.id, kind)
        return None


def eye_positions(row: Snapshot) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """(subject's right, subject's left) iris centres in stored-image pixels, if known."""
    centres = (row.measures or {}).get("iris_centres")
    try:
        right, left = centres["right"], centres["left"]
        return (float(right[0]), float(right[1])), (float(left[0]), float(left[1]))
    except (TypeError, KeyError, IndexError, ValueError):
        return None


def aligned_jpeg(row: Snapshot) -> bytes | None:
    """The photo turned and scaled so the eyes are level and a fixed distance apart."""
    eyes = eye_positions(row)
    data = image_bytes(row)
    if eyes is None or data is None:
        return None
    image = images.decode(data)
    return images.encode_jpeg(images.eye_aligned(image, *eyes))


# --- what pages show --------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """One photo as a page shows it (no database access needed to render it)."""

    id: int
    expression: str
    taken_at: datetime
    taken_on: date  # the patient's own calendar day
    date_label: str
    analysed: bool
    ok: bool
    hints: list[str]
    session_id: int | None
    alignable: bool

    @property
    def badge(self) -> tuple[str, str]:
        """(css class, text) for the quality badge."""
        if not self.analysed:
            return "muted", "Not measured"
        if self.ok:
            return "ok", "Good photo"
        return "warn", "Retake suggested"


def _zone_for_patient(patient_id: int):
    return zone_for(db.session.get(User, patient_id))


def _card(row: Snapshot, zone) -> Card:
    quality = row.quality or {}
    local = row.taken_at.astimezone(zone)
    return Card(
        id=row.id,
        expression=row.expression,
        taken_at=row.taken_at,
        taken_on=local.date(),
        date_label=formatting.short_day(local.date()),
        analysed=bool(quality.get("analysed")),
        ok=bool(quality.get("ok")),
        hints=[f.get("message", "") for f in quality.get("flags", [])],
        session_id=row.session_id,
        alignable=eye_positions(row) is not None,
    )


def _rows(patient_id: int) -> list[Snapshot]:
    return list(
        db.session.scalars(
            select(Snapshot)
            .where(Snapshot.patient_id == patient_id)
            .order_by(Snapshot.taken_at, Snapshot.id)
        )
    )


@dataclass(frozen=True)
class Group:
    expression: str
    prompt: str
    cards: list[Card]  # oldest first
    in_set: bool  # one of the expressions the therapist chose


@dataclass(frozen=True)
class Gallery:
    patient_id: int
    patient_name: str
    consent: bool
    consent_since: datetime | None
    expressions: list[str]
    groups: list[Group]
    total: int


def gallery(patient_id: int) -> Gallery:
    patient = db.session.get(Patient, patient_id)
    zone = _zone_for_patient(patient_id)
    by_expression: dict[str, list[Card]] = defaultdict(list)
    rows = _rows(patient_id)
    for row in rows:
        by_expression[row.expression].append(_card(row, zone))
    chosen = expressions_for(patient)
    order = (
        chosen
        + [e for e in CHOICES if e not in chosen]
        + sorted(e for e in by_expression if e not in CHOICES)
    )
    groups = [
        Group(e, PROMPTS.get(e, ""), by_expression.get(e, []), e in chosen)
        for e in order
        if e in chosen or by_expression.get(e)
    ]
    return Gallery(
        patient_id=patient_id,
        patient_name=patient.user.name,
        consent=has_consent(patient),
        consent_since=patient.photo_consent_at,
        expressions=chosen,
        groups=groups,
        total=len(rows),
    )


# --- dynamic measures -----------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    text: str  # e.g. "78 %", "2.4 mm", "–"
    within_noise: bool
    underestimate: bool


@dataclass(frozen=True)
class MeasureRow:
    name: str
    title: str
    note: str
    right: Value
    left: Value
    difference: Value  # left minus right


@dataclass(frozen=True)
class DayMeasures:
    """Change measures of one expression photo against its day's rest photo."""

    rest_id: int | None
    usable: bool
    reasons: list[str]
    rows: list[MeasureRow] = field(default_factory=list)


def _preferred(rows: Iterable[Snapshot]) -> Snapshot | None:
    """Of several photos of one expression on one day: a good one, else the latest."""
    best = None
    for row in rows:
        key = (bool((row.quality or {}).get("ok")), row.taken_at, row.id)
        if best is None or key > best[0]:
            best = (key, row)
    return None if best is None else best[1]


def _rest_by_day(rows: Iterable[Snapshot], zone) -> dict[date, Snapshot]:
    days: dict[date, list[Snapshot]] = defaultdict(list)
    for row in rows:
        if row.expression == REST:
            days[row.taken_at.astimezone(zone).date()].append(row)
    return {day: _preferred(candidates) for day, candidates in days.items()}


def _analysis(row: Snapshot):
    data = row.measures or {}
    if not data.get("geometry"):
        return None
    try:
        return _vision().Analysis.from_dict(data)
    except (KeyError, TypeError, ValueError):
        log.warning("snapshot %s: stored analysis could not be read", row.id)
        return None


def _compare(rest: Snapshot | None, row: Snapshot):
    """vision.DynamicMeasures, or a plain reason why there are none."""
    if rest is None:
        return None, "There is no rest photo from the same day to compare with."
    before, after = _analysis(rest), _analysis(row)
    if before is None or after is None:
        return None, "No face could be measured in this photo or in that day's rest photo."
    return _vision().compare(before, after), None


def _display(measure) -> tuple[float, str]:
    """(value as shown, formatted text): eye opening ratios as percentages."""
    if measure.name.startswith("eye_narrowing") and measure.unit == "ratio":
        if measure.side is None:
            points = measure.value * 100
            return points, f"{points:+.0f} points"
        percent = measure.value * 100
        return percent, f"{percent:.0f} %"
    unit = {"degrees": "°", "mm (approx.)": " mm"}.get(measure.unit, f" {measure.unit}")
    if measure.side is None:
        return measure.value, f"{measure.value:+.1f}{unit}"
    return measure.value, f"{measure.value:.1f}{unit}"


def _value(measures, name: str, side: str | None) -> Value:
    for m in measures:
        if m.name == name and m.side == side:
            return Value(_display(m)[1], m.within_noise, m.underestimate)
    return Value("–", False, False)


def _measure_rows(dynamic, expression: str) -> list[MeasureRow]:
    rows = []
    for name in DYNAMIC.get(expression, ()):
        rows.append(
            MeasureRow(
                name=name,
                title=MEASURE_TITLES[name],
                note=MEASURE_NOTES[name],
                right=_value(dynamic.measures, name, "right"),
                left=_value(dynamic.measures, name, "left"),
                difference=_value(dynamic.measures, f"{name}_difference", None),
            )
        )
    return rows


def day_measures(row: Snapshot, rest_by_day: dict[date, Snapshot], zone) -> DayMeasures | None:
    """None for expressions without change measures (rest)."""
    if row.expression not in DYNAMIC:
        return None
    rest = rest_by_day.get(row.taken_at.astimezone(zone).date())
    dynamic, reason = _compare(rest, row)
    if dynamic is None:
        return DayMeasures(rest.id if rest else None, False, [reason])
    return DayMeasures(
        rest.id,
        dynamic.usable,
        list(dynamic.reasons),
        _measure_rows(dynamic, row.expression),
    )


# --- one photo in detail --------------------------------------------------------------


@dataclass(frozen=True)
class Detail:
    card: Card
    patient_id: int
    patient_name: str
    prompt: str
    measures: DayMeasures | None


def detail(row: Snapshot) -> Detail:
    zone = _zone_for_patient(row.patient_id)
    rests = _rest_by_day(
        db.session.scalars(
            select(Snapshot).where(
                Snapshot.patient_id == row.patient_id,
                Snapshot.expression == REST,
                Snapshot.taken_at >= row.taken_at - timedelta(days=1),
                Snapshot.taken_at <= row.taken_at + timedelta(days=1),
            )
        ),
        zone,
    )
    return Detail(
        card=_card(row, zone),
        patient_id=row.patient_id,
        patient_name=db.session.get(User, row.patient_id).name,
        prompt=PROMPTS.get(row.expression, ""),
        measures=day_measures(row, rests, zone),
    )


# --- side-by-side comparison ------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    card: Card
    measures: DayMeasures | None


@dataclass(frozen=True)
class Comparison:
    patient_id: int
    patient_name: str
    expression: str
    choices: list[Card]  # every photo of this expression, newest first
    a: Side | None
    b: Side | None
    expressions: list[str]  # expressions that have photos


def comparison(patient_id: int, expression: str | None, a_id=None, b_id=None) -> Comparison:
    """Two photos of one expression side by side; both must be this patient's.

    Without ids: the oldest and the newest photo of the expression. An id that is
    not one of this patient's photos of this expression raises NotFound.
    """
    zone = _zone_for_patient(patient_id)
    rows = _rows(patient_id)
    with_photos = [e for e in CHOICES if any(r.expression == e for r in rows)]
    if expression is None:
        expression = with_photos[0] if with_photos else REST
    elif expression not in PROMPTS:
        raise NotFound()
    of_expression = [r for r in rows if r.expression == expression]
    by_id = {r.id: r for r in of_expression}

    def pick(raw, default):
        if raw in (None, ""):
            return default
        try:
            return by_id[int(raw)]
        except (TypeError, ValueError, KeyError) as error:
            raise NotFound() from error

    first = of_expression[0] if of_expression else None
    last = of_expression[-1] if len(of_expression) > 1 else None
    a, b = pick(a_id, first), pick(b_id, last)
    rests = _rest_by_day(rows, zone)

    def side(row):
        if row is None:
            return None
        return Side(_card(row, zone), day_measures(row, rests, zone))

    return Comparison(
        patient_id=patient_id,
        patient_name=db.session.get(User, patient_id).name,
        expression=expression,
        choices=[_card(r, zone) for r in reversed(of_expression)],
        a=side(a),
        b=side(b),
        expressions=with_photos,
    )


# --- trends -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendRow:
    day_label: str
    days_since_injection: int | None
    right: Value
    left: Value


@dataclass(frozen=True)
class Trend:
    chart_id: str
    expression: str
    name: str
    title: str
    note: str
    svg: charts.Svg  # escaped by the chart module, placed in the page as is
    rows: list[TrendRow]
    left_out: int  # photo pairs not shown because of quality flags
    underestimate: bool


def injection_dates(patient_id: int) -> list[date]:
    return list(
        db.session.scalars(
            select(InjectionVisit.injected_on)
            .where(InjectionVisit.patient_id == patient_id)
            .order_by(InjectionVisit.injected_on)
        )
    )


def _days_since(day: date, injections: Sequence[date]) -> int | None:
    before = [d for d in injections if d <= day]
    return (day - before[-1]).days if before else None


def trends(patient_id: int) -> list[Trend]:
    """Each change measure over time (per side), injection dates marked.

    One point per day: that day's preferred expression photo against that day's
    preferred rest photo. Pairs with a quality flag are left out and counted.
    """
    zone = _zone_for_patient(patient_id)
    rows = _rows(patient_id)
    rests = _rest_by_day(rows, zone)
    injections = injection_dates(patient_id)
    out = []
    for expression, names in DYNAMIC.items():
        per_day: dict[date, list[Snapshot]] = defaultdict(list)
        for row in rows:
            if row.expression == expression:
                per_day[row.taken_at.astimezone(zone).date()].append(row)
        usable: list[tuple[date, object]] = []
        left_out = 0
        for day in sorted(per_day):
            dynamic, _reason = _compare(rests.get(day), _preferred(per_day[day]))
            if dynamic is None:
                continue
            if not dynamic.usable:
                left_out += 1
                continue
            usable.append((day, dynamic))
        if not usable and not left_out:
            continue
        for name in names:
            out.append(_trend(expression, name, usable, left_out, injections))
    return out


def _trend(expression, name, usable, left_out, injections) -> Trend:
    points = {"right": [], "left": []}
    table = []
    underestimate = False
    for day, dynamic in usable:
        values = {}
        for side in ("right", "left"):
            measure = next((m for m in dynamic.measures if m.name == name and m.side == side), None)
            if measure is None:
                continue
            underestimate = underestimate or measure.underestimate
            shown, _text = _display(measure)
            points[side].append((day.toordinal(), shown))
            values[side] = measure
        table.append(
            TrendRow(
                day_label=formatting.short_day(day),
                days_since_injection=_days_since(day, injections),
                right=_value(values.values(), name, "right"),
                left=_value(values.values(), name, "left"),
            )
        )
    slug = expression.replace(" ", "-")
    chart_id = f"trend-{slug}-{name.replace('_', '-')}"
    title = f"{MEASURE_TITLES[name]}: {expression}"
    svg = _chart(chart_id, title, name, points, [d for d, _ in usable], injections, left_out)
    return Trend(
        chart_id=chart_id,
        expression=expression,
        name=name,
        title=title,
        note=MEASURE_NOTES[name],
        svg=svg,
        rows=table,
        left_out=left_out,
        underestimate=underestimate,
    )


def _chart(chart_id, title, name, points, days, injections, left_out) -> str:
    values = [v for side in points.values() for _x, v in side]
    reference = 100.0 if name == "eye_narrowing" else 0.0
    if days:
        start, end = min(days) - timedelta(days=7), max(days) + timedelta(days=7)
    else:
        today = date.today()
        start, end = today - timedelta(days=30), today
    low, high = min([reference, *values]), max([reference, *values])
    pad = max((high - low) * 0.1, 5.0 if name == "eye_narrowing" else 0.5)
    low, high = low - pad, high + pad
    unit = {"eye_narrowing": "%", "smile_angle_change": "degrees"}.get(name, "mm")
    y = charts.Axis(low, high, unit, charts.nice_ticks(low, high))
    desc = (
        f"{len(days)} days with photos, the patient's right and left sides. "
        "Dashed upright lines are injection dates."
    )
    if left_out:
        desc += f" {left_out} days left out because of photo quality."
    series = [
        charts.Series("Right side", tuple(points["right"]), stroke=charts.PALETTE[0]),
        charts.Series(
            "Left side", tuple(points["left"]), stroke=charts.PALETTE[1], dash=charts.DASHES[1]
        ),
    ]
    vlines = [charts.VLine(d.toordinal(), "Injection") for d in injections if start <= d <= end]
    return charts.line_chart(
        chart_id=chart_id,
        title=title,
        desc=desc,
        x=charts.date_axis(start, end),
        y=y,
        series=series,
        vlines=vlines,
        empty_text="No photos fit to measure yet.",
    )
