"""Paginated lists: ``limit`` (1-200, default 50) and an opaque ``cursor``.

A list answers ``Page[ItemOut]``: ``{"items": [...], "next_cursor": str | null}``; pass
``next_cursor`` back as ``cursor`` (with the same filters) for the next page; null means
the last page.
The cursor is an offset in the list's fixed order (newest first, or by name), written
so that clients treat it as opaque.
"""

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from ..errors import Invalid, Problem

DEFAULT_LIMIT, MAX_LIMIT = 50, 200
MAX_OFFSET = 1_000_000
_PREFIX = "o:"

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list: ``Page[SessionOut]`` is named SessionPage in the document."""

    items: list[T]
    next_cursor: str | None = Field(description="`cursor` for the next page; null: the last")

    @classmethod
    def model_parametrized_name(cls, params: tuple) -> str:
        return params[0].__name__.removesuffix("Out") + "Page"


class PageQuery(BaseModel):
    """Query strings are text, so this model converts ("20" -> 20); unknown names: 422."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page")
    cursor: str | None = Field(
        None, max_length=64, description="next_cursor from the previous page"
    )


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    number = text.removeprefix(_PREFIX)
    valid = text.startswith(_PREFIX) and number.isascii() and number.isdigit()
    if not valid or int(number) > MAX_OFFSET:
        problem = Problem("Not a cursor we gave.", "cursor")
        raise Invalid("That cursor is not valid.", problems=[problem])
    return int(number)


def page(fetch: Callable[[int, int], Sequence[T]], query: PageQuery) -> tuple[list[T], str | None]:
    """One page from ``fetch(offset, count)``; asks for one more row to know if more follow."""
    offset = decode_cursor(query.cursor)
    rows = list(fetch(offset, query.limit + 1))
    more = len(rows) > query.limit
    return rows[: query.limit], encode_cursor(offset + query.limit) if more else None


def page_of(rows: Sequence[T], query: PageQuery) -> tuple[list[T], str | None]:
    """One page of a list already in memory (short lists the service returns whole)."""
    return page(lambda offset, count: rows[offset : offset + count], query)
