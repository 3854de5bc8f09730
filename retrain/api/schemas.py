"""Field types shared by the API's request and response models.

These are transport limits only (what fits the columns and the wire). The clinical
ranges and every other rule stay in the use cases, which report them as 422 with the
field named.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import Field

from ..ids import MAX_ID

# An id of a stored row: 32-bit, positive.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

# Whole numbers a use case range-checks; bounded here only so no database overflows.
Int = Annotated[int, Field(ge=-MAX_ID, le=MAX_ID)]

# Free text: no NUL characters (PostgreSQL refuses them), and a transport cap well above
# any limit a use case sets, so the use case's own message answers for its limit.
Text = Annotated[str, Field(max_length=10_000, pattern=r"^[^\x00]*$")]


def text(max_length: int):
    """A short text that must fit its column."""
    return Annotated[str, Field(max_length=max_length, pattern=r"^[^\x00]*$")]


# Checked by the use case (usecases/accounts.py normalise_email); the format is a hint.
Email = Annotated[
    str, Field(max_length=254, pattern=r"^[^\x00]*$", json_schema_extra={"format": "email"})
]


def example(make: Callable[[], dict]):
    """A request model's example for the docs (and the schemathesis run), made when the
    document is built, so dates in it stay recent."""

    def extra(schema: dict) -> None:
        schema["examples"] = [make()]

    return extra


def an_hour_ago() -> str:
    return (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")


def yesterday() -> str:
    """Yesterday in UTC: never in the future in any timezone."""
    return (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
