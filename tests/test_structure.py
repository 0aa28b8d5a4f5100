"""The house rules that keep the code easy to live in: no import cycle anywhere in the
package, no module past ~500 lines, the engine above the registry, plain data below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "backend" / "netcanvas"
MAX_LINES = 500
# Generated, or data rather than code.
EXEMPT: set[str] = set()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_at_load(module: str) -> set[str]:
    """The netcanvas modules a module imports while it is being imported: top-level
    statements only (not inside functions, not under `if TYPE_CHECKING`)."""
    tree = ast.parse(MODULES[module].read_text())
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    statements: list[ast.stmt] = list(tree.body)
    while statements:
        node = statements.pop()
        if isinstance(node, ast.If) and not _is_type_checking(node):
            statements.extend(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            statements.extend(node.body + node.orelse + node.finalbody)
            statements.extend(s for h in node.handlers for s in h.body)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("netcanvas"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if not base.startswith("netcanvas"):
                continue
            for alias in node.names:
                child = f"{base}.{alias.name}"
                found.add(child if child in MODULES else base)
    return {m for m in found if m in MODULES and m != module}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_cycle_in_the_package() -> None:
    edges = {module: imports_at_load(module) for module in MODULES}
    cycle = find_cycle(edges)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_stay_small(module: str) -> None:
    if module in EXEMPT:
        return
    lines = MODULES[module].read_text().count("\n")
    assert lines <= MAX_LINES, f"{module} has {lines} lines (split it: ~{MAX_LINES} at most)"


def _top_imports(module: str) -> set[str]:
    """Every netcanvas module a module imports anywhere (functions included)."""
    tree = ast.parse(MODULES[module].read_text())
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("netcanvas"):
            out.add(str(node.module))
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("netcanvas"))
    return out


def test_floors_are_kept() -> None:
    """graph/ is plain data (no engine, registry, formats or rendering); layers/ never
    imports the engine or a format; the engine never imports a format or the web."""
    rules = {
        "netcanvas.graph": ("netcanvas.layers", "netcanvas.analysis", "netcanvas.formats",
                            "netcanvas.render", "netcanvas.api"),
        "netcanvas.layers": ("netcanvas.analysis", "netcanvas.formats", "netcanvas.render",
                             "netcanvas.api"),
        "netcanvas.analysis": ("netcanvas.formats", "netcanvas.render", "netcanvas.api"),
        "netcanvas.formats": ("netcanvas.render", "netcanvas.api", "netcanvas.service"),
        "netcanvas.render": ("netcanvas.api", "fastapi"),
    }  # fmt: skip
    broken = []
    for module in MODULES:
        for floor, forbidden in rules.items():
            if module == floor or module.startswith(floor + "."):
                for imported in _top_imports(module):
                    if imported.startswith(forbidden):
                        broken.append(f"{module} imports {imported}")
    assert broken == []
