"""GPU check: every model preset on one GPU, sampled through the env loop, rewards checked.

Needs torch, transformers, tokenizers and edgegym only (no OpenRLHF, Ray or vLLM, no
network). For each model preset it

1. builds the preset's tokenizer (character-level, or a BPE trained here on generated text),
   initialises the model on the device and checks the parameter count;
2. times a training step (forward + backward + AdamW) on a batch of model texts;
3. samples responses to ``Reason-v0`` prompts with ``generate`` and steps every response
   through the env, checking that each reward is in [0, 1] and equals
   ``edgegym.rewards.score``; and steps the gold responses, which must all score 1;
4. prints a table of parameters, train tokens/s, sampled tokens/s and rewards;
5. runs ``examples/reproduce_edge.py`` on the device on a short budget (the preset's
   pipeline with ``--edge-set`` overrides, four RL arms, a small evaluation) and prints
   its pass@k tables and wall time (``--no-edge`` skips it).

Run: ``python examples/gpu_check.py`` (``--device cpu --presets tiny --edge-preset micro``
works anywhere). Steps 1-4 take about a minute on one H100, step 5 a few minutes; it exits
non-zero if any check fails.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import gymnasium as gym
import torch
from rich.console import Console
from rich.table import Table

import edgegym  # noqa: F401  (registers the env ids)
from edgegym.agents.corpus import sample_texts
from edgegym.agents.model import MODEL_PRESETS, count_params, init_model
from edgegym.agents.tokenizer import EOS, char_tokenizer, train_bpe
from edgegym.rewards import score

EXPECTED_PARAMS = {"tiny": 1.06e6, "small": 4.2e6, "medium": 15e6, "study-100m": 103e6}


@dataclass(frozen=True, kw_only=True)
class Args:
    device: str = "cuda"
    """``cuda`` (the point of this script) or ``cpu``."""
    presets: str = "tiny,small,medium,study-100m"
    """Comma-separated model presets to check."""
    prompts: int = 64
    """Env episodes sampled per preset (one batch)."""
    new_tokens: int = 128
    """Tokens sampled per response."""
    train_batch: int = 16
    """Sequences per timed training step."""
    seed: int = 0
    """Model initialisation and env seed."""
    edge: bool = True
    """Also run examples/reproduce_edge.py on the device on a short budget."""
    edge_preset: str = ""
    """The training preset for that run (default: reproduce_edge's for the device)."""
    edge_set: str = "pretrain.steps=600,rl.prompts=8,rl.group=8,rl.max_new_tokens=512"
    """Comma-separated preset overrides for that run (a short budget)."""
    edge_args: str = "--rl-steps 10 --eval-problems 32 --eval-samples 8 --eval-ops 2-8 --seeds 1"
    """Further reproduce_edge.py arguments."""


def parse_args() -> Args:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for f in fields(Args):
        flag = f"--{f.name.replace('_', '-')}"
        if isinstance(f.default, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=f.default)
        else:
            parser.add_argument(flag, type=type(f.default), default=f.default)
    return Args(**vars(parser.parse_args()))


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


# ---- set-up -------------------------------------------------------------------------------


# Character-level presets get the compact symbolic task (short prompts); BPE presets the
# study's zoo context.
TASKS = {
    "char": {"op": [2, 6], "contexts": ["symbolic"], "dag": {"modulus": 10, "distractors": 0}},
    "bpe": {"op": [2, 10], "contexts": ["zoo"]},
}


def tokenizer_for(preset: str) -> Any:
    if MODEL_PRESETS[preset]["tokenizer"] == "char":
        return char_tokenizer()
    return train_bpe(sample_texts(3000, seed=1), vocab_size=2200)


def env_batch(preset: str, n: int, seed: int) -> list[Any]:
    task = TASKS[MODEL_PRESETS[preset]["tokenizer"]]
    envs = []
    for i in range(n):
        env = gym.make("edgegym:Reason-v0", modes=["forward"], **task)
        env.reset(seed=seed * 100_003 + i)
        envs.append(env)
    return envs


# ---- the checks -----------------------------------------------------------------------------


def train_step_rate(preset: str, model: Any, tok: Any, args: Args, device: torch.device) -> float:
    """Training tokens per second: forward + backward + AdamW on model texts."""
    envs = env_batch(preset, args.train_batch, args.seed + 1)
    texts = [env.unwrapped.problem.text + EOS for env in envs]
    batch = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
    labels = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    rates = []
    for _ in range(4):  # the first step warms up kernels and the allocator
        sync(device)
        start = time.perf_counter()
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            loss = model(**batch, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        sync(device)
        rates.append(int(batch["attention_mask"].sum()) / (time.perf_counter() - start))
    if not torch.isfinite(loss):
        raise RuntimeError(f"training loss is {loss.item()}")
    return max(rates[1:])


def sample_and_score(
    preset: str, model: Any, tok: Any, args: Args, device: torch.device
) -> dict[str, float]:
    """Sample one response per env prompt, step it through its env, check the rewards."""
    envs = env_batch(preset, args.prompts, args.seed)
    prompts = [env.unwrapped.problem.prompt for env in envs]
    tok.padding_side = "left"
    batch = tok(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
    model.eval()
    sync(device)
    start = time.perf_counter()
    with (
        torch.no_grad(),
        torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"),
    ):
        out = model.generate(
            **batch,
            do_sample=True,
            temperature=1.0,
            max_new_tokens=args.new_tokens,
            min_new_tokens=args.new_tokens,
            pad_token_id=tok.pad_token_id,
        )
    sync(device)
    seconds = time.perf_counter() - start
    tok.padding_side = "right"
    width = batch["input_ids"].shape[1]
    rewards, gold = [], []
    for env, row in zip(envs, out[:, width:], strict=True):
        problem = env.unwrapped.problem
        response = tok.decode(row, skip_special_tokens=False, clean_up_tokenization_spaces=False)
        _, reward, terminated, _, info = env.step(response)
        expected = score(problem, response[: env.unwrapped.config.max_response_chars]).score
        if not (terminated and 0.0 <= reward <= 1.0 and abs(reward - expected) < 1e-9):
            raise RuntimeError(f"env reward {reward} != score {expected} ({info['flags']})")
        rewards.append(reward)
        env.reset(options={"problem": problem})
        gold.append(env.step(problem.completion)[1])
    if min(gold) != 1.0:
        raise RuntimeError(f"a gold response scored {min(gold)} through the env")
    return {
        "sampled tokens/s": args.prompts * args.new_tokens / seconds,
        "mean reward": sum(rewards) / len(rewards),
        "gold reward": min(gold),
    }


def check(preset: str, args: Args, device: torch.device) -> dict[str, Any]:
    tok = tokenizer_for(preset)
    model = init_model(preset, tok, seed=args.seed).to(device)
    params = count_params(model)
    if abs(params - EXPECTED_PARAMS[preset]) / EXPECTED_PARAMS[preset] > 0.1:
        raise RuntimeError(
            f"{preset}: {params:,} parameters, expected ~{EXPECTED_PARAMS[preset]:,.0f}"
        )
    row = {"preset": preset, "params": params, "vocab": len(tok)}
    row["train tokens/s"] = train_step_rate(preset, model, tok, args, device)
    row |= sample_and_score(preset, model, tok, args, device)
    if device.type == "cuda":
        row["peak GiB"] = torch.cuda.max_memory_allocated(device) / 2**30
        torch.cuda.reset_peak_memory_stats(device)
    del model
    return row


def reproduce_edge(args: Args, console: Console) -> float:
    """Runs examples/reproduce_edge.py on ``args.device`` (its output streams through);
    returns its wall time. Raises CalledProcessError if it fails."""
    script = Path(__file__).with_name("reproduce_edge.py")
    cmd = [sys.executable, str(script), "--device", args.device]
    if args.edge_preset:
        cmd += ["--preset", args.edge_preset]
    for item in filter(None, args.edge_set.split(",")):
        cmd += ["--set", item]
    cmd += shlex.split(args.edge_args)
    with tempfile.TemporaryDirectory(prefix="edgegym-gpu-check-") as out:
        cmd += ["--out", out]
        console.rule("reproduce_edge.py, short budget")
        console.print(" ".join(cmd))
        start = time.perf_counter()
        subprocess.run(cmd, check=True)
        return time.perf_counter() - start


# ---- main -----------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        print(
            "no CUDA device: run with --device cpu --presets tiny for a CPU check", file=sys.stderr
        )
        return 2
    device = torch.device(args.device)
    console = Console()
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    console.print(f"[bold]edgegym GPU check[/] on {name}, torch {torch.__version__}")
    start = time.perf_counter()
    rows = []
    for preset in args.presets.split(","):
        with console.status(f"checking {preset}"):
            rows.append(check(preset.strip(), args, device))
        console.print(json.dumps(rows[-1], default=float))
    table = Table(title=f"all checks passed in {time.perf_counter() - start:.0f} s")
    for key in rows[0]:
        table.add_column(key, justify="right")
    for row in rows:
        table.add_row(
            *(
                f"{v:,.3g}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else v
                for v in row.values()
            )
        )
    console.print(table)
    if args.edge:
        seconds = reproduce_edge(args, console)
        console.print(f"reproduce_edge.py on {name}: finished in {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
