"""Process reward: is every gold step present, computed from the right parents, and right?

A gold node ``v`` is **right** iff

1. exactly one step defines its quantity name (matched by name, never by letter);
2. that step parses and is internally consistent: every clause's segments have one
   value, and the stated value is what its own expression gives over the values
   already established (temporaries included, exact rationals, linear forms in x
   in reverse mode, residues modulo ``modulus`` when set);
3. its stated parents, the quantity names behind the letters of its expression with
   temporaries expanded, equal the gold parents (as a set; for a difference, as a
   sequence); every letter it uses was defined earlier;
4. its recomputed value equals the gold value (``a*x + b`` compared as the exact pair
   ``(a, b)`` in reverse mode).

**Penalties** (each counts 1):

- a step whose name is not a gold node (extra), a second or later definition of a
  name (duplicate; the node is then wrong too), a step that does not parse;
- a step that uses a letter not defined before it (use before definition);
- a region of text that is neither a step nor the allowed preamble / solving part;
- reverse mode only: a missing or wrong solving part. Every equation it states
  (``We know G = V``, ``4*x + 48 = 128``, ..., ``x = 80 / 4``, ``Solution: x = 20``)
  must be equivalent to the gold equation ``a*x + b = V`` (same unique solution,
  i.e. a nonzero multiple of ``a*x + b - V``), and it must end ``Solution: x = N``
  with N the gold answer.

The reward is::

    process = right / (|V| + penalties)          in [0, 1]

so corrupting m distinct gold nodes gives ``process <= 1 - m/|V|``, and adding,
repeating or padding steps can only lower it. ``process == 1`` iff every gold node
is right and there is no penalty. ``first_error`` is the index (into the parsed
steps) of the first step that is not a right gold node, ``len(steps)`` if every
step is right but something else is wrong (missing steps, junk, the solving
part), and None if ``process == 1``.
"""

from __future__ import annotations

from dataclasses import dataclass

from edgegym.rewards.arith import Lin
from edgegym.rewards.gold import Gold, GoldNode
from edgegym.rewards.parse import ParsedResponse, Solve, Step

__all__ = ["ProcessResult", "check_process", "equivalent"]


@dataclass(frozen=True, slots=True)
class ProcessResult:
    """The process check of one response."""

    process: float
    """``right / (total + penalties)`` in [0, 1]."""
    right: int
    """Gold nodes right."""
    total: int
    """Gold nodes, ``|V|``."""
    penalties: int
    first_error: int | None
    verdicts: tuple[str, ...]
    """One per parsed step: ``ok`` or why not (``extra``, ``wrong_value``, ...)."""
    flags: frozenset[str]


def equivalent(equation: Lin, gold: Lin) -> bool:
    """True iff ``equation == 0`` has the same unique solution as ``gold == 0`` (gold[0] != 0)."""
    p, q = equation
    a, c = gold
    return bool(p) and bool(a) and p * c == q * a


def _solve_ok(solve: Solve | None, gold: Gold) -> str | None:
    """None if the solving part is right, else the flag naming what is wrong."""
    if solve is None:
        return "solve_missing"
    if solve.error is not None or solve.solution != gold.answer or gold.equation is None:
        return "solve_wrong"
    if not all(equivalent(eq, gold.equation) for eq in solve.equations):
        return "solve_wrong"
    return None


def _verdict(parents: tuple[str, ...], value: Lin | None, node: GoldNode) -> str:
    if parents != node.parents and (
        node.ordered or len(parents) != len(node.parents) or frozenset(parents) != node.parent_set
    ):
        return "wrong_parents"
    if value != node.value:
        return "wrong_value"
    return "ok"


def _judge(
    step: Step, index: dict[str, GoldNode], seen: set[str], right: set[str]
) -> tuple[str, int]:
    """One step's verdict and the penalties it costs; ``seen`` and ``right`` are updated."""
    name, error = step.name, step.error
    penalty = 1 if error == "undefined_letter" else 0
    if error == "malformed":
        return "malformed", penalty + 1
    if name in seen:
        right.discard(name)
        return "duplicate", penalty + 1
    seen.add(name)
    node = index.get(name)
    if node is None:
        return "extra", penalty + 1
    if error is not None:
        return error, penalty
    verdict = _verdict(step.parents, step.value, node)
    if verdict == "ok":
        right.add(name)
    return verdict, penalty


def check_process(parsed: ParsedResponse, gold: Gold) -> ProcessResult:
    """Check a parsed response against a gold graph (see the module docstring)."""
    verdicts: list[str] = []
    right: set[str] = set()
    seen: set[str] = set()
    flags: set[str] = set()
    penalties = parsed.junk
    first_error: int | None = None
    for i, step in enumerate(parsed.steps):
        verdict, penalty = _judge(step, gold.index, seen, right)
        penalties += penalty
        verdicts.append(verdict)
        if verdict != "ok":
            flags.add("step_" + verdict if verdict in ("extra", "duplicate") else verdict)
            if first_error is None:
                first_error = i
    total = len(gold.nodes)
    if len(seen & gold.index.keys()) < total:
        flags.add("missing_step")
    if gold.mode == "reverse":
        solve_flag = _solve_ok(parsed.solve, gold)
        if solve_flag is not None:
            penalties += 1
            flags.add(solve_flag)
    if "undefined_letter" in flags:
        flags.add("use_before_definition")
    n_right = len(right)
    process = n_right / (total + penalties)
    if first_error is None and process < 1.0:
        first_error = len(parsed.steps)
    return ProcessResult(
        process, n_right, total, penalties, first_error, tuple(verdicts), frozenset(flags)
    )
