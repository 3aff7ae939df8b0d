"""Reference policies scored end to end: the metrics say what they must."""

from __future__ import annotations

import numpy as np
import pytest

from edgegym.eval.aggregate import EvalConfig, summarize
from edgegym.eval.policies import (
    CorruptedOracle,
    Mixture,
    Oracle,
    RandomGuesser,
    sample_policy,
)
from edgegym.eval.results import EvalResults
from edgegym.eval.scoring import ScoreConfig, score_suite
from edgegym.eval.suites import Suite

SERIAL = ScoreConfig(parallel_min=10**9)


def run(suite: Suite, policy: object, n: int, seed: int = 0) -> EvalResults:
    generations = sample_policy(policy, suite.records, n, seed=seed)  # type: ignore[arg-type]
    return score_suite(suite.records, generations, suite_ref=suite.ref(), config=SERIAL)


@pytest.mark.parametrize("suite_name", ["small_suite", "modular_suite", "study_suite"])
def test_oracle_scores_one_everywhere(suite_name: str, request: pytest.FixtureRequest) -> None:
    suite = request.getfixturevalue(suite_name)
    results = run(suite, Oracle(), 4)
    assert all(p.correct == p.verified == p.n == 4 for p in results.problems)
    assert all(p.process == pytest.approx(4.0) for p in results.problems)
    summary = summarize(results, EvalConfig(n_boot=50))
    for group in summary.groups:
        assert np.all(group.answer.mean == 1.0) and np.all(group.verified.mean == 1.0)
        assert np.all(group.verified.hi == 1.0)
        np.testing.assert_allclose(group.verified.lo, 0.025 ** (1 / group.problems))


@pytest.mark.parametrize("suite_name", ["small_suite", "modular_suite", "study_suite"])
def test_corrupted_oracle_is_answer_correct_and_never_verified(
    suite_name: str, request: pytest.FixtureRequest
) -> None:
    suite = request.getfixturevalue(suite_name)
    results = run(suite, CorruptedOracle(), 24)
    assert all(p.correct == p.n for p in results.problems)
    assert all(p.verified == 0 for p in results.problems)
    flags = results.flag_totals()
    assert flags.get("missing_step", 0) > 0  # drops were caught as such


@pytest.mark.parametrize("kind", ["drop", "alter"])
def test_each_corruption_kind_alone(kind: str, small_suite: Suite) -> None:
    results = run(small_suite, CorruptedOracle(kinds=(kind,)), 8)
    assert sum(p.correct for p in results.problems) == sum(p.n for p in results.problems)
    assert sum(p.verified for p in results.problems) == 0


def test_corruptions_change_exactly_one_step(small_suite: Suite) -> None:
    record = small_suite.records[-1]  # op 20, reverse
    gold = Oracle().sample(record, 1, np.random.default_rng(0))[0]
    for response in CorruptedOracle().sample(record, 30, np.random.default_rng(1)):
        assert response != gold
        assert response.endswith(gold.split("</solution>")[1])  # answer kept
        gold_steps = gold.count("Define ")
        assert response.count("Define ") in (gold_steps, gold_steps - 1)


def test_random_guesser_matches_theory_answer_only_and_is_never_verified(
    small_suite: Suite,
) -> None:
    m = 5
    results = run(small_suite, RandomGuesser(m=m), 32, seed=3)
    assert sum(p.verified for p in results.problems) == 0
    # 99% intervals: five correlated checks at 95% would fail for about one seed in ten.
    config = EvalConfig(n_boot=2000, confidence=0.99, k_values=(1, 2, 4, 8, 16))
    summary = summarize(results, config)
    group = summary.get("all", "all")
    theory = 1 - (1 - 1 / m) ** np.asarray(summary.k, dtype=float)
    assert np.all(group.answer.lo <= theory) and np.all(theory <= group.answer.hi)
    assert np.all(group.verified.mean == 0.0)
    # All-zero: the upper bound is the exact binomial one for 80 problems, not 0.
    np.testing.assert_allclose(group.verified.hi, 1 - 0.005 ** (1 / 80))


def test_guesser_answer_rate_is_one_over_m_exactly_per_problem() -> None:
    rng = np.random.default_rng(0)
    record = {"answer": 3, "query": "q"}
    guesser = RandomGuesser(m=7)
    hits = sum(r.endswith("<answer> 3 </answer>") for r in guesser.sample(record, 70_000, rng))
    assert hits / 70_000 == pytest.approx(1 / 7, abs=0.005)


@pytest.mark.parametrize(
    "policy",
    [
        Oracle(),
        RandomGuesser(),
        CorruptedOracle(),
        Mixture(policies=(Oracle(), RandomGuesser()), weights=(1, 1)),
    ],
    ids=lambda p: p.name,
)
def test_policies_are_deterministic(policy: object, small_suite: Suite) -> None:
    records = small_suite.records[:10]
    a = sample_policy(policy, records, 8, seed=1)  # type: ignore[arg-type]
    assert a == sample_policy(policy, records, 8, seed=1)  # type: ignore[arg-type]
    if not isinstance(policy, Oracle):
        assert a != sample_policy(policy, records, 8, seed=2)  # type: ignore[arg-type]


def test_mixture_weights_shape_the_rates(small_suite: Suite) -> None:
    mix = Mixture(policies=(Oracle(), CorruptedOracle()), weights=(3, 1))
    results = run(small_suite, mix, 64)
    rate = sum(p.verified for p in results.problems) / sum(p.n for p in results.problems)
    assert rate == pytest.approx(0.75, abs=0.03)
    assert all(p.correct == p.n for p in results.problems)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: RandomGuesser(m=0), "m must"),
        (lambda: CorruptedOracle(kinds=("swap",)), "kinds"),
        (lambda: Mixture(policies=(Oracle(),), weights=(1, 2)), "same non-zero length"),
        (lambda: Mixture(policies=(Oracle(),), weights=(-1,)), "weights"),
    ],
)
def test_policy_validation(build: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()  # type: ignore[operator]
