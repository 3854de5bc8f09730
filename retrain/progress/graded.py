"""Clinician-graded instruments kept as data: sections of items, each section weighted,
and a composite that adds some sections and subtracts others.

The Sunnybrook Facial Grading System (Ross BG, Fradet G, Nedzelski JM. Development of a
sensitive clinical facial grading system. Otolaryngol Head Neck Surg 1996;114(3):380-386.
doi:10.1016/S0194-5998(96)70206-1) is retrain/data/instruments/sunnybrook.json:

    resting symmetry   eye 0-1, cheek 0-2, mouth 0-1;            score = sum x 5 (0-20)
    voluntary movement five expressions, each 1-5;             score = sum x 4 (20-100)
    synkinesis         the same five expressions, each 0-3;    score = sum     (0-15)
    composite          = voluntary - resting - synkinesis      (0-100, higher is better)

A section's score is the sum of its answers times its weight; every score is a whole
number. The file's structure is the same for any instrument of this kind, so a clinic
can load its licensed wording by path. Documented in docs/progress.md, "Sunnybrook".
Pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .instruments import (
    AnswerError,
    InstrumentFileError,
    Item,
    Scale,
    check_header,
    is_int,
    item_of,
    read_instrument_file,
    require_text,
    scale_of,
    scoring_of,
    where_of,
)

METHOD = "weighted_sections"


@dataclass(frozen=True)
class GradedItem:
    key: str
    text: str
    scale: Scale


@dataclass(frozen=True)
class Section:
    key: str
    name: str
    weight: int
    items: tuple[GradedItem, ...]

    @property
    def min_score(self) -> int:
        return self.weight * sum(item.scale.min for item in self.items)

    @property
    def max_score(self) -> int:
        return self.weight * sum(item.scale.max for item in self.items)


@dataclass(frozen=True)
class GradedInstrument:
    id: str
    name: str
    short_name: str
    citation: str
    licence: str
    wording: str
    sections: tuple[Section, ...]
    add: tuple[str, ...]  # section keys the composite adds
    subtract: tuple[str, ...]  # section keys the composite subtracts
    higher_is_better: bool
    source: str = ""

    @property
    def items(self) -> tuple[GradedItem, ...]:
        return tuple(item for section in self.sections for item in section.items)

    @property
    def item_keys(self) -> tuple[str, ...]:
        return tuple(item.key for item in self.items)

    def section(self, key: str) -> Section:
        return next(section for section in self.sections if section.key == key)


@dataclass(frozen=True)
class Grade:
    composite: int
    subscores: dict[str, int]  # section key -> its weighted score, in section order


# --- loading -----------------------------------------------------------------


def load_graded(path_or_name: str | Path) -> GradedInstrument:
    """Load and check a graded instrument (a bare name is a file in data/instruments)."""
    data, source = read_instrument_file(path_or_name)
    return graded_from_dict(data, source)


def graded_from_dict(data: object, source: str = "<data>") -> GradedInstrument:
    where = where_of(source)
    header = check_header(data, where, ("sections", "scoring"))
    scoring = scoring_of(data, where)
    if scoring.get("method") != METHOD:
        raise InstrumentFileError(f"{where}: 'scoring.method' must be '{METHOD}'")
    higher = scoring.get("higher_is_better", True)
    if not isinstance(higher, bool):
        raise InstrumentFileError(f"{where}: 'scoring.higher_is_better' must be true or false")
    sections = _sections(data["sections"], where)
    add, subtract = _composite(scoring.get("composite"), {s.key for s in sections}, where)
    return GradedInstrument(
        **header,
        sections=sections,
        add=add,
        subtract=subtract,
        higher_is_better=higher,
        source=source,
    )


def _sections(raw: object, where: str) -> tuple[Section, ...]:
    if not isinstance(raw, list) or not raw:
        raise InstrumentFileError(f"{where}: 'sections' must be a non-empty list")
    seen_items: set[str] = set()
    sections, seen = [], set()
    for number, section in enumerate(raw, start=1):
        what = f"{where}: section {number}"
        if not isinstance(section, dict):
            raise InstrumentFileError(f"{what} must be an object")
        for key in ("key", "name", "weight", "items"):
            if key not in section:
                raise InstrumentFileError(f"{what} is missing key '{key}'")
        require_text(section["key"], f"{what} 'key'")
        require_text(section["name"], f"{what} 'name'")
        if section["key"] in seen:
            raise InstrumentFileError(f"{what}: duplicate section key '{section['key']}'")
        seen.add(section["key"])
        if not is_int(section["weight"]) or section["weight"] < 1:
            raise InstrumentFileError(f"{what} 'weight' must be a whole number of at least 1")
        items = _section_items(section, what, where, seen_items)
        sections.append(Section(section["key"], section["name"], section["weight"], items))
    return tuple(sections)


def _section_items(section: dict, what: str, where: str, seen: set[str]) -> tuple:
    """The items of one section; each item's own scale, else the section's."""
    raw_items = section["items"]
    if not isinstance(raw_items, list) or not raw_items:
        raise InstrumentFileError(f"{what} 'items' must be a non-empty list")
    shared = section.get("scale")
    items = []
    for number, raw in enumerate(raw_items, start=1):
        item: Item = item_of(raw, number, f"{what},", seen)
        scale_raw = raw.get("scale", shared)
        if scale_raw is None:
            raise InstrumentFileError(f"{what} item {number} has no scale (nor its section)")
        scale = scale_of(scale_raw, where, f"{section['key']}.{item.key}.scale")
        items.append(GradedItem(item.key, item.text, scale))
    return tuple(items)


def _composite(raw: object, keys: set[str], where: str) -> tuple[tuple[str, ...], tuple]:
    if not isinstance(raw, dict):
        raise InstrumentFileError(f"{where}: 'scoring.composite' must be an object")
    add, subtract = raw.get("add", []), raw.get("subtract", [])
    for name, listed in (("add", add), ("subtract", subtract)):
        if not isinstance(listed, list) or any(key not in keys for key in listed):
            raise InstrumentFileError(f"{where}: 'scoring.composite.{name}' must list section keys")
    if not add or set(add) & set(subtract):
        raise InstrumentFileError(
            f"{where}: 'scoring.composite' must add at least one section and use each once"
        )
    return tuple(add), tuple(subtract)


# --- scoring -------------------------------------------------------------------


def grade(instrument: GradedInstrument, answers: list[int]) -> Grade:
    """The section scores and the composite from one answer per item, in item order;
    AnswerError names the first item that is missing or off its scale."""
    items = instrument.items
    if len(answers) > len(items):
        raise AnswerError(
            f"{len(answers)} answers were given but the instrument has {len(items)} items."
        )
    for index, item in enumerate(items):
        value = answers[index] if index < len(answers) else None
        if value is None:
            raise AnswerError(f"Please grade item {index + 1}.", index, item.key)
        if not is_int(value) or not item.scale.min <= value <= item.scale.max:
            low, high = item.scale.min, item.scale.max
            raise AnswerError(
                f"Item {index + 1}: choose a grade from {low} to {high}.", index, item.key
            )
    subscores, position = {}, 0
    for section in instrument.sections:
        count = len(section.items)
        subscores[section.key] = section.weight * sum(answers[position : position + count])
        position += count
    composite = sum(subscores[k] for k in instrument.add) - sum(
        subscores[k] for k in instrument.subtract
    )
    return Grade(composite, subscores)


def grade_by_key(instrument: GradedInstrument, answers: dict[str, int]) -> Grade:
    """Like ``grade`` with answers keyed by item key."""
    unknown = sorted(set(answers) - set(instrument.item_keys))
    if unknown:
        raise AnswerError(f"Unknown item: {', '.join(unknown)}.")
    return grade(instrument, [answers.get(key) for key in instrument.item_keys])
