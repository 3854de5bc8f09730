"""What can go wrong in a use case, in words fit to show the person who asked.

Use cases raise these and nothing HTTP; `handlers.py` maps them once: to an HTML page
or a message beside a form field, and to the API's JSON error body. This module
imports nothing from Flask, so every layer may raise them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One message, and the form field it belongs beside (None: the form as a whole)."""

    message: str
    field: str | None = None


class AppError(Exception):
    """A request a use case refuses. ``message`` is fit to show the user."""

    status = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def problems(self) -> list[Problem]:
        return [Problem(self.message, self.field)]


class NotFound(AppError):
    """No such record for this user. A refusal of a record says the same (DESIGN.md: a
    refusal never confirms that a record exists)."""

    status = 404

    def __init__(self, message: str = "We could not find that.", field: str | None = None):
        super().__init__(message, field)


class NotAllowed(AppError):
    """The user may know the thing exists but not do this (a section, a role)."""

    status = 403

    def __init__(self, message: str = "Your account may not do that.", field: str | None = None):
        super().__init__(message, field)


class Invalid(AppError):
    """Input that breaks a rule; ``problems`` lists every one found, by field."""

    status = 422

    def __init__(
        self, message: str, field: str | None = None, problems: list[Problem] | None = None
    ):
        super().__init__(message, field)
        self._problems = list(problems or [])

    @property
    def problems(self) -> list[Problem]:
        return self._problems or [Problem(self.message, self.field)]

    @classmethod
    def all_of(cls, found: list[AppError]) -> Invalid:
        """One error carrying every problem found; the first one's message leads."""
        problems = [problem for error in found for problem in error.problems]
        return cls(problems[0].message, problems[0].field, problems)


class Conflict(AppError):
    """The record changed underneath the request, or the thing already exists."""

    status = 409
