"""edgegym's problems as a Prime Intellect ``verifiers`` (v1) environment.

A verifiers environment is a *taskset* (the problems) plus the agent that plays it. Here:

- :class:`EdgegymTaskset` yields one :class:`EdgegymTask` per problem: problems
  ``0..per_op-1`` of every op in ``op_min..op_max`` of one task setting;
- :class:`EdgegymTask` is the rubric: the reward ``score`` (weight 1; the reward mode is
  the task config's ``reward``, ``strict`` by default) and the metrics ``outcome``,
  ``process`` and ``verified``, all from one :class:`edgegym.rewards.Reward` call on the
  model's whole reply, so the process reward reaches the trainer;
- :class:`EdgegymHarness` is verifiers' tool-less chat harness (no code execution).

The environment package ``environments/edgegym_reason`` (taskset id ``edgegym-reason``)
re-exports these for ``vf-eval``/``prime`` and the Environments Hub; in Python::

    from edgegym.agents.verifiers_env import load_environment
    env = load_environment(op_min=2, op_max=8, per_op=16)   # a verifiers.v1 Env

Prompts are edgegym's chat format by default (:mod:`edgegym.tasks.chat`: a system
instruction stating the trace grammar with a worked example, and the problem as the user
message); replies are read leniently (a leading ``<solution>``, ``<think>`` blocks). With
``prompt_format="raw"`` the prompt is the study's model text and the reply its
continuation after ``<solution>``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from edgegym.agents.train.config import TaskSetup
from edgegym.agents.train.data import suite
from edgegym.rewards import RewardResult, shared_reward
from edgegym.tasks import DagConfig, Problem
from edgegym.tasks.chat import chat_messages

try:
    import verifiers.v1 as vf
    from pydantic import Field
    from verifiers.v1.harnesses.null import NullHarness
except ImportError as err:  # pragma: no cover - depends on the install
    raise ImportError(
        "the verifiers environment needs verifiers 0.4: `pip install 'edgegym[verifiers]'`"
    ) from err

__all__ = [
    "TASKSET_ID",
    "EdgegymHarness",
    "EdgegymTask",
    "EdgegymTaskConfig",
    "EdgegymTaskData",
    "EdgegymTaskset",
    "EdgegymTasksetConfig",
    "load_environment",
]

TASKSET_ID = "edgegym-reason"
"""The id verifiers resolves to the ``edgegym_reason`` environment package."""


class EdgegymTaskData(vf.TaskData):  # type: ignore[misc]
    """One problem: verifiers' prompt fields plus the problem's edgegym record (the gold)."""

    record: dict[str, Any]
    prompt_format: Literal["raw", "chat"] = "chat"
    """``chat``: system instruction + user message, replies read leniently; ``raw``: the
    study's model text, the reply being the continuation after ``<solution>``."""

    @classmethod
    def of(cls, problem: Problem, prompt_format: str) -> EdgegymTaskData:
        """The task data of ``problem`` in a prompt format."""
        if prompt_format == "chat":
            system, user = (m["content"] for m in chat_messages(problem))
            prompt = {"system_prompt": system, "prompt": user}
        else:
            prompt = {"prompt": problem.prompt}
        return cls(
            id=problem.id,
            name=f"op{problem.op}-{problem.spec.index}",
            record=problem.to_record(),
            prompt_format=prompt_format,
            **prompt,
        )


class EdgegymTaskConfig(vf.TaskConfig):  # type: ignore[misc]
    """How replies are scored (``--env.taskset.task.reward``)."""

    reward: Literal["strict", "gated", "outcome", "linear"] = "strict"
    alpha: float = 0.5


class EdgegymTask(vf.Task[EdgegymTaskData, vf.State, EdgegymTaskConfig]):  # type: ignore[misc]
    """One problem, one reply; the rubric: reward ``score``, metrics outcome/process/verified."""

    def result(self, trace: Any) -> RewardResult:
        """edgegym's diagnosis of the trace's last reply."""
        lenient = self.data.prompt_format == "chat"
        reward = shared_reward(self.config.reward, self.config.alpha, lenient)  # type: ignore[arg-type]
        return reward.result(self.data.record, trace.last_reply)

    @vf.stop  # type: ignore[misc,untyped-decorator]
    async def single_turn(self, trace: Any) -> bool:
        """One reply ends the episode."""
        return bool(trace.num_turns >= 1)

    @vf.reward(weight=1.0)  # type: ignore[misc,untyped-decorator]
    async def edgegym_reward(self, trace: Any) -> dict[str, float]:
        """The reward, recorded as ``score``."""
        return {"score": self.result(trace).score}

    @vf.metric  # type: ignore[misc,untyped-decorator]
    async def edgegym_metrics(self, trace: Any) -> dict[str, float]:
        """``outcome``, ``process`` and ``verified`` (1.0 or 0.0) of the reply."""
        res = self.result(trace)
        return {"outcome": res.outcome, "process": res.process, "verified": float(res.verified)}


class EdgegymTasksetConfig(vf.TasksetConfig):  # type: ignore[misc]
    """Which problems load (``--env.taskset.*``)."""

    op_min: int = 2
    op_max: int = 6
    per_op: int = 32
    context: str = "symbolic"
    mode: Literal["forward", "reverse"] = "forward"
    dag: dict[str, Any] = Field(default_factory=dict)
    """``DagConfig`` fields (``modulus``, ``distractors``, ...); defaults for the rest."""
    split: Literal["train", "test"] = "train"
    seed: int = 0
    prompt_format: Literal["raw", "chat"] = "chat"
    task: EdgegymTaskConfig = EdgegymTaskConfig()


class EdgegymTaskset(vf.Taskset[EdgegymTask, EdgegymTasksetConfig]):  # type: ignore[misc]
    """Problems ``0..per_op-1`` of each op ``op_min..op_max``: the same bytes every run."""

    def load(self) -> Iterator[EdgegymTask]:
        c = self.config
        if not 0 < c.op_min <= c.op_max:
            raise ValueError(f"need 0 < op_min <= op_max, got {c.op_min}, {c.op_max}")
        task = TaskSetup(context=c.context, mode=c.mode, config=DagConfig.parse(c.dag))
        ops = range(c.op_min, c.op_max + 1)
        for problem in suite(task, ops, c.per_op, split=c.split, seed=c.seed):
            yield EdgegymTask(EdgegymTaskData.of(problem, c.prompt_format), c.task)


class EdgegymHarness(NullHarness):  # type: ignore[misc]
    """verifiers' tool-less chat harness: the model answers in one reply, runs no code."""


def load_environment(**taskset: Any) -> Any:
    """The verifiers ``Env`` of the ``edgegym-reason`` taskset; ``taskset`` are its config
    fields (``op_min``, ``op_max``, ``per_op``, ``task={"reward": "gated"}``, ...).

    Needs the environment package ``environments/edgegym_reason`` importable (installed,
    or on ``sys.path``), as verifiers resolves tasksets by id.
    """
    config = vf.resolve_env_config({"taskset": {"id": TASKSET_ID, **taskset}})
    return vf.load_environment(config)
