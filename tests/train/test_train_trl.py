"""Rewards in TRL's calling convention, and (when TRL is installed) our GRPO loss against TRL's."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from edgegym.agents.train.config import TaskSetup
from edgegym.agents.train.data import suite
from edgegym.agents.trl import TRLReward, dataset_rows
from edgegym.tasks import DagConfig


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
