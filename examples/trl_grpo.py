"""GRPO with TRL's ``GRPOTrainer`` on edgegym problems chosen by an edgegym curriculum.

Starts from the shipped ``tiny-cpu`` base (a ~1M-parameter Llama pre-trained on compact
symbolic problems) and runs a few GRPO steps on the CPU in about a minute:

    pip install 'edgegym[train,trl]'
    python examples/trl_grpo.py
    python examples/trl_grpo.py --steps 20 --strategy learnability --out runs/trl_grpo

Each step the curriculum proposes ``prompts`` problems (``curriculum_dataset``), TRL
samples ``group`` completions of each, and ``CurriculumReward`` scores them with
edgegym's reward and feeds the groups back to the curriculum (``observe``), which
moves the next proposals toward the edge of the model's competence. At the end the
script prints the reward variance (GRPO learns only from groups whose rewards differ)
and the curriculum's per-op state, and writes both to ``--out``/summary.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Args:
    steps: int = 6
    """GRPO steps (one generation batch each)."""
    prompts: int = 8
    """Problems per step."""
    group: int = 8
    """Completions per problem (TRL's num_generations)."""
    op_min: int = 2
    """Smallest op the curriculum may propose."""
    op_max: int = 6
    """Largest op the curriculum may propose."""
    strategy: str = "frontier"
    """Curriculum strategy (frontier, learnability, target, band, uniform)."""
    reward: str = "gated"
    """edgegym reward mode: strict, gated, outcome or linear."""
    lr: float = 1e-4
    """Learning rate (1e-4 is safe for the tiny base; 3e-4 destroyed it in our runs)."""
    max_completion_length: int = 96
    """Completion tokens (characters, for the tiny base)."""
    temperature: float = 1.0
    """Sampling temperature."""
    seed: int = 0
    """Seed of the curriculum and of TRL."""
    out: Path = Path("runs/trl_grpo")
    """Where TRL's output, the curriculum state and summary.json go."""


def parse_args() -> Args:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for field in dataclasses.fields(Args):
        flag = "--" + field.name.replace("_", "-")
        parser.add_argument(flag, type=type(field.default), default=field.default)
    return Args(**vars(parser.parse_args()))


def main() -> None:
    args = parse_args()
    started, cpu_started = time.perf_counter(), time.process_time()

    # ---- imports: torch, transformers and TRL are optional extras of edgegym ---------------
    import torch
    from trl import GRPOConfig, GRPOTrainer

    from edgegym.agents.train.checkpoint import load_model
    from edgegym.agents.train.config import load_preset
    from edgegym.agents.train.data import stop_ids
    from edgegym.agents.train.pipeline import base_dir
    from edgegym.agents.trl import CurriculumReward, curriculum_dataset
    from edgegym.curricula import CurriculumConfig, make_curriculum

    torch.set_num_threads(1)  # tiny model, shared CPU: one thread is fastest

    # ---- the shipped base and the task it was trained on ------------------------------------
    preset = load_preset("tiny-cpu")
    # The weights ship in float16; load_model trains in float32 (float16 on a CPU is slow
    # and overflows).
    model, tokenizer = load_model(base_dir(preset))  # checked against the preset's sha256
    # Stop at </answer> as well as EOS: TRL stops at every eos id of the generation config.
    model.generation_config.eos_token_id = list(stop_ids(tokenizer))

    # ---- the curriculum: proposes problems, observes scored groups --------------------------
    curriculum = make_curriculum(
        args.strategy,
        CurriculumConfig(
            contexts=(preset.task.context,),
            modes=(preset.task.mode,),
            op_min=args.op_min,
            op_max=args.op_max,
            seed=args.seed,
            task=preset.task.config,
        ),
    )
    dataset = curriculum_dataset(curriculum, prompts_per_step=args.prompts)
    reward = CurriculumReward(curriculum, mode=args.reward, tokenizer=tokenizer)

    # ---- TRL: every default that assumes a pretrained LLM on a GPU is set here --------------
    config = GRPOConfig(
        output_dir=str(args.out),
        max_steps=args.steps,  # required with an iterable dataset
        per_device_train_batch_size=args.prompts * args.group,  # counts completions
        num_generations=args.group,
        max_completion_length=args.max_completion_length,
        temperature=args.temperature,
        learning_rate=args.lr,
        lr_scheduler_type="constant",
        shuffle_dataset=False,  # the curriculum orders the problems
        bf16=False,
        gradient_checkpointing=False,
        use_cpu=True,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
        seed=args.seed,
    )
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=reward,
        args=config,
        train_dataset=dataset,
        processing_class=tokenizer,
    )
    trainer.train()

    # ---- what happened -----------------------------------------------------------------------
    logs = [entry for entry in trainer.state.log_history if "reward" in entry]
    rewards = [r for batch in reward.scores for r in batch]
    groups = [rewards[i : i + args.group] for i in range(0, len(rewards), args.group)]
    state = curriculum.state_dict()
    per_op = {
        s.arm.op: {"samples": s.total_samples, "verified": round(s.mean, 3), "status": s.status}
        for s in curriculum.tracker.summaries(curriculum.arms)
    }
    summary = {
        "seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(time.process_time() - cpu_started, 1),
        "steps": len(logs),
        "rewards": len(rewards),
        "reward_mean": statistics.fmean(rewards),
        "reward_variance": statistics.pvariance(rewards),
        "within_group_variance": statistics.fmean(statistics.pvariance(g) for g in groups),
        "informative_groups": sum(len(set(g)) > 1 for g in groups),
        "observed_groups": state["observed_groups"],
        "observed_zero_variance": state["observed_zero_variance"],
        "proposed": state["proposed"],
        "per_op": per_op,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    curriculum.save(args.out / "curriculum.json")
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n")
    print(json.dumps(summary, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
