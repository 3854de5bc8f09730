"""What a spreadsheet could run as a formula in a CSV file, whatever its separator."""

import csv
import io
import re

SEPARATORS = ",;\t|\r\n"
FORMULA_CHARS = "=+-@"
# A cell may begin at the start of the file or after any separator a spreadsheet might
# split on (its locale's list separator, a tab, a line break); spaces and quotes around a
# cell are dropped by some spreadsheets before they look at its first character.
_CELL_START = re.compile(r'(?:^|[,;\t|\r\n])[\s"]*([=+\-@])')


def formula_starts(text: str) -> list[str]:
    """Every place in ``text`` where a spreadsheet could start a formula, with what follows."""
    return [text[m.start(1) : m.start(1) + 20] for m in _CELL_START.finditer(text)]


def cells_split_by(text: str, delimiter: str) -> list[str]:
    """Every cell a spreadsheet would see when it reads ``text`` with ``delimiter``."""
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [cell for row in rows for cell in row]


def formula_cells(text: str) -> list[str]:
    """Cells that begin with a formula character when read with , ; or a tab."""
    return [
        cell
        for delimiter in ",;\t"
        for cell in cells_split_by(text, delimiter)
        if cell.lstrip(' "').startswith(tuple(FORMULA_CHARS))
    ]
