"""Dependencies point one way: the curricula package imports only the task core."""

from __future__ import annotations

import ast
from pathlib import Path

import edgegym.curricula

FORBIDDEN = ("edgegym.rewards", "edgegym.envs", "edgegym.eval", "edgegym.agents", "edgegym.cli")


def test_curricula_import_nothing_but_tasks() -> None:
    package = Path(edgegym.curricula.__file__).parent
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(FORBIDDEN), f"{path.name} imports {name}"
