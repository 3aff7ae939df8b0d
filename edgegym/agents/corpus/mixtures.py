"""Mixtures: op, context and mode probabilities, from presets or band strings, and
their cumulative form for drawing."""

from __future__ import annotations

import bisect
import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

import numpy as np

from edgegym.tasks import CONTEXTS, MAX_OP, MIN_OP
from edgegym.tasks.checks import check_number

Weights = tuple[tuple[str, float], ...]
OpWeights = tuple[tuple[int, float], ...]
ContextOps = tuple[tuple[str, OpWeights], ...]
ShareOf = Literal["records", "tokens"]
SHARE_UNITS: tuple[ShareOf, ...] = ("records", "tokens")


_TOL = 1e-9


def check_probabilities(name: str, items: Sequence[tuple[object, float]]) -> None:
    if not items:
        raise ValueError(f"{name} must name at least one item, got none")
    keys = [key for key, _ in items]
    if len(set(keys)) != len(keys):
        raise ValueError(f"{name} must not repeat an item, got {keys}")
    for key, p in items:
        check_number(f"{name}: probability of {key!r}", p, 0.0, 1.0, open_lo=True)
    total = float(sum(p for _, p in items))
    if abs(total - 1.0) > _TOL:
        raise ValueError(f"{name}: probabilities must sum to 1, got {total!r}")


def _expand_bands(name: str, bands: Sequence[Mapping[str, Any]]) -> OpWeights:
    check_probabilities(name, [(str(b.get("ops")), b.get("p", -1.0)) for b in bands])
    per_op: dict[int, float] = {}
    for band in bands:
        lo, hi = band["ops"]
        if not (isinstance(lo, int) and isinstance(hi, int) and MIN_OP <= lo <= hi <= MAX_OP):
            raise ValueError(
                f"{name}: band ops must be [lo, hi] in [{MIN_OP}, {MAX_OP}], got {band}"
            )
        for op in range(lo, hi + 1):
            per_op[op] = per_op.get(op, 0.0) + float(band["p"]) / (hi - lo + 1)
    return tuple(sorted(per_op.items()))


def load_mixtures() -> dict[str, dict[str, dict[str, Any]]]:
    """The validated presets of ``presets/mixtures.json``: ``{"ops": ..., "contexts": ...}``."""
    path = resources.files("edgegym.agents").joinpath("presets", "mixtures.json")
    data: dict[str, dict[str, dict[str, Any]]] = json.loads(path.read_text(encoding="utf-8"))
    for name, preset in data["ops"].items():
        _expand_bands(f"op mixture {name!r}", preset["bands"])
    for name in data["contexts"]:
        _preset_context_mixture(name, data["contexts"][name], data["ops"])
    return data


def op_mixture(text: str) -> OpWeights:
    """Per-op probabilities from a preset name or a band list.

    Accepted: a preset (``pretrain-20-30-50``), bands ``2-4:0.2,5-7:0.3,8-10:0.5`` (each
    band uniform inside), or one band ``11-14`` (probability 1). Probabilities must sum to 1.

    Raises:
        ValueError: naming the malformed part, or the sum.
    """
    return _op_mixture(text, load_mixtures()["ops"])


def _op_mixture(text: str, presets: Mapping[str, Mapping[str, Any]]) -> OpWeights:
    if text in presets:
        return _expand_bands(f"op mixture {text!r}", presets[text]["bands"])
    bands: list[dict[str, Any]] = []
    for part in text.split(","):
        match = re.fullmatch(r"\s*(\d+)(?:-(\d+))?(?::([0-9.eE+-]+))?\s*", part)
        if match is None:
            raise ValueError(
                f"ops must be a preset ({sorted(presets)}) or bands like '2-4:0.2,5-7:0.8', "
                f"got {text!r}"
            )
        lo = int(match.group(1))
        hi = int(match.group(2) or lo)
        p = float(match.group(3)) if match.group(3) else (1.0 if "," not in text else -1.0)
        bands.append({"ops": [lo, hi], "p": p})
    return _expand_bands(f"op mixture {text!r}", bands)


def weight_mixture(text: str, allowed: Sequence[str], what: str) -> Weights:
    """Probabilities over names: ``zoo``, ``zoo=0.99,teacher=0.01`` or (contexts) a preset.

    Raises:
        ValueError: an unknown name, a malformed weight, or weights that do not sum to 1.
    """
    presets = load_mixtures()["contexts"] if what == "contexts" else {}
    if text in presets:
        if {"ops", "unit"} & set(presets[text]):
            raise ValueError(
                f"{text!r} is a joint op x context mixture: read it with context_mixture()"
            )
        return tuple(sorted(presets[text]["weights"].items()))
    items: list[tuple[str, float]] = []
    parts = [part.strip() for part in text.split(",") if part.strip()]
    for part in parts:
        name, sep, weight = part.partition("=")
        if name not in allowed:
            raise ValueError(f"{what} must be names from {list(allowed)}, got {name!r}")
        try:
            p = float(weight) if sep else (1.0 if len(parts) == 1 else -1.0)
        except ValueError:
            raise ValueError(
                f"{what}: weight of {name!r} must be a number, got {weight!r}"
            ) from None
        items.append((name, p))
    check_probabilities(f"{what} mixture {text!r}", items)
    return tuple(sorted(items))


@dataclass(frozen=True)
class ContextMixture:
    """Context shares, each context's own op mixture (if any) and the unit of the shares."""

    weights: Weights
    """Share of each context (sorted by name), summing to 1."""
    ops: ContextOps = ()
    """Op mixtures of the contexts that do not follow the corpus's ``ops``."""
    share_of: ShareOf = "records"
    """``records``: shares of records; ``tokens``: shares of tokens."""


def _preset_context_mixture(
    name: str, preset: Mapping[str, Any], op_presets: Mapping[str, Mapping[str, Any]]
) -> ContextMixture:
    what = f"context mixture {name!r}"
    weights = preset["weights"]
    check_probabilities(what, list(weights.items()))
    unknown = sorted(set(weights) - set(CONTEXTS))
    if unknown:
        raise ValueError(f"{what}: unknown contexts {unknown}")
    ops = preset.get("ops", {})
    stray = sorted(set(ops) - set(weights))
    if stray:
        raise ValueError(f"{what}: ops given for contexts it does not mix: {stray}")
    share_of = preset.get("unit", "records")
    if share_of not in SHARE_UNITS:
        raise ValueError(f"{what}: unit must be one of {list(SHARE_UNITS)}, got {share_of!r}")
    return ContextMixture(
        weights=tuple(sorted(weights.items())),
        ops=tuple(sorted((c, _op_mixture(text, op_presets)) for c, text in ops.items())),
        share_of=share_of,
    )


def context_mixture(text: str, share_of: ShareOf | None = None) -> ContextMixture:
    """Contexts with optional per-context ops: a preset, or ``zoo=0.99,teacher=0.01@2``.

    ``@ops`` after a weight gives that context its own op mixture: one op or one band
    (``@2``, ``@2-4``, uniform inside) or a preset name; a context without one follows
    the corpus's ops. ``share_of`` overrides the preset's unit (default ``records``).

    Raises:
        ValueError: an unknown name, a malformed weight or op band, or weights that do
            not sum to 1.
    """
    mixtures = load_mixtures()
    presets = mixtures["contexts"]
    if text in presets:
        mixture = _preset_context_mixture(text, presets[text], mixtures["ops"])
    else:
        parts = [part.strip() for part in text.split(",") if part.strip()]
        split = [part.partition("@") for part in parts]
        weights = weight_mixture(",".join(head for head, _, _ in split), CONTEXTS, "contexts")
        ops = tuple(
            sorted((head.partition("=")[0], op_mixture(tail)) for head, at, tail in split if at)
        )
        mixture = ContextMixture(weights=weights, ops=ops)
    if share_of is not None:
        if share_of not in SHARE_UNITS:
            raise ValueError(f"share_of must be one of {list(SHARE_UNITS)}, got {share_of!r}")
        mixture = dataclasses.replace(mixture, share_of=share_of)
    return mixture


def cumulative_weights(weights: Sequence[tuple[Any, float]]) -> list[float]:
    totals = np.cumsum([p for _, p in weights]).tolist()
    totals[-1] = 1.0  # rounding: the last item takes what is left
    return [float(t) for t in totals]


def pick(weights: Sequence[tuple[Any, float]], cumulative: list[float], u: float) -> Any:
    return weights[bisect.bisect_right(cumulative, u)][0]
