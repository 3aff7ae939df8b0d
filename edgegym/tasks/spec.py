"""Task specs: the complete, JSON-able description of one problem to generate.

A problem is a pure function of its :class:`TaskSpec`. The spec names the task
family, the surface context, the mode, the exact difficulty ``op``, the split,
a seed and an index; family-specific knobs live in :class:`DagConfig`.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from edgegym.tasks.checks import check_fields, check_int, check_number

__all__ = [
    "MAX_OP",
    "MIN_OP",
    "MODES",
    "SPLITS",
    "DagConfig",
    "Mode",
    "Split",
    "TaskSpec",
    "iter_specs",
    "stable_int",
]

Mode = Literal["forward", "reverse"]
Split = Literal["train", "val", "test"]
MODES: tuple[Mode, ...] = ("forward", "reverse")
SPLITS: tuple[Split, ...] = ("train", "val", "test")
MIN_OP = 2
# Each step of a trace takes a fresh single letter (52 of them, 50 in reverse mode,
# where x and X are reserved); a problem of op N uses at most N letters.
MAX_OP = 40


_NAME = re.compile(r"[a-z][a-z0-9_-]{0,63}")


def _is_name(text: str) -> bool:
    """Whether ``text`` is a lowercase name."""
    return _NAME.fullmatch(text) is not None


def stable_int(text: str) -> int:
    """A 64-bit integer from a string, the same in every process (unlike ``hash``)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


@dataclass(frozen=True, kw_only=True)
class DagConfig:
    """Knobs of the dependency-graph family. Defaults follow the study's released data."""

    const_min: int = 1
    """Smallest constant a sentence may state."""
    const_max: int = 22
    """Largest constant (the study's ``number_range=23`` gives 1..22)."""
    max_value: int = 1000
    """No quantity may exceed this (the study rejects values above 1000)."""
    modulus: int | None = None
    """If set, arithmetic is modulo this number (forward mode only); values lie in [0, modulus)."""
    depth: int | None = None
    """Structure-graph depth, 2 or 3; ``None`` draws it per problem (the study mixes both)."""
    distractors: float = 1.0
    """Distractor sentences per necessary quantity, on average (0 disables them)."""
    shuffle: bool = True
    """Shuffle the sentences of the problem text (the study does)."""
    totals: bool = True
    """Allow implied "total" quantities (sums over all item types of an entity)."""
    statements: int | None = None
    """A fixed statement budget (length control): if set, distractors fill every problem
    up to this many statements (the necessary ones and, in reverse mode, the given value
    included; the modulus sentence not), and ``distractors`` is ignored. A problem whose
    necessary statements alone exceed it, or whose context runs out of names, gets fewer
    distractors, so the prompt length hardly changes with op among the ops that fit."""
    statements_depth3: int | None = None
    """Depth-3 problems' statement budget, where it differs from ``statements`` (the
    study's depth-3 problems state about three times as many quantities)."""
    compound: float = 0.0
    """Probability that a difference or sum (necessary or distractor) takes a constant:
    a compound relation such as "equals 8 times the difference between A and B" (one
    edge per quantity and one for the constant, as the study counts them)."""
    products: float = 0.0
    """Probability that a sum of a depth-3 forward problem is a product total instead:
    an entity's "total number of newborn animal children" (in zoo), the sum over the
    items it mentions of count x average, implied by the text as totals are (two edges
    per item). Contexts without a product kind have none."""
    plain_ops: int = 0
    """Depth-2 problems of op <= this have no relation with a constant and a parent
    (times, plus, compound): each quantity takes a constant or its parents, not both.
    The study's driver gives ops 2-4 its smallest necessary graph (``s = 2``): of 100
    of its depth-2 op-3 problems none has one (three one-edge quantities, an implied
    total among them), at op 4 6 have a times and 5 a plus, at op 5 51 and 48; at
    depth 3, op 3, 45 and 45. Where it applies, the depth is drawn before the DAG."""

    def __post_init__(self) -> None:
        check_int("const_min", self.const_min, 0)
        check_int("const_max", self.const_max, max(self.const_min, 1))
        check_int("max_value", self.max_value, self.const_max)
        if self.modulus is not None:
            check_int("modulus", self.modulus, 2, 10**6)
        if self.depth is not None:
            check_int("depth", self.depth, 2, 3)
        check_number("distractors", self.distractors, 0, 4)
        for name in ("statements", "statements_depth3"):
            if getattr(self, name) is not None:
                check_int(name, getattr(self, name), 1, 1000)
        check_int("plain_ops", self.plain_ops, 0, MAX_OP)
        for name in ("compound", "products"):
            check_number(name, getattr(self, name), 0, 1)
        for name in ("shuffle", "totals"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be a bool, got {getattr(self, name)!r}")

    @functools.cached_property
    def key(self) -> str:
        """Canonical JSON of the fields (cached: the config is frozen)."""
        return _KEY_JSON.encode(self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        """The fields; those added after RECORD_VERSION 2 only when set, so that every
        older configuration keeps its key (and its problems their bytes)."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        for name, default in _LATER_FIELDS.items():
            if data[name] == default:
                del data[name]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DagConfig:
        if not isinstance(data, Mapping):
            raise ValueError(f"a DagConfig must be a mapping of fields, got {data!r}")
        check_fields(cls, data)
        return cls(**data)

    @classmethod
    def study(cls, **overrides: Any) -> DagConfig:
        """The study's problem shape (its generator, GSM-Infinite's realistic
        ``forward_generator``, side by side in ``benchmarks/study_shape.py``).

        The study fills every problem with the rest of a structure graph whose size
        depends on the depth and hardly on op (its driver's op_max schedule moves the
        mean structure by under 10% from op 2 to op 20): a statement budget by depth (6
        at depth 2, 19 at depth 3) puts the mean prompt length within 25% of the study's
        in 36 of its 38 (op, depth) cells for ops 2-20 (the two others, op 6 at depth 2
        and op 4 at depth 3, come from the study's rejection on the exact op; see the
        benchmark). Depth-2 problems of op 2-4 take no constant with a parent
        (``plain_ops``), as the study's smallest necessary graphs do. A difference or
        sum takes a constant at the rate of the study's distractors (``compound`` 0.4: of
        ``drawUnnecessary``'s relations over two or more quantities, 0.125 / 0.3125 take
        one), and at depth 3 some totals are count x average products (``products``);
        values, constants and the op count are the defaults' (the study's).
        ``overrides`` replace fields.
        """
        fields = {**_STUDY, **overrides}
        check_fields(cls, fields)
        return cls(**fields)

    @classmethod
    def parse(cls, value: str | Mapping[str, Any]) -> DagConfig:
        """A config from its written forms: a dict of fields, or text that is a JSON
        object of fields, ``study`` (:meth:`study`), or ``study`` followed by a JSON
        object of overrides (``'study {"depth": 3}'``). Every reader of a config reads it
        here: the ``--config``/``--dag`` flags, presets, and curriculum, corpus, suite, env,
        verifiers and reasoning-gym configs.

        Raises:
            ValueError: not one of those forms, or a field is unknown or out of range.
        """
        if isinstance(value, Mapping):
            return cls.from_dict(value)
        if not isinstance(value, str):
            raise ValueError(f"a DagConfig must be a JSON object or 'study', got {value!r}")
        body = value.strip()
        study = body.startswith("study")
        if study:
            body = body[len("study") :].strip() or "{}"
        try:
            data = json.loads(body)
        except json.JSONDecodeError as err:
            raise ValueError(f"a DagConfig must be a JSON object or 'study': {err.msg}") from None
        if not isinstance(data, dict):
            raise ValueError("a DagConfig must be a JSON object of fields, or 'study'")
        return cls.study(**data) if study else cls.from_dict(data)

    def budget(self, depth: int) -> int | None:
        """The statement budget of a problem of ``depth`` (None: no budget)."""
        if depth == 3 and self.statements_depth3 is not None:
            return self.statements_depth3
        return self.statements


_LATER_FIELDS: dict[str, Any] = {
    "statements": None,
    "statements_depth3": None,
    "compound": 0.0,
    "products": 0.0,
    "plain_ops": 0,
}
"""Fields added after RECORD_VERSION 2, with their defaults (see :meth:`DagConfig.to_dict`)."""
_DEFAULT_CONFIG = DagConfig()
_STUDY: dict[str, Any] = {
    "statements": 6,
    "statements_depth3": 19,
    "compound": 0.4,
    "products": 0.5,
    "plain_ops": 4,
}
"""The fields :meth:`DagConfig.study` sets (the rest keep their defaults)."""


@dataclass(frozen=True, kw_only=True)
class TaskSpec:
    """Everything that determines one problem. Same spec, same bytes."""

    family: str = "dag"
    """Task family (see :mod:`edgegym.tasks.family`)."""
    context: str = "zoo"
    """Surface context: a data file in ``edgegym/tasks/contexts``."""
    mode: Mode = "forward"
    """``forward`` (compute the queried quantity) or ``reverse`` (solve for an unknown x)."""
    op: int = 5
    """Exact difficulty: edges of the necessary DAG, constant edges included."""
    split: Split = "train"
    """Disjoint partition of problem space (by graph hash): train, val or test."""
    seed: int = 0
    """User seed; with the other fields it derives the problem's random stream."""
    index: int = 0
    """Position of the problem within (seed, split, family, context, mode, op)."""
    config: DagConfig = _DEFAULT_CONFIG
    """Family knobs (the default is one shared instance: its cached ``key`` is computed once)."""

    def __post_init__(self) -> None:
        for name in ("family", "context"):
            value = getattr(self, name)
            if not isinstance(value, str) or not _is_name(value):
                raise ValueError(f"{name} must be a lowercase name like 'zoo', got {value!r}")
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {list(MODES)}, got {self.mode!r}")
        if self.split not in SPLITS:
            raise ValueError(f"split must be one of {list(SPLITS)}, got {self.split!r}")
        check_int("op", self.op, MIN_OP, MAX_OP)
        check_int("seed", self.seed, 0, 2**63 - 1)
        check_int("index", self.index, 0, 2**63 - 1)
        if not isinstance(self.config, DagConfig):
            raise ValueError(f"config must be a DagConfig, got {type(self.config).__name__}")
        if self.mode == "reverse" and self.config.modulus is not None:
            raise ValueError("modulus must be None in reverse mode (x is solved over the integers)")

    def entropy(self, attempt: int = 0) -> int:
        """The problem's 128-bit random seed: a blake2b hash of every field, never ``hash()``.

        The generator seeds its stream with it directly (see :mod:`edgegym.tasks.rng`).
        """
        key = (
            f"{self.seed}|{self.split}|{self.family}|{self.context}|{self.mode}|{self.op}|"
            f"{self.index}|{attempt}|{self.config.key}"
        )
        return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=16).digest(), "little")

    @functools.cached_property
    def key(self) -> str:
        """Canonical JSON of the spec (cached; used for ids):
        ``json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))``.

        Written as the config's own cached :attr:`DagConfig.key` (the text that call
        writes for the nested config) followed by the other fields: ``config`` sorts
        first among the field names, so the text is the same.
        """
        rest = _KEY_JSON.encode({name: getattr(self, name) for name in _OWN_FIELDS})
        return f'{{"config":{self.config.key},{rest[1:]}'

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["config"] = self.config.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaskSpec:
        data = dict(data)
        check_fields(cls, data)
        config = data.pop("config", None)
        cfg = config if isinstance(config, DagConfig) else DagConfig.from_dict(config or {})
        return cls(config=cfg, **data)


_KEY_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"))
"""What ``json.dumps(..., sort_keys=True, separators=(",", ":"))`` uses, made once (a
stateless encoder: ``dumps`` would build one per call)."""
_OWN_FIELDS = tuple(f.name for f in dataclasses.fields(TaskSpec) if f.name != "config")
"""The spec's fields but its config, in declaration order (``config`` sorts before them)."""


def iter_specs(
    ops: Sequence[int],
    per_op: int,
    contexts: Sequence[str],
    modes: Sequence[str],
    split: str,
    seed: int,
    config: DagConfig,
) -> Iterator[TaskSpec]:
    """Per op, ``per_op`` specs cycling through (context, mode) pairs; indices count per pair."""
    pairs = list(itertools.product(contexts, modes))
    for op in ops:
        for i in range(per_op):
            context, mode = pairs[i % len(pairs)]
            yield TaskSpec(
                context=context,
                mode=mode,  # type: ignore[arg-type]
                op=op,
                split=split,  # type: ignore[arg-type]
                seed=seed,
                index=i // len(pairs),
                config=config,
            )
