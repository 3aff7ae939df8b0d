"""The generator's random stream: MRG32k3a, seeded with a spec's entropy."""

from __future__ import annotations

from edgegym.tasks import TaskSpec
from edgegym.tasks.rng import Stream


def test_mrg32k3a_known_answer() -> None:
    """L'Ecuyer's generator from the customary seed 12345 (all six words) begins so."""
    stream = Stream(1)
    for word in ("_s10", "_s11", "_s12", "_s20", "_s21", "_s22"):
        setattr(stream, word, 12345)
    draws = [stream.random() for _ in range(3)]
    expected = [0.1270111220465771, 0.3185275653967945, 0.3091860155832701]
    assert [round(d, 15) for d in draws] == [round(e, 15) for e in expected]


def test_streams_differ_by_entropy_and_stay_in_the_open_interval() -> None:
    entropies = [TaskSpec(op=5, index=i).entropy() for i in range(50)] + [0, 2**128 - 1]
    firsts = set()
    for entropy in entropies:
        stream = Stream(entropy)
        draws = [stream.random() for _ in range(200)]
        assert all(0.0 < d < 1.0 for d in draws)
        firsts.add(tuple(draws[:4]))
    assert len(firsts) == len(entropies)


def test_draws_are_uniform() -> None:
    """Chi-square over 100 bins of 200,000 draws (99 d.o.f.: 99.9% quantile ~149)."""
    stream = Stream(TaskSpec(op=9, seed=3).entropy())
    counts = [0] * 100
    n = 200_000
    for _ in range(n):
        counts[int(stream.random() * 100)] += 1
    expected = n / 100
    chi2 = sum((c - expected) ** 2 / expected for c in counts)
    assert chi2 < 149, chi2
    # and successive pairs fill a 10 x 10 grid evenly (serial correlation)
    grid = [0] * 100
    for _ in range(n // 2):
        grid[int(stream.random() * 10) * 10 + int(stream.random() * 10)] += 1
    expected = n / 2 / 100
    assert sum((c - expected) ** 2 / expected for c in grid) < 149
