"""The local pipeline's stages and their chaining: init, pretrain, midtrain, rl, evaluate.

A run lives in one directory::

    <run>/preset.json           the preset as run (stages check they resume the same one)
    <run>/init/model/           random weights + tokenizer (save_pretrained)
    <run>/pretrain/{ckpt/, metrics.jsonl, model/}
    <run>/midtrain/{ckpt/, metrics.jsonl, model/}
    <run>/rl/{ckpt/, metrics.jsonl, model/}
    <run>/eval/{before-rl,after-rl}.json, report.json, passk_by_op.png

A stage whose ``model/`` exists is done and is skipped; a stage with a checkpoint
but no model resumes from it. Each stage starts from the newest model of the stages
before it; a preset with a shipped ``base`` can start there instead of pre-training.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from edgegym.agents.tokenizer import require
from edgegym.agents.train.checkpoint import (
    TRAIN_INFO,
    load_model,
    save_model,
)
from edgegym.agents.train.config import Preset, presets_path
from edgegym.agents.train.lm import StageIO, train_lm
from edgegym.agents.train.runtime import resolve_device, set_threads
from edgegym.tasks.io import atomic_write_text, check_replaceable, claim_folder

__all__ = [
    "STAGES",
    "Run",
    "base_dir",
    "compute_summary",
    "easiest_op_pass1",
    "export_half",
    "file_sha256",
    "input_model",
    "preset_contexts",
    "presets_path",
    "record_base_hash",
    "report",
    "reset",
    "run_pipeline",
    "stage_evaluate",
    "stage_init",
    "stage_midtrain",
    "stage_pretrain",
    "stage_rl",
]

STAGES = ("init", "pretrain", "midtrain", "rl", "evaluate")
"""Stage names in pipeline order."""
_MODEL_STAGES = ("init", "base", "pretrain", "midtrain", "rl")


@dataclass
class Run:
    """One pipeline run: its preset, directory, device and reporting."""

    preset: Preset
    """The preset (after command-line overrides)."""
    root: Path
    """Run directory."""
    device: str = "auto"
    """``auto``, ``cpu`` or ``cuda`` (overrides the preset's when not ``auto``)."""
    console: Console = field(default_factory=Console)
    """Where progress and tables go."""
    progress: bool = True
    """Show live progress bars."""
    from_base: bool = False
    """Start from the preset's shipped base checkpoint instead of pre-training."""
    on_step: Callable[[int], None] | None = None
    """Test hook passed to the training loops."""

    def folder(self, stage: str) -> Path:
        return self.root / stage

    def model_dir(self, stage: str) -> Path:
        return self.root / stage / "model"

    def io(self, stage: str) -> StageIO:
        return StageIO(
            folder=self.folder(stage),
            console=self.console,
            progress=self.progress,
            on_step=self.on_step,
        )

    def torch_device(self) -> Any:
        set_threads(self.preset.threads)
        device = resolve_device(self.device if self.device != "auto" else self.preset.device)
        if device.type == "cuda":
            # TF32 matmuls: several times float32's speed on recent GPUs, ample for these models.
            require("torch").set_float32_matmul_precision("high")
        return device


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def base_dir(preset: Preset) -> Path:
    """The shipped base checkpoint of ``preset``, its weights checked against the hash.

    Raises:
        ValueError: the preset ships none, or the file does not match its hash.
    """
    if preset.base is None:
        raise ValueError(f"preset {preset.name!r} ships no base checkpoint; pre-train instead")
    folder = presets_path(preset.base.path)
    weights = folder / "model.safetensors"
    if not weights.is_file():
        raise ValueError(f"base checkpoint {weights} is missing; rebuild: {preset.base.command}")
    actual = file_sha256(weights)
    if actual != preset.base.sha256:
        raise ValueError(
            f"base checkpoint {weights} has sha256 {actual}, expected {preset.base.sha256}; "
            f"rebuild it with: {preset.base.command}"
        )
    return folder


def _write_preset(run: Run) -> None:
    """Record the preset as run (informational; each stage checks its own config)."""
    claim_folder(run.root)
    text = json.dumps(run.preset.to_dict(), sort_keys=True, indent=1) + "\n"
    atomic_write_text(run.root / "preset.json", text)


def _check_stage_config(run: Run, stage: str, config: Any) -> None:
    """Refuse to resume a stage's checkpoint under a different configuration."""
    data = {
        "stage": getattr(run.preset, stage).__dict__ if config is None else config,
        "task": run.preset.task.config.to_dict() | {"context": run.preset.task.context},
    }
    text = json.dumps(data, sort_keys=True, indent=1, default=list) + "\n"
    path = run.folder(stage) / "config.json"
    if path.is_file() and path.read_text() != text:
        raise ValueError(
            f"{run.folder(stage)} holds an unfinished {stage} run with another configuration; "
            "use another --out, the same settings, or --restart"
        )
    atomic_write_text(path, text)


def input_model(run: Run, stage: str) -> Path:
    """The model a stage starts from: the newest finished model of the stages before it."""
    order = list(_MODEL_STAGES)
    before = order[: order.index(stage)] if stage in order else order
    if run.from_base and "base" in before:
        candidates = ["base", *[s for s in before if s not in ("init", "base", "pretrain")]]
    else:
        candidates = [s for s in before if s != "base"]
    for name in reversed(candidates):
        if name == "base":
            return base_dir(run.preset)
        if (run.model_dir(name) / "config.json").is_file():
            return run.model_dir(name)
    raise FileNotFoundError(f"no model to start stage {stage!r} from in {run.root}; run init first")


def _info(run: Run, stage: str, **extra: Any) -> dict[str, Any]:
    return {"preset": run.preset.name, "stage": stage, **extra}


def stage_init(run: Run) -> Path:
    """Random initial weights and the tokenizer of the preset's model size."""
    from edgegym.agents.model import MODEL_PRESETS, init_model
    from edgegym.agents.tokenizer import char_tokenizer, train_bpe

    out = run.model_dir("init")
    if (out / "config.json").is_file():
        return out
    _write_preset(run)
    kind = MODEL_PRESETS[run.preset.model]["tokenizer"]
    if kind == "char":
        tokenizer = char_tokenizer()
    else:
        from edgegym.agents.train.data import suite

        ops = run.preset.pretrain.ops if run.preset.pretrain else run.preset.eval.ops
        contexts = preset_contexts(run.preset)
        texts = [
            p.text
            for p in suite(run.preset.task, ops, 200, split="train", seed=0, contexts=contexts)
        ]
        tokenizer = train_bpe(texts)
    if run.preset.model_overrides:
        model = _init_overridden(run.preset, tokenizer)
    else:
        model = init_model(run.preset.model, tokenizer, seed=run.preset.init_seed)
    return save_model(out, model, tokenizer, _info(run, "init", seed=run.preset.init_seed))


def preset_contexts(preset: Preset) -> tuple[str, ...] | None:
    """Every context a preset's stages name beyond the task's (``None``: the task's only)."""
    from edgegym.agents.corpus import context_mixture

    names = {preset.task.context}
    for stage in (preset.pretrain, preset.midtrain):
        if stage is not None and stage.contexts is not None:
            names.update(c for c, _ in context_mixture(stage.contexts).weights)
    for setup in (preset.rl, preset.eval):
        if setup is not None:
            names.update(setup.contexts or ())
    return None if names == {preset.task.context} else tuple(sorted(names))


def _init_overridden(preset: Preset, tokenizer: Any) -> Any:
    """A size preset with some config fields replaced, initialised as ``init_model`` does."""
    from edgegym.agents.model import model_config

    torch = require("torch")
    transformers = require("transformers")
    config = model_config(preset.model, tokenizer)
    for key, value in (preset.model_overrides or {}).items():
        setattr(config, key, value)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(preset.init_seed)
        return transformers.LlamaForCausalLM(config)


def _lm_stage(run: Run, stage: str) -> Path:
    config = getattr(run.preset, stage)
    out = run.model_dir(stage)
    if config is None or (out / "config.json").is_file():
        return out
    _write_preset(run)
    _check_stage_config(run, stage, None)
    source = input_model(run, stage)
    model, tokenizer = load_model(source, device=run.torch_device())
    run.console.print(
        f"[bold]{stage}[/]: from {escape(str(source))}, {config.steps} steps of {config.batch_size}"
    )
    clock, cpu = time.perf_counter(), time.process_time()
    last = train_lm(model, tokenizer, run.preset.task, config, run.io(stage), title=stage)
    info = _info(
        run,
        stage,
        source=str(source),
        seconds=round(time.perf_counter() - clock, 1),
        cpu_seconds=round(time.process_time() - cpu, 1),
        compute=last.pop("compute"),
        last=last,
    )
    return save_model(out, model, tokenizer, info)


def stage_pretrain(run: Run) -> Path:
    """Language-model pre-training on the preset's op mixture."""
    return _lm_stage(run, "pretrain")


def stage_midtrain(run: Run) -> Path:
    """Mid-training (continued LM training on a mixture that reaches the edge ops)."""
    return _lm_stage(run, "midtrain")


def stage_rl(run: Run) -> Path:
    """GRPO with the curriculum in the loop."""
    from edgegym.agents.train.rl import train_rl

    config = run.preset.rl
    out = run.model_dir("rl")
    if config is None or (out / "config.json").is_file():
        return out
    _write_preset(run)
    _check_stage_config(run, "rl", None)
    source = input_model(run, "rl")
    model, tokenizer = load_model(source, device=run.torch_device())
    run.console.print(
        f"[bold]rl[/]: from {escape(str(source))}, "
        f"{config.steps} steps of {config.prompts} problems x "
        f"{config.group} samples, curriculum {config.curriculum}, reward {config.reward}"
    )
    clock, cpu = time.perf_counter(), time.process_time()
    last = train_rl(model, tokenizer, run.preset.task, config, run.io("rl"), title="rl")
    info = _info(
        run,
        "rl",
        source=str(source),
        seconds=round(time.perf_counter() - clock, 1),
        cpu_seconds=round(time.process_time() - cpu, 1),
        compute=last.pop("compute"),
        last=last,
    )
    return save_model(out, model, tokenizer, info)


def stage_evaluate(run: Run, model_dir: Path, name: str) -> Any:
    """Evaluate ``model_dir`` on the preset's suite; results go to ``<run>/eval/<name>.json``.

    A results file that exists is read back instead of re-sampled.
    """
    from edgegym.agents.train.evaluate import evaluate
    from edgegym.eval.results import EvalResults

    path = run.folder("eval") / f"{name}.json"
    if path.is_file():
        return EvalResults.load(path)
    model, tokenizer = load_model(model_dir, device=run.torch_device())
    results = evaluate(
        model,
        tokenizer,
        run.preset.task,
        run.preset.eval,
        name=name,
        console=run.console,
        progress=run.progress,
    )
    results = replace(results, meta={**results.meta, "model": str(model_dir)})
    results.save(path)
    return results


def report(run: Run, runs: dict[str, Any], *, title: str) -> dict[str, Any]:
    """Print the before/after tables and write ``report.json`` and the plot."""
    from edgegym.agents.train.evaluate import before_after_table, paired, plot_runs, summaries
    from edgegym.eval.report import summary_table

    summary = summaries(runs, run.preset.eval)
    labels = list(runs)
    out: dict[str, Any] = {"title": title, "runs": {k: s.to_dict() for k, s in summary.items()}}
    if len(labels) == 2:
        comparison = paired(runs[labels[0]], runs[labels[1]], run.preset.eval)
        setup = run.preset.eval
        for metric, name in (("verified", "process-verified"), ("answer", "answer-only")):
            table_title = (
                f"{title}: {name} pass@k, {labels[0]} → {labels[1]} "
                f"({setup.problems} problems/op, n={setup.samples})"
            )
            run.console.print(before_after_table(comparison, title=table_title, metric=metric))
    else:
        for label in labels:
            run.console.print(summary_table(summary[label], "op"))
    plot = plot_runs(summary, run.folder("eval") / "passk_by_op.png", title=title)
    out["plot"] = str(plot)
    atomic_write_text(
        run.folder("eval") / "report.json", json.dumps(out, sort_keys=True, indent=1) + "\n"
    )
    run.console.print(f"plot: {escape(str(plot))}")
    return out


def run_pipeline(run: Run, *, stages: tuple[str, ...] = STAGES) -> dict[str, Any]:
    """Run the chosen stages in order; ``evaluate`` evaluates before and after RL.

    Returns:
        ``{"timings": {step: {"wall": s, "cpu": s}}, "report": ...}``; CPU seconds are
        this process's, so on a shared machine they show what a free one would take.
    """
    require("torch")
    clock, cpu = time.perf_counter(), time.process_time()
    timings: dict[str, dict[str, float]] = {}

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        start, start_cpu = time.perf_counter(), time.process_time()
        value = fn()
        timings[name] = {
            "wall": round(time.perf_counter() - start, 1),
            "cpu": round(time.process_time() - start_cpu, 1),
        }
        return value

    if "init" in stages and not run.from_base:
        timed("init", lambda: stage_init(run))
    if "pretrain" in stages and not run.from_base:
        timed("pretrain", lambda: stage_pretrain(run))
    if "midtrain" in stages:
        timed("midtrain", lambda: stage_midtrain(run))
    results: dict[str, Any] = {}
    if "evaluate" in stages and run.preset.rl is not None and "rl" in stages:
        before = input_model(run, "rl")
        results["before RL"] = timed(
            "eval before", lambda: stage_evaluate(run, before, "before-rl")
        )
    if "rl" in stages:
        timed("rl", lambda: stage_rl(run))
    summary: dict[str, Any] = {}
    if "evaluate" in stages:
        final = input_model(run, "evaluate")
        label = "after RL" if results else "final"
        results[label] = timed("eval after", lambda: stage_evaluate(run, final, "after-rl"))
        summary = timed("report", lambda: report(run, results, title=run.preset.name))
    timings["total"] = {
        "wall": round(time.perf_counter() - clock, 1),
        "cpu": round(time.process_time() - cpu, 1),
    }
    compute = compute_summary(run)
    atomic_write_text(run.root / "compute.json", json.dumps(compute, indent=1) + "\n")
    return {"timings": timings, "report": summary, "compute": compute}


def compute_summary(run: Run) -> dict[str, Any]:
    """FLOPs of each finished training stage of a run, their sum, and the evaluations'.

    A stage that ran before compute was recorded (or the shipped base) shows ``None``
    and is left out of the sum, which says so in ``complete``.
    """
    from edgegym.agents.train.compute import stage_flops

    stages: dict[str, float | None] = {}
    for stage in ("pretrain", "midtrain", "rl"):
        path = run.model_dir(stage) / TRAIN_INFO
        if path.is_file():
            stages[stage] = stage_flops(json.loads(path.read_text(encoding="utf-8")))
    evals: dict[str, float | None] = {}
    for path in sorted(run.folder("eval").glob("*.json")) if run.folder("eval").is_dir() else []:
        meta = json.loads(path.read_text(encoding="utf-8")).get("meta", {})
        if "flops" in meta or "response_tokens" in meta:
            evals[path.stem] = meta.get("flops")
    known = [f for f in stages.values() if f is not None]
    return {
        "stages": stages,
        "training_flops": float(sum(known)),
        "complete": len(known) == len(stages),
        "eval": evals,
    }


def reset(run: Run) -> None:
    """Delete a run directory (``--restart``): only one that edgegym made.

    Raises:
        FileExistsError: the folder holds files but no ``edgegym-folder.json``
            (:data:`edgegym.tasks.io.FOLDER_MARKER`: edgegym did not make it); nothing
            is deleted.
    """
    if run.root.exists() or run.root.is_symlink():
        check_replaceable(run.root)
        shutil.rmtree(run.root)


def export_half(source: Path, target: Path, *, command: str = "") -> str:
    """Save the model in ``source`` in float16 (half the bytes) to ``target``; returns its sha256.

    The loaders cast back to float32, so training and evaluation run in full precision.
    Provenance keeps the stage's figures but no machine paths.
    """
    model, tokenizer = load_model(source)
    info = json.loads((source / TRAIN_INFO).read_text()) if (source / TRAIN_INFO).is_file() else {}
    kept = {k: info[k] for k in ("preset", "stage", "seconds", "cpu_seconds", "last") if k in info}
    save_model(target, model.half(), tokenizer, {**kept, "dtype": "float16", "command": command})
    return file_sha256(target / "model.safetensors")


def record_base_hash(preset_name: str, digest: str) -> None:
    """Write ``digest`` as the base sha256 of the shipped preset ``preset_name`` (in place)."""
    path = presets_path(f"{preset_name}.json")
    text = path.read_text(encoding="utf-8")
    old = json.loads(text)["base"]["sha256"]
    atomic_write_text(path, text.replace(f'"sha256": "{old}"', f'"sha256": "{digest}"', 1))


def easiest_op_pass1(run: Run) -> tuple[int, float]:
    """The smallest evaluated op and its verified pass@1 in the last evaluation."""
    from edgegym.eval.passk import pass_at_k
    from edgegym.eval.results import EvalResults

    results = EvalResults.load(run.folder("eval") / "after-rl.json")
    op = min(run.preset.eval.ops)
    rows = [p for p in results.problems if p.op == op]
    values = pass_at_k([p.n for p in rows], [p.verified for p in rows], 1)
    return op, float(values.mean())
