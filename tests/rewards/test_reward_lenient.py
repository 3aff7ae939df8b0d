"""Lenient reading of chat-style replies: each leniency scores what it should and is flagged."""

from __future__ import annotations

import pickle

import pytest

from edgegym.rewards import Reward, score
from edgegym.rewards.lenient import LENIENT_FLAGS, normalize
from edgegym.tasks import DagConfig, TaskSpec, generate
from edgegym.tasks.chat import chat_completion


@pytest.fixture(scope="module", params=["forward", "reverse"])
def problem(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    return generate(TaskSpec(op=6, mode=request.param, seed=3, index=1))


def _body(problem) -> str:  # type: ignore[no-untyped-def]
    return problem.completion.rsplit("</solution>", 1)[0].strip()


def chat_replies(problem) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The chat-style replies of the issue's table, for one problem."""
    n = problem.answer
    return {
        "gold after <solution>": chat_completion(problem),
        "<think> then gold": f"<think>Let me work it out. <answer> {n + 1} </answer></think>"
        + problem.completion,
        "<answer>N</answer> alone": f"<answer>{n}</answer>",
        "\\boxed{N} alone": f"The answer is \\boxed{{{n}}}.",
    }


def test_strict_reads_none_of_the_chat_replies(problem) -> None:  # type: ignore[no-untyped-def]
    for text in chat_replies(problem).values():
        result = score(problem, text, mode="strict")
        assert result.score == 0.0
        assert not result.flags & LENIENT_FLAGS


def test_lenient_scores_and_flags(problem) -> None:  # type: ignore[no-untyped-def]
    replies = chat_replies(problem)
    expect = {
        "gold after <solution>": (1.0, 1.0, {"lenient_solution"}),
        "<think> then gold": (1.0, 1.0, {"lenient_think"}),
        "<answer>N</answer> alone": (0.0, 0.5, {"lenient_answer"}),
        "\\boxed{N} alone": (0.0, 0.5, {"lenient_boxed"}),
    }
    for name, (strict, gated, flags) in expect.items():
        text = replies[name]
        s = score(problem, text, mode="strict", lenient=True)
        g = score(problem, text, mode="gated", lenient=True)
        assert (s.score, g.score) == (strict, gated), name
        assert s.flags & LENIENT_FLAGS == flags, name
        assert g.outcome == 1.0, name


def test_gold_is_untouched(problem) -> None:  # type: ignore[no-untyped-def]
    plain = score(problem, problem.completion, mode="strict")
    lenient = score(problem, problem.completion, mode="strict", lenient=True)
    assert plain == lenient and plain.score == 1.0
    assert normalize(problem.completion) == (problem.completion, frozenset())


def test_hedging_still_scores_zero(problem) -> None:  # type: ignore[no-untyped-def]
    n = problem.answer
    for text in (
        f"<answer>{n}</answer> <answer>{n + 1}</answer>",
        f"\\boxed{{{n}}} or \\boxed{{{n + 1}}}",
        f"\\boxed{{{n + 1}}}",
        "<think>unfinished " + chat_completion(problem),
        f"<solution> {_body(problem)} </solution> <answer> {n} </answer> <answer> {n} </answer>",
    ):
        assert score(problem, text, mode="gated", lenient=True).score == 0.0, text


def test_wrong_trace_after_think_is_not_verified(problem) -> None:  # type: ignore[no-untyped-def]
    body = _body(problem).replace("Define ", "Define  ", 1)
    text = f"<think>ok</think><solution> {body} </solution> <answer> {problem.answer} </answer>"
    result = score(problem, text, mode="gated", lenient=True)
    assert not result.verified and result.flags >= {"lenient_think", "lenient_solution"}


def test_normalize_never_raises_on_odd_text() -> None:
    for text in ("", "</think>", "<think>", "\\boxed{", "\\boxed{}", "<solution>", None, 5):
        normalize(text)


def test_reward_lenient_pickles_and_batches(problem) -> None:  # type: ignore[no-untyped-def]
    reward = Reward(mode="strict", lenient=True)
    again = pickle.loads(pickle.dumps(reward))
    assert again.lenient and repr(again) == repr(reward)
    assert again(problem, chat_completion(problem)) == 1.0
    assert Reward(mode="strict")(problem, chat_completion(problem)) == 0.0


def test_modulus_problem_chat_gold_scores_one() -> None:
    p = generate(TaskSpec(op=5, mode="forward", config=DagConfig(modulus=10, distractors=0)))
    assert score(p, chat_completion(p), mode="strict", lenient=True).score == 1.0


def test_score_cli_lenient(tmp_path, problem) -> None:  # type: ignore[no-untyped-def]
    import json

    from edgegym.cli import main

    problems = tmp_path / "p.jsonl"
    problems.write_text(problem.to_json() + "\n")
    replies = tmp_path / "r.jsonl"
    row = {
        "id": problem.id,
        "responses": [chat_completion(problem), f"<answer>{problem.answer}</answer>"],
    }
    replies.write_text(json.dumps(row) + "\n")
    for lenient, expect in ((False, [0.0, 0.0]), (True, [1.0, 0.0])):
        out = tmp_path / f"out{lenient}.jsonl"
        args = ["score", "--problems", str(problems), "--responses", str(replies)]
        args += ["--mode", "strict", "--out", str(out)] + (["--lenient"] if lenient else [])
        assert main(args) == 0
        results = [json.loads(x) for x in out.read_text().splitlines()]
        assert [r["score"] for r in results] == expect
        assert ("lenient_solution" in results[0]["flags"]) is lenient
