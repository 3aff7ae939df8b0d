"""ReasonStep-v0: per-step rewards sum to the Reason-v0 score of the joined response."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgegym.envs import ReasonEnv, ReasonStepEnv, gold_steps, join_steps
from edgegym.rewards import score
from edgegym.tasks import CONTEXTS, MODES, DagConfig, Problem, TaskSpec, generate


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    context = draw(st.sampled_from([c for c in CONTEXTS if c != "symbolic"]))
    return generate(
        TaskSpec(
            op=draw(st.integers(2, 14)),
            mode=draw(st.sampled_from(MODES)),
            context=context,
            index=draw(st.integers(0, 10**6)),
            # study-shaped problems (compound relations) one time in three
            config=draw(st.sampled_from([DagConfig(), DagConfig(), DagConfig.study(compound=1)])),
        )
    )


def _mutate(step: str, kind: int, text: str) -> list[str]:
    if kind == 0:
        return [step]
    if kind == 1:
        return []  # dropped
    if kind == 2:
        return [step, step]  # repeated
    if kind == 3:  # a digit changed
        i = max((j for j, c in enumerate(step) if c.isdigit()), default=-1)
        return [step] if i < 0 else [step[:i] + str((int(step[i]) + 1) % 10) + step[i + 1 :]]
    if kind == 4:  # split in two actions at the middle
        return [step[: len(step) // 2], step[len(step) // 2 :]]
    return [text]  # arbitrary text


@st.composite
def episodes(draw: st.DrawFn) -> tuple[Problem, list[str]]:
    problem = draw(problems())
    steps = gold_steps(problem)
    actions: list[str] = []
    for step in steps[:-1]:
        kind = draw(st.sampled_from([0, 0, 0, 1, 2, 3, 4, 5]))
        actions += _mutate(step, kind, draw(st.text(max_size=30)))
    final = draw(
        st.sampled_from(
            [
                steps[-1],
                f"</solution> <answer> {problem.answer + 1} </answer>",
                "</solution>",
                "<answer> 3 </answer> trailing text",
                steps[-1][:-3],  # unclosed answer tag: "</solution> <answer> N </ans" ends it
            ]
        )
    )
    return problem, [*actions, final]


CONFIGS = [
    {"reward": "gated"},
    {"reward": "gated", "alpha": 0.2},
    {"reward": "strict"},
    {"reward": "strict", "shaping": 0.7},
    {"reward": "outcome", "shaping": 1.0},
    {"reward": "linear", "alpha": 0.3},
    {"reward": "gated", "max_response_chars": 300},  # long episodes end on the budget
]


@pytest.mark.parametrize("kwargs", CONFIGS, ids=[str(c) for c in CONFIGS])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=episodes())
def test_step_rewards_sum_to_single_turn_score(
    kwargs: dict[str, object], case: tuple[Problem, list[str]]
) -> None:
    problem, actions = case
    env = ReasonStepEnv(**kwargs)  # unwrapped: no step limit, so every episode terminates
    env.reset(options={"problem": problem})
    total, played = 0.0, []
    for action in actions:
        played.append(action)
        _, reward, terminated, truncated, info = env.step(action)
        assert not truncated
        total += reward
        if terminated:
            break
    assert terminated, "every generated episode ends with a final marker"
    single_kwargs = {k: v for k, v in kwargs.items() if k != "shaping"}
    single = ReasonEnv(**single_kwargs)
    single.reset(options={"problem": problem})
    _, expected, *_ = single.step(join_steps(played))
    assert math.isclose(total, expected, rel_tol=0.0, abs_tol=1e-9)
    assert info["score"] == expected
    # and independently of the env code: the reward module on the joined, budgeted response
    budget = int(single_kwargs.get("max_response_chars", 8192))  # type: ignore[call-overload]
    mode, alpha = single_kwargs.get("reward", "gated"), single_kwargs.get("alpha", 0.5)
    direct = score(problem, join_steps(played)[:budget], mode=mode, alpha=alpha)  # type: ignore[arg-type]
    assert direct.score == expected


@settings(max_examples=40, deadline=None)
@given(problem=problems())
def test_gold_steps_join_to_the_gold_completion(problem: Problem) -> None:
    assert join_steps(gold_steps(problem)) == problem.completion


@settings(max_examples=25, deadline=None)
@given(problem=problems())
def test_gold_steps_earn_non_negative_rewards_and_correct_verdicts(problem: Problem) -> None:
    env = ReasonStepEnv(feedback="verdict")
    env.reset(options={"problem": problem})
    for action in gold_steps(problem):
        obs, reward, terminated, _, info = env.step(action)
        assert reward >= -1e-12
        if action.startswith("Define"):
            assert info["verdict"] == "correct" and obs.endswith(" [correct]")
    assert terminated and info["verified"]
