"""Record ids as they arrive from outside (URLs, form fields, query strings).

Every id column is a 32-bit integer on the databases we run on, so an id above
MAX_ID cannot name a record: it is refused like any other unknown id (404 in a URL,
a form error in a field) before it reaches the database, whose driver would
otherwise fail on it (an overflow, a 500).
"""

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


def to_id(value) -> int:
    """``value`` as a record id (1..MAX_ID); ValueError when it cannot be one.

    Usable as a WTForms ``coerce`` and as ``request.args.get(..., type=to_id)``.
    """
    text = str(value).strip()
    if not text.isascii() or not text.isdigit():
        raise ValueError("not an id")
    number = int(text)
    if not 1 <= number <= MAX_ID:
        raise ValueError("not an id")
    return number


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: only ids that can exist match (others are a 404)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
