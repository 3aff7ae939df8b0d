"""Combined rewards: one entry point, four documented modes, picklable callables for trainers.

Modes (``o`` = outcome in {0, 1}, ``p`` = process in [0, 1], ``a`` = alpha in [0, 1]):

- ``outcome``: ``o``.
- ``gated`` (default): ``o * (a + (1 - a) * p)``. A wrong answer scores 0 however
  good the trace; a right answer scores between ``a`` and 1 by trace quality.
- ``strict``: 1 iff ``verified`` (right answer, every gold node right, no penalty).
- ``linear``: ``a * o + (1 - a) * p``. Opt-in partial credit: a wrong answer with a
  good trace scores above 0, which outcome-only hacking cannot exploit but a
  trace-only policy can.

Always ``strict <= gated <= outcome``, and the gold response scores 1 in every mode.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from edgegym.rewards.gold import Gold, gold_of
from edgegym.rewards.lenient import normalize
from edgegym.rewards.outcome import outcome
from edgegym.rewards.parse import ParsedResponse, parse
from edgegym.rewards.process import check_process

if TYPE_CHECKING:
    from edgegym.tasks import Problem

__all__ = [
    "MODES",
    "Reward",
    "RewardMode",
    "RewardResult",
    "lenient_result",
    "score",
    "score_parsed",
    "shared_reward",
]

RewardMode: TypeAlias = Literal["outcome", "gated", "strict", "linear"]
MODES: tuple[RewardMode, ...] = ("outcome", "gated", "strict", "linear")
ProblemLike: TypeAlias = "Problem | Mapping[str, Any]"


@dataclass(frozen=True, slots=True)
class RewardResult:
    """The full diagnosis of one response."""

    score: float
    """The reward under the chosen mode, in [0, 1]."""
    outcome: float
    """1.0 iff exactly one well-formed final answer equals the gold answer, else 0.0."""
    process: float
    """``right / (|V| + penalties)`` (see :mod:`edgegym.rewards.process`), in [0, 1]."""
    verified: bool
    """Right answer, every gold node right and no penalty (``outcome == process == 1``)."""
    first_error: int | None
    """Index of the first wrong parsed step; ``len(steps)`` if only something else is wrong."""
    flags: frozenset[str]
    """What was found: ``truncated``, ``hedged``, ``wrong_value``, ``step_extra``, ..."""
    right: int = 0
    """Gold nodes right (the study's ProcessAcc is ``right / total``)."""
    total: int = 0
    """Gold nodes."""


def _check_mode(mode: str, alpha: float) -> None:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {list(MODES)}, got {mode!r}")
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be a number in [0, 1], got {alpha!r}")


def _combine(mode: str, alpha: float, o: float, p: float, verified: bool) -> float:
    if mode == "gated":
        return o * (alpha + (1.0 - alpha) * p)
    if mode == "outcome":
        return o
    if mode == "strict":
        return 1.0 if verified else 0.0
    return alpha * o + (1.0 - alpha) * p


def score_parsed(
    response: str, gold: Gold, *, mode: str = "gated", alpha: float = 0.5
) -> RewardResult:
    """Score a response against an already-built :class:`Gold` (no validation of mode/alpha)."""
    parsed = parse(response, mode=gold.mode, modulus=gold.modulus, gold=gold)
    return _result(parsed, gold, mode, alpha)


def _result(parsed: ParsedResponse, gold: Gold, mode: str, alpha: float) -> RewardResult:
    o = outcome(parsed, gold.answer)
    proc = check_process(parsed, gold)
    verified = o == 1.0 and proc.process == 1.0
    flags = parsed.flags | proc.flags
    if o == 0.0 and parsed.answer is not None:
        flags = flags | {"wrong_answer"}
    return RewardResult(
        score=_combine(mode, alpha, o, proc.process, verified),
        outcome=o,
        process=proc.process,
        verified=verified,
        first_error=proc.first_error,
        flags=flags,
        right=proc.right,
        total=proc.total,
    )


def score(
    problem: Problem | Mapping[str, Any],
    response: str,
    *,
    mode: RewardMode = "gated",
    alpha: float = 0.5,
    lenient: bool = False,
) -> RewardResult:
    """Score one response.

    Args:
        problem: an :class:`edgegym.tasks.Problem`, its record (``to_record()``), or a
            record in the study's JSONL shape (its gold graph is rebuilt from its solution).
        response: the text after ``<solution>``; any string.
        mode: ``outcome``, ``gated``, ``strict`` or ``linear`` (module docstring).
        alpha: the outcome weight of ``gated`` and ``linear``.
        lenient: read chat-style replies first (:mod:`edgegym.rewards.lenient`); each
            leniency used is flagged ``lenient_*``.

    Raises:
        ValueError: bad ``mode`` or ``alpha``, or a problem that is not one of the above.
    """
    _check_mode(mode, alpha)
    gold = _gold(problem)
    if lenient:
        return lenient_result(
            response, lambda text: score_parsed(text, gold, mode=mode, alpha=alpha)
        )
    return score_parsed(response, gold, mode=mode, alpha=alpha)


def lenient_result(response: object, score_text: Callable[[Any], RewardResult]) -> RewardResult:
    """``score_text`` of the response read leniently, with the leniencies used flagged."""
    text, used = normalize(response)
    result = score_text(text)
    return replace(result, flags=result.flags | used) if used else result


def _key(problem: Problem | Mapping[str, Any]) -> tuple[Any, ...]:
    """What determines a problem's gold graph: the solution text names every node, its
    letters and values; with the mode, modulus, answer and graph hash it fixes the graph
    (a record edited by hand without updating them would be served stale)."""
    if isinstance(problem, Mapping):
        config = problem.get("config") or {}
        modulus = config.get("modulus") if isinstance(config, Mapping) else None
        return (
            problem.get("solution"),
            problem.get("mode"),
            modulus,
            problem.get("answer"),
            problem.get("graph_hash"),
            "graph" in problem,
        )
    spec = problem.spec
    return (problem.solution, spec.mode, spec.config.modulus, problem.answer)


class _GoldCache:
    """Gold graphs by problem, bounded; a gold graph is a pure function of its key."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: dict[tuple[Any, ...], Gold] = {}

    def get(self, problem: Problem | Mapping[str, Any]) -> Gold:
        try:
            key = _key(problem)
            gold = self.entries.get(key)
        except (AttributeError, TypeError) as err:
            raise ValueError(f"not a Problem or problem record: {type(problem).__name__}") from err
        if gold is None:
            if len(self.entries) >= self.size:
                self.entries.clear()
            gold = self.entries[key] = gold_of(problem)
        return gold


_gold = _GoldCache(4096).get
"""The gold graph of a problem, for :func:`score` (one cache for every mode)."""


class Reward:
    """A picklable reward callable: ``Reward(mode="gated")(problem, response) -> float``.

    Gold graphs are cached per problem (the cache is not pickled), so scoring many
    responses to the same problems, as GRPO groups do, builds each gold graph once.
    Results are exactly those of :func:`score`.

    Args:
        mode: ``outcome``, ``gated`` (default), ``strict`` or ``linear``.
        alpha: outcome weight of ``gated`` and ``linear``.
        cache_size: gold graphs kept.
        lenient: read chat-style replies first (:mod:`edgegym.rewards.lenient`).
    """

    def __init__(
        self,
        *,
        mode: RewardMode = "gated",
        alpha: float = 0.5,
        cache_size: int = 4096,
        lenient: bool = False,
    ) -> None:
        _check_mode(mode, alpha)
        if isinstance(cache_size, bool) or not isinstance(cache_size, int) or cache_size < 1:
            raise ValueError(f"cache_size must be an int >= 1, got {cache_size!r}")
        self.mode = mode
        self.alpha = float(alpha)
        self.cache_size = cache_size
        self.lenient = bool(lenient)
        self._cache = _GoldCache(cache_size)

    def __repr__(self) -> str:
        lenient = ", lenient=True" if self.lenient else ""
        return f"Reward(mode={self.mode!r}, alpha={self.alpha}{lenient})"

    def __getstate__(self) -> dict[str, Any]:
        state = {"mode": self.mode, "alpha": self.alpha, "cache_size": self.cache_size}
        return {**state, "lenient": True} if self.lenient else state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def __call__(self, problem: Problem | Mapping[str, Any], response: str) -> float:
        """The reward of one response, in [0, 1]."""
        return self.result(problem, response).score

    def result(self, problem: Problem | Mapping[str, Any], response: str) -> RewardResult:
        """The full :class:`RewardResult` of one response."""
        gold = self._cache.get(problem)
        if self.lenient:
            return lenient_result(
                response, lambda text: score_parsed(text, gold, mode=self.mode, alpha=self.alpha)
            )
        return score_parsed(response, gold, mode=self.mode, alpha=self.alpha)

    def gold(self, problem: Problem | Mapping[str, Any]) -> Gold:
        """The (cached) gold graph of a problem."""
        return self._cache.get(problem)

    def batch(
        self, problems: Sequence[Problem | Mapping[str, Any]], responses: Sequence[str]
    ) -> list[float]:
        """Rewards of ``responses[i]`` to ``problems[i]``."""
        if len(problems) != len(responses):
            raise ValueError(
                f"problems and responses differ in length: {len(problems)} != {len(responses)}"
            )
        return [self(p, r) for p, r in zip(problems, responses, strict=True)]


@functools.lru_cache(maxsize=32)
def shared_reward(mode: RewardMode, alpha: float = 0.5, lenient: bool = False) -> Reward:
    """One :class:`Reward` per ``(mode, alpha, lenient)`` in this process, for adapters that
    a trainer calls once per sample (verl, verifiers): its gold-graph cache is shared.

    Raises:
        ValueError: bad ``mode`` or ``alpha`` (nothing is cached then).
    """
    return Reward(mode=mode, alpha=alpha, lenient=lenient)
