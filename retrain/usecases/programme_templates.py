"""Programme templates: programmes without a patient, with a title, for therapists.

Any therapist may use a template; only its author changes or deletes it. Applying one
to a patient is prescribing (programmes.apply_template): the patient gets a copy.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .. import access
from ..errors import Invalid, NotAllowed
from ..extensions import db
from ..models import THERAPIST, Exercise, Programme, ProgrammeItem
from . import caseload, exercises, programme_reads, programme_rules


@dataclass(frozen=True)
class TemplatesPage:
    templates: list[Programme]
    patients: list[tuple[int, str]]  # (id, name) of the caseload, to apply a template to


@dataclass(frozen=True)
class TemplateForm:
    template: Programme | None  # None: a new one
    exercises: list[Exercise]  # the active ones, to choose from


def view_templates(user) -> TemplatesPage:
    access.require_role(user, THERAPIST)
    return TemplatesPage(programme_reads.list_templates(), caseload.caseload_names(user.id))


def view_template_form(user, template_id: int | None = None) -> TemplateForm:
    """A new template (``template_id`` None), or one of the user's own to change."""
    access.require_role(user, THERAPIST)
    template = _own_template(template_id, user) if template_id is not None else None
    return TemplateForm(template, exercises.choices_for_programme())


def save_template(user, title: str, items: Iterable[Mapping], note: str | None = None):
    """A new template written by ``user`` (a therapist)."""
    access.require_role(user, THERAPIST)
    title, items, note = _checked(title, items, note)
    template = Programme(
        patient_id=None,
        title=title,
        note=note,
        created_by_id=user.id,
        items=[ProgrammeItem(position=i, **item) for i, item in enumerate(items, start=1)],
    )
    db.session.add(template)
    db.session.commit()
    return template


def update_template(
    user, template_id: int, title: str, items: Iterable[Mapping], note: str | None = None
) -> Programme:
    """Replace the title, note and items of the user's own template."""
    access.require_role(user, THERAPIST)
    template = _own_template(template_id, user)
    title, items, note = _checked(title, items, note)
    template.title = title
    template.note = note
    template.items = [ProgrammeItem(position=i, **item) for i, item in enumerate(items, start=1)]
    db.session.commit()
    return template


def delete_template(user, template_id: int) -> None:
    """Delete the user's own template (patients' programmes made from it stay)."""
    access.require_role(user, THERAPIST)
    db.session.delete(_own_template(template_id, user))
    db.session.commit()


def _own_template(template_id: int, author) -> Programme:
    template = programme_reads.get_template(template_id)
    if template.created_by_id != author.id:
        raise NotAllowed()
    return template


def _checked(title, items, note) -> tuple[str, list[dict], str | None]:
    items = list(items)
    title, title_problem = programme_rules.check_title(title)
    note, note_problem = programme_rules.check_note(note)
    checked = programme_rules.check_items(
        items, exercises.by_id(programme_rules.exercise_ids(items))
    )
    errors = [e for e in (title_problem, note_problem) if e] + checked.errors
    if errors:
        raise Invalid.all_of(errors)
    return title, checked.items, note
