"""Configs of the local training stages, and the pipeline preset that bundles them.

Every config is a frozen, keyword-only dataclass validated in ``__post_init__``;
a preset is a JSON data file in ``presets/`` (read with :func:`load_preset`) that
names a model size, a task setting and one config per stage. Variants are made
with ``dataclasses.replace`` (the command line's ``--steps`` and friends do that).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeVar

from edgegym.rewards import RewardMode
from edgegym.tasks import CONTEXTS
from edgegym.tasks.checks import check_int, check_number
from edgegym.tasks.io import read_json
from edgegym.tasks.spec import MAX_OP, MIN_OP, DagConfig, TaskSpec

__all__ = [
    "NAME_RE",
    "PRESETS_PACKAGE",
    "BaseCheckpoint",
    "EvalSetup",
    "LMConfig",
    "Preset",
    "RLConfig",
    "TaskSetup",
    "load_preset",
    "preset_names",
    "presets_path",
    "with_overrides",
]

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
"""A preset name: one path component, no ``..`` or separators (it names ``runs/<name>``)."""
PRESETS_PACKAGE = "edgegym.agents.train"
"""Package whose ``presets/`` folder holds the pipeline presets (``<name>.json``)."""

LossOn = Literal["completion", "all"]

_T = TypeVar("_T")


def _ops(name: str, ops: object) -> None:
    if not isinstance(ops, tuple) or not ops:
        raise ValueError(f"{name} must be a non-empty tuple of ops, got {ops!r}")
    for op in ops:
        check_int(f"{name} entry", op, MIN_OP, MAX_OP)
    if len(set(ops)) != len(ops):
        raise ValueError(f"{name} must not repeat an op, got {ops}")


def _weights(ops: tuple[int, ...], weights: tuple[float, ...] | None) -> None:
    if weights is None:
        return
    if not isinstance(weights, tuple) or len(weights) != len(ops):
        raise ValueError(
            f"weights must be a tuple of {len(ops)} numbers (one per op), got {weights!r}"
        )
    for w in weights:
        check_number("weights entry", w, 0.0, 1.0)
    if abs(sum(weights) - 1.0) > 1e-6:
        raise ValueError(f"weights must sum to 1, got {sum(weights)!r} for {weights}")


def _choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {list(allowed)}, got {value!r}")


def _names(name: str, value: object, allowed: tuple[str, ...]) -> None:
    """``None`` or a non-empty tuple of distinct names from ``allowed``."""
    if value is None:
        return
    if not isinstance(value, tuple) or not value or len(set(value)) != len(value):
        raise ValueError(f"{name} must be a non-empty tuple without repeats, got {value!r}")
    for item in value:
        _choice(f"{name} entry", item, allowed)


def _mixture_text(name: str, value: object, check: Any) -> None:
    """``None`` or a mixture in the corpus syntax, checked by ``check(value)``."""
    if value is None:
        return
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a mixture string, got {value!r}")
    check(value)


@dataclass(frozen=True, kw_only=True)
class TaskSetup:
    """The task every stage draws from: all of a spec but the op, split, seed and index."""

    family: str = "dag"
    """Task family."""
    context: str = "symbolic"
    """Surface context (``symbolic`` is the compact one for tiny models)."""
    mode: Literal["forward", "reverse"] = "forward"
    """Forward or reverse problems."""
    config: DagConfig = field(default_factory=DagConfig)
    """Family knobs (modulus, distractors, shuffling, depth, totals)."""

    def __post_init__(self) -> None:
        self.spec(op=MIN_OP)  # TaskSpec validates the combination

    def variants(
        self, contexts: Sequence[str] | None = None, modes: Sequence[str] | None = None
    ) -> list[TaskSetup]:
        """This setting in each of ``contexts`` x ``modes`` (``None``: its own one)."""
        return [
            dataclasses.replace(self, context=context, mode=mode)  # type: ignore[arg-type]
            for context in contexts or (self.context,)
            for mode in modes or (self.mode,)
        ]

    def spec(self, *, op: int, split: str = "train", seed: int = 0, index: int = 0) -> TaskSpec:
        """The full spec of one problem of this setting."""
        return TaskSpec(
            family=self.family,
            context=self.context,
            mode=self.mode,
            op=op,
            split=split,  # type: ignore[arg-type]
            seed=seed,
            index=index,
            config=self.config,
        )


@dataclass(frozen=True, kw_only=True)
class LMConfig:
    """Language-model training on an op mixture (pre-training and mid-training)."""

    ops: tuple[int, ...]
    """Ops of the training problems."""
    weights: tuple[float, ...] | None = None
    """Probability of each op (``None``: uniform); must sum to 1."""
    steps: int = 1000
    """Optimizer steps."""
    batch_size: int = 32
    """Sequences per step (one problem each, padded)."""
    lr: float = 2e-3
    """Peak learning rate (AdamW)."""
    warmup: int = 50
    """Linear warm-up steps."""
    min_lr_ratio: float = 0.1
    """Cosine decay ends at ``lr * min_lr_ratio``."""
    weight_decay: float = 0.0
    """AdamW weight decay."""
    betas: tuple[float, float] = (0.9, 0.99)
    """AdamW betas."""
    grad_clip: float = 1.0
    """Clip the gradient's global norm to this (0 disables)."""
    loss_on: LossOn = "completion"
    """Take the loss on the completion only (the response after ``<solution>``) or all tokens.

    ``all`` also trains on the problem text, whose statements name earlier ones: for
    the 1M-parameter model that taught copying digits from the prompt within 600
    steps, where completion-only loss left every copied digit at chance (2.2 nats)
    after 1,700 steps. The ``tiny-cpu`` preset uses ``all``."""
    pack: bool = False
    """Pack every row to the model's context length (``max_position_embeddings``) with
    whole problems, the last cut at the row's end (:func:`edgegym.agents.packing.pack_rows`),
    so every position is trained on; ``batch_size`` then counts rows."""
    seed: int = 0
    """Seed of the problem stream (batch ``s`` is a pure function of ``(seed, s)``)."""
    checkpoint_every: int = 200
    """Checkpoint every this many steps (and at the end)."""
    log_every: int = 10
    """Write a metrics line every this many steps."""
    contexts: str | None = None
    """Context mixture in the corpus syntax (``zoo=0.99,teacher=0.01@2``, a preset such as
    ``zoo+teacher-1``; see :func:`edgegym.agents.corpus.context_mixture`); ``None``: the
    task's context only. When this or ``modes`` is set, batch ``s`` holds slots
    ``s*batch_size ...`` of the corpus stream of that mixture (:func:`~edgegym.agents.
    corpus.slot_spec`), so the stage sees what ``edgegym corpus`` would write."""
    modes: str | None = None
    """Mode mixture (``forward=0.5,reverse=0.5``); ``None``: the task's mode only."""
    share_of: Literal["records", "tokens"] | None = None
    """Unit of the context shares (``None``: the preset's, else records)."""

    def __post_init__(self) -> None:
        from edgegym.agents.corpus import context_mixture, weight_mixture
        from edgegym.tasks import MODES

        _ops("ops", self.ops)
        _weights(self.ops, self.weights)
        _mixture_text("contexts", self.contexts, context_mixture)
        _mixture_text("modes", self.modes, lambda t: weight_mixture(t, MODES, "modes"))
        if self.share_of is not None:
            _choice("share_of", self.share_of, ("records", "tokens"))
        check_int("steps", self.steps, 0)
        check_int("batch_size", self.batch_size, 1)
        check_number("lr", self.lr, 0.0, 1.0, open_lo=True)
        check_int("warmup", self.warmup, 0)
        check_number("min_lr_ratio", self.min_lr_ratio, 0.0, 1.0)
        check_number("weight_decay", self.weight_decay, 0.0, 10.0)
        if not (isinstance(self.betas, tuple) and len(self.betas) == 2):
            raise ValueError(f"betas must be a pair of numbers, got {self.betas!r}")
        for beta in self.betas:
            check_number("betas entry", beta, 0.0, 0.99999)
        check_number("grad_clip", self.grad_clip, 0.0, 1e6)
        _choice("loss_on", self.loss_on, ("completion", "all"))
        if not isinstance(self.pack, bool):
            raise ValueError(f"pack must be a bool, got {self.pack!r}")
        if self.pack and (self.contexts or self.modes):
            raise ValueError("pack does not combine with a contexts or modes mixture yet")
        check_int("seed", self.seed, 0, 2**63 - 1)
        check_int("checkpoint_every", self.checkpoint_every, 1)
        check_int("log_every", self.log_every, 1)


@dataclass(frozen=True, kw_only=True)
class RLConfig:
    """GRPO: group-normalised advantages, token-level policy gradient, optional clip and KL."""

    ops: tuple[int, ...]
    """Ops the RL problems are drawn from (the arms of the curriculum)."""
    curriculum: str = "uniform"
    """A strategy of :mod:`edgegym.curricula` over the arms ``min(ops)..max(ops)``: ``uniform``,
    ``frontier`` (the adaptive edge-of-competence curriculum), ``learnability``, ..."""
    curriculum_params: Mapping[str, Any] | None = None
    """Hyperparameters of the strategy (e.g. ``{"start": 3}`` for ``frontier``)."""
    steps: int = 60
    """Optimizer steps (one rollout batch each)."""
    prompts: int = 8
    """Problems per step."""
    group: int = 8
    """Samples per problem (the GRPO group)."""
    lr: float = 1e-4
    """Learning rate (constant after warm-up)."""
    warmup: int = 0
    """Linear warm-up steps."""
    weight_decay: float = 0.0
    """AdamW weight decay."""
    betas: tuple[float, float] = (0.9, 0.99)
    """AdamW betas."""
    grad_clip: float = 1.0
    """Clip the gradient's global norm to this (0 disables)."""
    temperature: float = 1.0
    """Sampling temperature of the rollouts."""
    max_new_tokens: int = 512
    """Hard cap on a response's length (each also stops at 1.25x its gold length + 16 tokens)."""
    micro_batch: int = 64
    """Rows per forward/backward pass of the update (gradients accumulate)."""
    reward: RewardMode = "strict"
    """Reward mode of :func:`edgegym.rewards.score` (``strict``: 1 iff the trace is verified)."""
    alpha: float = 0.5
    """Outcome weight of the ``gated`` and ``linear`` rewards (the study's process arms use
    0.5 and 0.2; ``gated`` scores a right answer ``alpha + (1 - alpha) * process``)."""
    kl: float = 0.0
    """Weight of the k3 KL penalty to the frozen initial policy (0: no reference model)."""
    clip: float = 0.2
    """PPO ratio clip epsilon (only matters when ``iterations > 1``)."""
    iterations: int = 1
    """Policy updates per rollout batch (1: fully on-policy)."""
    filter_zero_variance: bool = True
    """Drop groups whose rewards are all equal from the loss (they carry no advantage)."""
    scale_rewards: bool = True
    """Divide advantages by the group's standard deviation (GRPO); off gives Dr. GRPO."""
    contexts: tuple[str, ...] | None = None
    """Contexts of the RL problems, each a track of the curriculum (``uniform`` draws every
    context x mode x op arm equally: the study's 50/50 zoo/teacher mix, ops balanced);
    ``None``: the task's context."""
    modes: tuple[str, ...] | None = None
    """Modes of the RL problems (``None``: the task's mode)."""
    seed: int = 0
    """Seed of problems and sampling (step ``s`` is a pure function of ``(seed, s)`` and state)."""
    checkpoint_every: int = 20
    """Checkpoint every this many steps (and at the end)."""
    log_every: int = 1
    """Write a metrics line every this many steps."""

    def __post_init__(self) -> None:
        _ops("ops", self.ops)
        if not isinstance(self.curriculum, str) or not self.curriculum:
            raise ValueError(f"curriculum must be a strategy name, got {self.curriculum!r}")
        if self.curriculum_params is not None and not isinstance(self.curriculum_params, Mapping):
            raise ValueError(f"curriculum_params must be an object, got {self.curriculum_params!r}")
        check_int("steps", self.steps, 0)
        check_int("prompts", self.prompts, 1)
        check_int("group", self.group, 2)
        check_number("lr", self.lr, 0.0, 1.0, open_lo=True)
        check_int("warmup", self.warmup, 0)
        check_number("weight_decay", self.weight_decay, 0.0, 10.0)
        if not (isinstance(self.betas, tuple) and len(self.betas) == 2):
            raise ValueError(f"betas must be a pair of numbers, got {self.betas!r}")
        check_number("grad_clip", self.grad_clip, 0.0, 1e6)
        check_number("temperature", self.temperature, 0.0, 10.0, open_lo=True)
        check_int("max_new_tokens", self.max_new_tokens, 1)
        check_int("micro_batch", self.micro_batch, 1)
        _choice("reward", self.reward, ("outcome", "gated", "strict", "linear"))
        check_number("alpha", self.alpha, 0.0, 1.0)
        _names("contexts", self.contexts, CONTEXTS)
        _names("modes", self.modes, ("forward", "reverse"))
        check_number("kl", self.kl, 0.0, 100.0)
        check_number("clip", self.clip, 0.0, 10.0, open_lo=True)
        check_int("iterations", self.iterations, 1, 64)
        for name in ("filter_zero_variance", "scale_rewards"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be a bool, got {getattr(self, name)!r}")
        check_int("seed", self.seed, 0, 2**63 - 1)
        check_int("checkpoint_every", self.checkpoint_every, 1)
        check_int("log_every", self.log_every, 1)


@dataclass(frozen=True, kw_only=True)
class EvalSetup:
    """An evaluation suite and how to sample it: ops x problems, ``samples`` responses each."""

    ops: tuple[int, ...]
    """Ops of the suite."""
    problems: int = 64
    """Problems per op (the study's conclusions need >= 150 to resolve pass@k differences)."""
    samples: int = 8
    """Sampled responses per problem (n of pass@k)."""
    temperature: float = 0.7
    """Sampling temperature."""
    k: tuple[int, ...] = (1, 8)
    """The k of the pass@k columns (each <= samples)."""
    split: Literal["train", "val", "test"] = "test"
    """Split the suite is drawn from (disjoint from training by graph hash)."""
    seed: int = 0
    """Seed of the suite's problems and of the sampling."""
    batch_size: int = 256
    """Sequences sampled together."""
    max_new_tokens: int = 1024
    """Hard cap on a response's length (each also stops at 1.25x its gold length + 16 tokens)."""
    contexts: tuple[str, ...] | None = None
    """Contexts of the suite (every op in each; ``None``: the task's context)."""
    modes: tuple[str, ...] | None = None
    """Modes of the suite (``None``: the task's mode)."""

    def __post_init__(self) -> None:
        _ops("ops", self.ops)
        _names("contexts", self.contexts, CONTEXTS)
        _names("modes", self.modes, ("forward", "reverse"))
        check_int("problems", self.problems, 1)
        check_int("samples", self.samples, 1)
        check_number("temperature", self.temperature, 0.0, 10.0)
        if not isinstance(self.k, tuple) or not self.k:
            raise ValueError(f"k must be a non-empty tuple, got {self.k!r}")
        for k in self.k:
            check_int("k entry", k, 1, self.samples)
        _choice("split", self.split, ("train", "val", "test"))
        check_int("seed", self.seed, 0, 2**63 - 1)
        check_int("batch_size", self.batch_size, 1)
        check_int("max_new_tokens", self.max_new_tokens, 1)


@dataclass(frozen=True, kw_only=True)
class BaseCheckpoint:
    """A small pre-trained model shipped with a preset, and how to rebuild it."""

    path: str
    """Model directory (``save_pretrained``): relative to the presets folder (no ``..``), or
    absolute (read only: ``edgegym stage base`` writes a base only where ``--to`` says, or
    into the presets folder for a shipped preset)."""
    sha256: str
    """Digest of its weights file (``model.safetensors``)."""
    command: str
    """The one command that rebuilds it."""

    def __post_init__(self) -> None:
        for name in ("path", "sha256", "command"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ValueError(f"{name} must be a non-empty string, got {value!r}")
        parts = Path(self.path).parts
        if not Path(self.path).is_absolute() and ".." in parts:
            raise ValueError(f"base path must stay inside the presets folder, got {self.path!r}")


@dataclass(frozen=True, kw_only=True)
class Preset:
    """A whole pipeline: model size, task setting and the config of each stage."""

    name: str
    """Preset name (the file stem)."""
    description: str
    """One line for ``--help`` and reports."""
    model: str
    """Model size preset of :mod:`edgegym.agents.model` (``tiny``, ``small``, ...)."""
    model_overrides: Mapping[str, Any] | None = None
    """``LlamaConfig`` fields that replace the size preset's (e.g. a micro model for tests)."""
    task: TaskSetup
    """Task setting shared by every stage."""
    eval: EvalSetup
    """Evaluation suite run before and after RL."""
    pretrain: LMConfig | None = None
    """Pre-training (``None``: skipped)."""
    midtrain: LMConfig | None = None
    """Mid-training (``None``: skipped)."""
    rl: RLConfig | None = None
    """RL (``None``: skipped)."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Device to train on (``auto``: cuda when available)."""
    threads: int = 1
    """torch CPU threads (one is fastest for tiny models on a shared 2-core machine)."""
    init_seed: int = 0
    """Seed of the random initial weights."""
    base: BaseCheckpoint | None = None
    """Shipped pre-trained base that the demo starts from instead of pre-training."""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or NAME_RE.fullmatch(self.name) is None:
            raise ValueError(
                f"name must match {NAME_RE.pattern} (it names the run folder runs/<name>), "
                f"got {self.name!r}"
            )
        if not isinstance(self.model, str) or not self.model:
            raise ValueError(f"model must be a non-empty string, got {self.model!r}")
        _choice("device", self.device, ("auto", "cpu", "cuda"))
        check_int("threads", self.threads, 1, 1024)
        check_int("init_seed", self.init_seed, 0, 2**63 - 1)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form; :meth:`from_dict` reads it back."""
        data = dataclasses.asdict(self)
        data["task"]["config"] = self.task.config.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Preset:
        """Build a preset from its JSON form, rejecting unknown keys."""
        data = dict(data)
        task = dict(data.pop("task", {}))
        task["config"] = DagConfig.parse(task.get("config", {}))
        return _build(
            cls,
            {
                **data,
                "task": _build(TaskSetup, task),
                "eval": _build(EvalSetup, data.get("eval", {})),
                "pretrain": _maybe(LMConfig, data.get("pretrain")),
                "midtrain": _maybe(LMConfig, data.get("midtrain")),
                "rl": _maybe(RLConfig, data.get("rl")),
                "base": _maybe(BaseCheckpoint, data.get("base")),
            },
        )


def _build(cls: type[_T], data: Mapping[str, Any]) -> _T:
    if not isinstance(data, Mapping):
        raise ValueError(f"{cls.__name__} must be a JSON object, got {data!r:.60}")
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    known = {f.name for f in fields}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown {cls.__name__} field(s) {unknown}; allowed: {sorted(known)}")
    required = {
        f.name
        for f in fields
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    missing = sorted(required - set(data))
    if missing:
        raise ValueError(f"{cls.__name__} lacks the field(s) {missing}")
    # JSON has lists where the configs hold tuples.
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
    return cls(**values)


def _maybe(cls: type[_T], data: Mapping[str, Any] | None) -> _T | None:
    return None if data is None else _build(cls, data)


def _presets_dir() -> Any:
    return resources.files(PRESETS_PACKAGE).joinpath("presets")


def preset_names() -> list[str]:
    """Names of the shipped presets, sorted."""
    return sorted(
        entry.name.removesuffix(".json")
        for entry in _presets_dir().iterdir()
        if entry.name.endswith(".json")
    )


def load_preset(name_or_path: str | Path) -> Preset:
    """A shipped preset by name, or a preset JSON file by path.

    Raises:
        ValueError: if there is no such preset or the file is invalid.
    """
    path = Path(name_or_path)
    if path.suffix == ".json" and path.is_file():
        data = read_json(path)
        if not isinstance(data, dict):
            raise ValueError(f"{path}: a preset must be a JSON object")
        data.setdefault("name", path.stem)
        try:
            return Preset.from_dict(data)
        except (ValueError, TypeError, AttributeError, KeyError) as err:  # a malformed section
            raise ValueError(f"{path}: {err}") from None
    names = preset_names()
    if str(name_or_path) not in names:
        raise ValueError(f"preset must be one of {names} or a .json file, got {name_or_path!r}")
    entry = _presets_dir().joinpath(f"{name_or_path}.json")
    data = json.loads(entry.read_text(encoding="utf-8"))
    data.setdefault("name", str(name_or_path))
    return Preset.from_dict(data)


def presets_path(relative: str) -> Path:
    """A path inside the presets folder (for shipped base checkpoints); absolute paths pass.

    Raises:
        ValueError: a relative path that leaves the presets folder (``..``).
    """
    if Path(relative).is_absolute():
        return Path(relative)
    if ".." in Path(relative).parts:
        raise ValueError(f"{relative!r} leaves the presets folder")
    return Path(str(_presets_dir().joinpath(relative)))


def with_overrides(preset: Preset, items: Sequence[str]) -> Preset:
    """``preset`` with ``section.field=value`` settings applied (values parsed as JSON).

    Example: ``with_overrides(p, ["rl.steps=40", "eval.ops=[2,3]", "device=cpu"])``.

    Raises:
        ValueError: a malformed item, an unknown field or an invalid value.
    """
    data = preset.to_dict()
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ValueError(f"a setting must look like section.field=value, got {item!r}")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw  # a bare string such as device=cpu
        *parents, name = key.split(".")
        target = data
        for part in parents:
            if not isinstance(target.get(part), dict):
                raise ValueError(f"{key}: preset {preset.name!r} has no section {part!r}")
            target = target[part]
        if name not in target:
            raise ValueError(f"{key}: unknown field {name!r}; known: {sorted(target)}")
        target[name] = value
    return Preset.from_dict(data)
