"""Competence tracking: decayed posteriors, statuses, in-group pass@k, order invariance."""

from __future__ import annotations

import json
import math
import random
from itertools import combinations

import pytest

from edgegym.curricula import Arm, CompetenceTracker, GroupResult, SampleOutcome, TrackerConfig


def brute_pass_at_k(n: int, c: int, k: int) -> float:
    """The definition: the share of k-subsets of the n samples that hold a success."""
    samples = [True] * c + [False] * (n - c)
    subsets = list(combinations(range(n), k))
    return sum(any(samples[i] for i in s) for s in subsets) / len(subsets)


def test_posterior_counts_without_decay(kit, arm: Arm) -> None:
    tracker = CompetenceTracker(TrackerConfig(half_life=None))
    tracker.observe([kit.group(arm, 6), kit.group(arm, 2)])
    assert tracker.samples(arm) == pytest.approx(16)
    assert tracker.successes(arm) == pytest.approx(8)
    assert tracker.mean(arm) == pytest.approx((1 + 8) / (2 + 16))


def test_unseen_arm_is_the_prior(arm: Arm) -> None:
    tracker = CompetenceTracker()
    assert tracker.mean(arm) == 0.5 and tracker.samples(arm) == 0
    assert tracker.status(arm) == "unseen"


def test_evidence_halves_after_half_life_samples_of_the_track(kit, arm: Arm) -> None:
    tracker = CompetenceTracker(TrackerConfig(half_life=64.0))
    tracker.observe([kit.group(arm, 8)])
    before = tracker.samples(arm)
    assert before == pytest.approx(8.0, rel=0.05)  # new samples weigh a little under one
    # 64 samples at another op of the same track age this arm by one half-life ...
    tracker.observe([kit.group(arm.track.arm(12), 0)] * 8)
    assert tracker.samples(arm) == pytest.approx(before / 2)
    # ... but samples of another track do not.
    other = Arm(family="dag", context="movie", mode="forward", op=11)
    tracker.observe([kit.group(other, 0)] * 8)
    assert tracker.samples(arm) == pytest.approx(before / 2)


def test_effective_samples_saturate_at_half_life_over_ln2(kit, arm: Arm) -> None:
    tracker = CompetenceTracker(TrackerConfig(half_life=256.0))
    for _ in range(200):
        tracker.observe([kit.group(arm, 4)] * 4)
    assert tracker.samples(arm) == pytest.approx(256.0 / math.log(2.0), rel=1e-3)


def test_decay_does_not_depend_on_call_granularity(kit, arm: Arm) -> None:
    """Folding groups one per call or all at once ends at nearly the same estimate."""
    groups = [kit.group(arm.track.arm(op), v, index=i) for i, (op, v) in
              enumerate([(10, 7), (11, 4), (12, 1), (11, 5)] * 20)]  # fmt: skip
    batched, single = CompetenceTracker(), CompetenceTracker()
    batched.observe(groups)
    for g in groups:
        single.observe([g])
    for op in (10, 11, 12):
        a = arm.track.arm(op)
        assert single.mean(a) == pytest.approx(batched.mean(a), abs=0.02)
        assert single.samples(a) == pytest.approx(batched.samples(a), rel=0.1)


def test_order_of_results_never_changes_the_state(kit, arm: Arm) -> None:
    groups = [
        kit.group(arm.track.arm(op), v, index=i, process=p)
        for i, (op, v, p) in enumerate(
            [(9, 8, 0.25), (10, 3, 0.5), (11, 1, 0.125), (10, 3, 0.75)] * 5
        )
    ]
    states = set()
    for seed in range(6):
        first, second = groups[:7], groups[7:]
        random.Random(seed).shuffle(first)
        random.Random(seed + 100).shuffle(second)
        tracker = CompetenceTracker()
        tracker.observe(first)
        tracker.observe(second)
        states.add(json.dumps(tracker.state_dict(), sort_keys=True))
    assert len(states) == 1


def test_statuses(kit, arm: Arm) -> None:
    tracker = CompetenceTracker(TrackerConfig(half_life=None, min_samples=64))
    easy, edge, hard, few = (arm.track.arm(op) for op in (5, 11, 18, 14))
    tracker.observe([kit.group(easy, 8)] * 10)  # 80 of 80
    tracker.observe([kit.group(edge, 1)] * 10)  # 10 of 80: pass@1 low, pass@8 > 0
    tracker.observe([kit.group(hard, 0)] * 10)  # 0 of 80
    tracker.observe([kit.group(few, 8)])  # 8 of 8: promising, not enough to say
    assert tracker.status(easy) == "mastered"
    assert tracker.status(edge) == "edge"
    assert tracker.status(hard) == "out_of_reach"
    assert tracker.status(few) == "uncertain"
    assert tracker.status(arm.track.arm(3)) == "unseen"


def test_mastery_needs_both_samples_and_a_lower_bound(kit, arm: Arm) -> None:
    tracker = CompetenceTracker(TrackerConfig(half_life=None, min_samples=64))
    tracker.observe([kit.group(arm, 8)] * 7)  # 56 of 56, below min_samples
    assert not tracker.mastered(arm)
    tracker.observe([kit.group(arm, 8)])
    assert tracker.mastered(arm)
    # 87.5% is below the 0.9 threshold whatever the sample size.
    other = arm.track.arm(12)
    tracker.observe([kit.group(other, 7)] * 100)
    assert not tracker.mastered(other)
    lcb, ucb = tracker.bounds(other)
    assert lcb < 0.875 < ucb


def test_in_group_pass_at_k_is_unbiased(kit, arm: Arm) -> None:
    tracker = CompetenceTracker(TrackerConfig(half_life=None))
    tracker.observe([kit.group(arm, 2, index=0), kit.group(arm, 5, index=1)])
    summary = tracker.summary(arm)
    assert sorted(summary.pass_at) == [1, 2, 4, 8]
    for k, value in summary.pass_at.items():
        expected = (brute_pass_at_k(8, 2, k) + brute_pass_at_k(8, 5, k)) / 2
        assert value == pytest.approx(expected)


def test_hacking_gap_and_flag_rates(arm: Arm) -> None:
    # Every answer right, half of them with a broken trace; one sample truncated.
    samples = tuple(
        SampleOutcome(verified=i % 2 == 0, outcome=True, score=1.0 if i % 2 == 0 else 0.0,
                      process=1.0 if i % 2 == 0 else 0.5, flags=("truncated",) if i == 7 else ())
        for i in range(8)
    )  # fmt: skip
    tracker = CompetenceTracker(TrackerConfig(half_life=None, prior=1e-6))
    tracker.observe([GroupResult(arm=arm, samples=samples)])
    summary = tracker.summary(arm)
    assert summary.hacking_gap == pytest.approx(0.5, abs=1e-5)
    assert summary.process == pytest.approx(0.75)
    assert summary.flag_rates == {"truncated": pytest.approx(1 / 8)}


def test_zero_variance_rate(kit, arm: Arm) -> None:
    tracker = CompetenceTracker(TrackerConfig(half_life=None))
    tracker.observe([kit.group(arm, 0), kit.group(arm, 8), kit.group(arm, 4), kit.group(arm, 1)])
    assert tracker.summary(arm).zero_variance == pytest.approx(0.5)


def test_state_dict_is_json_and_round_trips(kit, arm: Arm) -> None:
    tracker = CompetenceTracker()
    tracker.observe([kit.group(arm.track.arm(op), op % 9, index=op, flags=("parse_failure",))
                     for op in range(2, 15)])  # fmt: skip
    text = json.dumps(tracker.state_dict(), sort_keys=True, allow_nan=False)
    copy = CompetenceTracker()
    copy.load_state_dict(json.loads(text))
    assert json.dumps(copy.state_dict(), sort_keys=True) == text
    for op in range(2, 15):
        a = arm.track.arm(op)
        assert copy.summary(a) == tracker.summary(a)


def test_load_rejects_another_config(arm: Arm) -> None:
    state = CompetenceTracker(TrackerConfig(half_life=10.0)).state_dict()
    with pytest.raises(ValueError, match="config mismatch"):
        CompetenceTracker().load_state_dict(state)


@pytest.mark.parametrize(
    "fields",
    [
        {"half_life": 0.0},  # no memory at all
        {"prior": -1.0},  # negative pseudo-counts
        {"mastery": 1.0},  # unreachable threshold
        {"confidence": 0.5},  # a "bound" that is the median
        {"min_samples": math.inf},  # never enough
    ],
)
def test_config_rejects_bad_values(fields: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        TrackerConfig(**fields)
