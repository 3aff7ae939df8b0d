"""Arms, samples and groups: validation, keys, conversion from reward results."""

from __future__ import annotations

import pickle
from dataclasses import dataclass

import pytest

from edgegym.curricula import Arm, GroupResult, SampleOutcome, Track
from edgegym.tasks import TaskSpec


def test_arm_key_round_trips(arm: Arm) -> None:
    assert arm.key == "dag/zoo/forward/11"
    assert Arm.parse(arm.key) == arm
    assert arm.track == Track(family="dag", context="zoo", mode="forward")
    assert arm.track.arm(12) == Arm(family="dag", context="zoo", mode="forward", op=12)


def test_arm_of_spec_matches_spec() -> None:
    spec = TaskSpec(context="movie", mode="reverse", op=7, index=3)
    assert Arm.of(spec) == Arm(family="dag", context="movie", mode="reverse", op=7)


def test_arms_sort_by_track_then_op() -> None:
    arms = [
        Arm(family="dag", context=c, mode="forward", op=o)
        for c in ("zoo", "movie")
        for o in (10, 9)
    ]
    assert [a.key for a in sorted(arms)] == [
        "dag/movie/forward/9", "dag/movie/forward/10", "dag/zoo/forward/9", "dag/zoo/forward/10",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "key",
    [
        "dag/zoo/forward",  # too few parts
        "dag/zoo/forward/11/extra",  # too many parts
        "dag/zoo/forward/-1",  # negative op
        "dag/zoo/forward/eleven",  # op not a number
        "dag//forward/11",  # empty context
    ],
)
def test_arm_parse_rejects_malformed_keys(key: str) -> None:
    with pytest.raises(ValueError):
        Arm.parse(key)


@pytest.mark.parametrize(
    "fields",
    [
        {"family": "dag", "context": "zoo/x", "mode": "forward", "op": 3},  # separator in a name
        {"family": "", "context": "zoo", "mode": "forward", "op": 3},  # empty family
        {"family": "dag", "context": "zoo", "mode": "forward", "op": True},  # bool is not an op
        {"family": "dag", "context": "zoo", "mode": "forward", "op": 3.0},  # float op
    ],
)
def test_arm_rejects_bad_fields(fields: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Arm(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "fields",
    [
        {"verified": 1, "outcome": True, "score": 1.0},  # int where a bool is meant
        {"verified": True, "outcome": True, "score": 1.5},  # score above 1
        {"verified": True, "outcome": True, "score": float("nan")},  # NaN score
        {"verified": True, "outcome": True, "score": 1.0, "process": -0.1},  # negative process
        {"verified": True, "outcome": True, "score": 1.0, "flags": ("b", "a")},  # unsorted flags
        {"verified": True, "outcome": True, "score": 1.0, "flags": ("a", "a")},  # repeated flag
    ],
)
def test_sample_rejects_bad_fields(fields: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        SampleOutcome(**fields)  # type: ignore[arg-type]


@dataclass(frozen=True)
class FakeReward:
    """Shaped like edgegym.rewards.RewardResult, without importing it."""

    score: float
    outcome: float
    process: float
    verified: bool
    first_error: int | None
    flags: frozenset[str]


def test_sample_of_reward_like_converts_fields() -> None:
    reward = FakeReward(0.75, 1.0, 0.5, False, 2, frozenset({"truncated", "parse_failure"}))
    sample = SampleOutcome.of(reward)
    assert sample == SampleOutcome(
        verified=False, outcome=True, score=0.75, process=0.5, flags=("parse_failure", "truncated")
    )


def test_group_of_spec_keeps_arm_and_index() -> None:
    spec = TaskSpec(op=9, index=41)
    group = GroupResult.of(spec, [FakeReward(1.0, 1, 1.0, True, None, frozenset())] * 3)
    assert group.arm == Arm.of(spec) and group.index == 41 and group.size == 3
    assert group.n_verified == 3 and group.zero_variance


def test_zero_variance_compares_training_rewards(kit, arm: Arm) -> None:
    assert kit.group(arm, 0).zero_variance  # all wrong
    assert kit.group(arm, 8).zero_variance  # all right
    assert not kit.group(arm, 3).zero_variance
    # Gated rewards: every answer right but process credit differs, so there is a gradient.
    mixed = GroupResult(
        arm=arm,
        samples=(
            SampleOutcome(verified=True, outcome=True, score=1.0, process=1.0),
            SampleOutcome(verified=False, outcome=True, score=0.75, process=0.5),
        ),
    )
    assert not mixed.zero_variance


def test_group_dict_and_pickle_round_trip(kit, arm: Arm) -> None:
    group = kit.group(arm, 5, index=7, flags=("truncated",))
    assert GroupResult.from_dict(group.to_dict()) == group
    assert pickle.loads(pickle.dumps(group)) == group


def test_group_rejects_empty_or_foreign_samples(arm: Arm) -> None:
    with pytest.raises(ValueError):
        GroupResult(arm=arm, samples=())
    with pytest.raises(ValueError):
        GroupResult(arm=arm, samples=(1.0,))  # type: ignore[arg-type]


def test_groups_from_real_reward_results() -> None:
    """The reward module's results convert without the curricula package importing it."""
    rewards = pytest.importorskip("edgegym.rewards")
    from edgegym.tasks import generate

    spec = TaskSpec(op=5, index=2)
    problem = generate(spec)
    responses = [
        problem.completion,
        " junk </solution> <answer> 1 </answer>",
        problem.completion[:20],
    ]
    results = [rewards.score(problem, text, mode="gated") for text in responses]
    group = GroupResult.of(spec, results)
    assert group.arm == Arm.of(spec) and group.index == 2
    assert [s.verified for s in group.samples] == [True, False, False]
    assert group.samples[0].score == 1.0 and not group.zero_variance
    assert all(
        s.flags == tuple(sorted(r.flags)) for s, r in zip(group.samples, results, strict=True)
    )
