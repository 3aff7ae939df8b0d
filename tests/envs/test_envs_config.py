"""Env arguments: JSON-able, validated with errors that name the field, round-trippable."""

from __future__ import annotations

import json
from typing import Any

import gymnasium as gym
import pytest

from edgegym.curricula import CurriculumConfig, make_curriculum
from edgegym.envs import EnvConfig, FixedProposer, ReasonEnv, StepEnvConfig
from edgegym.envs.proposers import Curriculum
from edgegym.tasks import TaskSpec

# (kwargs, the field the error must name). One row per way to get an argument wrong.
BAD = [
    ({"op": 1}, "op"),  # below the smallest op
    ({"op": 41}, "op"),  # above the largest op
    ({"op": [5, 3]}, "op"),  # reversed range
    ({"op": [2, 3, 4]}, "op"),  # not a pair
    ({"op": "5"}, "op"),  # a string
    ({"op": True}, "op"),  # a bool is not an int here
    ({"contexts": []}, "contexts"),  # empty
    ({"contexts": ["atlantis"]}, "contexts"),  # unknown context
    ({"contexts": ["zoo", "zoo"]}, "contexts"),  # repeated
    ({"modes": ["sideways"]}, "modes"),  # unknown mode
    ({"split": "dev"}, "split"),  # unknown split
    ({"seed": -1}, "seed"),  # negative
    ({"seed": 1.5}, "seed"),  # not an int
    ({"dag": {"modulus": 10}}, "modulus"),  # modulus with reverse mode
    ({"dag": {"colour": "red"}}, "colour"),  # unknown DagConfig field
    ({"dag": "big"}, "dag"),  # not a dict
    ({"reward": "dense"}, "reward"),  # unknown mode
    ({"alpha": 1.5}, "alpha"),  # out of [0, 1]
    ({"alpha": "half"}, "alpha"),  # not a number
    ({"max_response_chars": 0}, "max_response_chars"),  # no budget
    ({"bogus": 1}, "bogus"),  # unknown argument
]
STEP_BAD = [
    ({"feedback": "loud"}, "feedback"),  # unknown feedback
    ({"shaping": 2}, "shaping"),  # out of [0, 1]
]


@pytest.mark.parametrize(("kwargs", "field"), BAD, ids=[f"{k}" for k, _ in BAD])
def test_bad_arguments_raise_value_error_naming_the_field(
    env_id: str, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValueError, match=field):
        gym.make(env_id, **kwargs)


@pytest.mark.parametrize(("kwargs", "field"), STEP_BAD, ids=[f"{k}" for k, _ in STEP_BAD])
def test_bad_step_arguments(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        gym.make("ReasonStep-v0", **kwargs)
    with pytest.raises(ValueError, match=field):
        gym.make("Reason-v0", **kwargs)  # not an argument of the single-turn env


def test_bad_curriculum_and_render_mode() -> None:
    with pytest.raises(TypeError, match="propose"):
        gym.make("Reason-v0", curriculum=object())
    with pytest.raises(ValueError, match="render_mode"):
        ReasonEnv(render_mode="human")


@pytest.mark.parametrize("cls", [EnvConfig, StepEnvConfig])
def test_config_is_json_and_round_trips(cls: type[EnvConfig]) -> None:
    kwargs = {"op": [3, 7], "contexts": ["symbolic"], "modes": ["forward"], "dag": {"modulus": 10}}
    config = cls.from_kwargs(kwargs)
    text = json.dumps(config.to_kwargs(), sort_keys=True)
    assert cls.from_kwargs(json.loads(text)) == config
    assert config.op_range == (3, 7) and cls.from_kwargs({"op": 5}).op_range == (5, 5)
    assert cls.from_kwargs({"contexts": "zoo"}).contexts == ("zoo",)


def test_potential_weight_follows_the_reward_mode() -> None:
    assert StepEnvConfig(reward="gated", alpha=0.2).potential_weight == pytest.approx(0.8)
    assert StepEnvConfig(reward="linear", alpha=0.5).potential_weight == 0.5
    assert StepEnvConfig(reward="strict").potential_weight == 0.0
    assert StepEnvConfig(reward="outcome", shaping=0.4).potential_weight == 0.4


def test_fixed_proposer_cycles_and_saves_its_place() -> None:
    specs = [TaskSpec(op=3), TaskSpec(op=4).to_dict(), TaskSpec(op=5)]
    proposer = FixedProposer(specs)
    assert [s.op for s in proposer.propose(4)] == [3, 4, 5, 3]
    state = json.loads(json.dumps(proposer.state_dict()))
    nxt = proposer.propose(2)
    proposer.load_state_dict(state)
    assert proposer.propose(2) == nxt
    assert FixedProposer(TaskSpec(op=9)).propose(2) == [TaskSpec(op=9)] * 2
    with pytest.raises(ValueError, match="at least one"):
        FixedProposer([])


def _uniform(**config: Any) -> Any:
    return make_curriculum("uniform", CurriculumConfig(**config))


def test_the_uniform_curriculum_is_seeded_in_range_and_resumable() -> None:
    """The one uniform sampler an env takes: the curricula's ``uniform`` strategy."""
    a = _uniform(op_min=11, op_max=14, contexts=("zoo", "movie"), seed=4)
    b = _uniform(op_min=11, op_max=14, contexts=("zoo", "movie"), seed=4)
    specs = a.propose(50)
    assert specs == b.propose(50)
    assert all(11 <= s.op <= 14 and s.context in ("zoo", "movie") and s.seed == 4 for s in specs)
    assert len({s.index for s in specs}) == 50
    state = json.loads(json.dumps(a.state_dict()))
    nxt = a.propose(3)
    a.load_state_dict(state)
    assert a.propose(3) == nxt
    with pytest.raises(ValueError, match="op"):
        _uniform(op_min=1, op_max=3)


def test_proposers_follow_the_curriculum_protocol() -> None:
    assert isinstance(FixedProposer(TaskSpec()), Curriculum)
    assert isinstance(_uniform(), Curriculum)
