"""The gold graph a response is checked against, from a Problem, its record, or the study's data.

For edgegym problems the gold graph is the generator's own DAG (``Problem.nodes`` or
the record's ``graph``): an oracle independent of the gold trace text. For a record
in the study's released JSONL shape (``problem, question, solution, op, template,
mode`` with ``mode`` in ``normalforward | forwardreverse``) there is no graph, so it
is rebuilt from the gold solution with the same parser that reads responses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from edgegym.rewards.arith import Lin, Rat
from edgegym.rewards.parse import Mode, parse_trace

if TYPE_CHECKING:
    from edgegym.tasks import Problem

__all__ = [
    "Gold",
    "GoldNode",
    "gold_from_problem",
    "gold_from_record",
    "gold_from_study_record",
    "gold_of",
]

STUDY_MODES: dict[str, Mode] = {
    "normalforward": "forward",
    "forwardreverse": "reverse",
    "forward": "forward",
    "reverse": "reverse",
}


class GoldNode(NamedTuple):
    """One quantity of the necessary DAG, as the process reward needs it."""

    name: str
    parents: tuple[str, ...]
    """Parent names in expression order."""
    value: Lin
    """``(0, v)`` in forward mode; ``(a, b)`` for ``a*x + b`` in reverse mode."""
    ordered: bool
    """True when parent order matters (a difference)."""
    parent_set: frozenset[str]
    """``frozenset(parents)``."""


def _gold_node(name: str, parents: tuple[str, ...], value: Lin, ordered: bool) -> GoldNode:
    return GoldNode(name, parents, value, ordered, frozenset(parents))


@dataclass(frozen=True)
class Gold:
    """Everything needed to score responses to one problem; build once, reuse."""

    mode: Mode
    modulus: int | None
    answer: Rat
    nodes: tuple[GoldNode, ...]
    equation: Lin | None = None
    """Reverse mode: the final equation as ``lhs - rhs`` (``(a, b - V)``), which must be 0."""
    index: dict[str, GoldNode] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.mode not in ("forward", "reverse"):
            raise ValueError(f"mode must be 'forward' or 'reverse', got {self.mode!r}")
        index = {node.name: node for node in self.nodes}
        if len(index) != len(self.nodes):
            raise ValueError("gold node names must be unique")
        if self.mode == "reverse" and self.equation is None:
            raise ValueError("a reverse-mode gold graph needs its final equation")
        object.__setattr__(self, "index", index)


def _node(data: Mapping[str, Any], reverse: bool) -> GoldNode:
    coef = data.get("coef")
    if reverse:
        if coef is None:
            raise ValueError(f"reverse-mode node {data.get('name')!r} has no coef")
        value: Lin = (int(coef[0]), int(coef[1]))
    else:
        value = (0, int(data["value"]))
    return _gold_node(
        str(data["name"]),
        tuple(str(p) for p in data.get("parents", ())),
        value,
        data.get("op") == "diff",
    )


def _build(mode: str, modulus: Any, answer: Any, graph: Sequence[Mapping[str, Any]]) -> Gold:
    if mode not in ("forward", "reverse"):
        raise ValueError(f"mode must be 'forward' or 'reverse', got {mode!r}")
    reverse = mode == "reverse"
    nodes = tuple(_node(n, reverse) for n in graph)
    if not nodes:
        raise ValueError("the gold graph is empty")
    equation: Lin | None = None
    if reverse:
        a, b = nodes[-1].value
        given = int(graph[-1]["value"])
        equation = (a, b - given)
    return Gold(
        mode=mode,  # type: ignore[arg-type]
        modulus=None if modulus is None else int(modulus),
        answer=int(answer),
        nodes=nodes,
        equation=equation,
    )


def gold_from_record(record: Mapping[str, Any]) -> Gold:
    """Gold of an edgegym record (``Problem.to_record()``); a study record is rebuilt instead."""
    if "graph" not in record:
        return gold_from_study_record(record)
    try:
        config = record.get("config") or {}
        return _build(record["mode"], config.get("modulus"), record["answer"], record["graph"])
    except (KeyError, TypeError, IndexError) as err:
        raise ValueError(f"not a valid problem record: {err!r}") from err


def gold_from_problem(problem: Problem) -> Gold:
    """Gold of a :class:`edgegym.tasks.Problem`."""
    reverse = problem.spec.mode == "reverse"
    nodes = []
    for node in problem.nodes:
        if reverse and node.coef is None:
            raise ValueError(f"reverse-mode node {node.name!r} has no coef")
        value: Lin = node.coef if reverse else (0, node.value)  # type: ignore[assignment]
        nodes.append(_gold_node(node.name, node.parents, value, node.op == "diff"))
    if not nodes:
        raise ValueError("the gold graph is empty")
    equation: Lin | None = None
    if reverse:
        a, b = nodes[-1].value
        equation = (a, b - problem.nodes[-1].value)
    return Gold(
        mode=problem.spec.mode,
        modulus=problem.spec.config.modulus,
        answer=problem.answer,
        nodes=tuple(nodes),
        equation=equation,
    )


def gold_from_study_record(record: Mapping[str, Any]) -> Gold:
    """Rebuild the gold graph of a record in the study's JSONL shape from its solution.

    Each ``Define`` step becomes a node: its parents are the names behind the letters
    of its expression (temporaries expanded), its value the expression's recomputed
    value. A difference keeps its parent order. The answer is the trace's final
    ``Answer: N.``; in reverse mode the final equation is the trace's ``We know G = V``.

    Raises:
        ValueError: the record is not in that shape or its solution does not parse.
    """
    try:
        mode = STUDY_MODES[str(record["mode"])]
        solution = str(record["solution"])
    except KeyError as err:
        raise ValueError(f"not a study record (needs mode and solution): {err!r}") from err
    parsed = parse_trace(solution, mode=mode)
    if parsed.answer is None:
        raise ValueError("study solution has no 'Answer: N.'")
    nodes: list[GoldNode] = []
    for step in parsed.steps:
        if step.value is None or step.error not in (None, "inconsistent"):
            raise ValueError(f"study solution step {step.name!r} does not parse: {step.error}")
        final = next((a for a in reversed(step.assignments) if a.target == step.letter), None)
        ordered = final is not None and "-" in final.segments[0]
        nodes.append(_gold_node(step.name, step.parents, step.value, ordered))
    equation: Lin | None = None
    if mode == "reverse":
        if parsed.solve is None or not parsed.solve.equations:
            raise ValueError("reverse-mode study solution has no closing equation")
        equation = parsed.solve.equations[0]
    return Gold(
        mode=mode, modulus=None, answer=parsed.answer, nodes=tuple(nodes), equation=equation
    )


def gold_of(problem: Problem | Mapping[str, Any]) -> Gold:
    """Gold of a Problem, an edgegym record, or a study record."""
    if type(problem) is dict or isinstance(problem, Mapping):
        return gold_from_record(problem)
    return gold_from_problem(problem)
