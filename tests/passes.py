"""Which tests run in which pass of `make test`, and on which pytest-xdist worker.

`make test` runs the suite twice, on SQLite and then on PostgreSQL, each time on two
pytest-xdist workers (a plugin of tests/conftest.py). The PostgreSQL pass leaves out what
it would only repeat; the terminal summary says how many tests that was.
"""

import pytest

from tests.conftest import POSTGRES_URL

# A test that asks for no other fixture, in a module that builds no app, touches no database.
NO_DATABASE_FIXTURES = frozenset(
    {"request", "monkeypatch", "tmp_path", "tmp_path_factory", "capsys", "caplog", "recwarn"}
    | {"_session_faker"}  # Faker's seed (factory-boy), used by every test
)
APP_BUILDERS = ("create_app", "make_config", "db", "POSTGRES_URL", "only_in_its_pass")

# Folders whose tests one worker runs one after another: the browser tests share one tour
# of the pages (test_pages_on_phones.survey), and neither browser nor load tests then has
# the other's CPU load to wait out. (Not --dist loadgroup: it stopped grouping with
# pytest 9.2, pytest-dev/pytest-xdist#1386.)
ONE_WORKER_FOLDERS = ("tests/e2e/", "tests/load/")

left_out = 0  # tests this pass left out; under xdist, as a worker reported it


def parameters(item) -> set[str]:
    """The names @pytest.mark.parametrize gives values to directly (not through a fixture)."""
    names = set()
    for mark in item.iter_markers("parametrize"):
        argnames = mark.args[0]
        if isinstance(argnames, str):
            argnames = [name.strip() for name in argnames.split(",")]
        indirect = mark.kwargs.get("indirect", False)
        names.update(n for n in argnames if not (indirect is True or n in (indirect or ())))
    return names


def uses_no_database(item) -> bool:
    module = getattr(item, "module", None)
    if module is None or any(hasattr(module, name) for name in APP_BUILDERS):
        return False
    return set(item.fixturenames) - parameters(item) <= NO_DATABASE_FIXTURES


def runs_in_this_pass(item) -> bool:
    """The PostgreSQL pass leaves out tests that use no database, and browser tests other
    than the smoke tests: the pages' HTML and scripts are the same on both databases, and
    the server side of every page runs on PostgreSQL through the Flask test client."""
    if not POSTGRES_URL:
        return True
    if item.get_closest_marker("browser"):
        return item.get_closest_marker("browser_smoke") is not None
    return not uses_no_database(item)


def pytest_collection_modifyitems(config, items):
    global left_out
    kept = [item for item in items if runs_in_this_pass(item)]
    if len(kept) < len(items):
        dropped = set(items) - set(kept)
        config.hook.pytest_deselected(items=[item for item in items if item in dropped])
        items[:] = kept
        left_out = len(dropped)


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hooks, in the controller
def pytest_xdist_make_scheduler(config, log):
    """Every test outside ONE_WORKER_FOLDERS is a unit of its own, for whichever worker is
    free; the largest unit (those folders) is handed out first."""
    if config.getoption("dist") != "load":  # another --dist was asked for: that one
        return None
    from xdist.scheduler import LoadScopeScheduling

    class OneWorkerForBrowserAndLoadTests(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "browser and load tests" if nodeid.startswith(ONE_WORKER_FOLDERS) else nodeid

    return OneWorkerForBrowserAndLoadTests(config, log)


def pytest_sessionfinish(session):
    output = getattr(session.config, "workeroutput", None)
    if output is not None:  # a worker: its report goes to the controller
        output["left_out"] = left_out


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """A worker is done: what it left out, and its Hypothesis example counts."""
    global left_out
    output = getattr(node, "workeroutput", {})
    left_out = max(left_out, output.get("left_out", 0))
    if "property_counts" in output:
        from tests.property import conftest as property_tests

        examples, sweeps = output["property_counts"]
        property_tests.EXAMPLES.update(examples)
        property_tests.SWEEPS.update(sweeps)


def pytest_terminal_summary(terminalreporter, config):
    if getattr(config, "workerinput", None) is not None:
        return
    if left_out:
        terminalreporter.write_line(
            f"{left_out} tests left out of this PostgreSQL pass: they use no database, or are"
            " browser tests other than the smoke tests; the SQLite pass runs them."
        )
    # Under xdist the property tests' own summary is not a plugin of the controller.
    from tests.property import conftest as property_tests

    if not config.pluginmanager.is_registered(property_tests):
        property_tests.pytest_terminal_summary(terminalreporter)
