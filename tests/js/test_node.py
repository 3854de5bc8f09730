"""The JavaScript tests (tests/js/*.test.js) under Node's built-in test runner.

They test the live-feedback modules in static/js/live/ on landmark sequences made by
tests/js/sequences.js. Run here so that `make test` runs them; skipped, with the
reason, when Node is missing.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ..conftest import only_in_its_pass

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="node not found (apt-get install nodejs)")
def test_the_javascript_tests_pass_under_node():
    only_in_its_pass("sqlite")  # no database involved: once per `make test` is enough
    result = subprocess.run(
        [NODE, "--test", "tests/js/"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-10_000:]
    passed = re.search(r"^# pass (\d+)$", result.stdout, re.MULTILINE)
    assert passed and int(passed.group(1)) >= 25, report[-10_000:]  # the files were found
