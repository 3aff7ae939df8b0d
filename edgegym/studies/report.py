"""A study's report from its results folder: primary endpoint first, then secondary tables.

Per arm and seed, each test-suite problem's unbiased pass@k is one value; an arm is a
``(seeds, problems)`` matrix aligned to the base's problem order. Every mean and
difference gets :func:`edgegym.eval.stats.hierarchical_interval` (seeds and problems
resampled; an exact bound where a column is nearly constant). Only the primary
endpoint was declared before the run; everything after it is secondary and not
corrected for multiplicity.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from edgegym.eval.compare import align
from edgegym.eval.io import atomic_write_bytes
from edgegym.eval.passk import pass_at_k
from edgegym.eval.results import EvalResults
from edgegym.eval.stats import Difference, group_rng, hierarchical_interval
from edgegym.studies.declare import Endpoint
from edgegym.tasks import DagConfig
from edgegym.tasks.io import atomic_write_text

if TYPE_CHECKING:
    from edgegym.studies.layout import StudyRun

__all__ = [
    "Collected",
    "collect",
    "endpoint_difference",
    "guess_rate",
    "param_count",
    "write_report",
]

N_BOOT = 2000
CONFIDENCE = 0.95


def guess_rate(config: DagConfig) -> float:
    """The chance that one uniform guess over a problem's answer range is right.

    ``1 / modulus`` for modular problems (a tenth for the tiny-cpu task); otherwise
    one over the values ``0 .. max_value``.
    """
    return 1.0 / (config.modulus if config.modulus is not None else config.max_value + 1)


class Collected:
    """The test-suite results of a study folder: the base and each arm's finished seeds."""

    def __init__(
        self,
        base: EvalResults,
        arms: Mapping[str, Mapping[int, EvalResults]],
        *,
        guess: float = 0.0,
    ) -> None:
        self.base = base
        self.arms = {name: dict(seeds) for name, seeds in arms.items() if seeds}
        self.ops = base.column("op")
        self.contexts = base.column("context")
        self.samples = int(base.column("n").min())
        self.guess = guess
        """Chance of a right answer from a guess (the ``excess`` metric subtracts it)."""

    def matrix(self, name: str, metric: str, k: int) -> NDArray[np.float64]:
        """``(seeds, problems)`` per-problem pass@k of an arm (or ``base``: one row).

        ``gap``: answer - verified pass@k; ``excess``: answer pass@k less that of a policy
        whose verified samples are right and whose other samples guess, i.e. less
        ``1 - (1 - verified pass@k) * (1 - guess)**k``.
        """
        runs = [self.base] if name == "base" else list(self.arms[name].values())
        rows = []
        for results in runs:
            aligned = align(self.base, results)
            n = aligned.column("n")
            verified = pass_at_k(n, aligned.column("verified"), [k])[:, 0]
            answer = pass_at_k(n, aligned.column("correct"), [k])[:, 0]
            if metric == "verified":
                rows.append(verified)
            elif metric == "answer":
                rows.append(answer)
            elif metric == "gap":
                rows.append(answer - verified)
            else:
                rows.append(answer - (1.0 - (1.0 - verified) * (1.0 - self.guess) ** k))
        return np.asarray(rows, dtype=np.float64)

    def has(self, name: str) -> bool:
        return name == "base" or name in self.arms


def collect(root: Path, arm_names: list[str], *, guess: float = 0.0) -> Collected:
    """Read ``results/base-test.json`` and every ``results/<arm>/seed-<s>.json`` present."""
    base = EvalResults.load(root / "results" / "base-test.json")
    arms: dict[str, dict[int, EvalResults]] = {}
    for name in arm_names:
        folder = root / "results" / name
        found = sorted(folder.glob("seed-*.json")) if folder.is_dir() else []
        arms[name] = {int(p.stem.split("-")[1]): EvalResults.load(p) for p in found}
    return Collected(base, arms, guess=guess)


def endpoint_ops(endpoint: Endpoint, bands: Mapping[str, list[int]], ops: list[int]) -> list[int]:
    """The test ops an endpoint pools over."""
    kind, _, band = endpoint.ops.partition(":")
    if kind == "above":
        return [op for op in ops if op > max(bands[band])]
    if kind == "band":
        return [op for op in ops if op in bands[band]]
    if endpoint.ops == "all":
        return list(ops)
    raise ValueError(f"endpoint ops must be above:BAND, band:BAND or all, got {endpoint.ops!r}")


def difference(
    data: Collected,
    a: str,
    b: str | None,
    ops: list[int],
    *,
    metric: str,
    k: int,
    key: str,
    context: str | None = None,
) -> Difference:
    """``a - b`` (or ``a``) over the problems of ``ops`` (of ``context``), with its interval."""
    columns = np.isin(data.ops, ops)
    if context is not None:
        columns &= data.contexts == context
    left = data.matrix(a, metric, k)[:, columns]
    right = None if b is None else data.matrix(b, metric, k)[:, columns]
    where = [*map(str, ops), *([context] if context is not None else [])]
    rng = group_rng(0, "study", key, a, b or "", metric, str(k), *where)
    return hierarchical_interval(left, right, n_boot=N_BOOT, confidence=CONFIDENCE, rng=rng)


def endpoint_difference(
    data: Collected, endpoint: Endpoint, bands: Mapping[str, list[int]]
) -> tuple[Difference, list[int], int] | None:
    """An endpoint's difference, its ops and k; ``None`` while an arm has no finished seed."""
    if not (data.has(endpoint.a) and data.has(endpoint.b)):
        return None
    k = endpoint.k or data.samples
    ops = endpoint_ops(endpoint, bands, sorted(set(data.ops.tolist())))
    if not ops:
        return None
    if endpoint.context is not None and not bool((data.contexts == endpoint.context).any()):
        return None
    diff = difference(
        data,
        endpoint.a,
        endpoint.b,
        ops,
        metric=endpoint.metric,
        k=k,
        key="ep",
        context=endpoint.context,
    )
    return diff, ops, k


def _fmt(d: Difference, signed: bool = True) -> str:
    spec = "+.3f" if signed else ".3f"
    mark = " *" if signed and (d.lo > 0 or d.hi < 0) else ""
    exact = " (exact)" if d.method.startswith("exact") else ""
    return f"{d.mean:{spec}} [{d.lo:{spec}}, {d.hi:{spec}}]{exact}{mark}"


def _endpoint_lines(
    data: Collected, endpoint: Endpoint, bands: Mapping[str, list[int]], label: str
) -> tuple[list[str], dict[str, Any]]:
    got = endpoint_difference(data, endpoint, bands)
    if got is None:
        text = f"- **{label}** {endpoint.name}: {endpoint.describe(data.samples)}: not available"
        return [text + " (an arm has no finished seed, or no op lies above the band)"], {}
    diff, ops, k = got
    text = (
        f"- **{label}** {endpoint.name}: {endpoint.describe(k)} (ops {ops}): "
        f"**{_fmt(diff)}**; seeds {list(diff.seeds)}, {diff.problems} problems "
        f"({diff.informative} informative), {diff.method}, 95% interval"
    )
    return [text], {"name": endpoint.name, "ops": ops, "k": k} | diff.to_dict()


def _rate_table(data: Collected, names: list[str], k: int, bands: Mapping[str, list[int]]) -> str:
    band_of = {op: band for band, ops in bands.items() for op in ops}
    head = "| op | band | " + " | ".join(names) + " |"
    lines = [head, "|" + "---|" * (len(names) + 2)]
    for op in sorted(set(data.ops.tolist())):
        cells = []
        for name in names:
            cell = []
            for kk in (1, k):
                mat = data.matrix(name, "verified", kk)[:, data.ops == op]
                cell.append(f"{float(mat.mean()):.3f}")
            cells.append(" / ".join(cell))
        lines.append(f"| {op} | {band_of.get(op, 'beyond' if op > max(band_of) else '-')} | ")
        lines[-1] += " | ".join(cells) + " |"
    return "\n".join(lines)


def _diff_table(data: Collected, names: list[str], ref: str, k: int) -> tuple[str, dict[str, Any]]:
    others = [n for n in names if n not in (ref, "base")]
    lines = ["| op | " + " | ".join(f"{n} - {ref}" for n in others) + " |"]
    lines.append("|" + "---|" * (len(others) + 1))
    out: dict[str, Any] = {}
    for op in sorted(set(data.ops.tolist())):
        cells = []
        for name in others:
            diff = difference(data, name, ref, [op], metric="verified", k=k, key="op")
            out.setdefault(name, {})[str(op)] = diff.to_dict()
            cells.append(_fmt(diff))
        lines.append(f"| {op} | " + " | ".join(cells) + " |")
    return "\n".join(lines), out


def _compute_budget_lines(sr: StudyRun, plan: Mapping[str, Any], data: Collected) -> list[str]:
    from edgegym.studies.budget import actual_flops

    budget = plan["budget"]
    steps = budget["estimated_flops_per_step"]
    lines = [
        f"Every arm: a budget of {budget['flops_per_run']:.3g} FLOPs (the RL-only arm's "
        f"{sr.preset.rl.steps if sr.preset.rl else '?'} RL steps), split between mid-training "
        f"and RL; planned from estimates of {steps['midtrain']:.3g} FLOPs per mid-training "
        f"step and {steps['rl']:.3g} per RL step (gold response lengths, every row trained). "
        "Recorded RL FLOPs fall below the plan where responses are shorter than the gold "
        "ones or zero-variance groups are dropped from the update.",
        "",
        "| arm | midtrain share | midtrain steps | RL steps | planned FLOPs |"
        " actual midtrain | actual RL (mean per seed) | actual total |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, spec in plan["arms"].items():
        got = actual_flops(sr.root, name, sorted(data.arms.get(name, {})))
        cells = [f"{v:.3g}" if v is not None else "-" for v in got.values()]
        lines.append(
            f"| {name} | {spec['midtrain_share']} | {spec['midtrain_steps']} | "
            f"{spec['rl_steps']} | {spec['planned_flops']:.3g} | " + " | ".join(cells) + " |"
        )
    return lines


def _gap_lines(data: Collected, names: list[str], k: int) -> list[str]:
    """Per arm over every test op: verified and answer pass@1 and pass@k, gap, excess."""
    lines = [
        f"Answer-only against process-verified, all test ops; guess rate {data.guess:.3g} "
        "(excess: the answer pass@k that verified samples and guesses do not explain).",
        "",
        f"| arm | verified@1 | answer@1 | verified@{k} | answer@{k} | gap@{k} | excess@{k} |",
        "|---|---|---|---|---|---|---|",
    ]
    cells = (("verified", 1), ("answer", 1), ("verified", k), ("answer", k), ("gap", k))
    for name in names:
        values = [data.matrix(name, metric, kk).mean() for metric, kk in (*cells, ("excess", k))]
        lines.append(f"| {name} | " + " | ".join(f"{v:.3f}" for v in values) + " |")
    return lines


def _budget_lines(sr: StudyRun, plan: Mapping[str, Any], data: Collected) -> list[str]:
    from edgegym.agents.train.study import arm_summary

    if plan["budget"].get("mode") == "compute":
        return _compute_budget_lines(sr, plan, data)
    lines = [
        f"Every arm: {plan['budget']['rollouts_per_run']} rollouts per run "
        f"(steps x prompts x group), checked equal before the run.",
        "",
        "| arm | ops | curriculum | reward | seeds done | rollouts run (per seed) |"
        " mean reward | informative groups |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, spec in plan["arms"].items():
        seeds = sorted(data.arms.get(name, {}))
        stats = [arm_summary(sr.root / "arms" / name / f"seed-{s}") for s in seeds]
        rollouts = sorted({int(s.get("rollouts", 0)) for s in stats})
        reward = np.mean([s.get("reward", np.nan) for s in stats]) if stats else np.nan
        active = np.mean([s.get("active_groups", np.nan) for s in stats]) if stats else np.nan
        lines.append(
            f"| {name} | {spec['ops']} | {spec['curriculum']} | {spec['reward']} | {seeds} | "
            f"{rollouts} | {reward:.3f} | {active:.3f} |"
        )
    return lines


def param_count(model_dir: Path) -> int:
    """Parameters in a saved model, read from its safetensors header (no torch needed)."""
    with (model_dir / "model.safetensors").open("rb") as handle:
        size = int.from_bytes(handle.read(8), "little")
        header = json.loads(handle.read(size))
    return sum(int(np.prod(v["shape"])) for k, v in header.items() if k != "__metadata__")


def _compute_lines(sr: StudyRun, data: Collected) -> list[str]:
    """Tokens, FLOPs (6N per trained token; 8N per sampled RL token) and wall seconds."""
    from edgegym.agents.train.metrics import read_metrics

    base = sr.root / "base" / "pretrain" / "model"
    pre = sr.preset.pretrain
    if not (base / "config.json").is_file() or pre is None:
        return ["(no finished base yet)"]
    params = param_count(base)
    info = json.loads((base / "edgegym_train.json").read_text(encoding="utf-8"))
    context = json.loads((base / "config.json").read_text())["max_position_embeddings"]
    tokens = pre.steps * pre.batch_size * context if pre.pack else None
    lines = [f"Model: {params:,} parameters.", ""]
    if tokens is not None:
        lines.append(
            f"- base pre-training in this study: {tokens:,} tokens, {6 * params * tokens:.2e} "
            f"FLOPs (6ND), {info.get('seconds', '?')} s"
        )
    for name, seeds in data.arms.items():
        sampled, seconds = 0.0, 0.0
        for seed in seeds:
            folder = sr.root / "arms" / name / f"seed-{seed}"
            rows = read_metrics(folder / "metrics.jsonl")
            sampled += sum(r["response_tokens"] * r["group"] * sum(r["ops"].values()) for r in rows)
            train = json.loads((folder / "model" / "edgegym_train.json").read_text())
            seconds += float(train.get("seconds", 0.0))
        lines.append(
            f"- RL {name}: {len(seeds)} runs, {sampled / len(seeds):,.0f} sampled response "
            f"tokens per run, ~{8 * params * sampled / len(seeds):.1e} FLOPs per run "
            f"(2N to sample + 6N to train per response token; prompts not counted), "
            f"{seconds / len(seeds):.0f} s per run"
        )
    return lines


def _band_lines(plan: Mapping[str, Any], k: int) -> list[str]:
    lines = [
        "Bands, chosen on the **validation** suite (split `val`) from the base's verified "
        "pass rates; the arms are compared on the separate **test** suite (split `test`).",
        "",
        f"| op | base val pass@1 | base val pass@{k} | band |",
        "|---|---|---|---|",
    ]
    band_of = {op: band for band, ops in plan["bands"].items() for op in ops}
    for op, rates in sorted(plan["validation_rates"].items(), key=lambda kv: int(kv[0])):
        lines.append(
            f"| {op} | {rates['verified@1']:.3f} | {rates['verified@k']:.3f} | "
            f"{band_of.get(int(op), '-')} |"
        )
    lines += [f"- note: {note}" for note in plan.get("band_notes", [])]
    beyond = plan.get("beyond_training") or "none (no evaluated op lies beyond every arm's range)"
    lines.append(f"- ops beyond every arm's training range: {beyond}")
    return lines


def _base_text(sr: StudyRun) -> str:
    pre = sr.preset.pretrain
    assert pre is not None
    start = "random weights"
    if sr.preset.base is not None and not sr.settings.from_scratch:
        start = f"the shipped `{sr.preset.base.path}` checkpoint (`{sr.preset.base.command}`)"
    rows = "packed rows of the context length" if pre.pack else "one problem per padded row"
    mid = "mid-trained" if sr.study.base.midtrain else "no mid-training"
    asks = [arm.name for arm in sr.study.arms if arm.midtrain]
    mid += f" (arms {asks} mid-train first)" if asks else ""
    return f"from {start}, {pre.steps} steps on ops {list(pre.ops)} in {rows}; {mid}"


def write_report(sr: StudyRun, plan: Mapping[str, Any]) -> Path:
    """Write ``report.md``, ``report.json`` and ``plot.png`` from the results present."""
    study = sr.study
    guess = guess_rate(sr.preset.task.config)
    data = collect(sr.root, [arm.name for arm in study.arms], guess=guess)
    k = data.samples
    names = ["base", *[a.name for a in study.arms if a.name in data.arms]]
    manifest = json.loads((sr.root / "manifest.json").read_text(encoding="utf-8"))
    done = {name: sorted(seeds) for name, seeds in data.arms.items()}
    lines = [
        f"# Study `{study.name}`: {study.title}",
        "",
        f"- command: `{manifest['command']}`",
        f"- commit: `{manifest['commit']}`; preset `{sr.preset.name}`; device {sr.preset.device}",
        f"- base: {_base_text(sr)}",
        f"- finished runs (arm: seeds): {done or 'none yet'} of {sr.settings.seeds} seeds per arm",
        f"- test suite: ops {list(sr.preset.eval.ops)}, {sr.preset.eval.problems} problems per "
        f"op, n = {k} samples at T = {sr.preset.eval.temperature}",
        "",
        "## Primary endpoint (declared before the run)",
        "",
    ]
    primary_lines, primary = _endpoint_lines(data, study.primary, plan["bands"], "primary")
    lines += primary_lines
    secondary = []
    if study.secondary:
        lines += ["", "## Secondary endpoints (not corrected for multiplicity)", ""]
        for endpoint in study.secondary:
            more, info = _endpoint_lines(data, endpoint, plan["bands"], "secondary")
            lines += more
            secondary.append(info)
    lines += ["", "## Bands", "", *_band_lines(plan, k)]
    lines += [
        "",
        f"## Secondary: verified pass@1 / pass@{k} per op (mean over finished seeds)",
        "",
        _rate_table(data, names, k, plan["bands"]),
    ]
    diffs: dict[str, Any] = {}
    for ref in ("base", study.primary.b):
        if data.has(ref) and len(names) > 1:
            table, diffs[ref] = _diff_table(data, names, ref, k)
            lines += ["", f"## Secondary: verified pass@{k} differences to {ref} per op", ""]
            lines += ["95% hierarchical-bootstrap intervals; * excludes 0.", "", table]
    lines += ["", "## Secondary: answer-only against verified", "", *_gap_lines(data, names, k)]
    lines += ["", "## Budgets", "", *_budget_lines(sr, plan, data)]
    lines += ["", "## Compute", "", *_compute_lines(sr, data)]
    lines += ["", "![pass@k per op](plot.png)", ""]
    atomic_write_text(sr.root / "report.md", "\n".join(lines))
    report = {"primary": primary, "secondary": secondary, "differences": diffs, "done": done}
    atomic_write_text(sr.root / "report.json", json.dumps(report, indent=1, sort_keys=True) + "\n")
    plot(data, names, plan["bands"], sr.root / "plot.png", title=study.title)
    return sr.root / "report.md"


def plot(
    data: Collected, names: list[str], bands: Mapping[str, list[int]], path: Path, *, title: str
) -> Path:
    """Verified pass@1 and pass@n per op for the base and each arm (seed mean, min-max bars)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ops = sorted(set(data.ops.tolist()))
    figure = Figure(figsize=(10, 4))
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, 2)
    shades = {"id": "tab:gray", "edge": "tab:green", "hard": "tab:red"}
    for ax, k in zip(axes, (1, data.samples), strict=True):
        for band, band_ops in bands.items():
            ax.axvspan(min(band_ops) - 0.4, max(band_ops) + 0.4, color=shades[band], alpha=0.08)
        for name in names:
            mat = data.matrix(name, "verified", k)
            per_seed = np.array([[row[data.ops == op].mean() for op in ops] for row in mat])
            mean = per_seed.mean(axis=0)
            err = np.vstack([mean - per_seed.min(axis=0), per_seed.max(axis=0) - mean])
            ax.errorbar(ops, mean, yerr=err, marker="o", markersize=3, capsize=2, label=name)
        ax.set_title(f"verified pass@{k}")
        ax.set_xlabel("op (shaded: id / edge / hard bands)")
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    figure.suptitle(title, fontsize=9)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    atomic_write_bytes(path, buffer.getvalue())
    return path
