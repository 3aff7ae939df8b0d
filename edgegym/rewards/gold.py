"""The gold graph a response is checked against, from a Problem, its record, or the study's data.

For edgegym problems the gold graph is the generator's own DAG (``Problem.nodes`` or
the record's ``graph``): an oracle independent of the gold trace text. For a record
in the study's released JSONL shape (``problem, question, solution, op, template,
mode`` with ``mode`` in ``normalforward | forwardreverse``) there is no graph, so it
is rebuilt from the gold solution with the same parser that reads responses.
"""

from __future__ import annotations

import abc
import operator
from collections.abc import Mapping, Sequence
from dataclasses import FrozenInstanceError
from typing import TYPE_CHECKING, Any, NamedTuple, TypeGuard, cast

from edgegym.rewards.arith import Lin, Rat
from edgegym.rewards.parse import Mode, parse_trace

if TYPE_CHECKING:
    from edgegym.rewards.fastscore import SolveTemplate
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
    op: str = ""
    """The generator's operation (``const``, ``times``, ...), or '' if unknown (study data)."""
    k: int | None = None
    """The constant of ``const``, ``times`` and ``plus``."""


_new = tuple.__new__  # NamedTuple construction without its Python-level __new__


def _gold_node(
    name: str,
    parents: tuple[str, ...],
    value: Lin,
    ordered: bool,
    op: str = "",
    k: int | None = None,
) -> GoldNode:
    return _new(GoldNode, (name, parents, value, ordered, frozenset(parents), op, k))  # type: ignore[no-any-return]


_UNSET: Any = object()
_NAME = operator.attrgetter("name")
_VALUE = operator.attrgetter("value")


class Gold:
    """Everything needed to score responses to one problem; build once, reuse. Immutable.

    ``Gold(mode=..., modulus=..., answer=..., nodes=..., equation=...)``; equality and
    hashing compare those five fields. A gold graph made by :func:`gold_from_problem`
    keeps the problem's own nodes and makes ``nodes`` and ``index`` on first use: the
    fast path (:mod:`edgegym.rewards.fastscore`) reads the problem's nodes directly.

    Attributes:
        mode: ``forward`` or ``reverse``.
        modulus: the arithmetic modulus, or None.
        answer: the gold answer.
        nodes: the necessary DAG in trace order (:class:`GoldNode`).
        equation: reverse mode's final equation as ``lhs - rhs`` (``(a, b - V)``), which
            must be 0; None in forward mode.
        index: name -> node.
    """

    __slots__ = (
        "_fast",
        "_index",
        "_nodes",
        "_solve",
        "answer",
        "equation",
        "mode",
        "modulus",
    )

    mode: Mode
    modulus: int | None
    answer: Rat
    equation: Lin | None
    _nodes: tuple[GoldNode, ...]
    _index: dict[str, GoldNode]
    _fast: tuple[tuple[Any, ...], tuple[Any, ...], dict[str, int], bool]
    _solve: SolveTemplate | None

    def __init__(
        self,
        *,
        mode: Mode,
        modulus: int | None,
        answer: Rat,
        nodes: Sequence[GoldNode],
        equation: Lin | None = None,
    ) -> None:
        if mode not in ("forward", "reverse"):
            raise ValueError(f"mode must be 'forward' or 'reverse', got {mode!r}")
        nodes = tuple(nodes)
        index = {node.name: node for node in nodes}
        if len(index) != len(nodes):
            raise ValueError("gold node names must be unique")
        if mode == "reverse" and equation is None:
            raise ValueError("a reverse-mode gold graph needs its final equation")
        values: tuple[Any, ...]
        if mode == "reverse":
            values = tuple([node.value for node in nodes])
        else:
            values = tuple([b if not a else _UNSET for a, b in (n.value for n in nodes)])
        positions = {node.name: i for i, node in enumerate(nodes)}
        setattr_ = object.__setattr__
        setattr_(self, "mode", mode)
        setattr_(self, "modulus", modulus)
        setattr_(self, "answer", answer)
        setattr_(self, "equation", equation)
        setattr_(self, "_nodes", nodes)
        setattr_(self, "_index", index)
        setattr_(self, "_fast", (nodes, values, positions, fastscore.names_ok(positions)))
        setattr_(self, "_solve", _UNSET)

    @classmethod
    def _of_nodes(
        cls,
        mode: Mode,
        modulus: int | None,
        answer: Rat,
        equation: Lin | None,
        source: tuple[Any, ...],
        values: tuple[Any, ...],
        positions: dict[str, int],
        names_ok: bool,
    ) -> Gold:
        """A gold graph over a problem's own nodes (``edgegym.tasks.Node``), checked
        by the caller; ``nodes`` and ``index`` are made on first use."""
        gold = object.__new__(cls)
        setattr_ = object.__setattr__
        setattr_(gold, "mode", mode)
        setattr_(gold, "modulus", modulus)
        setattr_(gold, "answer", answer)
        setattr_(gold, "equation", equation)
        setattr_(gold, "_fast", (source, values, positions, names_ok))
        setattr_(gold, "_solve", _UNSET)
        return gold

    @property
    def nodes(self) -> tuple[GoldNode, ...]:
        try:
            return self._nodes
        except AttributeError:
            nodes = _gold_nodes(self._fast[0], self.mode == "reverse")
            object.__setattr__(self, "_nodes", nodes)
            return nodes

    @property
    def index(self) -> dict[str, GoldNode]:
        try:
            return self._index
        except AttributeError:
            index = {node.name: node for node in self.nodes}
            object.__setattr__(self, "_index", index)
            return index

    def fast_data(self) -> tuple[tuple[Any, ...], tuple[Any, ...], dict[str, int], bool]:
        """For the fast path: the nodes (anything with ``name, op, k, parents``), their
        values (forward: the int ``b`` of ``(0, b)``, or a value no int equals; reverse:
        the pair), each name's position and :attr:`names_ok`. (``fastscore`` reads the
        ``_fast`` slot itself: every constructor sets it, and a call costs more.)"""
        return self._fast

    @property
    def names_ok(self) -> bool:
        """No name has ``;`` or ``Define`` or is blank (the fast path may then guess steps)."""
        return self.fast_data()[3]

    @property
    def solve_template(self) -> SolveTemplate | None:
        """Reverse mode's canonical solving part (for the fast path), made once."""
        template = self._solve
        if template is _UNSET:
            template = fastscore.solve_template(self)
            object.__setattr__(self, "_solve", template)
        return template

    def _key(self) -> tuple[Any, ...]:
        return (self.mode, self.modulus, self.answer, self.nodes, self.equation)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() == other._key()  # type: ignore[attr-defined, no-any-return]

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"Gold(mode={self.mode!r}, modulus={self.modulus!r}, answer={self.answer!r}, "
            f"nodes={self.nodes!r}, equation={self.equation!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.mode, self.modulus, self.answer, self.nodes, self.equation))

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")


def _rebuild(
    mode: Mode, modulus: int | None, answer: Rat, nodes: tuple[GoldNode, ...], equation: Lin | None
) -> Gold:
    return Gold(mode=mode, modulus=modulus, answer=answer, nodes=nodes, equation=equation)


def _gold_nodes(source: Any, reverse: bool) -> tuple[GoldNode, ...]:
    """GoldNodes of a problem's nodes (``edgegym.tasks.Node``)."""
    new = _new
    return tuple(
        [
            new(
                GoldNode,
                (
                    n.name,
                    n.parents,
                    n.coef if reverse else (0, n.value),
                    n.op == "diff",
                    frozenset(n.parents),
                    n.op,
                    n.k,
                ),
            )
            for n in source
        ]
    )


def _build(mode: str, modulus: Any, answer: Any, graph: Sequence[Mapping[str, Any]]) -> Gold:
    if mode not in ("forward", "reverse"):
        raise ValueError(f"mode must be 'forward' or 'reverse', got {mode!r}")
    reverse = mode == "reverse"
    new = _new
    built = []
    for data in graph:  # _node, inline (the same conversions, errors and order)
        coef = data.get("coef")
        if reverse:
            if coef is None:
                raise ValueError(f"reverse-mode node {data.get('name')!r} has no coef")
            value: Lin = (int(coef[0]), int(coef[1]))
        else:
            value = (0, int(data["value"]))
        op = data.get("op")
        k = data.get("k")
        name = str(data["name"])
        parents = tuple(map(str, data.get("parents", ())))
        built.append(
            new(
                GoldNode,
                (
                    name,
                    parents,
                    value,
                    op == "diff",
                    frozenset(parents),
                    op if isinstance(op, str) else "",
                    None if k is None else int(k),
                ),
            )
        )
    nodes: tuple[GoldNode, ...] = tuple(built)
    if not nodes:
        raise ValueError("the gold graph is empty")
    equation: Lin | None = None
    if reverse:
        a, b = nodes[-1].value
        given = int(graph[-1]["value"])
        equation = (a, b - given)
    values: tuple[Any, ...]
    if reverse:
        values = tuple(map(_VALUE, nodes))
    else:
        values = tuple([v if not a else _UNSET for a, v in map(_VALUE, nodes)])
    positions = dict(zip(map(_NAME, nodes), range(len(nodes)), strict=True))
    if len(positions) != len(nodes):
        raise ValueError("gold node names must be unique")
    gold = Gold._of_nodes(
        mode,  # type: ignore[arg-type]
        None if modulus is None else int(modulus),
        int(answer),
        equation,
        nodes,
        values,
        positions,
        fastscore.names_ok(positions),
    )
    object.__setattr__(gold, "_nodes", nodes)  # they are GoldNodes already
    return gold


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
    """Gold of a :class:`edgegym.tasks.Problem` (its nodes are read, not copied)."""
    spec = problem.spec
    source = problem.nodes
    if source.__class__ is not tuple:  # the fast path reads a tuple
        source = tuple(source)
    reverse = spec.mode == "reverse"
    values, positions, names_ok = fastscore.problem_data(source, reverse)
    if reverse and None in values:
        name = next(node.name for node in source if node.coef is None)
        raise ValueError(f"reverse-mode node {name!r} has no coef")
    if not source:
        raise ValueError("the gold graph is empty")
    if len(positions) != len(source):
        raise ValueError("gold node names must be unique")
    equation: Lin | None = None
    if reverse:
        a, b = values[-1]
        equation = (a, b - source[-1].value)
    return Gold._of_nodes(
        spec.mode,
        spec.config.modulus,
        problem.answer,
        equation,
        source,
        values,
        positions,
        names_ok,
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


_MAPPING_CLASSES: dict[type, bool] = {}
_MAPPING_TOKEN: list[object] = [abc.get_cache_token()]


def is_record(problem: object) -> TypeGuard[Mapping[str, Any]]:
    """``isinstance(problem, Mapping)``, remembered per class (ABC registrations reset it)."""
    cls = problem.__class__
    if cls is dict:
        return True
    token = abc.get_cache_token()
    if token is not _MAPPING_TOKEN[0]:
        _MAPPING_CLASSES.clear()
        _MAPPING_TOKEN[0] = token
    known = _MAPPING_CLASSES.get(cls)
    if known is None:
        known = _MAPPING_CLASSES[cls] = isinstance(problem, Mapping)
    return known


def gold_of(problem: Problem | Mapping[str, Any]) -> Gold:
    """Gold of a Problem, an edgegym record, or a study record."""
    if is_record(problem):
        return gold_from_record(problem)
    return gold_from_problem(cast("Problem", problem))


# At the end: fastscore imports process, which imports this module's Gold and GoldNode.
from edgegym.rewards import fastscore  # noqa: E402
