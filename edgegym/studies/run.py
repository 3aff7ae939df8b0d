"""Running a declared study into one resumable results folder.

Layout of ``<out>``::

    manifest.json                  settings, study, preset, suites, bands, budgets, progress
    base/                          the study's own base (init, pretrain[, midtrain])
    results/base-val.json          the base on the validation suite (chooses the bands)
    results/base-test.json         the base on the test suite
    arms/<arm>/seed-<s>/           one RL run (checkpoints, metrics, model/)
    results/<arm>/seed-<s>.json    that run on the test suite (per-seed results)
    report.md, report.json, plot.png

Every piece is skipped when its output exists, and training resumes from its last
checkpoint, so a killed study continues where it stopped when run again (or rerun
from ``manifest.json``). The report is rewritten after every finished run, so a
study cut short leaves a true report of the runs that finished.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.console import Console

from edgegym.agents.train.config import EvalSetup, Preset, RLConfig, load_preset, with_overrides
from edgegym.agents.train.pipeline import Run
from edgegym.eval.results import EvalResults
from edgegym.studies.declare import Arm, BandRule, Settings, Study
from edgegym.studies.layout import StudyRun
from edgegym.tasks.io import atomic_write_text

__all__ = [
    "StudyRun",
    "arm_config",
    "arm_ops",
    "arm_start",
    "claim",
    "command_of",
    "fill",
    "read_manifest",
    "resolve_preset",
    "run_order",
    "run_study",
    "select_bands",
]

MANIFEST = "manifest.json"


def resolve_preset(study: Study, settings: Settings) -> Preset:
    """The preset as the study runs it: overrides, suite size, RL steps, packing."""
    name = settings.preset or study.presets.get(settings.device)
    if name is None:
        raise ValueError(f"study {study.name!r} has no default preset for {settings.device}")
    preset = load_preset(name)
    preset = with_overrides(preset, [fill(item, preset.task.context) for item in study.set])
    preset = with_overrides(preset, settings.set)
    if preset.pretrain is None or preset.rl is None:
        raise ValueError(f"preset {preset.name!r} needs pretrain and rl sections for a study")
    samples = settings.eval_samples or preset.eval.samples
    setup = replace(
        preset.eval,
        problems=settings.eval_problems or preset.eval.problems,
        samples=samples,
        k=tuple(sorted({1, samples})),
        ops=settings.ops() or preset.eval.ops,
    )
    rl = replace(preset.rl, steps=settings.rl_steps or preset.rl.steps)
    pretrain = replace(preset.pretrain, pack=study.base.pack)
    device = settings.device if settings.device != "auto" else preset.device
    return replace(preset, eval=setup, rl=rl, pretrain=pretrain, device=device)  # type: ignore[arg-type]


def command_of(study: Study, settings: Settings) -> str:
    """The one command that reruns ``settings`` (canonical order)."""
    parts = ["edgegym", "study", study.name]
    for key, value in settings.to_dict().items():
        flag = "--" + key.replace("_", "-")
        if key in ("manifest", "report_only") or value in (None, False, []):
            continue
        if key == "set":
            parts += [f"--set {item}" for item in value]
        elif value is True:
            parts.append(flag)
        else:
            parts.append(f"{flag} {value}")
    return " ".join(parts)


def _commit() -> str:
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def read_manifest(root: Path) -> dict[str, Any]:
    path = root / MANIFEST
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def write_manifest(root: Path, data: dict[str, Any]) -> None:
    atomic_write_text(root / MANIFEST, json.dumps(data, indent=1, sort_keys=True) + "\n")


def _start_manifest(sr: StudyRun) -> dict[str, Any]:
    """Write (or check and reuse) the manifest; a folder holds one configuration."""
    declaration = sr.study.to_dict()
    fixed = {
        # What decides the runs; the titles and secondary endpoints may change later.
        "study": {key: declaration[key] for key in ("name", "arms", "base", "bands", "primary")},
        "preset": {k: v for k, v in sr.preset.to_dict().items() if k != "description"},
        "suites": {
            "validation": sr.suite("val").__dict__ | {"ops": list(sr.preset.eval.ops)},
            "test": sr.suite("test").__dict__ | {"ops": list(sr.preset.eval.ops)},
        },
    }
    fixed = json.loads(json.dumps(fixed, default=list))
    old = read_manifest(sr.root)
    if old and any(old.get(key) != value for key, value in fixed.items()):
        changed = sorted(key for key, value in fixed.items() if old.get(key) != value)
        raise ValueError(
            f"{sr.root} holds a study run with another {', '.join(changed)}; "
            "use another --out, or the same settings (--manifest reruns them)"
        )
    settings = sr.settings.to_dict() | {"out": str(sr.root), "manifest": None}
    data: dict[str, Any] = old | fixed
    data |= {"settings": settings, "command": command_of(sr.study, sr.settings)}
    data["declaration"] = json.loads(json.dumps(declaration, default=list))
    data.setdefault("created", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    data["commit"] = _commit()
    write_manifest(sr.root, data)
    return data


def select_bands(
    rates: dict[int, dict[str, float]], rule: BandRule
) -> tuple[dict[str, tuple[int, ...]], list[str]]:
    """Bands from the base's validation pass rates (:class:`BandRule`) and notes on fallbacks."""
    from edgegym.agents.train.study import choose_bands

    ops = sorted(rates)
    raw = choose_bands(rates, competent=rule.competent, edge_floor=rule.edge_floor)
    top, notes = ops[-1], []
    ident = raw["id"][-rule.width :]
    if not ident:
        ident = (ops[0],)
        notes.append(f"no op reached pass@1 >= {rule.competent}; id falls back to op {ops[0]}")
    above = [op for op in ops if op > max(ident)]
    edge = tuple(op for op in raw["edge"] if op > max(ident))[: rule.width]
    if not edge and above:
        edge = (above[0],)
        notes.append(
            f"no op in the edge range; edge falls back to op {above[0]}, the first above id"
        )
    floor = max(edge or ident)
    hard = tuple(op for op in raw["hard"] if floor < op < top)[: rule.width]
    if not hard:
        spare = [op for op in ops if floor < op < top]
        hard = tuple(spare[-1:]) or (top,)
        notes.append(f"no hard op below the top one; hard falls back to op {hard[0]}")
    return {"id": ident, "edge": edge, "hard": hard}, notes


def arm_ops(arm: Arm, bands: dict[str, tuple[int, ...]]) -> tuple[int, ...]:
    """An arm's training ops: its band, or (curriculum) every op up to the hard band's top."""
    if arm.band is not None:
        return bands[arm.band]
    low = min(op for band in bands.values() for op in band)
    high = max(op for band in bands.values() for op in band)
    return tuple(range(low, high + 1))


def fill(value: Any, context: str) -> Any:
    """``value`` with ``{context}`` in its strings replaced; lists become tuples."""
    if isinstance(value, str):
        return value.replace("{context}", context)
    if isinstance(value, list | tuple):
        return tuple(fill(item, context) for item in value)
    if isinstance(value, dict):
        return {key: fill(item, context) for key, item in value.items()}
    return value


def arm_config(
    rl: RLConfig, arm: Arm, ops: tuple[int, ...], seed: int, *, context: str = ""
) -> RLConfig:
    """The preset's RL config with this arm's problems, reward and seed; the budget unchanged.

    ``context`` fills ``{context}`` in the arm's settings (the preset's task context).
    """
    return replace(
        rl,
        ops=ops,
        curriculum=arm.curriculum,
        reward=arm.reward,  # type: ignore[arg-type]
        seed=seed,
        **fill(dict(arm.rl), context),
    )


def _evaluate(sr: StudyRun, model_dir: Path, setup: EvalSetup, path: Path) -> EvalResults:
    """``model_dir`` on ``setup``; the results file is the cache."""
    from edgegym.agents.train.checkpoint import load_model
    from edgegym.agents.train.evaluate import evaluate

    if path.is_file():
        return EvalResults.load(path)
    run = sr.base_run()
    model, tokenizer = load_model(model_dir, device=run.torch_device())
    results = evaluate(
        model,
        tokenizer,
        sr.preset.task,
        setup,
        name=path.stem,
        console=sr.console,
        progress=not sr.settings.no_progress,
    )
    results = replace(results, meta={**results.meta, "model": str(model_dir)})
    results.save(path)
    return results


def _seed_from_shipped(run: Run) -> None:
    """Pre-train from the preset's shipped base (hash-checked) instead of random weights."""
    import shutil

    from edgegym.agents.train.pipeline import base_dir

    init = run.model_dir("init")
    if (init / "config.json").is_file():
        return
    source = base_dir(run.preset)
    staging = init.with_name("model.partial")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source, staging)
    staging.rename(init)


def _train_base(sr: StudyRun, *, midtrain: bool = False) -> Path:
    from edgegym.agents.train.pipeline import input_model, run_pipeline, stage_midtrain

    run = sr.base_run(midtrain=midtrain)
    if sr.preset.base is not None and not sr.settings.from_scratch:
        _seed_from_shipped(run)
    run_pipeline(run, stages=("init", "pretrain"))
    if midtrain:
        if run.preset.midtrain is None:
            raise ValueError(f"an arm asks for mid-training; preset {sr.preset.name!r} has none")
        return stage_midtrain(run)
    return input_model(run, "midtrain")


def _train_arm(sr: StudyRun, base: Path, arm: Arm, config: RLConfig, seed: int) -> Path:
    from edgegym.agents.train.checkpoint import load_model, save_model
    from edgegym.agents.train.lm import StageIO
    from edgegym.agents.train.rl import train_rl

    folder = sr.root / "arms" / arm.name / f"seed-{seed}"
    out = folder / "model"
    if (out / "config.json").is_file():
        return out
    run = sr.base_run()
    model, tokenizer = load_model(base, device=run.torch_device())
    sr.console.print(
        f"[bold]arm {arm.name} seed {seed}[/]: ops {list(config.ops)}, {config.curriculum}, "
        f"reward {config.reward}, {config.steps} x {config.prompts} x {config.group} rollouts"
    )
    clock = time.perf_counter()
    io = StageIO(folder=folder, console=sr.console, progress=not sr.settings.no_progress)
    last = train_rl(model, tokenizer, sr.preset.task, config, io, title=f"{arm.name} s{seed}")
    info = {"arm": arm.name, "seed": seed, "ops": list(config.ops), "source": str(base)}
    info |= {"compute": last.pop("compute", None)}
    info |= {"seconds": round(time.perf_counter() - clock, 1), "last": last}
    return save_model(out, model, tokenizer, info)


def _plan(sr: StudyRun, manifest: dict[str, Any], base: Path) -> dict[str, Any]:
    """Choose the bands on the validation suite; fix every arm's ops and budget in the manifest."""
    from edgegym.agents.train.study import op_rates

    val = _evaluate(sr, base, sr.suite("val"), sr.root / "results" / "base-val.json")
    main = tuple(p for p in val.problems if p.context == sr.preset.task.context)
    if main and len(main) < len(val.problems):  # several contexts: bands from the task's
        val = replace(val, problems=main)
    rates = op_rates(val, max(sr.preset.eval.k))
    bands, notes = select_bands(rates, sr.study.bands)
    arms, budget = _arm_plans(sr, bands, base)
    trained = max(op for spec in arms.values() for op in spec["ops"])
    plan = {
        "bands": {name: list(ops) for name, ops in bands.items()},
        "bands_chosen_on": "validation suite (split val); arms are compared on the test suite",
        "band_notes": notes,
        "validation_rates": {str(op): r for op, r in rates.items()},
        "arms": arms,
        "budget": budget,
        "beyond_training": [op for op in sr.preset.eval.ops if op > trained],
    }
    write_manifest(sr.root, manifest | {"plan": plan})
    return plan


def _arm_plans(
    sr: StudyRun, bands: dict[str, tuple[int, ...]], base: Path
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Each arm's ops, reward and steps; the budget every arm shares, checked equal.

    Arms with a ``midtrain_share`` share a compute budget (:mod:`edgegym.studies.budget`);
    the others a rollout budget.
    """
    from edgegym.studies.budget import split_budget, step_flops

    rl = sr.preset.rl
    assert rl is not None
    context = sr.preset.task.context
    arms: dict[str, dict[str, Any]] = {}
    for arm in sr.study.arms:
        config = arm_config(rl, arm, arm_ops(arm, bands), 0, context=context)
        arms[arm.name] = {
            "ops": list(config.ops),
            "curriculum": config.curriculum,
            "reward": config.reward,
            "midtrain": arm.midtrain,
            "rollouts_per_run": config.steps * config.prompts * config.group,
        }
        if arm.pretrain:  # the arm's own base
            arms[arm.name]["pretrain"] = fill(dict(arm.pretrain), context)
        if config.contexts is not None:
            arms[arm.name]["contexts"] = list(config.contexts)
    shares = {a.name: a.midtrain_share for a in sr.study.arms if a.midtrain_share is not None}
    if not shares:
        budgets = {spec["rollouts_per_run"] for spec in arms.values()}
        if len(budgets) != 1:
            raise ValueError(f"arms have unequal rollout budgets: {arms}")
        return arms, {"rollouts_per_run": budgets.pop(), "equal": True}
    if len(shares) != len(arms) or len({tuple(spec["ops"]) for spec in arms.values()}) != 1:
        raise ValueError("a compute split needs every arm to have a midtrain_share and one band")
    first = sr.study.arms[0]
    mid_step, rl_step, params = step_flops(
        sr.preset, arm_config(rl, first, tuple(arms[first.name]["ops"]), 0, context=context), base
    )
    split = split_budget(shares, rl.steps, mid_step, rl_step)
    for name, spec in split.items():
        arms[name] |= spec
        arms[name]["rollouts_per_run"] = spec["rl_steps"] * rl.prompts * rl.group
    budget = {
        "mode": "compute",
        "flops_per_run": rl.steps * rl_step,
        "estimated_flops_per_step": {"midtrain": mid_step, "rl": rl_step},
        "params": params,
        "equal": True,
    }
    return arms, budget


def _own_base(sr: StudyRun, arm: Arm) -> Path:
    """An arm's own base: the study's pre-training with the arm's ``pretrain`` fields."""
    from edgegym.agents.train.pipeline import input_model, run_pipeline

    pretrain = sr.preset.pretrain
    assert pretrain is not None
    fields = fill(dict(arm.pretrain), sr.preset.task.context)
    preset = replace(sr.preset, rl=None, midtrain=None, pretrain=replace(pretrain, **fields))
    run = replace(sr.base_run(), preset=preset, root=sr.root / "bases" / arm.name)
    if sr.preset.base is not None and not sr.settings.from_scratch:
        _seed_from_shipped(run)
    run_pipeline(run, stages=("init", "pretrain"))
    return input_model(run, "midtrain")


def _midtrained(sr: StudyRun, arm: Arm, base: Path, steps: int) -> Path:
    """The study's base mid-trained for ``steps`` steps (an arm's share of the compute)."""
    import shutil

    from edgegym.agents.train.pipeline import stage_midtrain

    midtrain = sr.preset.midtrain
    assert midtrain is not None
    preset = replace(sr.preset, rl=None, midtrain=replace(midtrain, steps=steps))
    run = replace(sr.base_run(), preset=preset, root=sr.root / "bases" / arm.name)
    start = run.model_dir("pretrain")
    if not (start / "config.json").is_file():
        staging = start.with_name("model.partial")
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(base, staging)
        staging.rename(start)
    return stage_midtrain(run)


def arm_start(sr: StudyRun, arm: Arm, spec: dict[str, Any], base: Path) -> Path | None:
    """The model an arm's RL starts from: its own base, a mid-trained one, or the study's.

    ``None`` while another worker on the folder trains the arm's own base.
    """
    if arm.midtrain:
        return _train_base(sr, midtrain=True)
    if not arm.pretrain and not spec.get("midtrain_steps"):
        return base
    with claim(sr.root / "bases" / f"{arm.name}.claim") as mine:
        if not mine:
            return None
        if arm.pretrain:
            return _own_base(sr, arm)
        return _midtrained(sr, arm, base, int(spec["midtrain_steps"]))


@contextlib.contextmanager
def claim(path: Path) -> Iterator[bool]:
    """Hold ``path`` as this process's claim on one run; yields False if a live process has it.

    Several workers may run one study folder (``edgegym study ...`` started again beside a
    running one, after the base is evaluated): each run is trained by the first worker to
    claim it. A claim whose process is gone is taken over.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                os.kill(int(path.read_text() or "0"), 0)
            except (ProcessLookupError, ValueError):
                path.unlink(missing_ok=True)  # its process is gone: stale
                continue
            except PermissionError:
                pass  # alive, another user's
            yield False
            return
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        try:
            yield True
        finally:
            path.unlink(missing_ok=True)
        return
    yield False


def run_order(study: Study, seeds: int) -> list[tuple[Arm, int]]:
    """Seed by seed, the primary endpoint's arms first: a study cut short has its endpoint."""
    first = [arm for arm in study.arms if arm.name in (study.primary.a, study.primary.b)]
    rest = [arm for arm in study.arms if arm not in first]
    return [(arm, seed) for group in (first, rest) for seed in range(seeds) for arm in group]


def run_study(study: Study, settings: Settings, *, console: Console | None = None) -> Path:
    """Run (or resume) ``study`` under ``settings``; returns the results folder."""
    from edgegym.studies.report import write_report

    console = console or Console()
    preset = resolve_preset(study, settings)
    root = settings.out or Path("runs") / f"study-{study.name}-{preset.name}"
    sr = StudyRun(study=study, settings=settings, preset=preset, root=root, console=console)
    if settings.report_only:
        plan = read_manifest(root).get("plan")
        if plan is None or not (root / "results" / "base-test.json").is_file():
            raise ValueError(f"{root} holds no evaluated base yet: nothing to report")
        write_report(sr, plan)
        return root
    manifest = _start_manifest(sr)
    base = _train_base(sr, midtrain=study.base.midtrain)
    plan = manifest.get("plan") or _plan(sr, read_manifest(root), base)
    _evaluate(sr, base, sr.suite("test"), root / "results" / "base-test.json")
    write_report(sr, plan)
    rl = preset.rl
    assert rl is not None
    for arm, seed in run_order(study, settings.seeds):
        spec = plan["arms"][arm.name]
        path = root / "results" / arm.name / f"seed-{seed}.json"
        with claim(root / "arms" / arm.name / f"seed-{seed}.claim") as mine:
            if path.is_file() or not mine:
                continue  # done, or another worker on this folder is running it
            start = arm_start(sr, arm, spec, base)
            if start is None:
                continue  # another worker is training this arm's own base
            config = arm_config(rl, arm, tuple(spec["ops"]), seed, context=preset.task.context)
            config = replace(config, steps=int(spec.get("rl_steps", config.steps)))
            model = _train_arm(sr, start, arm, config, seed)
            _evaluate(sr, model, sr.suite("test"), path)
            write_report(sr, plan)
    report = write_report(sr, plan)
    console.print(f"report: {report}")
    return root
