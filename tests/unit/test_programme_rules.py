"""The programme rules (usecases/programme_rules.py), on hand-made values (no database)."""

import re
from dataclasses import dataclass
from datetime import date

import pytest

from retrain.models import ProgrammeItem
from retrain.usecases import programme_rules
from retrain.usecases.programme_rules import (
    ITEM_LIMITS,
    MAX_ITEMS,
    check_items,
    check_starts_on,
    end_of_previous,
)


@dataclass(frozen=True)
class FakeExercise:
    id: int
    name: str
    retired: bool = False
    default_reps: int = 10
    default_hold_seconds: int = 3
    default_rest_seconds: int = 5


LIBRARY = {
    1: FakeExercise(1, "Gentle brow raise"),
    2: FakeExercise(2, "Closed-lip smile", default_reps=8, default_hold_seconds=5),
    3: FakeExercise(3, "Old pucker", retired=True),
}

FULL = {
    "exercise_id": 1,
    "reps": 12,
    "sets": 2,
    "hold_seconds": 4,
    "rest_seconds": 6,
    "times_per_day": 3,
    "days_per_week": 5,
    "note": "  Slowly.  ",
}


def messages(result):
    return [(e.field, e.message) for e in result.errors]


def test_a_full_item_is_kept_as_given_with_the_note_stripped():
    result = check_items([FULL], LIBRARY)
    assert result.errors == []
    assert result.items == [{**FULL, "note": "Slowly.", "live_limit": None}]


def test_blank_doses_take_the_exercise_defaults_and_fixed_defaults():
    result = check_items([{"exercise_id": "2", "reps": "", "sets": None}], LIBRARY)
    assert result.errors == []
    assert result.items == [
        {
            "exercise_id": 2,
            "reps": 8,
            "sets": 1,
            "hold_seconds": 5,
            "rest_seconds": 5,
            "times_per_day": 1,
            "days_per_week": 7,
            "note": None,
            "live_limit": None,
        }
    ]


def test_no_items_is_refused():
    assert messages(check_items([], LIBRARY)) == [("items", "Add at least one exercise.")]


def test_more_than_thirty_items_is_refused():
    result = check_items([FULL] * (MAX_ITEMS + 1), LIBRARY)
    assert messages(result) == [("items", "A programme can hold at most 30 exercises.")]
    assert check_items([FULL] * MAX_ITEMS, LIBRARY).errors == []


@pytest.mark.parametrize(
    ("key", "bad", "good", "message"),
    [
        ("reps", 0, 1, "Repetitions must be from 1 to 100."),
        ("reps", 101, 100, "Repetitions must be from 1 to 100."),
        ("sets", 11, 10, "Sets must be from 1 to 10."),
        ("hold_seconds", -1, 0, "Hold (seconds) must be from 0 to 120."),
        ("rest_seconds", 121, 120, "Rest (seconds) must be from 0 to 120."),
        ("times_per_day", 7, 6, "Times per day must be from 1 to 6."),
        ("days_per_week", 0, 7, "Days per week must be from 1 to 7."),
    ],
)
def test_each_dose_is_kept_within_its_range(key, bad, good, message):
    refused = check_items([{**FULL, key: bad}], LIBRARY)
    assert messages(refused) == [(f"items-0-{key}", message)]
    assert refused.items == []
    accepted = check_items([{**FULL, key: good}], LIBRARY)
    assert accepted.errors == [] and accepted.items[0][key] == good


@pytest.mark.parametrize("bad", ["abc", "1.5", 2.0, True])
def test_a_dose_that_is_not_a_whole_number_is_refused(bad):
    result = check_items([{**FULL, "reps": bad}], LIBRARY)
    assert messages(result) == [("items-0-reps", "Repetitions: enter a whole number.")]


def test_unknown_missing_and_retired_exercises_are_refused_in_their_rows():
    result = check_items(
        [
            FULL,
            {**FULL, "exercise_id": 99},
            {**FULL, "exercise_id": None},
            {**FULL, "exercise_id": 3},
        ],
        LIBRARY,
    )
    assert messages(result) == [
        ("items-1-exercise_id", "That exercise is not in the library."),
        ("items-2-exercise_id", "Choose an exercise for this row."),
        (
            "items-3-exercise_id",
            "“Old pucker” has been retired from the library. "
            "Choose another exercise or remove this row.",
        ),
    ]
    assert len(result.items) == 1  # only the good row


def test_every_problem_is_reported_at_once():
    result = check_items([{**FULL, "reps": 0, "sets": 0}, {**FULL, "note": "x" * 501}], LIBRARY)
    assert [e.field for e in result.errors] == ["items-0-reps", "items-0-sets", "items-1-note"]


TODAY = date(2025, 3, 10)


@pytest.mark.parametrize(
    ("starts_on", "current_start", "message"),
    [
        (None, None, "Enter the date the programme starts."),
        (date(2025, 3, 11), None, "The start date cannot be in the future."),
        (date(2024, 3, 9), None, "The start date can be at most one year ago."),
        (
            date(2025, 3, 1),
            date(2025, 3, 2),
            "The new programme cannot start before the current one, which started on 2 March 2025.",
        ),
    ],
)
def test_start_dates_refused(starts_on, current_start, message):
    problem = check_starts_on(starts_on, TODAY, current_start)
    assert problem is not None and problem.field == "starts_on"
    assert problem.message.startswith(message)


@pytest.mark.parametrize(
    ("starts_on", "current_start"),
    [
        (TODAY, None),
        (date(2024, 3, 10), None),  # exactly 365 days back
        (date(2025, 3, 2), date(2025, 3, 2)),  # same day as the current one: replaces it
        (TODAY, date(2025, 1, 1)),
    ],
)
def test_start_dates_accepted(starts_on, current_start):
    assert check_starts_on(starts_on, TODAY, current_start) is None


def test_the_previous_version_ends_the_day_before():
    assert end_of_previous(date(2025, 3, 1)) == date(2025, 2, 28)
    assert end_of_previous(date(2024, 1, 1)) == date(2023, 12, 31)


def test_item_limits_match_the_model_check_constraints():
    found = {}
    for constraint in ProgrammeItem.__table__.constraints:
        text = str(getattr(constraint, "sqltext", ""))
        match = re.fullmatch(r"(\w+) BETWEEN (\d+) AND (\d+)", text)
        if match:
            found[match[1]] = (int(match[2]), int(match[3]))
    assert found == {key: (low, high) for key, (low, high, _) in ITEM_LIMITS.items()}


def test_item_field_names_follow_wtforms():
    assert programme_rules.item_field(3, "reps") == "items-3-reps"
