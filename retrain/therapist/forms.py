"""Staff forms: adding a patient, the programme builder, templates.

Dose ranges and item rules live in usecases/programme_rules.py (one source); the number
inputs only borrow its limits for the browser's min/max hints.
"""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..errors import Invalid
from ..errors.handlers import show_on_form
from ..ids import to_id
from ..models import REGIONS
from ..usecases.programme_rules import (
    ITEM_LIMITS,
    MAX_ITEM_NOTE,
    MAX_ITEMS,
    MAX_NOTE,
    MAX_TITLE,
    item_field,
)

# Room for a full programme plus a few blank rows; more rows in a post are ignored.
MAX_ROWS = MAX_ITEMS + 5
SIDE_CHOICES = [
    SelectChoice("left", "Left"),
    SelectChoice("right", "Right"),
    SelectChoice("both", "Both sides"),
]


class NewPatientForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired("Enter a name."), Length(max=120)])
    email = EmailField(
        "E-mail",
        validators=[DataRequired("Enter an e-mail address."), Length(max=254)],
        description="The patient logs in with this address.",
    )
    affected_side = RadioField(
        "Affected side of the face",
        choices=SIDE_CHOICES,
        validators=[InputRequired("Choose the affected side.")],
    )
    submit = SubmitField("Add patient")


def _int_or_none(value):
    if value in (None, ""):
        return None
    try:
        return to_id(value)
    except ValueError:
        return -1  # not an id: the use case answers "not in the library"


def _dose(key: str, hint: str | None = None) -> IntegerField:
    low, high, label = ITEM_LIMITS[key]
    return IntegerField(
        label,
        validators=[Optional()],
        render_kw={"min": low, "max": high, "inputmode": "numeric"},
        description=hint,
    )


class ItemForm(Form):
    """One row of the builder. A row with no exercise and nothing typed is skipped."""

    exercise_id = SelectField("Exercise", coerce=_int_or_none, validate_choice=False)
    reps = _dose("reps")
    sets = _dose("sets")
    hold_seconds = _dose("hold_seconds")
    rest_seconds = _dose("rest_seconds")
    times_per_day = _dose("times_per_day")
    days_per_week = _dose("days_per_week")
    note = StringField("Note for the patient", validators=[Length(max=MAX_ITEM_NOTE)])
    live_limit = StringField(
        "Live feedback limit (optional)",
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
        description="How much held-back movement counts as within the limit for this "
        "patient. Eye narrowing: a fraction of the eye opening (usual 0.25); other "
        "movements: eye-corner distances (usual 0.03, about 3 mm). Blank: the usual limit.",
    )
    remove = BooleanField("Remove this row")

    DOSES = tuple(ITEM_LIMITS)

    def is_blank(self) -> bool:
        return self.exercise_id.data is None and not any(
            getattr(self, key).data is not None for key in self.DOSES
        )

    def as_item(self) -> dict:
        item = {key: getattr(self, key).data for key in ("exercise_id", *self.DOSES)}
        item["note"] = self.note.data or ""
        item["live_limit"] = self.live_limit.data or ""
        return item


class ItemsMixin:
    """The rows shared by the builder and the template form.

    Rows are added with one picker (each exercise a submit button, grouped by region;
    static/js/programme_builder.js adds a search box): the chosen exercise is fixed in its
    row, and the row's dose fields show that exercise's defaults as placeholders.
    """

    items = FieldList(FormField(ItemForm), min_entries=0, max_entries=MAX_ROWS)
    add_exercise = StringField()  # the picker's button pressed: an exercise id

    exercise_lookup: dict = {}  # id -> Exercise, every exercise a row may show
    picker_groups: list = []  # (region label, [Exercise]) for the picker

    def set_exercise_choices(self, exercises, keep=()):
        """Active exercises by region, plus retired ones already in the rows (``keep``)."""
        order = {region: index for index, region in enumerate(REGIONS)}
        exercises = sorted(exercises, key=lambda e: (order.get(e.region, 99), e.name.casefold()))
        choices = [SelectChoice("", "Choose an exercise")]
        choices += [SelectChoice(e.id, e.name, optgroup=e.region.capitalize()) for e in exercises]
        known = {e.id for e in exercises}
        retired = {e.id: e for e in keep if e.id not in known}
        choices += [SelectChoice(e.id, e.name, optgroup="Retired") for e in retired.values()]
        for row in self.items:
            row.form.exercise_id.choices = choices
        self.exercise_lookup = {e.id: e for e in exercises} | retired
        self.picker_groups = [
            (region.capitalize(), [e for e in exercises if e.region == region])
            for region in dict.fromkeys(e.region for e in exercises)
        ]

    def pressed_add(self) -> bool:
        return bool(self.add_exercise.data)

    def add_exercise_row(self) -> None:
        """A row for the picked exercise, "how often" taken from the programme's rows."""
        try:
            exercise_id = to_id(self.add_exercise.data)
        except ValueError:
            return
        if exercise_id not in self.exercise_lookup or len(self.items) >= MAX_ROWS:
            return
        self.items.append_entry(
            {
                "exercise_id": exercise_id,
                "times_per_day": self._usual("times_per_day"),
                "days_per_week": self._usual("days_per_week"),
            }
        )

    def _usual(self, key: str) -> int | None:
        """The value most rows have (the first row's on a tie); None without rows."""
        values = [getattr(row.form, key).data for row in self.items]
        values = [value for value in values if value is not None]
        return max(values, key=values.count) if values else None

    def kept_rows(self) -> list[tuple[int, dict]]:
        """(row index, item dict) for the rows to save: not removed, not blank."""
        return [
            (index, row.form.as_item())
            for index, row in enumerate(self.items)
            if not row.form.remove.data and not row.form.is_blank()
        ]

    def show_problems(self, error: Invalid, rows: list[int]) -> None:
        """Put each problem beside its field (problems about the list go to ``items``).

        The use case numbered only the items it was sent: ``rows`` maps those numbers to
        this form's rows (blank and removed rows were left out).
        """
        show_on_form(self, _on_rows(error, rows), "items")
        # FieldList keeps the errors it saw at validation: add the rows' for form.errors.
        self.items.errors = [*self.items.errors, *(e.errors for e in self.items if e.errors)]


def _on_rows(error: Invalid, rows: list[int]) -> Invalid:
    """``error`` with item fields (items-<n>-<key>) renumbered to the form's rows."""

    def moved(name: str | None) -> str | None:
        head, _, rest = (name or "").partition("-")
        number, _, key = rest.partition("-")
        if head == "items" and number.isdigit() and int(number) < len(rows):
            return item_field(rows[int(number)], key)
        return name

    return Invalid.all_of([Invalid(p.message, moved(p.field)) for p in error.problems])


def _note(description: str) -> TextAreaField:
    return TextAreaField(
        "Note for the patient", validators=[Length(max=MAX_NOTE)], description=description
    )


class ProgrammeForm(ItemsMixin, FlaskForm):
    starts_on = DateField(
        "Starts on",
        validators=[InputRequired("Enter the date the programme starts.")],
        description="Today or an earlier day. The current programme ends the day before.",
    )
    note = _note("Optional. Shown with the programme.")
    submit = SubmitField("Save as a new version")


class TemplateForm(ItemsMixin, FlaskForm):
    title = StringField(
        "Title", validators=[DataRequired("Give the template a title."), Length(max=MAX_TITLE)]
    )
    note = _note("Optional. Copied into each programme made from this template.")
    submit = SubmitField("Save template")


class ApplyTemplateForm(FlaskForm):
    patient_id = SelectField("Patient", coerce=_int_or_none, validate_choice=False)
    submit = SubmitField("Apply to patient")


class PasswordResetForm(FlaskForm):
    confirm = BooleanField(
        "The patient asked for this because they forgot their password",
        validators=[InputRequired("Tick the box to confirm the patient asked for this.")],
    )
    submit = SubmitField("E-mail them a reset link")
