"""Scoring sampled responses against a suite, serially or over processes.

Each response is scored by :func:`edgegym.rewards.score` (``mode="strict"`` by
default): answer-correct is ``outcome == 1``, process-verified is ``verified``.
Identical responses to the same problem are scored once (sampled responses repeat a
lot, whole traces included); the reward is a pure function of (problem, response),
so the cache changes nothing but time.

Large jobs run over worker processes. Problems are cut into contiguous chunks
whose size depends only on the problem count and the worker count, the chunks are
scored independently and reassembled in suite order, so the result is identical
to the serial one. On platforms that fork, workers inherit the data instead of
receiving it pickled.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from edgegym.eval.io import available_cores
from edgegym.eval.results import EvalResults, ProblemScore

__all__ = ["ScoreConfig", "score_problem", "score_responses", "score_suite"]

Record = Mapping[str, Any]
# What scoring needs of a reward result: outcome (0/1), verified, process in [0, 1], flags.
Scorer = Callable[[Record, str], Any]


@dataclass(frozen=True, kw_only=True)
class ScoreConfig:
    """How responses are scored."""

    mode: str = "strict"
    """Reward mode passed to ``edgegym.rewards.score`` (answer and verified bits do not
    depend on it; ``strict`` is the study's main setting)."""
    workers: int = 0
    """Worker processes; 0 means one per available core."""
    parallel_min: int = 20_000
    """Below this many responses, score in this process (start-up costs more than it saves)."""
    cache: bool = True
    """Score each distinct response of a problem once."""
    lenient: bool = False
    """Read chat-style replies first (``edgegym.rewards.lenient``); flagged ``lenient_*``."""

    def __post_init__(self) -> None:
        if self.workers < 0:
            raise ValueError(f"workers must be >= 0, got {self.workers}")
        if self.parallel_min < 0:
            raise ValueError(f"parallel_min must be >= 0, got {self.parallel_min}")

    @property
    def resolved_workers(self) -> int:
        return self.workers or available_cores()


def make_scorer(mode: str, lenient: bool = False) -> Scorer:
    """The reward of ``mode`` as a ``(record, response) -> RewardResult`` callable.

    It is a :class:`edgegym.rewards.Reward`, which builds each problem's gold graph once.
    """
    from edgegym.rewards import MODES, Reward

    if mode not in MODES:
        raise ValueError(f"mode must be one of {list(MODES)}, got {mode!r}")
    reward = Reward(mode=mode, lenient=lenient)  # type: ignore[arg-type]
    return reward.result


def _flag_names(flags: Any) -> list[str]:
    if not flags:
        return []
    if isinstance(flags, Mapping):
        return [str(k) for k, v in flags.items() if v]
    if isinstance(flags, str):
        return [flags]
    return [str(f) for f in flags]


def score_problem(
    record: Record, responses: Sequence[str], scorer: Scorer, *, cache: bool = True
) -> ProblemScore:
    """Score one problem's responses into counts (see :class:`ProblemScore`)."""
    if cache:
        multiplicity: dict[str, int] = {}
        for response in responses:
            multiplicity[response] = multiplicity.get(response, 0) + 1
        weighted = list(multiplicity.items())
    else:
        weighted = [(r, 1) for r in responses]
    correct = verified = 0
    process: list[float] = []
    flags: dict[str, int] = {}
    for response, count in weighted:
        result = scorer(record, response)
        ok = float(result.outcome) >= 1.0
        correct += count * ok
        verified += count * bool(result.verified and ok)
        process.extend(itertools.repeat(float(result.process), count))
        for flag in _flag_names(result.flags):
            flags[flag] = flags.get(flag, 0) + count
    return ProblemScore(
        id=str(record["id"]),
        op=int(record["op"]),
        context=str(record["context"]),
        mode=str(record["mode"]),
        n=len(responses),
        correct=correct,
        verified=verified,
        # fsum is exactly rounded, so the sum does not depend on the cache or the order.
        process=math.fsum(process),
        flags=flags,
    )


# Fork-inherited job data: (records, responses per record, config). Set only in the
# parent, just before the pool forks, and cleared after.
_JOB: tuple[Sequence[Record], Sequence[Sequence[str]], ScoreConfig] | None = None


def _score_span(span: tuple[int, int]) -> list[ProblemScore]:
    assert _JOB is not None  # set by score_responses before the pool starts
    records, responses, config = _JOB
    scorer = make_scorer(config.mode, config.lenient)
    return [
        score_problem(records[i], responses[i], scorer, cache=config.cache) for i in range(*span)
    ]


def _score_payload(
    payload: tuple[Sequence[Record], Sequence[Sequence[str]], ScoreConfig],
) -> list[ProblemScore]:
    records, responses, config = payload
    scorer = make_scorer(config.mode, config.lenient)
    return [
        score_problem(r, rs, scorer, cache=config.cache)
        for r, rs in zip(records, responses, strict=True)
    ]


def _spans(count: int, workers: int) -> list[tuple[int, int]]:
    """Contiguous chunks, about 8 per worker so a slow chunk does not idle the others."""
    size = max(1, math.ceil(count / (8 * workers)))
    return [(start, min(start + size, count)) for start in range(0, count, size)]


def score_responses(
    records: Sequence[Record],
    responses: Sequence[Sequence[str]],
    *,
    config: ScoreConfig | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[ProblemScore]:
    """Score ``responses[i]`` against ``records[i]`` for every i, in order.

    Args:
        records: problem records.
        responses: the sampled responses of each record (at least one each).
        config: mode, workers, cache.
        progress: called with the number of responses just scored, after each chunk.
    """
    global _JOB
    config = config or ScoreConfig()
    if len(records) != len(responses):
        raise ValueError(f"got {len(records)} records but {len(responses)} response lists")
    total = sum(len(r) for r in responses)
    workers = min(config.resolved_workers, max(1, len(records)))
    spans = _spans(len(records), workers)
    sizes = [sum(len(responses[i]) for i in range(*s)) for s in spans]
    out: list[ProblemScore] = []
    if workers == 1 or total < config.parallel_min:
        scorer = make_scorer(config.mode, config.lenient)
        for span, size in zip(spans, sizes, strict=True):
            for i in range(*span):
                out.append(score_problem(records[i], responses[i], scorer, cache=config.cache))
            if progress is not None:
                progress(size)
        return out
    make_scorer(config.mode, config.lenient)  # import the scorer once, before workers fork
    if "fork" in multiprocessing.get_all_start_methods():
        _JOB = (records, responses, config)
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for chunk, size in zip(pool.imap(_score_span, spans), sizes, strict=True):
                    out.extend(chunk)
                    if progress is not None:
                        progress(size)
        finally:
            _JOB = None
        return out
    payloads = [(records[a:b], responses[a:b], config) for a, b in spans]  # pragma: no cover
    with multiprocessing.get_context("spawn").Pool(workers) as pool:  # pragma: no cover
        for chunk, size in zip(pool.imap(_score_payload, payloads), sizes, strict=True):
            out.extend(chunk)
            if progress is not None:
                progress(size)
    return out  # pragma: no cover


def score_suite(
    records: Sequence[Record],
    generations: Mapping[str, Sequence[str]],
    *,
    suite_ref: Mapping[str, Any] | None = None,
    config: ScoreConfig | None = None,
    progress: Callable[[int], None] | None = None,
    meta: Mapping[str, Any] | None = None,
) -> EvalResults:
    """Score the generations of a suite's problems (those present in ``generations``)."""
    config = config or ScoreConfig()
    chosen = [r for r in records if str(r["id"]) in generations]
    lists = [generations[str(r["id"])] for r in chosen]
    scores = score_responses(chosen, lists, config=config, progress=progress)
    lenient = {"scorer_lenient": True} if config.lenient else {}
    info = {
        "scorer_mode": config.mode,
        **lenient,
        "samples": sum(len(x) for x in lists),
        **dict(meta or {}),
    }
    return EvalResults.from_scores(scores, suite=suite_ref, meta=info)
