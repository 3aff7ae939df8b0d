"""One owner of the trace grammar: no module but :mod:`edgegym.tasks.trace` spells its text.

The tags, the preamble, the step head and the fixed clauses are constants of
``edgegym.tasks.trace``; every other module imports them. A string literal elsewhere that
contains one of them (docstrings aside: prose may name a tag) fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from edgegym.tasks import trace

ROOT = Path(__file__).resolve().parents[2] / "edgegym"
OWNER = ROOT / "tasks" / "trace.py"


def _phrases() -> tuple[str, ...]:
    """Every fixed piece of the grammar's text that ``trace`` exports."""
    out = {value for name in trace.__all__ if isinstance(value := getattr(trace, name), str)}
    out.update(trace.TAGS)
    return tuple(sorted(p for p in out if not p.isalpha()))


PHRASES = _phrases()


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the string constants that stand alone as statements (docstrings)."""
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }


def spelled(source: str) -> list[tuple[int, str]]:
    """``(line, phrase)`` for each grammar phrase a non-docstring literal spells."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    return [
        (node.lineno, phrase)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
        for phrase in PHRASES
        if phrase in node.value
    ]


def test_the_phrases_cover_the_tags_and_clauses() -> None:
    for expected in ("<question>", "</solution>", "<answer>", "</answer>", "Define ", "Answer:"):
        assert expected in PHRASES
    assert trace.REVERSE_OPENING in PHRASES and trace.UNKNOWN_CLAUSE in PHRASES


def test_the_checker_finds_a_spelled_tag() -> None:
    source = '"""Prose may name <answer>."""\nTAGS = ("</solution>",)\nx = f"{a} <answer> {b}"\n'
    assert spelled(source) == [(2, "</solution>"), (3, "<answer>")]


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(ROOT.rglob("*.py")) if p != OWNER],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_module_but_the_owner_spells_the_grammar(path: Path) -> None:
    found = spelled(path.read_text(encoding="utf-8"))
    assert not found, f"{path.relative_to(ROOT)} spells {found}: import it from tasks.trace"
