"""The package's shape, checked from its source: short functions, no import cycle, no
private name imported across modules, and package docstrings that list their modules.

Read with :mod:`ast` only (nothing is imported), so these hold for every install.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "edgegym"
MAX_FUNCTION_LINES = 80


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package."""
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(module: str, path: Path) -> Iterator[tuple[str, str | None, bool]]:
    """``(imported module, imported name or None, at module level)`` of every import."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = _tree(path)
    top = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, id(node) in top
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                yield base, alias.name, id(node) in top


def _target(base: str, name: str | None) -> str | None:
    """The package module an import loads (``from pkg import mod`` loads ``pkg.mod``)."""
    if name is not None and f"{base}.{name}" in MODULES:
        return f"{base}.{name}"
    return base if base in MODULES else None


def _eager_graph() -> dict[str, set[str]]:
    """Module -> package modules it imports when it is imported (module-level, not
    ``if TYPE_CHECKING``; imports inside functions run later and cannot form a cycle
    at import time, but they are checked below too)."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        for base, name, _ in _imports(module, path):
            target = _target(base, name)
            if target is not None and target != module:
                graph[module].add(target)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def _package_of(module: str) -> str:
    return module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]


def test_no_import_cycle_between_modules() -> None:
    """No module imports, directly or through others, a module that imports it (a
    package's ``__init__`` re-exporting its own modules is the one allowed direction:
    edges from a module up into its own package or an enclosing one are left out)."""
    graph = _eager_graph()
    for module, targets in graph.items():
        graph[module] = {
            t
            for t in targets
            if not (MODULES[t].name == "__init__.py" and module.startswith(t + "."))
        }
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_private_name_imported_from_another_module() -> None:
    """``from edgegym.x import _name`` is refused (a private module of a package, such
    as ``curricula._io``, is that package's to share among its own modules)."""
    found = []
    for module, path in MODULES.items():
        for base, name, _ in _imports(module, path):
            private = name is not None and name.startswith("_") and not name.startswith("__")
            if base.startswith("edgegym") and private and _target(base, name) is None:
                found.append(f"{module}: from {base} import {name}")
    assert not found, "\n".join(found)


def _functions(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            yield (node.end_lineno or node.lineno) - start + 1, f"{node.name} (line {node.lineno})"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_function_is_longer_than_80_lines(module: str) -> None:
    long = [f"{where}: {n} lines" for n, where in _functions(MODULES[module]) if n > 80]
    assert not long, f"{module}: " + "; ".join(long)


PACKAGES = sorted(m for m, p in MODULES.items() if p.name == "__init__.py" and m != "edgegym")


def _listed(package: str) -> set[str]:
    """The modules the package docstring names as its own: ``:mod:`.name```,
    ``:mod:`~edgegym.pkg.name```, a file name in double backquotes, or a line
    ``name: ...`` of its ``Modules:`` section."""
    doc = ast.get_docstring(_tree(MODULES[package])) or ""
    names = set(re.findall(r":mod:`\.([A-Za-z_][A-Za-z0-9_]*)", doc))
    own = re.escape(package)
    names |= set(re.findall(rf":mod:`~?{own}\.([A-Za-z_][A-Za-z0-9_]*)", doc))
    names |= set(re.findall(r"``([A-Za-z_][A-Za-z0-9_]*)\.py``", doc))
    section = re.search(r"^Modules:\n((?:(?: {4}.*)?\n?)*)", doc, re.MULTILINE)
    if section:
        names |= set(re.findall(r"^ {4}([A-Za-z_][A-Za-z0-9_]*):", section.group(1), re.MULTILINE))
    return names


def _own_modules(package: str) -> set[str]:
    prefix = package + "."
    return {
        m[len(prefix) :] for m in MODULES if m.startswith(prefix) and "." not in m[len(prefix) :]
    }


@pytest.mark.parametrize("package", PACKAGES)
def test_package_docstring_lists_its_modules(package: str) -> None:
    """Each subpackage's docstring names each of its modules and subpackages with
    ``:mod:`` (private helper modules, ``_x``, included), and only those."""
    listed, own = _listed(package), _own_modules(package)
    assert listed == own, f"{package}: missing {sorted(own - listed)}, stale {sorted(listed - own)}"


REWARDS_MAX_LINES = 2400


def test_the_rewards_stay_within_their_line_budget() -> None:
    """Issue 17's budget for the one scorer: ``edgegym/rewards/`` at most 2,400 lines."""
    files = sorted((ROOT / "rewards").glob("*.py"))
    total = sum(len(path.read_text(encoding="utf-8").splitlines()) for path in files)
    assert files and total <= REWARDS_MAX_LINES, f"edgegym/rewards/ has {total} lines"
