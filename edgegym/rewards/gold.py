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
from typing import TYPE_CHECKING, Any

from edgegym.rewards.arith import Lin, Rat
from edgegym.rewards.parse import Mode, parse_trace
from edgegym.rewards.steps import GoldNode
from edgegym.tasks.node import ORDERED_OPS
from edgegym.tasks.trace import TRACE_ANSWER

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


def gold_node(
    name: str,
    parents: tuple[str, ...],
    value: Lin,
    ordered: bool,
    op: str = "",
    k: int | None = None,
) -> GoldNode:
    """A :class:`GoldNode` (its ``parent_set`` made from ``parents``)."""
    return GoldNode(name, parents, value, ordered, frozenset(parents), op, k)


@dataclass(frozen=True, slots=True)
class Gold:
    """Everything needed to score responses to one problem; build once, reuse. Immutable.

    Attributes:
        mode: ``forward`` or ``reverse``.
        modulus: the arithmetic modulus, or None.
        answer: the gold answer.
        nodes: the necessary DAG in trace order (:class:`GoldNode`).
        equation: reverse mode's final equation as ``lhs - rhs`` (``(a, b - V)``), which
            must be 0; None in forward mode.
        index: name -> node (derived from ``nodes``; not compared).
    """

    mode: Mode
    modulus: int | None
    answer: Rat
    nodes: tuple[GoldNode, ...]
    equation: Lin | None = None
    index: dict[str, GoldNode] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.mode not in ("forward", "reverse"):
            raise ValueError(f"mode must be 'forward' or 'reverse', got {self.mode!r}")
        nodes = tuple(self.nodes)
        if not nodes:
            raise ValueError("the gold graph is empty")
        index = {node.name: node for node in nodes}
        if len(index) != len(nodes):
            raise ValueError("gold node names must be unique")
        if self.mode == "reverse" and self.equation is None:
            raise ValueError("a reverse-mode gold graph needs its final equation")
        object.__setattr__(self, "nodes", nodes)
        object.__setattr__(self, "index", index)


def _from_nodes(
    problem_mode: str, modulus: int | None, answer: Rat, nodes: Sequence[GoldNode], given: int
) -> Gold:
    """A gold graph over nodes in trace order; ``given`` is the last node's stated value
    (reverse mode's final equation is ``a*x + b = given``)."""
    if problem_mode not in ("forward", "reverse"):
        raise ValueError(f"mode must be 'forward' or 'reverse', got {problem_mode!r}")
    equation: Lin | None = None
    if problem_mode == "reverse" and nodes:
        a, b = nodes[-1].value
        equation = (a, b - given)
    return Gold(
        mode="forward" if problem_mode == "forward" else "reverse",
        modulus=modulus,
        answer=answer,
        nodes=tuple(nodes),
        equation=equation,
    )


def _value(name: str, value: Any, coef: Any, reverse: bool) -> Lin:
    if not reverse:
        return (0, int(value))
    if coef is None:
        raise ValueError(f"reverse-mode node {name!r} has no coef")
    return (int(coef[0]), int(coef[1]))


def gold_from_record(record: Mapping[str, Any]) -> Gold:
    """Gold of an edgegym record (``Problem.to_record()``); a study record is rebuilt instead."""
    if "graph" not in record:
        return gold_from_study_record(record)
    try:
        mode, graph = record["mode"], record["graph"]
        modulus = (record.get("config") or {}).get("modulus")
        nodes = []
        for data in graph:
            name = str(data["name"])
            value = _value(
                name,
                data.get("value") if mode == "reverse" else data["value"],
                data.get("coef"),
                mode == "reverse",
            )
            op, k = data.get("op"), data.get("k")
            nodes.append(
                gold_node(
                    name,
                    tuple(map(str, data.get("parents", ()))),
                    value,
                    op in ORDERED_OPS,
                    op if isinstance(op, str) else "",
                    None if k is None else int(k),
                )
            )
        given = int(graph[-1]["value"]) if mode == "reverse" and graph else 0
        answer = int(record["answer"])
    except (KeyError, TypeError, IndexError) as err:
        raise ValueError(f"not a valid problem record: {err!r}") from err
    return _from_nodes(mode, None if modulus is None else int(modulus), answer, nodes, given)


def gold_from_problem(problem: Problem) -> Gold:
    """Gold of a :class:`edgegym.tasks.Problem`: its generator's own DAG."""
    spec = problem.spec
    reverse = spec.mode == "reverse"
    nodes = [
        GoldNode(
            n.name,
            n.parents,
            _value(n.name, n.value, n.coef, True) if reverse else (0, n.value),
            n.op in ORDERED_OPS,
            frozenset(n.parents),
            n.op,
            n.k,
        )
        for n in problem.nodes
    ]
    given = problem.nodes[-1].value if reverse and problem.nodes else 0
    return _from_nodes(spec.mode, spec.config.modulus, problem.answer, nodes, given)


def gold_from_study_record(record: Mapping[str, Any]) -> Gold:
    """Rebuild the gold graph of a record in the study's JSONL shape from its solution.

    Each ``Define`` step becomes a node: its parents are the names behind the letters
    of its expression (temporaries expanded), its value the expression's recomputed
    value. A difference keeps its parent order (also inside a compound relation). The
    answer is the trace's final ``Answer: N.``; in reverse mode the final equation is the
    trace's ``We know G = V``.

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
        raise ValueError(f"study solution has no '{TRACE_ANSWER} N.'")
    nodes: list[GoldNode] = []
    for step in parsed.steps:
        if step.value is None or step.error not in (None, "inconsistent"):
            raise ValueError(f"study solution step {step.name!r} does not parse: {step.error}")
        # A difference keeps its order: alone, or inside a compound relation's temporary.
        ordered = any("-" in a.segments[0] for a in step.assignments)
        nodes.append(gold_node(step.name, step.parents, step.value, ordered))
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
    if isinstance(problem, Mapping):
        return gold_from_record(problem)
    return gold_from_problem(problem)
