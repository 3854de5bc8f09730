"""A page of a patient's rows, newest first: the API's lists and the message thread."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db


def newest_first(model, patient_id: int, newest, offset: int, count: int, *where, options=()):
    """``count`` rows of ``model`` in the patient's record from ``offset``, newest first
    (by the ``newest`` column, then by id, so a page never repeats or skips a row),
    filtered by ``where`` too, loading ``options``."""
    return list(
        db.session.scalars(
            select(model)
            .where(model.patient_id == patient_id, *where)
            .order_by(newest.desc(), model.id.desc())
            .offset(offset)
            .limit(count)
            .options(*options)
        )
    )
