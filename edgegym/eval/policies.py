"""Reference policies: response generators with known pass rates, to check the metrics.

Each policy writes responses (the text after ``<solution>``) for a problem record:

- :class:`Oracle`: the gold completion. Scores 1 everywhere, answer-only and verified.
- :class:`RandomGuesser`: a one-step junk trace and an answer drawn uniformly from
  ``M`` candidate values that include the gold answer, so its answer-only pass@k is
  exactly ``1 - (1 - 1/M)^k`` in expectation while its verified pass@k is 0.
- :class:`CorruptedOracle`: the gold completion with one step dropped or its value
  altered; the final answer is kept, so it is answer-correct but never verified.
- :class:`Mixture`: each sample drawn from one of the above (a crude model stand-in).

Sampling is deterministic: problem ``id``'s stream is
``SeedSequence([seed, stable_int(policy name), stable_int(id)])``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from edgegym.tasks import Problem, stable_int
from edgegym.tasks.trace import SOLUTION_CLOSE, STEP_HEAD, response_end

__all__ = [
    "CorruptedOracle",
    "Mixture",
    "Oracle",
    "Policy",
    "RandomGuesser",
    "as_generation_rows",
    "reference_policies",
    "sample_policy",
]

Record = dict[str, Any]

_STEP = re.compile(f"{re.escape(STEP_HEAD)}.*?(?= {re.escape(STEP_HEAD)}|$)")
# The step's own assignment: "; so L = <expr> = ... = <value>." (values hold no ".").
_SO = re.compile(r"; so [A-Za-z] = [^.]*\.")
_LAST_INT = re.compile(r"\d+(?!.*\d)")


class Policy(Protocol):
    """Writes ``n`` responses to a problem record from ``rng``."""

    @property
    def name(self) -> str:
        """Identifies the policy (and seeds its streams)."""
        ...

    def sample(self, record: Record, n: int, rng: np.random.Generator) -> list[str]: ...


def _completion(record: Record) -> str:
    return Problem.from_record(record).completion


def _finish(body: str, answer: int | str) -> str:
    return f" {body} {response_end(answer)}"


@dataclass(frozen=True)
class Oracle:
    """The gold completion, ``n`` times."""

    name: str = "oracle"

    def sample(self, record: Record, n: int, rng: np.random.Generator) -> list[str]:
        return [_completion(record)] * n


@dataclass(frozen=True)
class RandomGuesser:
    """A uniform guess among ``m`` candidates containing the answer, after a junk step.

    The candidates are ``base, base+1, ..., base+m-1`` with ``base = max(0, answer - r)``
    and ``r`` uniform in ``[0, m)`` (one draw per problem), so the gold answer is among
    them and each guess hits it with probability exactly ``1/m``. The trace claims the
    queried quantity equals the guess in one step, which no gold graph of op >= 2 is.
    """

    m: int = 23
    name: str = "guesser"

    def __post_init__(self) -> None:
        if self.m < 1:
            raise ValueError(f"m must be >= 1, got {self.m}")

    def sample(self, record: Record, n: int, rng: np.random.Generator) -> list[str]:
        answer = int(record["answer"])
        base = max(0, answer - int(rng.integers(0, self.m)))
        guesses = base + rng.integers(0, self.m, size=n)
        query = record.get("query", "the answer")
        letters = "ABCDEFGHIJKLMNOPQRSTUVWYZ"
        out = []
        for guess, pick in zip(
            guesses.tolist(), rng.integers(0, len(letters), size=n), strict=True
        ):
            letter = letters[int(pick)]
            out.append(_finish(f"{STEP_HEAD}{query} as {letter}; so {letter} = {guess}.", guess))
        return out


def _alter(step: str, delta: int, modulus: int | None) -> str | None:
    """``step`` with its stated value changed by ``delta``, or None if it states none."""
    match = _SO.search(step)
    if match is None:
        return None
    segment = match.group(0)
    head, value = segment[:-1].rsplit(" = ", 1)
    number = _LAST_INT.search(value)
    if number is None:  # "x" or "-x": add a constant term
        new_value = f"{value} + {abs(delta)}"
    else:
        old = int(number.group(0))
        new = (old + delta) % modulus if modulus else abs(old + delta)
        if new == old:
            new = (old + 1) % modulus if modulus else old + 1
        new_value = value[: number.start()] + str(new) + value[number.end() :]
    return step[: match.start()] + f"{head} = {new_value}." + step[match.end() :]


@dataclass(frozen=True)
class CorruptedOracle:
    """The gold completion with one step dropped or its value altered; answer kept.

    Each sample picks a kind (from ``kinds``), a step uniformly, and for ``alter`` a
    nonzero change in ``[-3, 3]`` of the step's stated value (its last number, or
    ``+ d`` for a bare ``x``). The unknown's step in reverse mode states no value and
    is only ever dropped.
    """

    kinds: tuple[str, ...] = ("drop", "alter")
    name: str = "corrupted"

    def __post_init__(self) -> None:
        if not self.kinds or any(k not in ("drop", "alter") for k in self.kinds):
            raise ValueError(
                f"kinds must be a non-empty subset of ('drop', 'alter'), got {self.kinds}"
            )

    def sample(self, record: Record, n: int, rng: np.random.Generator) -> list[str]:
        completion = _completion(record)
        body, tail = completion.split(f" {SOLUTION_CLOSE}", 1)
        prefix = ""
        if not body.lstrip().startswith(STEP_HEAD):  # reverse mode's opening sentence
            cut = body.index(STEP_HEAD)
            prefix, body = body[:cut], body[cut:]
        steps = _STEP.findall(body.strip())
        modulus = (record.get("config") or {}).get("modulus")
        out = []
        for _ in range(n):
            kind = self.kinds[int(rng.integers(0, len(self.kinds)))]
            i = int(rng.integers(0, len(steps)))
            delta = int(rng.choice([-3, -2, -1, 1, 2, 3]))
            changed = None if kind == "drop" else _alter(steps[i], delta, modulus)
            kept = [s for j, s in enumerate(steps) if j != i or changed is not None]
            if changed is not None:
                kept[i] = changed
            text = (prefix + " ".join(kept)).strip()
            out.append(f" {text} {SOLUTION_CLOSE}{tail}")
        return out


@dataclass(frozen=True)
class Mixture:
    """Each sample from one of ``policies`` with probability ``weights`` (normalized)."""

    policies: tuple[Policy, ...]
    weights: tuple[float, ...]
    name: str = "mixture"

    def __post_init__(self) -> None:
        if len(self.policies) != len(self.weights) or not self.policies:
            raise ValueError(
                f"policies and weights must have the same non-zero length, "
                f"got {len(self.policies)} and {len(self.weights)}"
            )
        if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
            raise ValueError(f"weights must be >= 0 with a positive sum, got {self.weights}")

    def sample(self, record: Record, n: int, rng: np.random.Generator) -> list[str]:
        p = np.asarray(self.weights, dtype=float) / sum(self.weights)
        counts = rng.multinomial(n, p)
        pieces = [
            policy.sample(record, int(c), rng) if c else []
            for policy, c in zip(self.policies, counts, strict=True)
        ]
        responses = [r for piece in pieces for r in piece]
        order = rng.permutation(n)
        return [responses[i] for i in order]


def reference_policies(m: int = 23) -> tuple[Policy, ...]:
    """The three reference policies: oracle, random guesser (``m`` values), corrupted oracle."""
    return (Oracle(), RandomGuesser(m=m), CorruptedOracle())


def sample_policy(
    policy: Policy, records: Iterable[Record], n: int, *, seed: int = 0
) -> dict[str, list[str]]:
    """``n`` responses per problem id, reproducible from ``seed``."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    out = {}
    for record in records:
        key = [seed, stable_int(policy.name), stable_int(str(record["id"]))]
        rng = np.random.default_rng(np.random.SeedSequence(key))
        out[str(record["id"])] = policy.sample(record, n, rng)
    return out


def as_generation_rows(responses: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The generations-file rows (``{"id", "responses"}``) of sampled responses."""
    return [{"id": key, "responses": value} for key, value in responses.items()]
