"""Forms for progress, the SAQ, injection visits and the reinjection review.

The forms only carry values: the rules (ranges, dates, doses) live in the use cases,
which raise Invalid with the field name, so a message always appears beside its field.
"""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from ..models import DECISIONS, INJECTION_SIDES, MUSCLES, PRODUCT_LABELS, PRODUCTS
from ..presenters.care_team import DECISION_LABELS
from ..presenters.injection_visit import SIDE_LABELS
from ..usecases.injections import MAX_SITES

BLANK_SITE_ROWS = 4
MIN_SITE_ROWS = 6
DATE_MESSAGE = "Enter a date like 2026-03-14."


class SiteForm(Form):
    muscle = SelectField(
        "Muscle",
        choices=[SelectChoice("", "Choose a muscle")]
        + [SelectChoice(m, m[0].upper() + m[1:]) for m in MUSCLES],
        validate_choice=False,
    )
    side = SelectField(
        "Side",
        choices=[SelectChoice("", "Choose")]
        + [SelectChoice(s, SIDE_LABELS[s]) for s in INJECTION_SIDES],
        validate_choice=False,
    )
    units = StringField("Units", render_kw={"inputmode": "decimal", "autocomplete": "off"})


class InjectionVisitForm(FlaskForm):
    injected_on = DateField(
        "Date of the injections",
        validators=[Optional()],
        description="The day the injections were given. Not in the future.",
    )
    product = SelectField(
        "Product",
        choices=[SelectChoice("", "Choose the product")]
        + [SelectChoice(p, PRODUCT_LABELS[p]) for p in PRODUCTS],
        validate_choice=False,
        description="Units of different products are not interchangeable.",
    )
    sites = FieldList(FormField(SiteForm), min_entries=MIN_SITE_ROWS, max_entries=MAX_SITES)
    note = TextAreaField("Note (optional)")
    confirm_high_dose = BooleanField(
        "I have checked these doses and they are right",
        description="Needed only when a dose is unusually high (the form says so).",
    )
    more_rows = SubmitField("Add more rows")
    submit = SubmitField("Save visit")

    def site_rows(self) -> list[dict]:
        return [
            {"muscle": row.muscle.data, "side": row.side.data, "units": row.units.data}
            for row in self.sites
        ]

    def visit_values(self) -> dict:
        """What the injections use case takes for a new or edited visit."""
        return {
            "injected_on": self.injected_on.data,
            "product": self.product.data,
            "sites": self.site_rows(),
            "note": self.note.data,
            "confirm_high_dose": self.confirm_high_dose.data,
        }

    def add_blank_rows(self, count: int = BLANK_SITE_ROWS) -> None:
        for _ in range(min(count, MAX_SITES - len(self.sites))):
            self.sites.append_entry()


def saq_form_class(instrument):
    """A form with one radio group per item of ``instrument`` (named by the item key)."""
    choices = [SelectChoice(str(v), label) for v, label in instrument.scale.labels.items()]

    class SaqForm(FlaskForm):
        submit = SubmitField("Save my answers")

    for number, item in enumerate(instrument.items, start=1):
        setattr(
            SaqForm,
            item.key,
            RadioField(f"{number}. {item.text}", choices=choices, validate_choice=False),
        )
    return SaqForm


class NoteForm(FlaskForm):
    body = TextAreaField("Add a note for the care team")
    back = HiddenField()
    submit = SubmitField("Add note")


class DecisionForm(FlaskForm):
    decision = RadioField(
        "Decision",
        choices=[SelectChoice(d, DECISION_LABELS[d]) for d in DECISIONS],
        validate_choice=False,
    )
    wait_until = DateField(
        "Wait until",
        validators=[Optional()],
        description="Only for 'Wait until a date'.",
    )
    note = TextAreaField(
        "Note",
        description="For adjusted doses, say which muscles and how (needed).",
    )
    submit = SubmitField("Record decision")


class IntervalForm(FlaskForm):
    interval_days = StringField(
        "Days between questionnaires",
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
        description="From 1 to 365. The usual is 14.",
    )
    submit = SubmitField("Save interval")


class RequestForm(FlaskForm):
    requested_on = DateField(
        "Ask for a questionnaire on",
        validators=[Optional()],
        description="For example 14 days after an injection.",
    )
    submit = SubmitField("Ask for it")


class CancelRequestForm(FlaskForm):
    requested_on = DateField(validators=[Optional()])  # sent as a hidden input
