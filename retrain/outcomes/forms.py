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

from ..models import DECISIONS, INJECTION_SIDES, PRODUCT_LABELS, PRODUCTS
from ..models.injections import MUSCLE_REGIONS
from ..presenters.care_team import DECISION_LABELS
from ..presenters.injection_visit import KIND_LABELS, SIDE_LABELS
from ..usecases.injection_checks import MAX_SITES

DATE_MESSAGE = "Enter a date like 2026-03-14."


def _coded_select(label: str, prompt: str, codes, labels: dict, **kwargs) -> SelectField:
    """A choice of stored codes shown by their labels, after a prompt; the use case says
    what is wrong with a choice."""
    return SelectField(
        label,
        choices=[SelectChoice("", prompt)] + [SelectChoice(code, labels[code]) for code in codes],
        validate_choice=False,
        **kwargs,
    )


class SiteForm(Form):
    muscle = SelectField(
        "Muscle",
        choices=[SelectChoice("", "Choose a muscle")]
        + [
            SelectChoice(m, m[0].upper() + m[1:], optgroup=region)
            for region, muscles in MUSCLE_REGIONS
            for m in muscles
        ],
        validate_choice=False,
    )
    side = _coded_select("Side", "Choose", INJECTION_SIDES, SIDE_LABELS)
    units = StringField("Units", render_kw={"inputmode": "decimal", "autocomplete": "off"})


class InjectionVisitForm(FlaskForm):
    injected_on = DateField(
        "Date of the injections",
        validators=[Optional()],
        description="The day the injections were given. Not in the future.",
    )
    kind = RadioField(
        "This visit is",
        choices=[SelectChoice(k, label) for k, label in KIND_LABELS.items()],
        validate_choice=False,
    )
    product = _coded_select(
        "Product",
        "Choose the product",
        PRODUCTS,
        PRODUCT_LABELS,
        description="Units of different products are not interchangeable.",
    )
    lot = StringField("Lot number (optional)", render_kw={"autocomplete": "off", "maxlength": 40})
    dilution = StringField(
        "Dilution, units per 0.1 mL (optional)",
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
        description="For example 4 for 100 U in 2.5 mL.",
    )
    sites = FieldList(FormField(SiteForm), min_entries=1, max_entries=MAX_SITES)
    note = TextAreaField("Note (optional)")
    confirm_high_dose = BooleanField(
        "I have checked these doses and they are right",
        description="Needed only when a dose is unusually high (the form says so).",
    )
    confirm_short_interval = BooleanField(
        "I have checked the date: this new cycle comes early",
        description="Needed only for a new cycle sooner than 12 weeks after the last full "
        "treatment (the form says so).",
    )
    more_rows = SubmitField("Add a site")
    copy_last = SubmitField("Copy the last visit's sites")
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
            "kind": self.kind.data,
            "product": self.product.data,
            "lot": self.lot.data,
            "dilution": self.dilution.data,
            "sites": self.site_rows(),
            "note": self.note.data,
            "confirm_high_dose": self.confirm_high_dose.data,
            "confirm_short_interval": self.confirm_short_interval.data,
        }

    def add_blank_rows(self, count: int = 1) -> None:
        for _ in range(min(count, MAX_SITES - len(self.sites))):
            self.sites.append_entry()

    def copy_sites(self, product: str, rows: list[dict]) -> None:
        """Replace the site rows with ``rows`` (the last visit's) and take its product."""
        self.product.data = product
        while self.sites.entries:
            self.sites.pop_entry()
        for row in rows[:MAX_SITES]:
            self.sites.append_entry(row)


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
