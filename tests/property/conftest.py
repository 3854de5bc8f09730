"""Shared pieces of the property tests (bad input everywhere).

- ``count_example``: every Hypothesis example adds one to its test's count (the fixed
  sweeps of sharp values count apart); the totals are printed at the end of the run
  (``pytest_terminal_summary`` below).
- ``property_settings``: the one Hypothesis profile of this folder: derandomized (the
  same examples on every run and in CI), no example database, no deadline.
- ``parse_forms``: the forms of a rendered page as a browser sees them (field names,
  what is sent by default, the options of selects, radios and checkboxes), so the
  tests post what the real form has rather than a hand-kept copy of it.
- ``fingerprint`` / ``changed_tables``: a row count and a checksum of the rows of every
  table except the bookkeeping ones (audit rows and login sessions), to show that a
  refused request changed nothing and an accepted one changed only its own tables.
- ``server_errors`` / ``fail_on_server_error``: a 5xx fails the example, chained to the
  exception the app logged, so that Hypothesis tells different bugs apart.
- ``tmp_path``: each test's instance folder (database, photo files) on a RAM disk when
  there is one; the tests commit thousands of times and SQLite syncs every commit.

Nothing here prints a response body or a row: failures name tables and status codes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

from retrain.extensions import db
from retrain.models import ApiToken, AuditEvent, LoginSession, PatientFigures

from ..conftest import login

# Tables a request may change whatever its outcome: its own audit row, login rows; and
# columns: when a bearer token was last used.
# Derived figures (issue 17) follow the tables they are worked out from, checked here.
BOOKKEEPING = frozenset(
    {AuditEvent.__tablename__, LoginSession.__tablename__, PatientFigures.__tablename__}
)
BOOKKEEPING_COLUMNS = {ApiToken.__tablename__: frozenset({"last_used_at"})}

EXAMPLES: Counter[str] = Counter()  # Hypothesis examples, by test
SWEEPS: Counter[str] = Counter()  # requests of the fixed sweeps of sharp values, by test
RAM_DISK = Path("/dev/shm")  # noqa: S108 - a private mkdtemp folder inside it


@pytest.fixture
def tmp_path(tmp_path_factory):
    """Each test's instance folder (SQLite file, snapshot files), in memory when possible.

    The same database and files as elsewhere, only without waiting for the disk: SQLite
    runs with synchronous=FULL, and these tests commit thousands of times.
    """
    if RAM_DISK.is_dir() and os.access(RAM_DISK, os.W_OK):
        path = Path(tempfile.mkdtemp(prefix="retrain-property-", dir=RAM_DISK))
        yield path
        shutil.rmtree(path, ignore_errors=True)
    else:
        yield tmp_path_factory.mktemp("property")


def count_example(name: str, *, sweep: bool = False) -> None:
    """One more Hypothesis example (or, with ``sweep``, one request of a fixed sweep)."""
    (SWEEPS if sweep else EXAMPLES)[name] += 1


def pytest_sessionfinish(session):
    """A pytest-xdist worker hands its counts to the controller (tests/passes.py)."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["property_counts"] = (dict(EXAMPLES), dict(SWEEPS))


def pytest_terminal_summary(terminalreporter):
    if not EXAMPLES and not SWEEPS:
        return
    terminalreporter.section("property tests: Hypothesis examples (and fixed sweep requests)")
    names = sorted(EXAMPLES.keys() | SWEEPS.keys())
    width = max(len(name) for name in names)
    for name in names:
        line = f"{name:<{width}}  {EXAMPLES[name]:5d}"
        terminalreporter.write_line(line + (f"  (+{SWEEPS[name]} sweep)" if SWEEPS[name] else ""))
    total, swept = sum(EXAMPLES.values()), sum(SWEEPS.values())
    terminalreporter.write_line(f"{'total':<{width}}  {total:5d}  (+{swept} sweep)")


# The example counts suit CI (the whole folder in about two minutes on two cores). For a
# deeper search, multiply them: RETRAIN_PROPERTY_SCALE=10 make test (still derandomized).
SCALE = float(os.environ.get("RETRAIN_PROPERTY_SCALE") or 1)


def property_settings(max_examples: int):
    """Derandomized, no example database, no deadline; no "explain" phase (it re-runs
    failing examples under a line tracer, which costs minutes here and adds little)."""
    return settings(
        max_examples=max(1, round(max_examples * SCALE)),
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=False,
        phases=[Phase.explicit, Phase.generate, Phase.target, Phase.shrink],
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


# --- the database, before and after ----------------------------------------------------


def fingerprint() -> dict[str, tuple[int, str]]:
    """table -> (row count, sha256 of its rows in key order), bookkeeping left out.

    Plain SQL through the driver: no ORM objects, no type conversion, so it is cheap
    enough to run around every request.
    """
    db.session.commit()  # a fresh read, and no transaction (on SQLite: no lock) left open
    connection = db.session.connection()
    quote = connection.dialect.identifier_preparer.quote
    state = {}
    for table in db.metadata.sorted_tables:
        if table.name in BOOKKEEPING:
            continue
        skip = BOOKKEEPING_COLUMNS.get(table.name, frozenset())
        columns = ", ".join(quote(c.name) for c in table.columns if c.name not in skip)
        order = ", ".join(quote(c.name) for c in (table.primary_key.columns or table.columns))
        sql = f"SELECT {columns} FROM {quote(table.name)} ORDER BY {order}"  # noqa: S608
        rows = connection.exec_driver_sql(sql)
        rows = [tuple(row) for row in rows]
        digest = hashlib.sha256(repr(rows).encode()).hexdigest()
        state[table.name] = (len(rows), digest)
    db.session.commit()
    return state


def changed_tables(before: dict, after: dict) -> set[str]:
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}


# --- server errors ------------------------------------------------------------------------


class _ErrorLog(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.errors: list[BaseException] = []

    def emit(self, record):
        if record.exc_info and record.exc_info[1] is not None:
            self.errors.append(record.exc_info[1])


@contextmanager
def server_errors():
    """The exceptions behind the 500 pages answered meanwhile (logged by retrain.errors)."""
    handler = _ErrorLog()
    logger = logging.getLogger("retrain.errors")
    logger.addHandler(handler)
    try:
        yield handler.errors
    finally:
        logger.removeHandler(handler)


def fail_on_server_error(status: int, errors: list, what: str) -> None:
    """Raise for a 5xx, chained to the server's exception so that Hypothesis tells
    different bugs apart (it compares the type and place of the cause too)."""
    if status < 500:
        return
    cause = errors[-1] if errors else None
    kind = type(cause).__name__ if cause else "no logged exception"
    raise AssertionError(f"{what} answered {status} ({kind})") from cause


# --- forms as a browser sees them ------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # the input type, "select", "select-multiple" or "textarea"
    sent: list[str] = field(default_factory=list)  # what a browser sends untouched
    options: list[str] = field(default_factory=list)  # choices of a select/radio/checkbox
    attrs: dict[str, str] = field(default_factory=dict)  # of the first element


@dataclass
class HtmlForm:
    action: str | None
    method: str
    fields: dict[str, Field] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # named submit buttons

    def defaults(self) -> dict[str, list[str]]:
        """What the browser sends when the save button ("submit", else the first) is pressed."""
        data = {name: list(f.sent) for name, f in self.fields.items() if f.sent}
        if self.buttons:
            names = [name for name, _ in self.buttons]
            name, value = self.buttons[names.index("submit") if "submit" in names else 0]
            data.setdefault(name, []).append(value)
        return data


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._select: Field | None = None
        self._option: dict | None = None
        self._option_text = ""
        self._textarea: Field | None = None

    def _field(self, name: str, kind: str, attrs: dict) -> Field:
        fields = self._form.fields
        if name not in fields:
            fields[name] = Field(name, kind, attrs={k: v or "" for k, v in attrs.items()})
        return fields[name]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = HtmlForm(attrs.get("action"), (attrs.get("method") or "get").lower())
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            value = attrs.get("value")
            if kind in ("submit", "image"):
                self._form.buttons.append((name, value or ""))
            elif kind in ("checkbox", "radio"):
                f = self._field(name, kind, attrs)
                f.options.append(value if value is not None else "on")
                if "checked" in attrs:
                    f.sent.append(value if value is not None else "on")
            elif kind not in ("file", "reset", "button"):
                self._field(name, kind, attrs).sent.append(value or "")
        elif tag == "button" and name and (attrs.get("type") or "submit").lower() == "submit":
            self._form.buttons.append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            kind = "select-multiple" if "multiple" in attrs else "select"
            self._select = self._field(name, kind, attrs)
        elif tag == "option" and self._select is not None:
            self._option, self._option_text = attrs, ""
        elif tag == "textarea" and name:
            self._textarea = self._field(name, "textarea", attrs)
            self._textarea.sent.append("")

    def handle_data(self, data):
        if self._option is not None:
            self._option_text += data
        if self._textarea is not None:
            self._textarea.sent[-1] += data

    def _end_option(self):
        if self._option is not None and self._select is not None:
            value = self._option.get("value")
            value = self._option_text.strip() if value is None else value
            self._select.options.append(value)
            if "selected" in self._option:
                self._select.sent.append(value)
        self._option = None

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "option":
            self._end_option()
        elif tag == "select" and self._select is not None:
            self._end_option()
            select_ = self._select
            if select_.kind == "select" and not select_.sent and select_.options:
                select_.sent.append(select_.options[0])
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = self._textarea.sent[-1]
            # A browser drops one newline right after <textarea>.
            for newline in ("\r\n", "\n"):
                if text.startswith(newline):
                    text = text[len(newline) :]
                    break
            self._textarea.sent[-1] = text
            self._textarea = None


def parse_forms(html: str) -> list[HtmlForm]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def form_for(html: str, action: str, page: str) -> HtmlForm:
    """The POST form of ``html`` whose action is ``action`` (no action: the page itself)."""
    for form in parse_forms(html):
        target = form.action or page
        if form.method == "post" and target.split("#")[0] == action:
            return form
    raise AssertionError(f"no POST form for {action} on {page}")


def logged_in_client(app, user):
    client = app.test_client()
    assert login(client, user.email).status_code == 302, "login failed"
    return client
