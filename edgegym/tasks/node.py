"""One quantity of a problem's graph: :class:`Node`, an immutable record, and the
graph hash over nodes (:func:`graph_hasher`; :func:`edgegym.tasks.record.graph_hash`).

A class of its own module so that the compiled build makes it a native class: the
generator builds some 30 nodes per problem, and a native instance costs a few tens of
nanoseconds where a frozen dataclass's ``__init__`` costs about two microseconds.
The fields are read-only properties (in the pure-Python build too); equality, hash,
repr and pickling are those a frozen dataclass would have.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any, ClassVar, Literal

from edgegym.tasks.trace import num

__all__ = ["COMPOUND_OPS", "EDGES", "ORDERED_OPS", "Node", "NodeOp", "graph_hasher"]

NodeOp = Literal[
    "const",
    "unknown",
    "copy",
    "sum",
    "diff",
    "times",
    "plus",
    "total",
    "times_diff",
    "times_sum",
    "plus_diff",
    "plus_sum",
    "product",
]
COMPOUND_OPS = frozenset({"times_diff", "times_sum", "plus_diff", "plus_sum"})
"""Compound relations: a constant times (or plus) a difference or a sum of quantities."""
ORDERED_OPS = frozenset({"diff", "times_diff", "plus_diff"})
"""The operations whose parent order matters (a difference, alone or in a compound)."""


def _edges_of(op: str, parents: tuple[str, ...]) -> int:
    """Edges a node contributes to ``op``: the study's count, constant edges included."""
    if op == "const" or op == "unknown":
        return 1
    if op == "times" or op == "plus":
        return 2  # the parent and the constant
    if op in COMPOUND_OPS:
        return len(parents) + 1  # a compound relation: its parents and its constant
    return len(parents)  # copy: 1; sum, total, diff: one per parent


EDGES = _edges_of


class Node:
    """One quantity of the necessary DAG (or a distractor).

    ``value`` is its true value. In reverse mode ``coef = (a, b)`` says the value is
    the linear form ``a*x + b`` of the unknown x (``(1, 0)`` for x itself, ``(0, v)``
    for a quantity that does not depend on x); in forward mode ``coef`` is ``None``.
    """

    __slots__ = ("_coef", "_k", "_name", "_op", "_parents", "_value")

    FIELDS: ClassVar[tuple[str, ...]] = ("name", "op", "parents", "k", "value", "coef")
    """The fields, in order (``Node(**{f: getattr(node, f) for f in Node.FIELDS})`` copies)."""

    def __init__(
        self,
        name: str,
        op: NodeOp,
        parents: tuple[str, ...] = (),
        k: int | None = None,
        value: int = 0,
        coef: tuple[int, int] | None = None,
    ) -> None:
        self._name = name
        self._op: NodeOp = op
        self._parents = parents
        self._k = k
        self._value = value
        self._coef = coef

    @property
    def name(self) -> str:
        return self._name

    @property
    def op(self) -> NodeOp:
        return self._op

    @property
    def parents(self) -> tuple[str, ...]:
        return self._parents

    @property
    def k(self) -> int | None:
        return self._k

    @property
    def value(self) -> int:
        return self._value

    @property
    def coef(self) -> tuple[int, int] | None:
        return self._coef

    @property
    def edges(self) -> int:
        return _edges_of(self._op, self._parents)

    @property
    def hash_entry(self) -> str:
        """The node's entry in the graph hash (:func:`edgegym.tasks.record.graph_hash`):
        its fields joined by ASCII separators, which no quantity name may contain."""
        parents = "\x1d".join(self._parents)
        k = "None" if self._k is None else num(self._k)
        coef = self._coef
        c = "None" if coef is None else f"({num(coef[0])}, {num(coef[1])})"  # str(coef)
        return f"\x1e{self._name}\x1f{self._op}\x1f{parents}\x1f{k}\x1f{num(self._value)}\x1f{c}"

    def _key(self) -> tuple[Any, ...]:
        return (self._name, self._op, self._parents, self._k, self._value, self._coef)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Node):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"Node(name={self._name!r}, op={self._op!r}, parents={self._parents!r}, "
            f"k={self._k!r}, value={self._value!r}, coef={self._coef!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (Node, self._key())

    def replace(self, **changes: Any) -> Node:
        """A copy with some fields changed, as ``dataclasses.replace`` would make it."""
        fields = dict(zip(Node.FIELDS, self._key(), strict=True))
        fields.update(changes)
        return Node(**fields)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self._name,
            "op": self._op,
            "parents": list(self._parents),
            "k": self._k,
            "value": self._value,
        }
        if self._coef is not None:
            data["coef"] = list(self._coef)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Node:
        coef = data.get("coef")
        k = data.get("k")
        return cls(
            name=str(data["name"]),
            op=data["op"],
            parents=tuple([str(p) for p in data.get("parents", ())]),
            k=None if k is None else int(k),
            value=int(data["value"]),
            coef=None if coef is None else (int(coef[0]), int(coef[1])),
        )


def graph_hasher(
    family: str,
    context: str,
    mode: str,
    nodes: Iterable[Node],
    start: hashlib.blake2b | None = None,
) -> hashlib.blake2b:
    """The graph hash's state after ``nodes``: from its start (family, context, mode),
    or from a copy of ``start``, the state after the nodes before these.

    The generator hashes a shared prefix once and tries several names for the nodes
    after it; :func:`graph_hash` hashes all nodes at once. Each node adds its
    :attr:`Node.hash_entry`.
    """
    if start is None:
        h = hashlib.blake2b(f"{family}\x1e{context}\x1e{mode}".encode(), digest_size=10)
    else:
        h = start.copy()
    h.update("".join([n.hash_entry for n in nodes]).encode())
    return h
