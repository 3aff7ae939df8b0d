"""The shape of a problem distribution: what a data set built from some specs looks like.

Per (op, depth) cell: mean define steps (trace steps that define a quantity), statements
(sentences of the problem text), distractor statements, prompt and trace characters
(and tokens, given a token counter), and the share of compound relations among the
statements (one relation over a constant and two or more quantities, such as "equals 8
times the difference between A and B"; ``DagConfig.study()`` writes them, the default
configuration none).

``edgegym stats`` prints these for any contexts, modes and configuration; the study's
own generator's figures, measured the same way, are in ``benchmarks/study_shape.json``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from edgegym.tasks.node import COMPOUND_OPS
from edgegym.tasks.record import Problem

__all__ = ["COLUMNS", "Shape", "cells", "shape"]

COLUMNS = ("define", "statements", "distractors", "prompt_chars", "trace_chars", "compound")
"""The measures of a :class:`Shape`, in table order (``tokens`` follow when counted)."""


@dataclass(frozen=True, slots=True)
class Shape:
    """The measures of one problem (see the module docstring)."""

    op: int
    depth: int
    define: int
    statements: int
    distractors: int
    prompt_chars: int
    trace_chars: int
    compound: int
    prompt_tokens: int | None = None
    trace_tokens: int | None = None


def shape(problem: Problem, count_tokens: Callable[[str], int] | None = None) -> Shape:
    """The shape of one problem (token counts only with ``count_tokens``)."""
    stated = sum(1 for n in problem.nodes if n.op != "total" and n.op != "product")
    given = 1 if problem.spec.mode == "reverse" else 0
    modulus = 1 if problem.spec.config.modulus is not None else 0
    prompt = problem.prompt
    return Shape(
        op=problem.op,
        depth=problem.depth,
        define=len(problem.nodes),
        statements=stated + given + modulus + len(problem.distractors),
        distractors=len(problem.distractors),
        prompt_chars=len(prompt),
        trace_chars=len(problem.solution),
        compound=sum(1 for n in (*problem.nodes, *problem.distractors) if n.op in COMPOUND_OPS),
        prompt_tokens=None if count_tokens is None else count_tokens(prompt),
        trace_tokens=None if count_tokens is None else count_tokens(problem.solution),
    )


def cells(shapes: Iterable[Shape]) -> list[dict[str, float | int]]:
    """Means per (op, depth), sorted: ``op``, ``depth``, ``n``, each column, and
    ``compound_share`` (compound relations per statement); token means when counted."""
    groups: dict[tuple[int, int], list[Shape]] = defaultdict(list)
    for s in shapes:
        groups[s.op, s.depth].append(s)
    rows: list[dict[str, float | int]] = []
    for (op, depth), group in sorted(groups.items()):
        n = len(group)
        row: dict[str, float | int] = {"op": op, "depth": depth, "n": n}
        for column in COLUMNS:
            row[column] = sum(getattr(s, column) for s in group) / n
        row["compound_share"] = row["compound"] / max(row["statements"], 1)
        for column in ("prompt_tokens", "trace_tokens"):
            counts = [getattr(s, column) for s in group]
            if all(c is not None for c in counts):
                row[column] = sum(counts) / n
        rows.append(row)
    return rows
