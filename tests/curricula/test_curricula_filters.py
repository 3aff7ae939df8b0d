"""Group filters and the bounded batch filler."""

from __future__ import annotations

import logging
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgegym.curricula import (
    Arm,
    BatchReport,
    GroupResult,
    PassRateBandFilter,
    SimulatedStudent,
    StudentConfig,
    ZeroVarianceFilter,
    fill_batch,
)
from edgegym.tasks import TaskSpec


def test_zero_variance_filter(kit, arm: Arm) -> None:
    keep = ZeroVarianceFilter().keep
    assert [keep(kit.group(arm, k)) for k in (0, 1, 4, 7, 8)] == [False, True, True, True, False]


def test_band_filter_bounds_are_inclusive(kit, arm: Arm) -> None:
    keep = PassRateBandFilter(low=0.25, high=0.75).keep
    assert [keep(kit.group(arm, k)) for k in (1, 2, 4, 6, 7)] == [False, True, True, True, False]
    with pytest.raises(ValueError):
        PassRateBandFilter(low=0.8, high=0.2)


class Recorder:
    """A proposer that hands out specs and records what it was asked and told."""

    def __init__(self, kit: Any) -> None:
        self.curriculum = kit.build("uniform")
        self.asked: list[int] = []
        self.observed = 0

    def propose(self, n: int) -> list[TaskSpec]:
        self.asked.append(n)
        return self.curriculum.propose(n)

    def observe(self, results: Any) -> dict[str, float]:
        self.observed += len(results)
        return self.curriculum.observe(results)

    def state_dict(self) -> dict[str, Any]:
        return self.curriculum.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.curriculum.load_state_dict(state)


def rollout_with_yield(kit: Any, rate: float) -> Any:
    """Each spec's group is informative iff its index falls in the first ``rate`` of each 100."""

    def rollout(specs: list[TaskSpec]) -> list[GroupResult]:
        return [
            kit.group(Arm.of(s), 4 if s.index % 100 < rate * 100 else 0, index=s.index)
            for s in specs
        ]

    return rollout


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rate=st.sampled_from([0.0, 0.05, 0.3, 0.6, 0.9, 1.0]),
    groups=st.integers(1, 64),
    oversample=st.floats(1.0, 3.0),
)
def test_fill_never_exceeds_its_budget(kit, rate: float, groups: int, oversample: float) -> None:
    proposer = Recorder(kit)
    report = fill_batch(
        proposer, rollout_with_yield(kit, rate), groups=groups, max_oversample=oversample
    )
    assert report.generated == sum(proposer.asked) == proposer.observed  # every group observed
    assert report.generated <= math.floor(oversample * groups) == report.budget
    assert len(report.kept) <= groups
    assert all(not g.zero_variance for g in report.kept)
    assert report.short == (len(report.kept) < groups)
    if report.short:  # ran out only because the budget did
        assert report.generated == report.budget


def test_fill_stops_as_soon_as_the_batch_is_full(kit) -> None:
    proposer = Recorder(kit)
    report = fill_batch(proposer, rollout_with_yield(kit, 1.0), groups=32)
    assert proposer.asked == [32] and len(report.kept) == 32 and report.oversample == 1.0
    assert report.metrics() == {"filter/yield": 1.0, "filter/oversample": 1.0,
                                "filter/kept": 32.0, "filter/short": 0.0}  # fmt: skip


def test_low_yield_logs_and_returns_what_it_has(kit, caplog: pytest.LogCaptureFixture) -> None:
    proposer = Recorder(kit)
    with caplog.at_level(logging.WARNING, logger="edgegym.curricula.filters"):
        report = fill_batch(proposer, rollout_with_yield(kit, 0.3), groups=40, max_oversample=1.3)
    assert isinstance(report, BatchReport)
    assert report.short and report.generated == 52 and 0 < len(report.kept) < 40
    assert "short" in caplog.text and "training on what passed" in caplog.text


def test_filtered_frontier_keeps_oversampling_small(kit) -> None:
    """With the default curriculum at the edge, a 1.3x budget fills nearly every batch."""
    curriculum = kit.build("frontier")
    student = SimulatedStudent(StudentConfig(theta0=9.0, lr=0.002, seed=2))
    reports = []
    for _ in range(80):
        report = fill_batch(
            curriculum, lambda specs: student.rollout(specs, 8), groups=32, max_oversample=1.3
        )
        student.learn(report.kept)
        reports.append(report)
    late = reports[20:]
    assert sum(r.short for r in late) / len(late) <= 0.2
    assert sum(r.generated for r in late) / sum(r.target for r in late) <= 1.3


def test_fill_rejects_bad_arguments(kit) -> None:
    with pytest.raises(ValueError):
        fill_batch(Recorder(kit), rollout_with_yield(kit, 1.0), groups=0)
    with pytest.raises(ValueError):
        fill_batch(Recorder(kit), rollout_with_yield(kit, 1.0), groups=4, max_oversample=0.5)
    with pytest.raises(ValueError, match="returned"):
        fill_batch(Recorder(kit), lambda specs: [], groups=4)
