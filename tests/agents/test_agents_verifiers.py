"""The verifiers environment, loaded and scored through verifiers' own (v1) classes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

vf = pytest.importorskip("verifiers.v1", reason="pip install 'edgegym[verifiers]'")

from verifiers.v1.graph import MessageNode  # noqa: E402
from verifiers.v1.types import AssistantMessage, UserMessage  # noqa: E402

from edgegym.tasks import Problem  # noqa: E402
from edgegym.tasks.chat import chat_messages  # noqa: E402
from edgegym.tasks.mutate import drop_step, with_answer  # noqa: E402

from .conftest import REPO  # noqa: E402

ENV_PACKAGE = REPO / "environments" / "edgegym_reason"
COMPACT = {"modulus": 10, "distractors": 0}


@pytest.fixture
def env_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment package importable, as `pip install ./environments/edgegym_reason` does."""
    monkeypatch.syspath_prepend(str(ENV_PACKAGE))


def _score(task: Any, reply: str) -> Any:
    """Score one reply with verifiers' own Task.score on a verifiers Trace."""
    trace = vf.Trace(
        agent=vf.AgentInfo(config=vf.AgentConfig()),
        task=vf.TraceTask(type=type(task).__name__, data=task.data),
        nodes=[
            MessageNode(parent=None, message=UserMessage(content=task.data.prompt), sampled=False),
            MessageNode(parent=0, message=AssistantMessage(content=reply), sampled=True),
        ],
    )
    asyncio.run(task.score(trace))
    return trace


def test_load_environment_gives_a_verifiers_env(env_package: None) -> None:
    from edgegym_reason import load_environment

    env = load_environment(op_min=2, op_max=3, per_op=2, dag=COMPACT)
    assert isinstance(env, vf.SingleAgentEnv)
    tasks = list(env.taskset)
    assert [t.data.name for t in tasks] == ["op2-0", "op2-1", "op3-0", "op3-1"]
    problem = Problem.from_record(tasks[0].data.record)
    system, user = (m["content"] for m in chat_messages(problem))  # the chat format
    assert (tasks[0].data.system_prompt, tasks[0].data.prompt) == (system, user)
    assert tasks[0].data.id == problem.id
    raw = next(iter(load_environment(per_op=1, dag=COMPACT, prompt_format="raw").taskset))
    assert (raw.data.system_prompt, raw.data.prompt) == (None, problem.prompt)
    # verifiers' own resolver finds the taskset and its tool-less harness by id.
    config = vf.resolve_env_config({"taskset": {"id": "edgegym-reason", "per_op": 1}})
    assert len(list(vf.load_environment(config).taskset)) == 5  # ops 2..6
    assert vf.default_harness_id("edgegym-reason") == "edgegym-reason"


@pytest.mark.parametrize("prompt_format", ["chat", "raw"])
def test_rubric_scores_gold_one_and_corruptions_zero(env_package: None, prompt_format: str) -> None:
    from edgegym_reason import load_environment

    kwargs: dict[str, Any] = {"op_min": 2, "op_max": 4, "per_op": 2, "dag": COMPACT}
    kwargs["prompt_format"] = prompt_format
    strict = list(load_environment(**kwargs).taskset)
    gated = list(load_environment(**kwargs, task={"reward": "gated"}).taskset)
    opening = "<solution>" if prompt_format == "chat" else ""  # a chat reply opens the tag
    for task, gated_task in zip(strict, gated, strict=True):
        raw = Problem.from_record(task.data.record).completion
        trace = _score(task, opening + raw)
        assert trace.rewards["score"].score == 1.0 and trace.reward == 1.0
        assert trace.metrics == {"outcome": 1.0, "process": 1.0, "verified": 1.0}
        missing_step = opening + drop_step(raw, 0)
        wrong = opening + with_answer(raw, str(task.data.record["answer"] + 1))
        for bad in (missing_step, wrong, "I don't know."):
            assert _score(task, bad).rewards["score"].score == 0.0
        # The process reward reaches the trainer: right answer, a step short.
        trace = _score(gated_task, missing_step)
        process = trace.metrics["process"]
        assert trace.metrics["outcome"] == 1.0 and process < 1.0 and trace.metrics["verified"] == 0
        assert trace.rewards["score"].score == pytest.approx(0.5 + 0.5 * process)
