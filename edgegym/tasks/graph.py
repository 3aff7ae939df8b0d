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

Generation is hot, so a DAG is four parallel lists indexed by node (trace order):
``ops`` (small int codes below), ``parents`` (tuples of earlier indices, in expression
order), ``ks`` (the constant of const / times / plus, else None) and ``values``.
"""

from __future__ import annotations

from typing import Final

from edgegym.tasks.node import NodeOp
from edgegym.tasks.rng import Stream
from edgegym.tasks.spec import DagConfig

__all__ = [
    "CONST",
    "COPY",
    "DIFF",
    "OP_NAMES",
    "PLUS",
    "SUM",
    "TIMES",
    "TOTAL",
    "UNKNOWN",
    "Dag",
    "adjoints",
    "build_dag",
    "const_range",
    "linear_forms",
]

# Final: the compiled build inlines them (a plain module global is a dict lookup per use);
# OP_NAMES is typed tuple[str, ...] to stay one object (a fixed-length tuple type is
# stored unboxed, and boxed anew at each indexing).
CONST: Final = 0
COPY: Final = 1
TIMES: Final = 2
PLUS: Final = 3
DIFF: Final = 4
SUM: Final = 5
TOTAL: Final = 6
UNKNOWN: Final = 7
OP_NAMES: Final[tuple[NodeOp, ...]] = (
    "const",
    "copy",
    "times",
    "plus",
    "diff",
    "sum",
    "total",
    "unknown",
)

Dag = tuple[list[int], list[tuple[int, ...]], list[int | None], list[int]]
"""``(ops, parents, ks, values)``, parallel lists in trace order."""

# Relative weights of the operations when growing the DAG (sum takes 2-4 parents):
# const 0.16, copy 0.10, times 0.18, plus 0.18, diff 0.16, sum 0.22 (cumulated here).
_C_CONST: Final = 0.16
_C_COPY: Final = 0.26
_C_TIMES: Final = 0.44
_C_PLUS: Final = 0.62
_C_DIFF: Final = 0.78
# Probability that a parent slot takes a dangling node when one is left.
_P_DANGLING: Final = 0.7
_TRIES: Final = 12
_P_CLOSE_COPY: Final = 1 - (1 - (_C_COPY - _C_CONST) * _P_DANGLING) ** _TRIES
_P_CLOSE_COPY_ONLY: Final = 1 - (1 - (_C_COPY - _C_CONST)) ** _TRIES


def const_range(cfg: DagConfig) -> tuple[int, int]:
    """The range ``[lo, hi]`` of a stated constant."""
    cmax: int = cfg.const_max
    mod: int | None = cfg.modulus
    cmin: int = cfg.const_min
    hi = cmax if mod is None else min(cmax, mod - 1)
    return max(cmin, 1), hi


def build_dag(op: int, cfg: DagConfig, rng: Stream) -> Dag | None:
    """Draw a DAG with exactly ``op`` edges whose last node is its only sink.

    Each step draws an operation by weight, its parents (each slot takes a dangling
    node with probability 0.7 while one is left) and its constant, and keeps the draw
    if the state stays feasible and the value legal (else draws again, up to 12 times).
    With one edge and one dangling node left, only the copy of that node is feasible:
    it is drawn (or the draw fails) in one step, with the probability the loop has.

    Returns None when no legal operation could be drawn at some step (the caller
    draws again from the same stream); the op count itself is never missed.
    """
    # Typed locals: the compiled build does native arithmetic on them (DagConfig's own
    # attributes are untyped objects to it).
    mod: int | None = cfg.modulus
    vmax: int = cfg.max_value
    cmax: int = cfg.const_max
    clo, chi = const_range(cfg)
    cspan = chi - clo + 1
    tmax = max(2, min(cmax, mod - 1)) if mod is not None else 0  # times constant, modular
    ops: list[int] = []
    pars: list[tuple[int, ...]] = []
    ks: list[int | None] = []
    vals: list[int] = []
    dang: list[int] = []  # nodes without a child yet
    others: list[int] = []  # nodes with a child
    remaining = op
    n = 0
    while remaining > 0:
        nd = len(dang)
        if nd == 0:
            k = clo + int(rng.random() * cspan)
            ops.append(CONST)
            pars.append(())
            ks.append(k)
            vals.append(k)
            dang.append(n)
            n += 1
            remaining -= 1
            continue
        if remaining == nd and nd >= 2:  # close the DAG: one sum over every dangling node
            for i in range(nd - 1, 0, -1):
                j = int(rng.random() * (i + 1))
                dang[i], dang[j] = dang[j], dang[i]
            total = 0
            for p in dang:
                total += vals[p]
            if mod is not None:
                total %= mod
            elif total > vmax:
                return None
            ops.append(SUM)
            pars.append(tuple(dang))
            ks.append(None)
            vals.append(total)
            return ops, pars, ks, vals
        if remaining == 1:  # nd == 1: only the copy of the dangling node closes the DAG
            # ... which the draws below find with probability 1 - (1 - q)^12, q the chance
            # of one draw: copy, and the dangling parent (restart otherwise, as they would)
            if rng.random() >= (_P_CLOSE_COPY if others else _P_CLOSE_COPY_ONLY):
                return None
            p = dang[0]
            ops.append(COPY)
            pars.append((p,))
            ks.append(None)
            vals.append(vals[p])
            return ops, pars, ks, vals
        n_others = len(others)
        for _ in range(_TRIES):
            u = rng.random()
            if u < _C_CONST:
                if remaining - 1 < nd + 1:
                    continue
                k = clo + int(rng.random() * cspan)
                ops.append(CONST)
                pars.append(())
                ks.append(k)
                vals.append(k)
                dang.append(n)
                remaining -= 1
                break
            if u < _C_PLUS:  # copy, times, plus: one parent
                cost = 1 if u < _C_COPY else 2
                if not n_others or rng.random() < _P_DANGLING:
                    slot = int(rng.random() * nd)
                    p = dang[slot]
                    nd2 = nd
                else:
                    slot = -1
                    p = others[int(rng.random() * n_others)]
                    nd2 = nd + 1
                if nd2 > 1 and remaining - cost < nd2:
                    continue
                v = vals[p]
                if u < _C_COPY:
                    code = COPY
                    k2: int | None = None
                    value = v
                elif u < _C_TIMES:
                    code = TIMES
                    if mod is not None:
                        k2 = 2 + int(rng.random() * (tmax - 1))
                        value = k2 * v % mod
                    else:
                        kmax = min(cmax, vmax // max(v, 1))
                        if kmax < 2:
                            continue
                        k2 = 2 + int(rng.random() * (kmax - 1))
                        value = k2 * v
                else:
                    code = PLUS
                    if mod is not None:
                        k2 = clo + int(rng.random() * cspan)
                        value = (k2 + v) % mod
                    else:
                        kmax = min(cmax, vmax - v)
                        if kmax < 1:
                            continue
                        k2 = clo + int(rng.random() * (kmax - clo + 1)) if kmax >= clo else kmax
                        value = k2 + v
                ops.append(code)
                pars.append((p,))
                ks.append(k2)
                vals.append(value)
                if slot >= 0:
                    dang[slot] = n  # the parent leaves, the new node enters
                    others.append(p)
                else:
                    dang.append(n)
                remaining -= cost
                break
            # diff (two parents) or sum (2-4 parents)
            if u < _C_DIFF:
                count = 2
                code = DIFF
            else:
                count = 2 + int(rng.random() * 3)
                code = SUM
            if count > remaining or count > n:
                continue
            dl = dang[:]
            ol = others[:]
            plist: list[int] = []
            moved: list[int] = []  # dangling parents
            for _slot in range(count):
                if dl and (not ol or rng.random() < _P_DANGLING):
                    m = len(dl)  # a local: a len() operand makes the compiled product generic
                    p = dl.pop(int(rng.random() * m))
                    moved.append(p)
                else:
                    m = len(ol)
                    p = ol.pop(int(rng.random() * m))
                plist.append(p)
            nd2 = nd - len(moved) + 1
            if nd2 > 1 and remaining - count < nd2:
                continue
            if code == DIFF:
                a, b = plist
                v1, v2 = vals[a], vals[b]
                if mod is not None:
                    value = (v1 - v2) % mod
                elif v1 == v2:
                    continue
                elif v1 < v2:
                    plist = [b, a]
                    value = v2 - v1
                else:
                    value = v1 - v2
            else:
                value = 0
                for p in plist:
                    value += vals[p]
                if mod is not None:
                    value %= mod
                elif value > vmax:
                    continue
            ops.append(code)
            pars.append(tuple(plist))
            ks.append(None)
            vals.append(value)
            if moved:
                dang = dl
                others.extend(moved)
            dang.append(n)
            remaining -= count
            break
        else:
            return None
        n += 1
    return ops, pars, ks, vals


def adjoints(ops: list[int], pars: list[tuple[int, ...]], ks: list[int | None]) -> list[int]:
    """d(last node) / d(node i) for every node: the coefficient of x in the last node's
    linear form, were node i the unknown x."""
    n = len(ops)
    adj = [0] * n
    adj[-1] = 1
    for i in range(n - 1, -1, -1):
        a = adj[i]
        if a == 0:
            continue
        code = ops[i]
        par = pars[i]
        if code == TIMES:
            adj[par[0]] += (ks[i] or 0) * a
        elif code == DIFF:
            adj[par[0]] += a
            adj[par[1]] -= a
        else:
            for p in par:
                adj[p] += a
    return adj


def linear_forms(
    ops: list[int],
    pars: list[tuple[int, ...]],
    ks: list[int | None],
    values: list[int],
    unknown: int,
) -> list[tuple[int, int]]:
    """Each node's value as ``a*x + b`` when node ``unknown`` (a constant) becomes x."""
    forms: list[tuple[int, int]] = []
    for i, code in enumerate(ops):
        par = pars[i]
        if i == unknown:
            forms.append((1, 0))
        elif code == CONST:
            forms.append((0, values[i]))
        elif code == COPY:
            forms.append(forms[par[0]])
        elif code == TIMES:
            a, b = forms[par[0]]
            k = ks[i] or 0
            forms.append((k * a, k * b))
        elif code == PLUS:
            a, b = forms[par[0]]
            forms.append((a, b + (ks[i] or 0)))
        elif code == DIFF:
            (a1, b1), (a2, b2) = forms[par[0]], forms[par[1]]
            forms.append((a1 - a2, b1 - b2))
        else:
            sa = sb = 0
            for p in par:
                a, b = forms[p]
                sa += a
                sb += b
            forms.append((sa, sb))
    return forms
