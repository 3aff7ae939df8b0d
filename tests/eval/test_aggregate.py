"""Grouping, bootstrap intervals, paired comparison and the results file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from edgegym.eval.aggregate import Band, EvalConfig, parse_bands, summarize
from edgegym.eval.compare import compare
from edgegym.eval.passk import pass_at_k
from edgegym.eval.results import EvalResults, ProblemScore
from edgegym.eval.stats import bootstrap_means, group_rng, mean_interval

Make = Callable[..., EvalResults]


def test_group_means_are_means_of_per_problem_passk(make_results: Make) -> None:
    results = make_results()
    summary = summarize(results, EvalConfig(n_boot=200))
    n, c, v = (results.column(x) for x in ("n", "correct", "verified"))
    ops = results.column("op")
    edge = (ops >= 11) & (ops <= 14)
    group = summary.get("band", "edge")
    np.testing.assert_allclose(group.answer.mean, pass_at_k(n[edge], c[edge], summary.k).mean(0))
    np.testing.assert_allclose(group.verified.mean, pass_at_k(n[edge], v[edge], summary.k).mean(0))
    assert group.problems == int(edge.sum())
    assert summary.k == (1, 2, 4, 8, 16)


def test_groups_in_report_order(make_results: Make) -> None:
    summary = summarize(make_results(), EvalConfig(n_boot=0))
    keys = [(g.dimension, g.group) for g in summary.groups]
    assert keys[0] == ("all", "all")
    assert [g for d, g in keys if d == "band"] == ["in-distribution", "edge", "hard"]
    assert [g for d, g in keys if d == "op"] == [str(op) for op in range(2, 21)]
    assert [g for d, g in keys if d == "context"] == ["teacher", "zoo"]


def test_intervals_contain_mean_and_are_seeded(make_results: Make) -> None:
    results = make_results()
    a = summarize(results, EvalConfig(n_boot=300, seed=1))
    b = summarize(results, EvalConfig(n_boot=300, seed=1))
    c = summarize(results, EvalConfig(n_boot=300, seed=2))
    for g in a.groups:
        assert np.all(g.answer.lo <= g.answer.mean) and np.all(g.answer.mean <= g.answer.hi)
    assert a.to_dict() == b.to_dict()
    assert a.to_dict() != c.to_dict()


def test_bootstrap_interval_covers_truth_at_about_the_nominal_rate() -> None:
    # Bernoulli(0.3) over 100 problems: the 90% interval should cover 0.3 in ~90% of draws.
    rng = np.random.default_rng(0)
    hits = 0
    trials = 200
    for t in range(trials):
        values = rng.binomial(1, 0.3, size=(100, 1)).astype(float)
        iv = mean_interval(values, n_boot=400, confidence=0.9, rng=group_rng(t, "cover"))
        hits += bool(iv.lo[0] <= 0.3 <= iv.hi[0])
    assert 0.8 <= hits / trials <= 0.97


def test_bootstrap_means_resample_rows() -> None:
    values = np.array([[0.0], [1.0]])
    means = bootstrap_means(values, n_boot=1000, rng=np.random.default_rng(0))
    assert set(np.unique(means)) <= {0.0, 0.5, 1.0}
    assert 0.4 < means.mean() < 0.6


def test_all_zero_or_all_one_columns_get_exact_bounds() -> None:
    values = np.zeros((200, 3))
    values[:, 1] = 1.0
    values[:, 2] = 0.5
    iv = mean_interval(values, n_boot=200, confidence=0.95, rng=np.random.default_rng(0))
    edge = 0.025 ** (1 / 200)
    np.testing.assert_allclose(iv.hi, [1 - edge, 1.0, 0.5])
    np.testing.assert_allclose(iv.lo, [0.0, edge, 0.5])
    assert 0.018 < 1 - edge < 0.019
    unbounded = mean_interval(
        values, n_boot=200, confidence=0.95, rng=np.random.default_rng(0), bounded=False
    )
    np.testing.assert_allclose(unbounded.hi, [0.0, 1.0, 0.5])


def test_bca_interval_is_skewed_like_the_data() -> None:
    # Right-skewed data: the interval reaches further above the mean than below.
    rng = np.random.default_rng(0)
    values = rng.exponential(1.0, size=(60, 1)) ** 2
    iv = mean_interval(values, n_boot=4000, confidence=0.95, rng=np.random.default_rng(1))
    assert iv.hi[0] - iv.mean[0] > iv.mean[0] - iv.lo[0]


def test_degenerate_groups() -> None:
    one = np.array([[0.25, 1.0]])
    iv = mean_interval(one, n_boot=100, confidence=0.95, rng=np.random.default_rng(0))
    assert iv.lo.tolist() == iv.hi.tolist() == [0.25, 1.0]
    empty = mean_interval(
        np.zeros((0, 2)), n_boot=100, confidence=0.95, rng=np.random.default_rng(0)
    )
    assert np.isnan(empty.mean).all()


def test_bands_are_configurable(make_results: Make) -> None:
    config = EvalConfig(bands=parse_bands("low:2-5, high:6-20"), n_boot=0)
    summary = summarize(make_results(), config)
    assert [g.group for g in summary.of("band")] == ["low", "high"]
    assert summary.get("band", "low").problems == 4 * 20


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bands": (Band(name="a", lo=2, hi=10), Band(name="b", lo=10, hi=12))}, "disjoint"),
        ({"bands": (Band(name="a", lo=2, hi=3), Band(name="a", lo=4, hi=5))}, "unique"),
        ({"dimensions": ("op", "nope")}, "dimensions"),
        ({"confidence": 1.0}, "confidence"),
        ({"n_boot": -1}, "n_boot"),
        ({"k_values": (0,)}, "k_values"),
    ],
)
def test_config_validation(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        EvalConfig(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["a:2", "2-10", "", "a:x-3"])
def test_parse_bands_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_bands(text)


def test_k_values_above_n_are_dropped(make_results: Make) -> None:
    summary = summarize(make_results(n=16), EvalConfig(k_values=(1, 10, 64), n_boot=0))
    assert summary.k == (1, 10)
    with pytest.raises(ValueError, match="exceeds"):
        summarize(make_results(n=16), EvalConfig(k_values=(64,), n_boot=0))


def test_paired_comparison_of_a_run_with_itself_is_exactly_zero(make_results: Make) -> None:
    results = make_results()
    comparison = compare(results, results, EvalConfig(n_boot=200))
    for g in comparison.groups:
        assert (
            np.all(g.answer.mean == 0) and np.all(g.verified.lo == 0) and np.all(g.verified.hi == 0)
        )


def test_paired_comparison_detects_a_real_improvement(make_results: Make) -> None:
    a = make_results(seed=1, rate_answer=0.4, rate_verified=0.2)
    b_scores = [
        replace(p, correct=min(p.n, p.correct + 3), verified=min(p.n, p.verified + 3))
        for p in a.problems
    ]
    b = EvalResults.from_scores(reversed(b_scores), suite=a.suite)  # order must not matter
    comparison = compare(a, b, EvalConfig(n_boot=300))
    overall = comparison.get("all", "all")
    assert np.all(overall.verified.mean > 0)
    assert overall.significant("verified")[0]
    np.testing.assert_allclose(
        overall.verified.mean, overall.b_verified.mean - overall.a_verified.mean, atol=1e-12
    )
    # Paired intervals are narrower than the spread of either run alone.
    assert (overall.verified.hi - overall.verified.lo)[0] < (
        overall.a_verified.hi - overall.a_verified.lo
    )[0]


def test_comparison_requires_the_same_suite(make_results: Make) -> None:
    a = make_results()
    b = EvalResults.from_scores(a.problems[:-1], suite=a.suite)
    with pytest.raises(ValueError, match="same suite"):
        compare(a, b)


def test_results_round_trip(tmp_path: Path, make_results: Make) -> None:
    results = make_results()
    path = tmp_path / "r.json"
    results.save(path)
    loaded = EvalResults.load(path)
    assert loaded.problems == results.problems
    assert loaded.flag_totals() == results.flag_totals()
    assert (
        summarize(loaded, EvalConfig(n_boot=50)).to_dict()
        == summarize(results, EvalConfig(n_boot=50)).to_dict()
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"correct": 17}, "correct"),
        ({"verified": 5, "correct": 4}, "exceeds"),
        ({"n": 0}, "n must"),
    ],
)
def test_problem_score_validation(fields: dict[str, int], message: str) -> None:
    base = {
        "id": "x",
        "op": 3,
        "context": "zoo",
        "mode": "forward",
        "n": 16,
        "correct": 4,
        "verified": 2,
    }
    with pytest.raises(ValueError, match=message):
        ProblemScore(**{**base, **fields})  # type: ignore[arg-type]


def test_load_rejects_other_files(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"format": "other"}')
    with pytest.raises(ValueError, match="not an edgegym results file"):
        EvalResults.load(path)


def test_column_quantiles_match_numpy() -> None:
    from edgegym.eval.stats import _column_quantiles

    rng = np.random.default_rng(0)
    samples = rng.normal(size=(101, 7))
    levels = rng.uniform(size=(2, 7))
    lo, hi = _column_quantiles(samples, levels)
    for j in range(7):
        assert lo[j] == pytest.approx(np.quantile(samples[:, j], levels[0, j]))
        assert hi[j] == pytest.approx(np.quantile(samples[:, j], levels[1, j]))
