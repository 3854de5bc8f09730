"""CSV that a spreadsheet opens as data, never as formulas: every CSV file Retrain
writes (the record export, the admin's audit trail, the import template) goes through
``csv_text`` or ``csv_lines`` here.

Formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that starts with
= + - @ (or a tab or carriage return) as a formula. Checking only a cell's first
character is not enough (issue 12, finding 3): a spreadsheet whose list separator is
";" splits ``felt ok;=HYPERLINK(...)`` into two cells, the second a formula, and a line
break inside a cell starts a new row in some readers. So a single quote goes before a
formula character wherever a cell could begin: at the start of the value, and after any
separator a spreadsheet might split on (, ; | tab, line breaks), after any spaces and
quotes that follow it; and before a value that starts with a tab or a carriage return.
The quote shows the rest as text; the value stays readable.
Numbers are written as numbers; a negative one as guarded text.
"""

import csv
import io
import math
import re
from collections.abc import Iterable, Iterator

# Where a cell could begin (the start, or after a separator), then the spaces and quotes
# a spreadsheet may drop, up to a formula character: the quote goes just before it.
_BEFORE_FORMULA = re.compile(r'(?:\A|[,;|\t\r\n])[\s"]*(?=[=+\-@])')
# Some spreadsheets drop a leading tab or carriage return and then read a formula.
_FIRST_CHARS = ("\t", "\r")


def cell(value) -> str | int | float:
    """A value safe to open in a spreadsheet (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        if isinstance(value, float) and (not math.isfinite(value) or value < 0):
            return cell(repr(value))
        if value < 0:
            return cell(str(value))
        return value
    text = _BEFORE_FORMULA.sub(lambda match: match.group(0) + "'", str(value))
    return "'" + text if text.startswith(_FIRST_CHARS) else text


def csv_lines(rows: Iterable[Iterable], header: Iterable[str]) -> Iterator[str]:
    """The header, then each row, as CSV lines (CRLF), every cell guarded; one line at a
    time, so a long file streams."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(values) -> str:
        writer.writerow([cell(value) for value in values])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield line(header)
    for row in rows:
        yield line(row)


def csv_text(rows: Iterable[Iterable], header: Iterable[str]) -> str:
    """The whole file as one string."""
    return "".join(csv_lines(rows, header))
