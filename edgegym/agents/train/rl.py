"""The GRPO loop with the curriculum in it: propose, sample, score, observe, update.

Each step the curriculum (:mod:`edgegym.curricula`) proposes ``prompts`` problems;
``group`` responses are sampled for each at the configured temperature, scored
with :mod:`edgegym.rewards`, reported back to the curriculum as
:class:`~edgegym.curricula.GroupResult`, and turned into one policy update
(:mod:`edgegym.agents.train.grpo`). Zero-variance groups are dropped from the loss
when ``filter_zero_variance`` is set. The checkpoint holds the model, the
optimizer and the curriculum's state, and every random draw of step ``s`` is
seeded by ``(seed, s)``, so a resumed run ends in the same state as an
uninterrupted one.
"""

from __future__ import annotations

import copy
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from edgegym.agents.tokenizer import require
from edgegym.agents.train.checkpoint import load_latest, save_checkpoint
from edgegym.agents.train.compute import Compute, model_params
from edgegym.agents.train.config import RLConfig, TaskSetup
from edgegym.agents.train.data import decode_response, encode, left_pad, response_limit, stop_ids
from edgegym.agents.train.grpo import PolicyBatch, group_advantages, informative_rows, policy_loss
from edgegym.agents.train.lm import StageIO, make_optimizer
from edgegym.agents.train.metrics import LiveView, MetricsLog
from edgegym.agents.train.runtime import torch_generator
from edgegym.agents.train.sampling import completion_logprobs, sample
from edgegym.curricula import CurriculumConfig, GroupResult, make_curriculum
from edgegym.curricula.arms import RewardLike
from edgegym.curricula.base import Curriculum
from edgegym.tasks import Problem, generate

__all__ = ["RewardFn", "Rollout", "make_reward", "rollout", "train_rl", "update"]

RewardFn = Callable[[Problem, str], RewardLike]
"""``(problem, response text) -> result`` with ``score``, ``outcome``, ``process``,
``verified`` and ``flags`` (an :class:`edgegym.rewards.RewardResult`)."""


def make_reward(mode: str, alpha: float = 0.5) -> RewardFn:
    """The package's reward in ``mode`` (``strict``, ``gated``, ``outcome``, ``linear``).

    ``alpha`` is the outcome weight of ``gated`` and ``linear`` (the study's 0.5 and 0.2).
    """
    from edgegym.rewards import Reward

    reward = Reward(mode=mode, alpha=alpha)  # type: ignore[arg-type]
    return reward.result


@dataclass
class Rollout:
    """Sampled and scored responses of one step: ``group`` rows per problem, contiguous."""

    problems: list[Problem]
    """One per group."""
    batch: PolicyBatch
    """Token tensors and advantages of every row."""
    rewards: Any
    """(rows,) float tensor of training rewards."""
    results: list[RewardLike]
    """Reward diagnosis of each row."""
    texts: list[str]
    """Response text of each row."""


def rollout(
    model: Any,
    tokenizer: Any,
    problems: Sequence[Problem],
    config: RLConfig,
    reward_fn: RewardFn,
    *,
    generator: Any,
) -> Rollout:
    """Sample ``config.group`` responses per problem, score them, compute advantages."""
    torch = require("torch")
    device = next(model.parameters()).device
    group = config.group
    encoded = encode(tokenizer, problems)
    completions = sample(
        model,
        [prompt for prompt, _ in encoded],
        max_new_tokens=[response_limit(len(c), config.max_new_tokens) for _, c in encoded],
        temperature=config.temperature,
        stop=stop_ids(tokenizer),
        pad_id=tokenizer.pad_token_id,
        generator=generator,
        repeat=group,
        batch_size=max(len(encoded) * group, 1),
    )
    prompts = [prompt for prompt, _ in encoded for _ in range(group)]
    texts = [decode_response(tokenizer, ids) for ids in completions]
    rows = [p for p in problems for _ in range(group)]
    results = [reward_fn(p, text) for p, text in zip(rows, texts, strict=True)]
    rewards = torch.tensor([float(r.score) for r in results], dtype=torch.float32)
    prompt_ids, prompt_mask = left_pad(prompts, pad_id=tokenizer.pad_token_id, device=device)
    width = max(len(c) for c in completions)
    comp = torch.full((len(completions), width), tokenizer.pad_token_id, dtype=torch.long)
    comp_mask = torch.zeros((len(completions), width), dtype=torch.long)
    for row, ids in enumerate(completions):
        comp[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
        comp_mask[row, : len(ids)] = 1
    comp, comp_mask = comp.to(device), comp_mask.to(device)
    batch = PolicyBatch(
        input_ids=torch.cat([prompt_ids, comp], 1),
        attention_mask=torch.cat([prompt_mask, comp_mask], 1),
        completion_mask=comp_mask.float(),
        advantages=group_advantages(rewards, group, scale=config.scale_rewards).to(device),
    )
    return Rollout(
        problems=list(problems), batch=batch, rewards=rewards, results=results, texts=texts
    )


def update(
    model: Any,
    optimizer: Any,
    batch: PolicyBatch,
    config: RLConfig,
    *,
    reference: Any = None,
) -> dict[str, float]:
    """Run ``config.iterations`` policy updates on ``batch``; returns loss, grad norm, KL, clips."""
    torch = require("torch")
    n_rows = batch.input_ids.shape[0]
    chunks = [
        torch.arange(lo, min(lo + config.micro_batch, n_rows), device=batch.input_ids.device)
        for lo in range(0, n_rows, config.micro_batch)
    ]
    tokens = float(batch.completion_mask.sum())
    length = batch.completion_len

    def logps(net: Any, part: PolicyBatch) -> Any:
        return completion_logprobs(
            net, part.input_ids, part.attention_mask, length, temperature=config.temperature
        )

    with torch.no_grad():
        if config.iterations > 1:
            batch.old_logp = torch.cat([logps(model, batch.rows(ix)) for ix in chunks])
        if config.kl > 0:
            batch.ref_logp = torch.cat([logps(reference, batch.rows(ix)) for ix in chunks])
    stats = {"loss": 0.0, "grad_norm": 0.0, "kl": 0.0, "clipped": 0.0}
    model.train()
    for _ in range(config.iterations):
        optimizer.zero_grad(set_to_none=True)
        loss_total, kl_sum, clipped = 0.0, 0.0, 0.0
        for ix in chunks:
            part = batch.rows(ix)
            loss, info = policy_loss(
                logps(model, part), part, clip=config.clip, kl=config.kl, tokens=tokens
            )
            loss.backward()
            loss_total += float(loss.detach())
            kl_sum += info.get("kl_sum", 0.0)
            clipped += info["clipped"]
        norm = (
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            if config.grad_clip > 0
            else torch.zeros(())
        )
        optimizer.step()
        stats = {
            "loss": loss_total,
            "grad_norm": float(norm),
            "kl": kl_sum / max(tokens, 1.0),
            "clipped": clipped / max(tokens, 1.0),
        }
    return stats


def make_rl_curriculum(task: TaskSetup, config: RLConfig) -> Curriculum[Any]:
    """The curriculum over arms ``min(ops)..max(ops)`` of the task's track."""
    curriculum_config = CurriculumConfig(
        family=task.family,
        contexts=config.contexts or (task.context,),
        modes=config.modes or (task.mode,),  # type: ignore[arg-type]  # validated by RLConfig
        op_min=min(config.ops),
        op_max=max(config.ops),
        split="train",
        seed=config.seed,
        task=task.config,
    )
    return make_curriculum(config.curriculum, curriculum_config, **(config.curriculum_params or {}))


def _step_metrics(step: int, out: Rollout, kept: int, groups: int, G: int) -> dict[str, Any]:
    results = out.results
    n = len(results)
    ops = Counter(p.op for p in out.problems)
    return {
        "step": step,
        "reward": round(float(out.rewards.mean()), 6),
        "verified": round(sum(bool(r.verified) for r in results) / n, 6),
        "outcome": round(sum(float(r.outcome) for r in results) / n, 6),
        "process": round(sum(float(r.process) for r in results) / n, 6),
        "active_groups": round(kept / max(groups, 1), 6),
        "response_tokens": round(float(out.batch.completion_mask.sum()) / n, 3),
        "ops": {str(op): ops[op] for op in sorted(ops)},
        "group": G,
    }


@dataclass
class _RLState:
    """What a GRPO step changes besides the model: optimizer, curriculum, compute."""

    optimizer: Any
    curriculum: Curriculum[Any]
    compute: Compute
    reference: Any = None


def _count_rollout(compute: Compute, out: Rollout, group: int) -> None:
    """Sampling compute of a rollout: each prompt prefilled once, each generated token."""
    prompt_width = out.batch.input_ids.shape[1] - out.batch.completion_len
    prompt_tokens = int(out.batch.attention_mask[:, :prompt_width].sum()) // group
    compute.add("sample_prompt", prompt_tokens)
    compute.add("sample_generated", int(out.batch.completion_mask.sum()))


def _count_update(compute: Compute, rows: PolicyBatch, config: RLConfig) -> None:
    """Update compute: forward and backward of every trained token, each iteration."""
    tokens = int(rows.attention_mask.sum())
    compute.add("update", tokens * config.iterations)
    extra_forwards = int(config.iterations > 1) + int(config.kl > 0)
    if extra_forwards:
        compute.add("update_forward", tokens * extra_forwards)


def _rl_step(
    model: Any,
    tokenizer: Any,
    config: RLConfig,
    state: _RLState,
    step: int,
    reward_fn: RewardFn,
) -> dict[str, Any]:
    """One GRPO step: propose, sample, score, observe, update; returns its metrics row."""
    device = next(model.parameters()).device
    clock = time.perf_counter()
    lr = config.lr * min(1.0, (step + 1) / config.warmup) if config.warmup else config.lr
    for param_group in state.optimizer.param_groups:
        param_group["lr"] = lr
    specs = state.curriculum.propose(config.prompts)
    problems = [generate(spec) for spec in specs]
    generator = torch_generator(config.seed, "rl-sample", step, device=device)
    out = rollout(model, tokenizer, problems, config, reward_fn, generator=generator)
    _count_rollout(state.compute, out, config.group)
    G = config.group
    groups = [
        GroupResult.of(spec, out.results[i * G : (i + 1) * G]) for i, spec in enumerate(specs)
    ]
    curriculum_metrics = state.curriculum.observe(groups)
    keep = (
        informative_rows(out.rewards, G)
        if config.filter_zero_variance
        else out.rewards == out.rewards
    )
    stats = {"loss": 0.0, "grad_norm": 0.0, "kl": 0.0, "clipped": 0.0}
    if bool(keep.any()):
        rows = out.batch.rows(keep.nonzero().squeeze(1).to(device))
        _count_update(state.compute, rows, config)
        stats = update(model, state.optimizer, rows, config, reference=state.reference)
    row = _step_metrics(step + 1, out, int(keep.sum()) // G, len(specs), G)
    row.update({k: round(v, 6) for k, v in stats.items()})
    row["lr"] = lr
    row["curriculum"] = {k: round(float(v), 6) for k, v in curriculum_metrics.items()}
    row["flops"] = state.compute.total
    row["seconds"] = round(time.perf_counter() - clock, 3)
    return row


def train_rl(
    model: Any,
    tokenizer: Any,
    task: TaskSetup,
    config: RLConfig,
    io: StageIO,
    *,
    reward_fn: RewardFn | None = None,
    title: str = "rl",
) -> dict[str, Any]:
    """Run GRPO on ``model`` in place, resuming from ``io.folder/ckpt``.

    The KL reference (when ``config.kl > 0``) is a frozen copy of ``model`` as passed
    in, i.e. the stage's starting point, also on resume.

    Returns:
        The last logged metrics and ``compute``, the stage's
        :class:`~edgegym.agents.train.compute.Compute` as a dict.
    """
    reward_fn = reward_fn or make_reward(config.reward, config.alpha)
    device = next(model.parameters()).device
    reference = None
    if config.kl > 0:
        reference = copy.deepcopy(model).eval().requires_grad_(False)
    optimizer = make_optimizer(
        model, lr=config.lr, betas=config.betas, weight_decay=config.weight_decay
    )
    curriculum = make_rl_curriculum(task, config)
    ckpt_dir = io.folder / "ckpt"
    checkpoint = load_latest(ckpt_dir, device=device)
    start = 0
    if checkpoint is not None:
        model.load_state_dict(checkpoint.model)
        optimizer.load_state_dict(checkpoint.optimizer)
        curriculum.load_state_dict(checkpoint.meta["curriculum"])
        start = checkpoint.step
    saved = checkpoint.meta.get("compute") if checkpoint is not None else None
    compute = Compute.from_dict(saved, model_params(model))
    state = _RLState(optimizer, curriculum, compute, reference)
    last: dict[str, Any] = {}
    with (
        MetricsLog(io.folder / "metrics.jsonl", resume_step=start if checkpoint else None) as log,
        LiveView(title, config.steps, console=io.console, enabled=io.progress) as view,
    ):
        view.update(start)
        for step in range(start, config.steps):
            row = _rl_step(model, tokenizer, config, state, step, reward_fn)
            done = step + 1
            if done % config.log_every == 0 or done == config.steps:
                log.write(row)
                last = row
            view.update(
                done,
                f"reward {row['reward']:.3f}  verified {row['verified']:.3f}  "
                f"active {row['active_groups']:.2f}  ops {','.join(row['ops'])}",
            )
            if done % config.checkpoint_every == 0 or done == config.steps:
                meta = {"curriculum": curriculum.state_dict(), "compute": compute.to_dict()}
                save_checkpoint(ckpt_dir, step=done, model=model, optimizer=optimizer, meta=meta)
            if io.on_step is not None:
                io.on_step(done)
    return last | {"compute": compute.to_dict()}
