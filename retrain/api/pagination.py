"""Paginated lists: ``limit`` (1-200, default 50) and an opaque ``cursor``.

A list answers ``{"items": [...], "next_cursor": str | null}``; pass ``next_cursor`` back
as ``cursor`` (with the same filters) for the next page; null means the last page.
The cursor is an offset in the list's fixed order (newest first, or by name), written
so that clients treat it as opaque.
"""

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field

from .core import ApiError

DEFAULT_LIMIT, MAX_LIMIT = 50, 200
MAX_OFFSET = 1_000_000
_PREFIX = "o:"

T = TypeVar("T")


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
    if not text.startswith(_PREFIX) or not number.isascii() or not number.isdigit():
        raise ApiError(422, "That cursor is not valid.", {"cursor": "Not a cursor we gave."})
    offset = int(number)
    if offset > MAX_OFFSET:
        raise ApiError(422, "That cursor is not valid.", {"cursor": "Not a cursor we gave."})
    return offset


def page(fetch: Callable[[int, int], Sequence[T]], query: PageQuery) -> tuple[list[T], str | None]:
    """One page from ``fetch(offset, count)``; asks for one more row to know if more follow."""
    offset = decode_cursor(query.cursor)
    rows = list(fetch(offset, query.limit + 1))
    more = len(rows) > query.limit
    return rows[: query.limit], encode_cursor(offset + query.limit) if more else None


def page_of(rows: Sequence[T], query: PageQuery) -> tuple[list[T], str | None]:
    """One page of a list already in memory (short lists the service returns whole)."""
    return page(lambda offset, count: rows[offset : offset + count], query)
