"""The import contract: layers only import downwards, and no module imports itself round.

docs/architecture.md draws the layers. The graph is read from the source with ``ast``,
imports inside functions included (an import hidden in a function is still a dependency,
and hiding one was how a cycle of four modules once went unnoticed).
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "retrain"

# Highest first. A module may import its own layer and the layers below it.
LAYERS = [
    (
        "web",
        (
            "retrain",
            "retrain.cli",
            "retrain.security",
            "retrain.database",
            "retrain.operations",
            "retrain.gunicorn_conf",
            "retrain.schema",
            "retrain.admin",
            "retrain.api",
            "retrain.auth",
            "retrain.clinician",
            "retrain.entries",
            "retrain.companion",
            "retrain.errors.handlers",
            "retrain.library",
            "retrain.main",
            "retrain.outcomes",
            "retrain.patient",
            "retrain.snapshots",
            "retrain.therapist",
        ),
    ),
    ("use cases", ("retrain.usecases",)),
    ("access", ("retrain.access",)),
    ("presenters", ("retrain.presenters",)),
    ("infrastructure", ("retrain.infrastructure",)),
    (
        "domain",
        (
            "retrain.models",
            "retrain.progress",
            "retrain.reminders",
            "retrain.vision",
            "retrain.media",
            "retrain.errors",
            "retrain.formatting",
            "retrain.ids",
            "retrain.extensions",
            "retrain.config",
        ),
    ),
]

# Packages that must stay free of the web, the database and the app around them.
PURE = {
    "retrain.progress": ("retrain.progress",),
    "retrain.vision": ("retrain.vision",),
    "retrain.reminders": ("retrain.reminders",),
    "retrain.presenters": (
        "retrain.presenters",
        "retrain.formatting",
        "retrain.progress",
        "retrain.vision",
        "retrain.reminders",
        "retrain.models",  # names and constants (e.g. MUSCLES) and loaded rows as values
        "retrain.errors",
    ),
    "retrain.errors": ("retrain.errors",),
    "retrain.formatting": (),
}
FRAMEWORKS = ("flask", "flask_login", "flask_wtf", "werkzeug", "sqlalchemy", "markupsafe")

# Being removed by issue 11's split of the old services package; must end empty.
KNOWN_VIOLATIONS: set[tuple[str, str]] = set()
KNOWN_CYCLES: list[set[str]] = []


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(tree: ast.AST):
    """Import statements, except those under ``if TYPE_CHECKING:`` (types only)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in _runtime_imports_of(child))
            continue
        yield from _runtime_imports_of(node)


def _runtime_imports_of(node: ast.AST):
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    else:
        yield from _runtime_imports(node)


def imports_of(path: Path, known: set[str] = frozenset()) -> set[str]:
    """Every module ``path`` imports (absolute names), wherever the import statement is.

    ``from x import y`` counts as importing the module ``x.y`` when that is one of
    ``known``, else as importing ``x``.
    """
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            parts = package.split(".")
            anchor = parts[: len(parts) - node.level + 1]
            base = ".".join([*anchor, base] if base else anchor)
        for alias in node.names:
            submodule = f"{base}.{alias.name}"
            found.add(submodule if submodule in known else base)
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    known = set(modules)
    return {name: imports_of(path, known) - {name} for name, path in modules.items()}


def layer_of(module: str) -> int | None:
    """Index into LAYERS (0 = top); the most specific prefix wins."""
    best, rank = -1, None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), index
    return rank


def upward_imports(edges: dict[str, set[str]]) -> set[tuple[str, str]]:
    found = set()
    for source, targets in edges.items():
        for target in targets:
            if not target.startswith("retrain"):
                continue
            s, t = layer_of(source), layer_of(target)
            if s is not None and t is not None and t < s:
                found.add((source, target))
    return found


def impure_imports(edges: dict[str, set[str]]) -> set[tuple[str, str]]:
    found = set()
    for source, targets in edges.items():
        for package, allowed in PURE.items():
            inside_package = source == package or source.startswith(package + ".")
            if not inside_package or layer_of(source) != layer_of(package):
                continue
            for target in targets:
                top = target.split(".")[0]
                inside = any(target == a or target.startswith(a + ".") for a in allowed)
                if top in FRAMEWORKS or (top == "retrain" and not inside):
                    found.add((source, target))
    return found


def cycles(edges: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in edges:
                continue
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def package_edges(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """Imports of a package's own ``__init__`` by its modules are not cycles of interest:
    Python loads the package first anyway. Everything else counts."""
    return {
        source: {t for t in targets if t.startswith("retrain") and not source.startswith(t + ".")}
        for source, targets in edges.items()
    }


def test_every_module_has_a_layer():
    unplaced = sorted(m for m in graph() if layer_of(m) is None)
    assert unplaced == [], f"add these modules to a layer in LAYERS: {unplaced}"


def test_no_layer_imports_upwards():
    found = upward_imports(graph()) - KNOWN_VIOLATIONS
    assert found == set(), "upward imports (source -> target): " + ", ".join(
        f"{s} -> {t}" for s, t in sorted(found)
    )


def test_pure_packages_import_no_framework_and_no_app():
    found = impure_imports(graph()) - KNOWN_VIOLATIONS
    assert found == set(), "impure imports: " + ", ".join(f"{s} -> {t}" for s, t in sorted(found))


def test_no_import_cycles():
    found = [c for c in cycles(package_edges(graph())) if c not in KNOWN_CYCLES]
    assert found == [], "import cycles: " + "; ".join(" <-> ".join(sorted(c)) for c in found)


# The checks themselves, on made-up graphs: each must be able to fail.


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("retrain.progress.cycles", "retrain.usecases.practice"),
        ("retrain.models.users", "retrain.infrastructure.audit"),
        ("retrain.usecases.practice", "retrain.patient.routes"),
        ("retrain.infrastructure.audit", "retrain.access"),
    ],
)
def test_an_upward_import_is_caught(source, target):
    assert upward_imports({source: {target}}) == {(source, target)}


def test_a_downward_import_passes():
    assert upward_imports({"retrain.patient.routes": {"retrain.usecases.practice"}}) == set()


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("retrain.progress.cycles", "flask"),
        ("retrain.vision.measures", "sqlalchemy.orm"),
        ("retrain.presenters.review", "retrain.extensions"),
        ("retrain.presenters.review", "markupsafe"),
    ],
)
def test_a_framework_in_a_pure_package_is_caught(source, target):
    assert impure_imports({source: {target}}) == {(source, target)}


def test_a_cycle_is_caught_however_long():
    edges = {
        "retrain.usecases.a": {"retrain.usecases.b"},
        "retrain.usecases.b": {"retrain.usecases.c"},
        "retrain.usecases.c": {"retrain.usecases.d"},
        "retrain.usecases.d": {"retrain.usecases.a"},
        "retrain.usecases.e": {"retrain.usecases.a"},
    }
    assert cycles(edges) == [{f"retrain.usecases.{x}" for x in "abcd"}]


def test_imports_inside_functions_count(tmp_path, monkeypatch):
    module = tmp_path / "retrain" / "usecases" / "hidden.py"
    module.parent.mkdir(parents=True)
    module.write_text("def f():\n    from ..patient import routes\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["PACKAGE"]), "PACKAGE", tmp_path / "retrain")
    assert imports_of(module, {"retrain.patient.routes"}) == {"retrain.patient.routes"}
