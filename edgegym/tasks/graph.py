"""The dependency DAG: atomic operations, values, and construction at an exact op count.

A node is one quantity defined by one atomic operation over earlier nodes:

========  ==============================  =====
op        value                           edges
========  ==============================  =====
const     k                               1
copy      p                               1
times     k * p                           2
plus      k + p                           2
diff      p1 - p2                         2
sum       p1 + ... + pm  (m >= 2)         m
total     sum over an entity's items      m    (implied by the text, never stated)
unknown   x (reverse mode)                1
========  ==============================  =====

``op`` of a DAG is the sum of its nodes' edges, the study's definition. The builder
walks forward from nothing, keeping the set of *dangling* nodes (no child yet); every
node but the last must end with a child, so a budget of ``r`` edges left with ``D >= 2``
dangling nodes is feasible iff ``r >= D`` (one sum over all of them closes the DAG).
Each step picks an operation that keeps the state feasible and the values legal, so
every op is reached exactly, without rejection on the op count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from edgegym.tasks.rng import Stream
from edgegym.tasks.spec import DagConfig

__all__ = ["Draft", "apply_op", "build_dag", "linear_forms"]

# Relative weights of the operations when growing the DAG (sum takes 2-4 parents).
_OPS = ("const", "copy", "times", "plus", "diff", "sum")
_WEIGHTS = (0.16, 0.10, 0.18, 0.18, 0.16, 0.22)
_CUMULATIVE = tuple(sum(_WEIGHTS[: i + 1]) for i in range(len(_WEIGHTS)))
# Probability that a parent slot takes a dangling node when one is left.
_P_DANGLING = 0.7
_TRIES = 12


@dataclass(slots=True)
class Draft:
    """A node under construction: parents are indices into the draft list."""

    op: str
    parents: list[int] = field(default_factory=list)
    k: int | None = None
    value: int = 0


def _feasible(dangling: int, remaining: int) -> bool:
    if remaining == 0:
        return dangling == 1
    return dangling <= 1 or remaining >= dangling


def _legal(value: int, cfg: DagConfig) -> bool:
    if cfg.modulus is not None:
        return True  # values are reduced into [0, modulus)
    return 1 <= value <= cfg.max_value


def _const(rs: Stream, cfg: DagConfig) -> int:
    hi = cfg.const_max if cfg.modulus is None else min(cfg.const_max, cfg.modulus - 1)
    return rs.between(max(cfg.const_min, 1), hi)


def apply_op(op: str, parents: list[int], drafts: list[Draft], rs: Stream, cfg: DagConfig) -> Draft | None:
    """Draw the constant and compute the value of ``op`` over ``parents``; None if illegal."""
    mod = cfg.modulus
    if op == "const":
        k = _const(rs, cfg)
        return Draft("const", [], k, k)
    vals = [drafts[p].value for p in parents]
    if op == "copy":
        return Draft("copy", parents, None, vals[0])
    if op == "times":
        if mod is not None:
            k = rs.between(2, max(2, min(cfg.const_max, mod - 1)))
            return Draft("times", parents, k, k * vals[0] % mod)
        kmax = min(cfg.const_max, cfg.max_value // max(vals[0], 1))
        if kmax < 2:
            return None
        k = rs.between(2, kmax)
        return Draft("times", parents, k, k * vals[0])
    if op == "plus":
        if mod is not None:
            k = _const(rs, cfg)
            return Draft("plus", parents, k, (k + vals[0]) % mod)
        kmax = min(cfg.const_max, cfg.max_value - vals[0])
        if kmax < 1:
            return None
        k = rs.between(max(cfg.const_min, 1), max(kmax, 1)) if kmax >= cfg.const_min else kmax
        return Draft("plus", parents, k, k + vals[0])
    if op == "diff":
        if mod is not None:
            return Draft("diff", parents, None, (vals[0] - vals[1]) % mod)
        if vals[0] == vals[1]:
            return None
        if vals[0] < vals[1]:
            parents = [parents[1], parents[0]]
        return Draft("diff", parents, None, abs(vals[0] - vals[1]))
    total = sum(vals)
    if mod is not None:
        return Draft("sum", parents, None, total % mod)
    return Draft("sum", parents, None, total) if total <= cfg.max_value else None


def _pick_parents(
    n: int, dangling: list[int], count: int, rs: Stream
) -> tuple[list[int], int] | None:
    """``count`` distinct parents among ``n`` nodes, preferring dangling ones."""
    if count > n:
        return None
    dang = list(dangling)
    dang_set = set(dangling)
    others = [i for i in range(n) if i not in dang_set]
    parents: list[int] = []
    used = 0
    for _ in range(count):
        if dang and (not others or rs.random() < _P_DANGLING):
            parents.append(dang.pop(rs.below(len(dang))))
            used += 1
        else:
            parents.append(others.pop(rs.below(len(others))))
    return parents, used


def _draw_op(rs: Stream) -> str:
    u = rs.random()
    for op, edge in zip(_OPS, _CUMULATIVE, strict=True):
        if u < edge:
            return op
    return "sum"


def build_dag(op: int, cfg: DagConfig, rs: Stream) -> list[Draft] | None:
    """Draw a DAG with exactly ``op`` edges whose last node is its only sink.

    Returns None when no legal operation could be drawn at some step (the caller
    retries with a fresh stream); the op count itself is never missed.
    """
    drafts: list[Draft] = []
    dangling: list[int] = []
    remaining = op
    while remaining > 0:
        n_dangling = len(dangling)
        if n_dangling == 0:
            draft: Draft | None = apply_op("const", [], drafts, rs, cfg)
            used, cost = 0, 1
        elif n_dangling >= 2 and remaining == n_dangling:
            parents = list(dangling)
            rs.shuffle(parents)
            draft = apply_op("sum", parents, drafts, rs, cfg)
            used, cost = n_dangling, n_dangling
        else:
            draft, used, cost = _grow(drafts, dangling, remaining, rs, cfg)
        if draft is None:
            return None
        index = len(drafts)
        drafts.append(draft)
        dangling = [d for d in dangling if d not in draft.parents]
        dangling.append(index)
        remaining -= cost
        del used
    return drafts


def _grow(
    drafts: list[Draft], dangling: list[int], remaining: int, rs: Stream, cfg: DagConfig
) -> tuple[Draft | None, int, int]:
    """One feasible, legal node; (None, 0, 0) after ``_TRIES`` failed draws."""
    n = len(drafts)
    for _ in range(_TRIES):
        op = _draw_op(rs)
        if op == "const":
            count = 0
        elif op in ("copy", "times", "plus"):
            count = 1
        elif op == "diff":
            count = 2
        else:
            count = rs.between(2, 4)
        cost = 1 if op in ("const", "copy") else max(count, 2)
        if cost > remaining:
            continue
        picked = _pick_parents(n, dangling, count, rs)
        if picked is None:
            continue
        parents, used = picked
        if not _feasible(len(dangling) - used + 1, remaining - cost):
            continue
        draft = apply_op(op, parents, drafts, rs, cfg)
        if draft is not None:
            return draft, used, cost
    return None, 0, 0


def linear_forms(drafts: list[Draft], unknown: int) -> list[tuple[int, int]]:
    """Each node's value as ``a*x + b`` when node ``unknown`` (a constant) becomes x."""
    forms: list[tuple[int, int]] = []
    for i, d in enumerate(drafts):
        if i == unknown:
            forms.append((1, 0))
        elif d.op == "const":
            forms.append((0, d.value))
        elif d.op == "copy":
            forms.append(forms[d.parents[0]])
        elif d.op in ("times", "plus"):
            a, b = forms[d.parents[0]]
            k = d.k or 0
            forms.append((k * a, k * b) if d.op == "times" else (a, b + k))
        elif d.op == "diff":
            (a1, b1), (a2, b2) = forms[d.parents[0]], forms[d.parents[1]]
            forms.append((a1 - a2, b1 - b2))
        else:
            forms.append(
                (sum(forms[p][0] for p in d.parents), sum(forms[p][1] for p in d.parents))
            )
    return forms
