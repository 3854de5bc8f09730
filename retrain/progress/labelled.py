"""Enumerations whose members carry the plain words a page shows for them. Pure Python."""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A StrEnum whose members are written ``NAME = "value", "The words shown"``: the
    value is stored and compared as before; ``member.label`` is the words."""

    label: str

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member
