"""The lock files agree with pyproject.toml: a dependency added without `make lock` fails
here instead of being silently missing from a fresh `make run` (installs use --no-deps)."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.M)


def pins(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text()
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


def declared(*extras: str) -> list[Requirement]:
    lines = list(PROJECT["dependencies"])
    for extra in extras:
        lines += PROJECT["optional-dependencies"][extra]
    return [Requirement(line) for line in lines]


@pytest.mark.parametrize(
    ("lock", "extras"),
    [("requirements.lock", ("face-models",)), ("requirements-test.lock", ("face-models", "test"))],
)
def test_every_declared_dependency_is_pinned_within_its_range(lock, extras):
    pinned = pins(lock)
    problems = []
    for requirement in declared(*extras):
        version = pinned.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement.name} is not in {lock}")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name}=={version} is outside {requirement.specifier}")
    assert problems == [], "run `make lock`: " + "; ".join(problems)


def test_the_app_lock_pins_what_the_test_lock_pins():
    app, test = pins("requirements.lock"), pins("requirements-test.lock")
    differ = {name: (v, test.get(name)) for name, v in app.items() if test.get(name) != v}
    assert differ == {}


def test_tensorflow_never_gets_in():
    for lock in ("requirements.lock", "requirements-test.lock"):
        assert "tensorflow" not in pins(lock)


def test_the_license_is_an_spdx_expression():
    assert isinstance(PROJECT["license"], str)
