"""Questionnaires kept as data: loading, checking and scoring them.

An instrument is a JSON file (see retrain/data/instruments/saq.json). The file we
ship holds our own short paraphrases of each item's topic, not the published
wording; a clinic that is licensed to use the published wording supplies its own
file with the same structure and loads it by path.

Scoring (documented in docs/progress.md, "SAQ score"):

    score = sum of the answers / (number of items x highest answer) x 100

For the SAQ (Mehta RP, WernickRobinson M, Hadlock TA. Laryngoscope 2007;117(5):923-926)
that is sum / 45 x 100, from 20 (every answer 1) to 100 (every answer 5); lower is
better. The score is kept exact; round it (``display_score``) only when showing it.

Pure Python: no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

INSTRUMENTS_DIR = Path(__file__).resolve().parent.parent / "data" / "instruments"

SCORING_METHODS = ("sum_percent_of_max",)
WORDINGS = ("paraphrase", "published")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class InstrumentFileError(ValueError):
    """An instrument file that cannot be used; the message says what is wrong and where."""


class AnswerError(ValueError):
    """One answer that cannot be scored.

    ``item_index`` is 0-based (None when the problem is not one item, e.g. too many
    answers); ``item_key`` is the item's key from the file. A service turns this into
    a message beside that item's field.
    """

    def __init__(self, message: str, item_index: int | None = None, item_key: str | None = None):
        super().__init__(message)
        self.message = message
        self.item_index = item_index
        self.item_key = item_key


@dataclass(frozen=True)
class Scale:
    min: int
    max: int
    labels: dict[int, str]

    @property
    def values(self) -> range:
        return range(self.min, self.max + 1)


@dataclass(frozen=True)
class Item:
    key: str
    text: str


@dataclass(frozen=True)
class Instrument:
    id: str
    name: str
    short_name: str
    citation: str
    licence: str
    wording: str  # "paraphrase" (our topic summaries) or "published" (a clinic's licensed text)
    scale: Scale
    items: tuple[Item, ...]
    lower_is_better: bool
    scoring_method: str = "sum_percent_of_max"
    source: str = ""  # where it was loaded from, for error messages and the admin page

    @property
    def min_score(self) -> float:
        return _percent_of_max(self.scale.min * len(self.items), self)

    @property
    def max_score(self) -> float:
        return 100.0

    @property
    def item_keys(self) -> tuple[str, ...]:
        return tuple(item.key for item in self.items)


# --- loading -----------------------------------------------------------------


def load_instrument(path_or_name: str | Path) -> Instrument:
    """Load and check an instrument.

    A bare name such as ``"saq"`` loads retrain/data/instruments/saq.json. Anything
    else (a Path, or a string with a slash or ending in ``.json``) is read as a path,
    which is how a clinic loads its licensed wording.
    """
    data, source = read_instrument_file(path_or_name)
    return instrument_from_dict(data, source=source)


def read_instrument_file(path_or_name: str | Path) -> tuple[object, str]:
    """The decoded JSON of an instrument file and the path it came from."""
    path = _resolve(path_or_name)
    where = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InstrumentFileError(f"{where}: file not found ({path})") from None
    except OSError as error:
        raise InstrumentFileError(f"{where}: cannot be read ({error.strerror})") from None
    try:
        return json.loads(text), str(path)
    except json.JSONDecodeError as error:
        raise InstrumentFileError(
            f"{where}: not valid JSON (line {error.lineno}, column {error.colno})"
        ) from None


def instrument_from_dict(data: object, source: str = "<data>") -> Instrument:
    """Check a decoded instrument file and build the Instrument; errors name the key."""
    where = where_of(source)
    header = check_header(data, where, ("scale", "items", "item_count"))
    method, lower_is_better = _scoring(data, where)
    return Instrument(
        **header,
        scale=scale_of(data["scale"], where),
        items=_items(data, where),
        lower_is_better=lower_is_better,
        scoring_method=method,
        source=source,
    )


def where_of(source: str) -> str:
    """How error messages name the file: its name, or ``<data>`` for a plain dict."""
    return Path(source).name if source != "<data>" else source


def check_header(data: object, where: str, more_keys: tuple[str, ...]) -> dict:
    """The fields every instrument file has (id, name, short name, citation, licence,
    wording), checked; ``more_keys`` must be present too."""
    if not isinstance(data, dict):
        raise InstrumentFileError(f"{where}: the top level must be an object")
    for key in ("id", "name", "citation", "licence", *more_keys):
        if key not in data:
            raise InstrumentFileError(f"{where}: missing key '{key}'")
    for key in ("id", "name", "citation", "licence"):
        require_text(data[key], f"{where}: '{key}'")
    wording = data.get("wording", "published")
    if wording not in WORDINGS:
        raise InstrumentFileError(f"{where}: 'wording' must be one of {', '.join(WORDINGS)}")
    short_name = data.get("short_name", data["id"])
    require_text(short_name, f"{where}: 'short_name'")
    return {
        "id": data["id"],
        "name": data["name"],
        "short_name": short_name,
        "citation": data["citation"],
        "licence": data["licence"],
        "wording": wording,
    }


def scoring_of(data: dict, where: str) -> dict:
    scoring = data.get("scoring", {})
    if not isinstance(scoring, dict):
        raise InstrumentFileError(f"{where}: 'scoring' must be an object")
    return scoring


def _scoring(data: dict, where: str) -> tuple[str, bool]:
    scoring = scoring_of(data, where)
    method = scoring.get("method", "sum_percent_of_max")
    if method not in SCORING_METHODS:
        raise InstrumentFileError(
            f"{where}: unknown scoring method '{method}' (known: {', '.join(SCORING_METHODS)})"
        )
    lower_is_better = scoring.get("lower_is_better", True)
    if not isinstance(lower_is_better, bool):
        raise InstrumentFileError(f"{where}: 'scoring.lower_is_better' must be true or false")
    return method, lower_is_better


def _items(data: dict, where: str) -> tuple[Item, ...]:
    declared = data["item_count"]
    if not is_int(declared) or declared < 1:
        raise InstrumentFileError(f"{where}: 'item_count' must be a whole number of at least 1")
    raw_items = data["items"]
    if not isinstance(raw_items, list):
        raise InstrumentFileError(f"{where}: 'items' must be a list")
    if len(raw_items) != declared:
        raise InstrumentFileError(
            f"{where}: declares {declared} items ('item_count') but lists {len(raw_items)}"
        )
    seen: set[str] = set()
    return tuple(item_of(raw, number, where, seen) for number, raw in enumerate(raw_items, 1))


def item_of(raw: object, number: int, where: str, seen: set[str]) -> Item:
    """One item (an object with a key and a text), its key not in ``seen`` (then added)."""
    if not isinstance(raw, dict):
        raise InstrumentFileError(f"{where}: item {number} must be an object")
    for key in ("key", "text"):
        if key not in raw:
            raise InstrumentFileError(f"{where}: item {number} is missing key '{key}'")
        require_text(raw[key], f"{where}: item {number} '{key}'")
    if raw["key"] in seen:
        raise InstrumentFileError(f"{where}: duplicate item key '{raw['key']}' (item {number})")
    seen.add(raw["key"])
    return Item(key=raw["key"], text=raw["text"])


def _resolve(path_or_name: str | Path) -> Path:
    if isinstance(path_or_name, Path):
        return path_or_name
    text = str(path_or_name)
    if "/" in text or "\\" in text or text.endswith(".json"):
        return Path(text)
    if not _NAME.match(text):
        raise InstrumentFileError(
            f"'{text}' is not an instrument name (lower-case letters, digits, _ and -)"
        )
    return INSTRUMENTS_DIR / f"{text}.json"


def scale_of(raw: object, where: str, name: str = "scale") -> Scale:
    """A scale (``min``, ``max``, a label for every point), named ``name`` in messages."""
    if not isinstance(raw, dict):
        raise InstrumentFileError(f"{where}: '{name}' must be an object")
    for key in ("min", "max", "labels"):
        if key not in raw:
            raise InstrumentFileError(f"{where}: missing key '{name}.{key}'")
    low, high = raw["min"], raw["max"]
    if not (is_int(low) and is_int(high)):
        raise InstrumentFileError(f"{where}: '{name}.min' and '{name}.max' must be whole numbers")
    if low < 0 or high <= low:
        raise InstrumentFileError(
            f"{where}: '{name}' must run upwards from 0 or more (got {low} to {high})"
        )
    labels_raw = raw["labels"]
    if not isinstance(labels_raw, dict):
        raise InstrumentFileError(f"{where}: '{name}.labels' must be an object")
    labels: dict[int, str] = {}
    for value in range(low, high + 1):
        label = labels_raw.get(str(value))
        if label is None:
            raise InstrumentFileError(f"{where}: missing key '{name}.labels.{value}'")
        require_text(label, f"{where}: '{name}.labels.{value}'")
        labels[value] = label
    extra = sorted(set(labels_raw) - {str(v) for v in range(low, high + 1)})
    if extra:
        raise InstrumentFileError(
            f"{where}: '{name}.labels' has labels outside {low}-{high}: {', '.join(extra)}"
        )
    return Scale(min=low, max=high, labels=labels)


def require_text(value: object, what: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InstrumentFileError(f"{what} must be non-empty text")


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- scoring -------------------------------------------------------------------


def score(instrument: Instrument, answers: list[int]) -> float:
    """The instrument's score from one answer per item, in item order.

    Every item must be answered with a whole number on the scale; otherwise an
    AnswerError names the first item that is wrong. The result is exact (not rounded).
    """
    items = instrument.items
    low, high = instrument.scale.min, instrument.scale.max
    if len(answers) > len(items):
        raise AnswerError(
            f"{len(answers)} answers were given but the questionnaire has {len(items)} items."
        )
    for index, item in enumerate(items):
        if index >= len(answers) or answers[index] is None:
            raise AnswerError(f"Please answer item {index + 1}.", index, item.key)
        value = answers[index]
        if not is_int(value) or not low <= value <= high:
            raise AnswerError(
                f"Item {index + 1}: choose an answer from {low} to {high}.", index, item.key
            )
    return _percent_of_max(sum(answers), instrument)


def score_by_key(instrument: Instrument, answers: dict[str, int]) -> float:
    """Like ``score`` with answers keyed by item key (how a form or a table holds them)."""
    unknown = sorted(set(answers) - set(instrument.item_keys))
    if unknown:
        raise AnswerError(f"Unknown item: {', '.join(unknown)}.")
    return score(instrument, [answers.get(key) for key in instrument.item_keys])


def _percent_of_max(total: int, instrument: Instrument) -> float:
    # One division, so whole-number results (20.0, 100.0) come out exact.
    return total * 100 / (len(instrument.items) * instrument.scale.max)


def display_score(value: float | None) -> str:
    """One decimal for display, halves rounded up (51.05 -> "51.1"); "" for None."""
    if value is None:
        return ""
    if not math.isfinite(value):
        raise ValueError("a score must be a finite number")
    return str(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


# --- schedule ------------------------------------------------------------------


@dataclass(frozen=True)
class SaqDue:
    due: bool  # one is owed today (on or after due_on)
    due_on: date  # the date the next one is owed
    overdue_days: int  # days past due_on; 0 on the day itself and before it


def saq_due(
    start_on: date,
    answered_on_dates: list[date] | tuple[date, ...] | set[date],
    today: date,
    interval_days: int = 14,
    requested_on: date | None = None,
) -> SaqDue:
    """When the next questionnaire is owed (definition in docs/progress.md, "SAQ schedule").

    - The first is due on the day the programme starts (``start_on``).
    - After that, one is due ``interval_days`` after the latest answer, never before
      ``start_on`` (an answer given long before the programme began does not postpone
      the first one; a recent one does).
    - A clinician's requested date (for instance day 14 after an injection, when the
      SAQ shows the toxin's effect; Mehta 2007 gave it 2 weeks after injection) makes
      one due on that date unless one was answered on or after it. When both apply,
      the earlier date wins.
    """
    if not is_int(interval_days) or interval_days < 1:
        raise ValueError("interval_days must be a whole number of at least 1")
    answered = sorted(answered_on_dates)
    due_on = start_on
    if answered:
        due_on = max(start_on, answered[-1] + timedelta(days=interval_days))
    if requested_on is not None and not any(d >= requested_on for d in answered):
        due_on = min(due_on, requested_on)
    overdue = (today - due_on).days
    return SaqDue(due=today >= due_on, due_on=due_on, overdue_days=max(0, overdue))
