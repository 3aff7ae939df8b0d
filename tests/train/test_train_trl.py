"""Rewards in TRL's calling convention, and (when TRL is installed) our GRPO loss against TRL's."""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

from edgegym.agents.train.config import TaskSetup
from edgegym.agents.train.data import suite
from edgegym.agents.trl import (
    CurriculumReward,
    TRLReward,
    check_tokenizer,
    curriculum_dataset,
    dataset_rows,
    problem_set,
)
from edgegym.curricula import CurriculumConfig, make_curriculum
from edgegym.tasks import DagConfig, Problem
from edgegym.tasks.mutate import drop_step


@pytest.fixture(scope="module")
def problems() -> list[Any]:
    task = TaskSetup(context="symbolic", config=DagConfig(modulus=10, distractors=0))
    return suite(task, (2, 4), 2, split="test", seed=0)


def test_gold_scores_one_and_junk_zero(problems: list[Any]) -> None:
    rows = dataset_rows(problems)
    reward = TRLReward(mode="strict")
    records = [r["record"] for r in rows]
    gold = [p.completion for p in problems]
    assert (
        reward(prompts=[r["prompt"] for r in rows], completions=gold, record=records) == [1.0] * 4
    )
    assert reward(completions=["junk"] * 4, record=records) == [0.0] * 4
    conversational = [[{"role": "assistant", "content": c}] for c in gold]
    assert reward(completions=conversational, record=[json.loads(r) for r in records]) == [1.0] * 4


def test_completion_ids_are_decoded_with_the_tags_kept(problems: list[Any], tokenizer: Any) -> None:
    # TRL hands over text decoded with skip_special_tokens=True: the tags are gone and
    # nothing scores. Decoding completion_ids with the tokenizer keeps them.
    records = [r["record"] for r in dataset_rows(problems)]
    ids = [tokenizer(p.completion)["input_ids"] + [tokenizer.eos_token_id] for p in problems]
    stripped = [tokenizer.decode(i, skip_special_tokens=True) for i in ids]
    assert TRLReward(mode="outcome")(completions=stripped, record=records) == [0.0] * 4
    fixed = TRLReward(mode="outcome", tokenizer=tokenizer)
    assert fixed(completions=stripped, completion_ids=ids, record=records) == [1.0] * 4
    assert fixed.__name__ == "edgegym_outcome"


class _SkippingDecode:
    """A processing class whose decode drops special tokens whatever it is asked."""

    def __init__(self, tokenizer: Any) -> None:
        self.inner = tokenizer
        self.eos_token_id = tokenizer.eos_token_id
        self.pad_token_id = tokenizer.pad_token_id

    def __call__(self, text: str, **kwargs: Any) -> Any:
        return self.inner(text, **kwargs)

    def decode(self, ids: Any, **kwargs: Any) -> str:
        return str(self.inner.decode(ids, skip_special_tokens=True))


def test_stripped_tags_are_an_error_not_zeros(problems: list[Any], tokenizer: Any) -> None:
    records = [r["record"] for r in dataset_rows(problems)]
    ids = [tokenizer(p.completion)["input_ids"] + [tokenizer.eos_token_id] for p in problems]
    stripped = [tokenizer.decode(i, skip_special_tokens=True) for i in ids]
    # Called by TRL (completion_ids given) without a tokenizer: refuse, do not score zeros.
    with pytest.raises(ValueError, match="completion_ids but no tokenizer"):
        TRLReward()(completions=stripped, completion_ids=ids, record=records)
    # A processing class that skips special tokens anyway is refused at construction.
    check_tokenizer(tokenizer)
    with pytest.raises(ValueError, match=r"loses the tags \['</solution>', '<answer>'"):
        TRLReward(tokenizer=_SkippingDecode(tokenizer))
    # The explicit opt-out scores the given text as is (here: stripped, so 0).
    plain = TRLReward(mode="outcome", score_text=True)
    assert plain(completions=stripped, completion_ids=ids, record=records) == [0.0] * 4


def test_problem_set_is_a_dataset_the_reward_scores(tokenizer: Any) -> None:
    pytest.importorskip("datasets")
    task = TaskSetup(context="symbolic", config=DagConfig(modulus=10, distractors=0))
    data = problem_set((2, 3), 3, task=task, seed=5)
    assert data.column_names == ["prompt", "record"] and len(data) == 6
    again = problem_set((2, 3), 3, task=task, seed=5)
    assert data["record"] == again["record"]  # the same bytes every run
    problems = [Problem.from_record(json.loads(r)) for r in data["record"]]
    assert [p.op for p in problems] == [2, 2, 2, 3, 3, 3]
    assert data["prompt"] == [p.prompt for p in problems]
    gold = [p.completion for p in problems]
    assert TRLReward()(completions=gold, record=data["record"]) == [1.0] * 6
    with pytest.raises(ValueError, match="per_op must be"):
        problem_set((2,), 0)


def test_chat_prompts_and_lenient_rewards(tokenizer: Any) -> None:
    """Chat prompts (edgegym.tasks.chat) for instruct models; their replies read leniently."""
    pytest.importorskip("datasets")
    from edgegym.tasks.chat import chat_messages, completion_of, prompt_of

    task = TaskSetup(context="symbolic", config=DagConfig(modulus=10, distractors=0))
    data = problem_set((2,), 2, task=task, prompt=lambda p: prompt_of(p, "chat"))
    problems = [Problem.from_record(json.loads(r)) for r in data["record"]]
    assert data["prompt"] == [chat_messages(p) for p in problems]
    replies = [[{"role": "assistant", "content": completion_of(p, "chat")}] for p in problems]
    assert TRLReward(lenient=True)(completions=replies, record=data["record"]) == [1.0, 1.0]
    assert TRLReward()(completions=replies, record=data["record"]) == [0.0, 0.0]


def _curriculum() -> Any:
    config = CurriculumConfig(
        contexts=("symbolic",), op_min=2, op_max=4, task=DagConfig(modulus=10, distractors=0)
    )
    return make_curriculum("frontier", config)


def test_curriculum_reward_observes_every_group(tokenizer: Any) -> None:
    pytest.importorskip("datasets")
    curriculum = _curriculum()
    rows = list(curriculum_dataset(curriculum, prompts_per_step=3).take(3))
    group = 4
    problems = [Problem.from_record(json.loads(r["record"])) for r in rows]
    # Per problem: two gold responses, one missing a step (right answer), one junk.
    completions, records = [], []
    for problem, row in zip(problems, rows, strict=True):
        wrong_step = drop_step(problem.completion, 0)
        completions += [problem.completion, problem.completion, wrong_step, "junk"]
        records += [row["record"]] * group
    ids = [tokenizer(c)["input_ids"] + [tokenizer.eos_token_id] for c in completions]
    logged: list[tuple[str, float]] = []
    reward = CurriculumReward(curriculum, mode="gated", tokenizer=tokenizer)
    scores = reward(
        prompts=[r["prompt"] for r in rows for _ in range(group)],
        completions=["(TRL's stripped text)"] * len(ids),
        completion_ids=ids,
        record=records,
        trainer_state=SimpleNamespace(global_step=7),
        log_metric=lambda name, value: logged.append((name, value)),
        log_extra=lambda *a: None,
    )
    assert scores[0::4] == [1.0] * 3 and scores[3::4] == [0.0] * 3
    assert all(0.5 <= s < 1.0 for s in scores[2::4])  # answer right, process penalised
    state = curriculum.state_dict()
    assert state["observed_groups"] == 3 and state["observed_zero_variance"] == 0
    samples = {s.arm.op: s.total_samples for s in curriculum.tracker.summaries(curriculum.arms)}
    assert sum(samples.values()) == 3 * group
    for p in problems:
        assert samples[p.op] >= group
    assert ("curriculum/groups", 3.0) in logged
    assert reward.history[0][0] == 7 and reward.scores == [scores]


def test_curriculum_dataset_refuses_to_run_far_ahead() -> None:
    pytest.importorskip("datasets")
    curriculum = _curriculum()
    data = curriculum_dataset(curriculum, prompts_per_step=2, max_ahead=4)
    reader = iter(data)
    assert len([next(reader) for _ in range(6)]) == 6  # 6 proposed, 0 observed: 2 ahead of 4
    with pytest.raises(RuntimeError, match="shuffle_dataset=False"):
        [next(reader) for _ in range(2)]
    with pytest.raises(ValueError, match="prompts_per_step"):
        curriculum_dataset(curriculum, prompts_per_step=0)


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_trl_grpo_trainer_drives_the_curriculum(
    make_model: Any, tokenizer: Any, tmp_path: Any
) -> None:
    """Real TRL: two GRPO steps on the curriculum dataset; the curriculum sees every group."""
    pytest.importorskip("trl", reason="TRL is optional; pip install 'edgegym[trl]'")
    from trl import GRPOConfig, GRPOTrainer

    curriculum = _curriculum()
    reward = CurriculumReward(curriculum, mode="outcome", tokenizer=tokenizer)
    args = GRPOConfig(
        output_dir=str(tmp_path),
        max_steps=2,
        per_device_train_batch_size=8,
        num_generations=4,
        max_completion_length=8,
        shuffle_dataset=False,
        bf16=False,
        use_cpu=True,
        gradient_checkpointing=False,
        report_to="none",
        save_strategy="no",
        logging_steps=1,
        disable_tqdm=True,
    )
    trainer = GRPOTrainer(
        model=make_model(seed=0),
        reward_funcs=reward,
        args=args,
        train_dataset=curriculum_dataset(curriculum, prompts_per_step=2),
        processing_class=tokenizer,
    )
    trainer.train()
    assert [step for step, _ in reward.history] == [0, 1]  # TRL's trainer_state.global_step
    assert [len(s) for s in reward.scores] == [8, 8]
    assert curriculum.state_dict()["observed_groups"] == 4
    logged = [e for e in trainer.state.log_history if "curriculum/groups" in e]
    assert [e["curriculum/groups"] for e in logged] == [2.0, 2.0]  # through log_metric


def test_missing_record_column_is_explained() -> None:
    with pytest.raises(ValueError, match="needs a 'record' column"):
        TRLReward()(completions=["x"], answer=["1"])
    with pytest.raises(ValueError, match="mode must be one of"):
        TRLReward(mode="nope")


@pytest.mark.filterwarnings("ignore::FutureWarning")  # TRL 1.16's own deprecated defaults
@pytest.mark.parametrize("beta", [0.0, 0.04])
def test_grpo_loss_and_gradient_equal_trl(
    beta: float, make_model: Any, tokenizer: Any, micro: Any, tmp_path: Any
) -> None:
    """Our loss on one rollout batch equals TRL 1.16's ``_compute_loss``, and so do the gradients.

    TRL is optional: the test is skipped without it. It calls TRL's private
    ``_compute_loss`` (the research note's oracle), so a TRL release may break it.
    """
    pytest.importorskip("trl", reason="TRL is optional; pip install trl to run this oracle")
    import torch
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    from edgegym.agents.train.config import RLConfig
    from edgegym.agents.train.grpo import policy_loss
    from edgegym.agents.train.rl import rollout
    from edgegym.agents.train.sampling import completion_logprobs

    path = tmp_path / "policy"
    make_model(seed=0).save_pretrained(path)
    tokenizer.save_pretrained(path)
    rows = dataset_rows(suite(micro.task, (2, 3), 4, split="train", seed=0))
    args = GRPOConfig(
        output_dir=str(tmp_path / "trl"),
        per_device_train_batch_size=8,
        num_generations=4,
        max_completion_length=8,
        beta=beta,
        bf16=False,
        use_cpu=True,
        gradient_checkpointing=False,
        report_to="none",
        save_strategy="no",
    )
    trainer = GRPOTrainer(
        model=str(path),
        reward_funcs=TRLReward(mode="outcome", tokenizer=tokenizer),
        args=args,
        train_dataset=Dataset.from_list(rows),
        processing_class=tokenizer,
    )
    trainer.current_gradient_accumulation_steps = 1
    theirs = trainer.model.float().train()
    ours = make_model(seed=0).train()
    reference = make_model(seed=1)  # a different policy, so the KL term is not zero

    config = RLConfig(ops=(2, 3), prompts=2, group=4, max_new_tokens=8, kl=beta)
    problems = suite(micro.task, (2,), 2, split="train", seed=1)
    # Any reward that varies within groups will do: the parity of the first character.
    out = rollout(
        ours, tokenizer, problems, config, _parity, generator=torch.Generator().manual_seed(0)
    )
    batch = out.batch
    width = batch.completion_len
    prompt_len = batch.input_ids.shape[1] - width
    with torch.no_grad():
        ref = completion_logprobs(reference, batch.input_ids, batch.attention_mask, width)
    batch.ref_logp = ref if beta else None
    tokens = float(batch.completion_mask.sum())
    logp = completion_logprobs(ours, batch.input_ids, batch.attention_mask, width)
    loss, _ = policy_loss(logp, batch, clip=0.2, kl=beta, tokens=tokens)
    loss.backward()

    inputs = {
        "prompt_ids": batch.input_ids[:, :prompt_len],
        "prompt_mask": batch.attention_mask[:, :prompt_len],
        "completion_ids": batch.input_ids[:, prompt_len:],
        "completion_mask": batch.attention_mask[:, prompt_len:],
        "advantages": batch.advantages,
        "num_items_in_batch": torch.tensor(tokens),
    }
    if beta:
        inputs["ref_per_token_logps"] = ref
    trl_loss = trainer._compute_loss(theirs, inputs)
    trl_loss.backward()
    assert float(loss.detach()) == pytest.approx(float(trl_loss.detach()), rel=1e-5, abs=1e-7)
    grads = [(a.grad, b.grad) for a, b in zip(ours.parameters(), theirs.parameters(), strict=True)]
    flat_a = torch.cat([a.flatten() for a, _ in grads if a is not None])
    flat_b = torch.cat([b.flatten() for _, b in grads if b is not None])
    assert float((flat_a - flat_b).norm() / flat_b.norm()) < 1e-4
    assert float(batch.advantages.abs().sum()) > 0  # the batch carried signal


@dataclass(frozen=True)
class _Scored:
    score: float
    outcome: bool = False
    process: float = 0.0
    verified: bool = False
    flags: frozenset[str] = frozenset()


def _parity(problem: Any, response: str) -> _Scored:
    return _Scored(score=float(bool(response) and ord(response[0]) % 2 == 1))
