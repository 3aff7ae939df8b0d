"""Evaluate a model on a fixed suite: pass@k per op, process-verified and answer-only.

The suite is ``problems`` problems of each op (indices ``0..problems-1`` of the
evaluation split, the same for every model, so runs compare paired). Each problem
gets ``samples`` responses at the setup's temperature, scored by
:mod:`edgegym.rewards`; the counts become :class:`edgegym.eval.EvalResults`, so
summaries, bootstrap intervals, paired comparisons, tables and plots are the eval
package's.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from edgegym.agents.train.config import EvalSetup, TaskSetup
from edgegym.agents.train.data import decode_response, encode, response_limit, stop_ids, suite
from edgegym.agents.train.metrics import LiveView
from edgegym.agents.train.runtime import torch_generator
from edgegym.agents.train.sampling import sample
from edgegym.eval.aggregate import EvalConfig, Summary, summarize
from edgegym.eval.compare import Comparison, compare
from edgegym.eval.io import atomic_write_bytes
from edgegym.eval.results import EvalResults, ProblemScore
from edgegym.rewards import Reward

__all__ = [
    "before_after_table",
    "eval_config",
    "evaluate",
    "paired",
    "plot_runs",
    "summaries",
]


def eval_config(setup: EvalSetup, *, n_boot: int = 1000) -> EvalConfig:
    """Aggregation of a setup's results: its k values, per op and overall."""
    dimensions = ("all", "op", "context") if len(setup.contexts or ()) > 1 else ("all", "op")
    return EvalConfig(k_values=setup.k, bands=(), dimensions=dimensions, n_boot=n_boot)


def evaluate(
    model: Any,
    tokenizer: Any,
    task: TaskSetup,
    setup: EvalSetup,
    *,
    name: str = "eval",
    console: Console | None = None,
    progress: bool = True,
) -> EvalResults:
    """Sample and score the suite; returns per-problem counts with provenance in ``meta``."""
    problems = suite(
        task,
        setup.ops,
        setup.problems,
        split=setup.split,
        seed=setup.seed,
        contexts=setup.contexts,
        modes=setup.modes,
    )
    encoded = encode(tokenizer, problems)
    reward = Reward(mode="strict")
    stops = stop_ids(tokenizer)
    device = next(model.parameters()).device
    scores: list[ProblemScore] = []
    clock, cpu, tokens, prompt_tokens = time.perf_counter(), time.process_time(), 0, 0
    total = len(problems) * setup.samples
    with LiveView(f"eval {name}", total, console=console, enabled=progress) as view:
        done = 0
        for op in setup.ops:
            index = [i for i, p in enumerate(problems) if p.op == op]
            generator = torch_generator(setup.seed, "eval-sample", op, device=device)
            per_chunk = max(1, setup.batch_size // setup.samples)
            completions: list[list[int]] = []
            for lo in range(0, len(index), per_chunk):
                part = index[lo : lo + per_chunk]
                completions += sample(
                    model,
                    [encoded[i][0] for i in part],
                    max_new_tokens=[
                        response_limit(len(encoded[i][1]), setup.max_new_tokens) for i in part
                    ],
                    temperature=setup.temperature,
                    stop=stops,
                    pad_id=tokenizer.pad_token_id,
                    generator=generator,
                    repeat=setup.samples,
                    batch_size=setup.batch_size,
                )
                done += len(part) * setup.samples
                view.update(done, f"op {op}")
            tokens += sum(len(c) for c in completions)
            prompt_tokens += sum(len(encoded[i][0]) for i in index)
            for j, i in enumerate(index):
                rows = completions[j * setup.samples : (j + 1) * setup.samples]
                texts = [decode_response(tokenizer, c) for c in rows]
                scores.append(_score(problems[i], texts, reward))
    digest = hashlib.sha256("".join(p.id for p in problems).encode()).hexdigest()[:16]
    meta = {
        "name": name,
        "setup": _setup_dict(setup),
        "seconds": round(time.perf_counter() - clock, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
        "response_tokens": tokens,
        "prompt_tokens": prompt_tokens,
        "flops": _sampling_flops(model, prompt_tokens, tokens),
    }
    return EvalResults.from_scores(
        scores,
        suite={
            "name": f"{'+'.join(setup.contexts or (task.context,))}-{setup.split}",
            "digest": digest,
            "problems": len(problems),
        },
        meta=meta,
    )


def _setup_dict(setup: EvalSetup) -> dict[str, Any]:
    """The setup as JSON (tuples as lists)."""
    return {
        key: list(value) if isinstance(value, tuple) else value
        for key, value in setup.__dict__.items()
    }


def _sampling_flops(model: Any, prompt_tokens: int, generated: int) -> float:
    """2N per token: each prompt prefilled once (shared by its samples), each generated one."""
    from edgegym.agents.train.compute import Compute, model_params

    compute = Compute(params=model_params(model))
    compute.add("sample_prompt", prompt_tokens)
    compute.add("sample_generated", generated)
    return compute.total


def _score(problem: Any, texts: Sequence[str], reward: Reward) -> ProblemScore:
    results = [reward.result(problem, text) for text in texts]
    flags: Counter[str] = Counter(flag for r in results for flag in r.flags)
    return ProblemScore(
        id=problem.id,
        op=problem.op,
        context=problem.spec.context,
        mode=problem.spec.mode,
        n=len(results),
        correct=sum(int(r.outcome) for r in results),
        verified=sum(int(r.verified) for r in results),
        process=float(sum(r.process for r in results)),
        flags=dict(sorted(flags.items())),
    )


def summaries(runs: Mapping[str, EvalResults], setup: EvalSetup) -> dict[str, Summary]:
    """The summary of each run."""
    config = eval_config(setup)
    return {label: summarize(results, config) for label, results in runs.items()}


def paired(a: EvalResults, b: EvalResults, setup: EvalSetup) -> Comparison:
    """Paired per-problem differences ``b - a`` with bootstrap intervals."""
    return compare(a, b, eval_config(setup))


def plot_runs(runs: Mapping[str, Summary], path: Path, *, title: str = "") -> Path:
    """pass@1 and pass@k_max per op for each run: verified solid, answer-only dashed.

    Returns:
        The PNG path written (atomically).
    """
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    first = next(iter(runs.values()))
    ks = (first.k[0], first.k[-1]) if len(first.k) > 1 else (first.k[0],)
    figure = Figure(figsize=(4.6 * len(ks), 3.6 + 0.25 * len(runs)))
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, len(ks), squeeze=False)[0]
    colors = ("tab:gray", "tab:blue", "tab:green", "tab:red", "tab:purple", "tab:orange")
    for ax, k in zip(axes, ks, strict=True):
        for (label, summary), color in zip(runs.items(), colors * 4, strict=False):
            groups = summary.of("op")
            ops = [int(g.group) for g in groups]
            j = summary.k.index(k)
            verified = [float(g.verified.mean[j]) for g in groups]
            answer = [float(g.answer.mean[j]) for g in groups]
            lo = [float(g.verified.lo[j]) for g in groups]
            hi = [float(g.verified.hi[j]) for g in groups]
            ax.plot(ops, verified, "-o", color=color, markersize=3, label=f"{label} verified")
            ax.fill_between(ops, lo, hi, color=color, alpha=0.15, linewidth=0)
            ax.plot(ops, answer, "--", color=color, alpha=0.7, label=f"{label} answer-only")
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("op")
        ax.set_title(f"pass@{k}")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("pass rate")
    handles, labels = axes[0].get_legend_handles_labels()
    # Below the panels, so no curve hides behind it.
    figure.legend(handles, labels, loc="lower center", ncol=min(len(runs), 4), fontsize=7)
    if title:
        figure.suptitle(title)
    rows = -(-2 * len(runs) // min(len(runs), 4))
    figure.tight_layout(rect=(0, 0.06 * rows, 1, 1))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def before_after_table(comparison: Comparison, *, title: str, metric: str = "verified") -> Table:
    """One row per op (and all) of one metric: pass@1 and pass@k_max, A -> B, with paired deltas.

    The delta columns hold the mean per-problem difference B - A and its bootstrap
    interval, green or red where the interval excludes 0. It fits 80 columns.
    """
    if metric not in ("verified", "answer"):
        raise ValueError(f"metric must be 'verified' or 'answer', got {metric!r}")
    ks = (comparison.k[0], comparison.k[-1]) if len(comparison.k) > 1 else comparison.k[:1]
    table = Table(title=title, title_justify="left")
    table.add_column("op", style="bold")
    for k in ks:
        table.add_column(f"pass@{k}", justify="right")
    for k in ks:
        table.add_column(f"Δ pass@{k} [95% CI]", justify="right")
    rows = [g for g in comparison.groups if g.dimension == "op"]
    rows += [g for g in comparison.groups if g.dimension == "all"]
    for g in rows:
        a, b = (g.a_verified, g.b_verified) if metric == "verified" else (g.a_answer, g.b_answer)
        diff = g.verified if metric == "verified" else g.answer
        cells = []
        for k in ks:
            j = comparison.k.index(k)
            cells.append(f"{float(a.mean[j]):.2f}→{float(b.mean[j]):.2f}")
        for k in ks:
            j = comparison.k.index(k)
            mean, lo, hi = (float(x[j]) for x in (diff.mean, diff.lo, diff.hi))
            text = f"{mean:+.2f} [{lo:+.2f},{hi:+.2f}]"
            style = "green" if lo > 0 else "red" if hi < 0 else ""
            cells.append(f"[{style}]{text}[/]" if style else text)
        table.add_row(g.group, *cells)
    return table
