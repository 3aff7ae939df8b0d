"""A study as data: its arms, base, bands, suites, seeds and primary endpoint.

A :class:`Study` is declared once, as frozen data, and everything else derives from
it: the command line (:func:`edgegym.studies.cli.build_parser` reads the fields of
:class:`Settings` and the study's defaults), the manifest, the run order and the
report. A new study is a new declaration, not new plumbing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from edgegym.tasks.checks import check_fields, check_int

__all__ = ["Arm", "BandRule", "BaseSpec", "Endpoint", "Settings", "Study"]

Metric = Literal["verified", "answer", "gap", "excess"]
"""``verified`` / ``answer``: pass@k; ``gap``: answer - verified pass@k of each problem;
``excess``: answer pass@k above what verified samples plus uniform guesses at the
answer range would score (:func:`edgegym.studies.report.guess_rate`), the gap that
guessing does not explain."""
BUDGET_FIELDS = ("steps", "prompts", "group")
"""RLConfig fields that make the rollout budget; arms may not override them."""


@dataclass(frozen=True, kw_only=True)
class Arm:
    """One RL arm: which problems and reward, from which base; run once per seed."""

    name: str
    """Label in tables, folder name."""
    band: str | None = None
    """Train on the ops of this band (``id``, ``edge``, ``hard``); ``None``: every candidate op."""
    curriculum: str = "uniform"
    """Curriculum strategy over the arm's ops (``frontier`` is the adaptive one)."""
    reward: str = "strict"
    """Reward mode of the RL."""
    midtrain: bool = False
    """Mid-train the base (the preset's ``midtrain``) before this arm's RL."""
    rl: Mapping[str, Any] = field(default_factory=dict)
    """Other RLConfig fields for this arm (never the budget: steps, prompts, group).
    ``{context}`` in a string stands for the preset's task context."""
    pretrain: Mapping[str, Any] = field(default_factory=dict)
    """LMConfig fields of this arm's own base, pre-trained like the study's base but with
    these (e.g. a context mixture); empty: the study's base. ``{context}`` as in ``rl``."""
    midtrain_share: float | None = None
    """Share of the study's compute budget spent mid-training (the preset's ``midtrain``)
    before RL, which gets the rest: the RL-only budget is ``rl.steps`` steps, and its
    FLOPs are split (see :mod:`edgegym.studies.run`). ``None``: no compute split."""

    def __post_init__(self) -> None:
        clash = sorted(set(self.rl) & {*BUDGET_FIELDS, "ops", "seed"})
        if clash:
            raise ValueError(f"arm {self.name!r} may not set {clash}: every arm has one budget")
        share = self.midtrain_share
        if share is not None and not (isinstance(share, int | float) and 0 <= share < 1):
            raise ValueError(f"arm {self.name!r}: midtrain_share must be in [0, 1), got {share!r}")
        if share is not None and self.midtrain:
            raise ValueError(f"arm {self.name!r}: midtrain_share replaces midtrain=True")


@dataclass(frozen=True, kw_only=True)
class BaseSpec:
    """How the study's base model is made from the preset."""

    pack: bool = True
    """Pre-train on rows packed to the context length (lengths out of the way)."""
    midtrain: bool = False
    """Mid-train the shared base (arms may still ask for mid-training themselves)."""


@dataclass(frozen=True, kw_only=True)
class BandRule:
    """How the base's validation pass rates split the candidate ops into bands."""

    competent: float = 0.5
    """``id``: verified pass@1 at least this."""
    edge_floor: float = 0.05
    """``edge``: pass@1 below ``competent`` and verified pass@k at least this; else ``hard``."""
    width: int = 2
    """At most this many ops per band: the ID ops nearest the edge, the lowest edge and
    hard ops; the hard band stops below the highest candidate op, so some evaluated op
    lies beyond every arm's training range."""


@dataclass(frozen=True, kw_only=True)
class Endpoint:
    """A difference of two arms' mean pass@k over a set of test ops."""

    name: str
    """Short label."""
    a: str
    """Arm (or ``base``) of the minuend."""
    b: str
    """Arm (or ``base``) subtracted."""
    ops: str = "above:edge"
    """``above:<band>`` (test ops above the band's highest), ``band:<band>``, ``all``."""
    metric: Metric = "verified"
    """Process-verified or answer-only."""
    k: int | None = None
    """pass@k; ``None``: as large as the samples allow."""
    context: str | None = None
    """Pool only the test problems of this context (``None``: every context)."""

    def describe(self, k: int) -> str:
        where = self.ops.replace("above:", "ops above the ").replace("band:", "the ")
        if ":" not in self.ops:
            where = f"{self.ops} ops"
        elif self.ops.startswith(("above:", "band:")):
            where += " band"
        if self.context is not None:
            where += f", {self.context} problems"
        return f"{self.a} - {self.b}, {self.metric} pass@{self.k or k}, at {where}"


@dataclass(frozen=True, kw_only=True)
class Study:
    """A study: arms from one base at one rollout budget, compared on a test suite."""

    name: str
    """``edgegym study NAME``."""
    title: str
    """One line: the claim under test."""
    description: str
    """A paragraph for ``--help`` and the report."""
    arms: tuple[Arm, ...]
    """The RL arms (each run ``--seeds`` times)."""
    primary: Endpoint
    """Declared before the run and reported first."""
    secondary: tuple[Endpoint, ...] = ()
    """Reported after the primary endpoint, marked secondary."""
    base: BaseSpec = field(default_factory=BaseSpec)
    """How the base is made."""
    bands: BandRule = field(default_factory=BandRule)
    """How bands are chosen on the validation suite."""
    defaults: Mapping[str, Any] = field(default_factory=dict)
    """Defaults of :class:`Settings` fields for this study (e.g. ``{"seeds": 3}``)."""
    presets: Mapping[str, str] = field(default_factory=dict)
    """Default preset per device (``cpu``, ``cuda``)."""
    set: tuple[str, ...] = ()
    """Preset settings every run of the study needs (``eval.contexts=...``), applied
    before the command line's ``--set``; ``{context}`` stands for the task context."""

    def __post_init__(self) -> None:
        names = [arm.name for arm in self.arms]
        if len(set(names)) != len(names) or "base" in names:
            raise ValueError(f"arm names must be unique and not 'base', got {names}")
        for endpoint in (self.primary, *self.secondary):
            for side in (endpoint.a, endpoint.b):
                if side != "base" and side not in names:
                    raise ValueError(f"endpoint {endpoint.name!r} names no arm {side!r}")
        unknown = sorted(set(self.defaults) - {f.name for f in dataclasses.fields(Settings)})
        if unknown:
            raise ValueError(f"study {self.name!r} sets unknown defaults {unknown}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _help(text: str, **extra: Any) -> dict[str, Any]:
    return {"help": text, **extra}


@dataclass(frozen=True, kw_only=True)
class Settings:
    """What one invocation chooses; each field is a command-line option of every study."""

    preset: str | None = field(
        default=None,
        metadata=_help("preset name or .json file (default: the study's for the device)"),
    )
    seeds: int = field(default=3, metadata=_help("independent RL runs per arm", type=int))
    device: str = field(
        default="cpu", metadata=_help("where to train and sample", choices=("cpu", "cuda"))
    )
    out: Path | None = field(
        default=None, metadata=_help("results folder (default runs/study-NAME-PRESET)", type=Path)
    )
    rl_steps: int | None = field(
        default=None, metadata=_help("RL steps per arm (default: the preset's)", type=int)
    )
    eval_problems: int | None = field(
        default=None,
        metadata=_help("problems per op in each suite (default: the preset's)", type=int),
    )
    eval_samples: int | None = field(
        default=None,
        metadata=_help("samples per problem, n of pass@n (default: the preset's)", type=int),
    )
    eval_ops: str | None = field(
        default=None, metadata=_help("ops of both suites, e.g. 2-8 (default: the preset's)")
    )
    set: tuple[str, ...] = field(
        default=(),
        metadata=_help("a preset field, e.g. --set pretrain.steps=300", action="append"),
    )
    manifest: Path | None = field(
        default=None,
        metadata=_help("rerun (or resume) from a results folder's manifest.json", type=Path),
    )
    no_progress: bool = field(default=False, metadata=_help("no live progress bars", flag=True))
    from_scratch: bool = field(
        default=False,
        metadata=_help(
            "pre-train from random weights, not from the preset's shipped base", flag=True
        ),
    )
    report_only: bool = field(
        default=False,
        metadata=_help(
            "rewrite the report from the runs finished so far; train nothing", flag=True
        ),
    )

    def __post_init__(self) -> None:
        check_int("seeds", self.seeds, 1)
        for name in ("rl_steps", "eval_problems", "eval_samples"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be an int >= 1, got {value!r}")
        self.ops()

    def ops(self) -> tuple[int, ...] | None:
        """``eval_ops`` as a tuple (``2-8`` or ``5``); None when unset."""
        if self.eval_ops is None:
            return None
        lo, _, hi = self.eval_ops.partition("-")
        try:
            return tuple(range(int(lo), int(hi or lo) + 1))
        except ValueError:
            raise ValueError(f"eval_ops must look like 2-8, got {self.eval_ops!r}") from None

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        for key in ("out", "manifest"):
            data[key] = None if data[key] is None else str(data[key])
        data["set"] = list(self.set)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Settings:
        check_fields(cls, data)
        values = dict(data)
        for key in ("out", "manifest"):
            if values.get(key) is not None:
                values[key] = Path(values[key])
        values["set"] = tuple(values.get("set") or ())
        return cls(**values)


def settings_fields() -> Sequence[dataclasses.Field[Any]]:
    """The fields the command line is derived from."""
    return dataclasses.fields(Settings)
