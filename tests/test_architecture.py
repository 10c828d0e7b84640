"""The layers of DESIGN §2, checked on the source: no import cycle, no upward import.

Each module of ``src/hipsight`` belongs to one layer (:data:`LAYERS`, lowest first). A module may
import from its own layer and the layers below, never from a layer above, whether the import is
at the top of the module or inside a function (a lazy import is still a dependency). Module-level
imports must also form no cycle. ``kinematics`` is pure numpy: it never imports cv2 or mediapipe.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "hipsight"

# Lowest first. A prefix names a package or a module; the longest matching prefix wins. The
# command modules (``*.cli``) and the package's own API (``hipsight``) are the top layer.
LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "hipsight.errors",
        "hipsight.fileio",
        "hipsight.paths",
        "hipsight.style",
        "hipsight.wording",
        "hipsight.optional",
        "hipsight.config",
        "hipsight.results",
        "hipsight.version",
        "hipsight.schema",
    ),
    ("hipsight.io", "hipsight.models"),
    ("hipsight.pose",),
    ("hipsight.kinematics",),
    ("hipsight.samples", "hipsight.calibration"),
    ("hipsight.protocols",),
    ("hipsight.findings",),
    ("hipsight.session", "hipsight.history"),
    ("hipsight.export", "hipsight.report"),
    ("hipsight.analysis", "hipsight.textreport", "hipsight.finish"),
    ("hipsight.live", "hipsight.batching"),
    (
        "hipsight.cli",
        "hipsight.finish_cli",
        "hipsight.history.cli",
        "hipsight.export.cli",
        "hipsight.calibration.cli",
        "hipsight.live.cli",
        "hipsight.batching.cli",
        "hipsight",
    ),
)
PURE_NUMPY = ("hipsight.kinematics",)
FORBIDDEN_IN_PURE = ("cv2", "mediapipe")


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted((SRC / PACKAGE).rglob("*.py"))}


def imports_of(path: Path, name: str, top_level_only: bool = False) -> Iterator[str]:
    """Absolute names imported by a module (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                is_package = path.name == "__init__.py"
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def layer_of(name: str) -> int:
    best, layer = -1, -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best:
                best, layer = len(prefix), index
    return layer


def internal(imported: str, known: dict[str, Path]) -> str | None:
    """The hipsight module an imported name refers to (a module, or a name inside one)."""
    while imported:
        if imported in known:
            return imported
        imported = imported.rpartition(".")[0]
    return None


def test_every_module_has_a_layer() -> None:
    missing = [name for name in modules() if layer_of(name) < 0]
    assert not missing, f"modules without a layer in LAYERS: {missing}"


def test_no_upward_imports() -> None:
    known = modules()
    violations = []
    for name, path in known.items():
        for imported in imports_of(path, name):
            target = internal(imported, known) if imported.startswith(PACKAGE) else None
            if target and target != name and layer_of(target) > layer_of(name):
                violations.append(
                    f"{name} (layer {layer_of(name)}) imports {target} (layer {layer_of(target)})"
                )
    assert not sorted(set(violations)), "\n".join(sorted(set(violations)))


def test_no_import_cycles() -> None:
    known = modules()
    graph = {
        name: {
            t
            for imported in imports_of(path, name, top_level_only=True)
            if (t := internal(imported, known)) and t != name and not name.startswith(t + ".")
        }
        for name, path in known.items()
    }
    cycles = strongly_connected(graph)
    assert not cycles, f"import cycles: {cycles}"


def subpackage(name: str) -> str:
    """``hipsight.session.writer`` -> ``hipsight.session``; top-level modules stay themselves;
    the command modules (``*.cli``) belong to the CLI."""
    return "hipsight.cli" if name.endswith(".cli") else ".".join(name.split(".")[:2])


def test_no_cycles_between_subpackages() -> None:
    """Subpackages (and top-level modules) depend on each other in one direction only, counting
    every import, lazy ones included."""
    known = modules()
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        edges = graph.setdefault(subpackage(name), set())
        for imported in imports_of(path, name):
            target = internal(imported, known) if imported.startswith(PACKAGE + ".") else None
            if target and subpackage(target) != subpackage(name):
                edges.add(subpackage(target))
    cycles = strongly_connected(graph)
    assert not cycles, f"cycles between subpackages: {cycles}"


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize("prefix", PURE_NUMPY)
def test_pure_numpy_layers_import_no_vision_library(prefix: str) -> None:
    offending = [
        f"{name} imports {imported}"
        for name, path in modules().items()
        if name.startswith(prefix)
        for imported in imports_of(path, name)
        if imported.split(".")[0] in FORBIDDEN_IN_PURE
    ]
    assert not offending, offending


def test_the_checker_sees_a_cycle_and_an_upward_import() -> None:
    assert strongly_connected({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
    assert layer_of("hipsight.kinematics.angles") < layer_of("hipsight.protocols.squat")
    assert layer_of("hipsight.results") < layer_of("hipsight.protocols.base")
