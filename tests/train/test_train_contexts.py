"""Several contexts and both modes in the local trainer: LM batches, RL problems, suites."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from edgegym.agents.corpus import slot_spec
from edgegym.agents.train.config import EvalSetup, LMConfig, RLConfig, TaskSetup
from edgegym.agents.train.data import LMProblems, lm_corpus, suite
from edgegym.agents.train.evaluate import eval_config, evaluate
from edgegym.agents.train.lm import StageIO, train_lm
from edgegym.agents.train.metrics import read_metrics
from edgegym.agents.train.rl import make_rl_curriculum, train_rl
from edgegym.tasks import DagConfig, generate

STUDY = TaskSetup(context="zoo", config=DagConfig())  # no modulus: reverse mode allowed


def test_lm_batches_follow_the_joint_mixture(tokenizer: Any) -> None:
    config = LMConfig(
        ops=(2, 3, 4, 5, 6),
        batch_size=64,
        contexts="zoo=0.8,teacher=0.2@2",  # teacher only at op 2
        modes="forward=0.5,reverse=0.5",
        share_of="tokens",
    )
    stream = LMProblems(STUDY, config, tokenizer)
    problems = stream.batch(0) + stream.batch(1)
    seen = Counter((p.spec.context, p.spec.mode) for p in problems)
    assert set(seen) == {(c, m) for c in ("zoo", "teacher") for m in ("forward", "reverse")}
    assert {p.op for p in problems if p.spec.context == "teacher"} == {2}
    assert {p.op for p in problems if p.spec.context == "zoo"} == {2, 3, 4, 5, 6}
    # The batches are the corpus stream of the same mixture, and the same in a new process.
    corpus = lm_corpus(STUDY, config)
    assert corpus is not None and corpus.share_of == "tokens"
    again = [generate(slot_spec(corpus, slot, stream.shares)) for slot in range(128)]
    assert [p.id for p in again] == [p.id for p in problems]
    assert [p.id for p in LMProblems(STUDY, config, tokenizer).batch(1)] == [
        p.id for p in problems[64:]
    ]


def test_lm_without_a_mixture_keeps_its_old_stream(micro: Any, tokenizer: Any) -> None:
    config = LMConfig(ops=(2, 3), batch_size=4)
    assert lm_corpus(micro.task, config) is None
    assert {p.spec.context for p in LMProblems(micro.task, config, tokenizer).batch(0)} == {
        "symbolic"
    }


def test_mixture_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="contexts"):
        LMConfig(ops=(2,), contexts="mars=1.0")
    with pytest.raises(ValueError, match="modes"):
        LMConfig(ops=(2,), modes="sideways")
    with pytest.raises(ValueError, match="contexts"):
        RLConfig(ops=(2,), contexts=("mars",))
    with pytest.raises(ValueError, match="modes"):
        EvalSetup(ops=(2,), modes=("forward", "forward"))


def test_rl_curriculum_draws_every_context_and_mode() -> None:
    config = RLConfig(ops=(2, 3), contexts=("teacher", "zoo"), modes=("forward", "reverse"))
    specs = make_rl_curriculum(STUDY, config).propose(200)
    tracks = Counter((s.context, s.mode) for s in specs)
    assert len(tracks) == 4 and min(tracks.values()) > 30  # uniform over 4 tracks x 2 ops


def test_suite_covers_each_context(micro: Any) -> None:
    problems = suite(micro.task, (2, 3), 3, split="test", seed=0, contexts=("symbolic", "zoo"))
    assert Counter(p.spec.context for p in problems) == {"symbolic": 6, "zoo": 6}
    alone = suite(micro.task, (2, 3), 3, split="test", seed=0)
    assert [p.id for p in alone] == [p.id for p in problems[:6]]  # the old suite, first
    assert "context" in eval_config(EvalSetup(ops=(2,), contexts=("symbolic", "zoo"))).dimensions


def test_stages_train_and_evaluate_on_two_contexts(
    micro: Any, tokenizer: Any, make_model: Any, tmp_path: Path
) -> None:
    model = make_model()
    lm = LMConfig(ops=(2, 3), steps=2, batch_size=4, contexts="symbolic=0.7,zoo=0.3@2")
    train_lm(model, tokenizer, micro.task, lm, StageIO(folder=tmp_path / "lm", progress=False))
    assert len(read_metrics(tmp_path / "lm" / "metrics.jsonl")) >= 1
    rl = replace(
        micro.rl, steps=1, contexts=("symbolic", "zoo"), curriculum="uniform", max_new_tokens=48
    )
    train_rl(model, tokenizer, micro.task, rl, StageIO(folder=tmp_path / "rl", progress=False))
    (row,) = read_metrics(tmp_path / "rl" / "metrics.jsonl")
    assert sum(row["ops"].values()) == rl.prompts
    setup = replace(
        micro.eval,
        ops=(2,),
        problems=2,
        samples=2,
        k=(1, 2),
        contexts=("symbolic", "zoo"),
        max_new_tokens=48,
    )
    results = evaluate(model, tokenizer, micro.task, setup, progress=False)
    assert Counter(p.context for p in results.problems) == {"symbolic": 2, "zoo": 2}


def test_rl_alpha_reaches_the_gated_reward(micro: Any) -> None:
    from edgegym.agents.train.rl import make_reward

    problem = generate(micro.task.spec(op=3, index=5))
    steps = problem.completion.split("Define ")
    hacked = "Define ".join([steps[0], *steps[2:]])  # a step skipped, the answer kept
    low, high = (
        make_reward("gated", 0.2)(problem, hacked),
        make_reward("gated", 0.5)(problem, hacked),
    )
    assert low.outcome and high.outcome and 0 <= low.process < 1
    assert low.score == pytest.approx(0.2 + 0.8 * low.process)
    assert high.score == pytest.approx(0.5 + 0.5 * high.process)
    assert RLConfig(ops=(2,), reward="gated", alpha=0.2).alpha == 0.2
    with pytest.raises(ValueError, match="alpha"):
        RLConfig(ops=(2,), alpha=1.5)
