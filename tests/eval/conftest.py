"""Shared builders for evaluation tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from edgegym.eval.results import EvalResults, ProblemScore
from edgegym.eval.suites import Suite, SuiteConfig, build_suite
from edgegym.tasks import DagConfig


def synthetic_results(
    *,
    seed: int = 0,
    ops: tuple[int, ...] = tuple(range(2, 21)),
    per_op: int = 20,
    n: int = 16,
    rate_answer: float = 0.6,
    rate_verified: float = 0.3,
    contexts: tuple[str, ...] = ("zoo", "teacher"),
) -> EvalResults:
    """Results of a fake policy whose success rates fall with op."""
    rng = np.random.default_rng(seed)
    problems = []
    for op in ops:
        for i in range(per_op):
            scale = 1.0 - (op - 2) / 20
            correct = int(rng.binomial(n, rate_answer * scale))
            verified = int(rng.binomial(correct, rate_verified / rate_answer)) if correct else 0
            problems.append(
                ProblemScore(
                    id=f"p{op:02d}-{i:03d}",
                    op=op,
                    context=contexts[i % len(contexts)],
                    mode="forward",
                    n=n,
                    correct=correct,
                    verified=verified,
                    process=float(verified) + 0.5 * (n - verified),
                    flags={"hedged": 1} if i % 7 == 0 else {},
                )
            )
    return EvalResults.from_scores(problems, suite={"name": "synthetic", "digest": "x"})


@pytest.fixture
def make_results() -> Callable[..., EvalResults]:
    """The :func:`synthetic_results` builder (conftest modules are not importable)."""
    return synthetic_results


@pytest.fixture(scope="session")
def small_suite() -> Suite:
    """Both modes at five ops spanning the bands, 8 problems each (80 problems)."""
    config = SuiteConfig(
        name="small", ops=(2, 5, 11, 16, 20), modes=("forward", "reverse"), per_op=8, seed=5
    )
    return build_suite(config)


@pytest.fixture(scope="session")
def study_suite() -> Suite:
    """Study-shaped problems (``DagConfig.study``) with every difference and sum compound."""
    config = SuiteConfig(
        name="study",
        ops=(3, 9, 17),
        modes=("forward", "reverse"),
        per_op=6,
        config=DagConfig.study(compound=1.0),
    )
    return build_suite(config)


@pytest.fixture(scope="session")
def modular_suite() -> Suite:
    """The compact symbolic context with arithmetic modulo 10 (tiny-model setting)."""
    config = SuiteConfig(
        name="modular",
        ops=(2, 6, 12),
        contexts=("symbolic",),
        per_op=6,
        config=DagConfig(modulus=10, distractors=0),
    )
    return build_suite(config)
