"""The Problem record: one generated problem, its gold graph and trace, and its provenance.

The JSON record (one object per line in a JSONL file) keeps the study's field names
where they overlap (``problem``, ``question``, ``solution``, ``op``, ``mode``) so that
its released data reads the same way. Keys are serialized sorted; the ``id`` is a
content hash of the text and gold graph, so a record can be rebuilt and checked.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from edgegym.tasks.node import EDGES, Node, NodeOp, graph_hasher
from edgegym.tasks.spec import TaskSpec
from edgegym.tasks.trace import (
    QUESTION_CLOSE,
    QUESTION_OPEN,
    SOLUTION_OPEN,
    response_end,
    trace_body,
)

__all__ = [
    "EDGES",
    "RECORD_VERSION",
    "Node",
    "NodeOp",
    "Problem",
    "format_prompt",
    "graph_hash",
    "graph_hasher",
]

RECORD_VERSION = 2
"""Bumped whenever the bytes generated for a fixed spec change."""


def format_prompt(problem: str, question: str) -> str:
    """The RL / eval prompt: the model text format up to and including ``<solution>``."""
    return f"{QUESTION_OPEN} {problem} {question} {QUESTION_CLOSE} {SOLUTION_OPEN}"


@dataclass(frozen=True)
class Problem:
    """A generated problem with its gold solution and provenance.

    Attributes:
        spec: the spec it was generated from.
        problem: the statements (sentences), shuffled unless the config says not.
        question: the question sentence.
        solution: the gold trace in the study's grammar, ending ``Answer: N.``
        answer: the gold answer (forward: the queried value; reverse: x).
        nodes: the necessary DAG in trace (topological) order. In forward mode the last
            node is queried; in reverse mode the last node's value is given and the
            ``unknown`` node is queried.
        distractors: quantities stated in the text but not needed.
        letters: the trace letter of each node name (temporaries are not listed).
        depth: the structure graph depth used (2 or 3).
        attempt: how many draws were rejected before this one (provenance).
    """

    spec: TaskSpec
    problem: str
    question: str
    solution: str
    answer: int
    nodes: tuple[Node, ...]
    distractors: tuple[Node, ...] = ()
    letters: dict[str, str] = field(default_factory=dict)
    depth: int = 2
    attempt: int = 0

    @property
    def op(self) -> int:
        return sum(node.edges for node in self.nodes)

    @property
    def query(self) -> str:
        """Name of the quantity the question asks for."""
        if self.spec.mode == "reverse":
            return next(n.name for n in self.nodes if n.op == "unknown")
        return self.nodes[-1].name

    @property
    def prompt(self) -> str:
        return format_prompt(self.problem, self.question)

    @property
    def completion(self) -> str:
        """The gold response: everything the model writes after ``<solution>``."""
        return f" {trace_body(self.solution)} {response_end(self.answer)}"

    @property
    def text(self) -> str:
        """The full model text (pre-training / SFT), without EOS."""
        return self.prompt + self.completion

    @functools.cached_property
    def graph_hash(self) -> str:
        """Hash of the necessary DAG (names, ops, parents, constants, values), mode and context.

        Independent of letters, sentence order, distractors, split and seed: two problems
        with the same hash pose the same computation, which is what a leakage guard needs.
        """
        return graph_hash(self.spec.family, self.spec.context, self.spec.mode, self.nodes)

    @functools.cached_property
    def id(self) -> str:
        """Content hash of the spec, text, trace, answer and gold graph."""
        # Fields joined by a record separator: no text field can contain it (prompts are
        # built from context words and numbers), so the join is unambiguous.
        payload = "\x1e".join(
            (
                self.spec.key,
                self.problem,
                self.question,
                self.solution,
                str(self.answer),
                self.graph_hash,
            )
        )
        return hashlib.blake2b(payload.encode(), digest_size=10).hexdigest()

    def to_record(self) -> dict[str, Any]:
        """The JSON record (see module docstring); ``Problem.from_record`` inverts it."""
        spec = self.spec
        return {
            "id": self.id,
            "version": RECORD_VERSION,
            "family": spec.family,
            "context": spec.context,
            "mode": spec.mode,
            "op": self.op,
            "split": spec.split,
            "seed": spec.seed,
            "index": spec.index,
            "config": spec.config.to_dict(),
            "depth": self.depth,
            "attempt": self.attempt,
            "problem": self.problem,
            "question": self.question,
            "solution": self.solution,
            "answer": self.answer,
            "query": self.query,
            "graph": [node.to_dict() for node in self.nodes],
            "distractors": [node.to_dict() for node in self.distractors],
            "letters": dict(sorted(self.letters.items())),
            "graph_hash": self.graph_hash,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_record(), sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Problem:
        """Rebuild a Problem from its record; raises ``ValueError`` if the id does not match."""
        try:
            spec = TaskSpec.from_dict(
                {
                    "family": record["family"],
                    "context": record["context"],
                    "mode": record["mode"],
                    "op": record["op"],
                    "split": record["split"],
                    "seed": record["seed"],
                    "index": record["index"],
                    "config": record.get("config", {}),
                }
            )
            problem = cls(
                spec=spec,
                problem=record["problem"],
                question=record["question"],
                solution=record["solution"],
                answer=int(record["answer"]),
                nodes=tuple(Node.from_dict(n) for n in record["graph"]),
                distractors=tuple(Node.from_dict(n) for n in record.get("distractors", ())),
                letters=dict(record.get("letters", {})),
                depth=int(record.get("depth", 2)),
                attempt=int(record.get("attempt", 0)),
            )
        except (KeyError, TypeError, IndexError, OverflowError, AttributeError) as err:
            raise ValueError(f"not a valid edgegym problem record: {err!r}") from err
        if "id" in record and record["id"] != problem.id:
            raise ValueError(f"record id {record['id']!r} does not match its content")
        return problem


def graph_hash(family: str, context: str, mode: str, nodes: Sequence[Node]) -> str:
    """Hash of a necessary DAG; see :attr:`Problem.graph_hash`."""
    return graph_hasher(family, context, mode, nodes).hexdigest()
