"""The patient's session form: the plain form and the guided player's summary."""

from uuid import uuid4

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from ..usecases.practice import MAX_ITEMS, NOTE_MAX, ItemInput

EFFORT_CHOICES = [
    SelectChoice(1, "1 · very easy"),
    SelectChoice(2, "2 · easy"),
    SelectChoice(3, "3 · moderate"),
    SelectChoice(4, "4 · hard"),
    SelectChoice(5, "5 · very hard"),
]
RATING_CHOICES = [SelectChoice(n, str(n)) for n in range(11)]


def _posted(value, kind: type[int] | type[float]):
    """A posted number: empty is None; not a number is -1, which the use case refuses
    beside the field (never a valid id, count, choice or measure)."""
    if value is None or value == "":
        return None
    try:
        return kind(value)
    except (TypeError, ValueError):
        return kind(-1)


def _number(value) -> int | None:
    return _posted(value, int)


def _decimal(value) -> float | None:
    return _posted(value, float)


class ItemForm(Form):
    """One programme exercise in the session form (a plain Form: one CSRF token per page)."""

    exercise_id = HiddenField()
    reps_done = IntegerField("Repetitions done", validators=[Optional()])
    sets_done = HiddenField()  # sent by the guided player; worked out from reps otherwise
    skipped = BooleanField("Skipped")
    # Live feedback's numbers, filled in by the player (static/js/live/player-live.js).
    live_reps_scored = HiddenField()
    live_clean_reps = HiddenField()
    live_median_hold_back = HiddenField()
    live_fps = HiddenField()


class SessionForm(FlaskForm):
    """Log one session: the plain form and the guided player's summary post this."""

    items = FieldList(FormField(ItemForm), min_entries=0, max_entries=MAX_ITEMS)
    # The use case checks the ranges and says what is wrong beside the field.
    effort = RadioField(
        "How hard did it feel?", choices=EFFORT_CHOICES, coerce=_number, validate_choice=False
    )
    synkinesis_rating = RadioField(
        "How much synkinesis did you feel?",
        choices=RATING_CHOICES,
        coerce=_number,
        validate_choice=False,
        description=(
            "Synkinesis is movement you do not mean to make, like your eye closing when you "
            "smile. 0 = none, 10 = the most you can imagine."
        ),
    )
    note = TextAreaField(
        "Note (optional)",
        description=f"Anything you want your therapist to know. Up to {NOTE_MAX} characters.",
    )
    performed_date = DateField("Date", validators=[Optional()])
    performed_time = TimeField("Time", validators=[Optional()])
    source = HiddenField(default="form")
    idempotency_key = HiddenField()


def form_defaults(programme, source: str = "form", items: list | None = None) -> dict:
    """Initial data: each exercise (``items``, default all the programme's) at its full
    prescribed dose, a fresh request key."""
    if items is None:
        items = programme.items if programme is not None else []
    return {
        "items": [
            {
                "exercise_id": item.exercise_id,
                "reps_done": item.reps * item.sets,
                "sets_done": "",
                "skipped": False,
            }
            for item in items
        ],
        "source": source,
        "idempotency_key": uuid4().hex,
    }


def item_inputs(form: SessionForm) -> list[ItemInput]:
    return [
        ItemInput(
            exercise_id=_number(entry.exercise_id.data),
            reps_done=entry.reps_done.data,
            sets_done=_number(entry.sets_done.data),
            skipped=bool(entry.skipped.data),
            live_reps_scored=_number(entry.live_reps_scored.data),
            live_clean_reps=_number(entry.live_clean_reps.data),
            live_median_hold_back=_decimal(entry.live_median_hold_back.data),
            live_fps=_decimal(entry.live_fps.data),
        )
        for entry in form.items
    ]


def labelled_rows(form: SessionForm, programme) -> list[tuple]:
    """(item subform, programme item or None) pairs, to label each row with its exercise."""
    by_exercise = {}
    for item in programme.items if programme is not None else []:
        by_exercise.setdefault(str(item.exercise_id), item)
    return [(entry, by_exercise.get(str(entry.exercise_id.data))) for entry in form.items]
