"""The dependency DAG: atomic operations, values, and construction at an exact op count.

A node is one quantity defined by one atomic operation over earlier nodes:

==========  ==============================  =====
op          value                           edges
==========  ==============================  =====
const       k                               1
copy        p                               1
times       k * p                           2
plus        k + p                           2
diff        p1 - p2                         2
sum         p1 + ... + pm  (m >= 2)         m
total       sum over an entity's items      m    (implied by the text, never stated)
unknown     x (reverse mode)                1
times_diff  k * (p1 - p2)                   3    (compound relations; ``DagConfig.compound``)
times_sum   k * (p1 + ... + pm)             m+1
plus_diff   k + (p1 - p2)                   3
plus_sum    k + (p1 + ... + pm)             m+1
product     c1 * a1 + ... + cm * am         2m   (depth 3, forward: an entity's count x
                                                 average total, implied; ``DagConfig.products``)
==========  ==============================  =====

``op`` of a DAG is the sum of its nodes' edges, the study's definition. The builder
walks forward from nothing, keeping the set of *dangling* nodes (no child yet); every
node but the last must end with a child, so a budget of ``r`` edges left with ``D >= 2``
dangling nodes is feasible iff ``r >= D`` (one sum over all of them closes the DAG).
Each step picks an operation that keeps the state feasible and the values legal, so
every op is reached exactly, without rejection on the op count.

Generation is hot, so a :class:`Dag` is four parallel lists indexed by node (trace
order): ``ops`` (small int codes below), ``parents`` (tuples of earlier indices, in
expression order), ``ks`` (the constant of const / times / plus, else None) and
``values``.
"""

from __future__ import annotations

from typing import Final

from edgegym.tasks.node import NodeOp
from edgegym.tasks.rng import Stream
from edgegym.tasks.spec import DagConfig

__all__ = [
    "COMPOUND",
    "CONST",
    "COPY",
    "DIFF",
    "OP_NAMES",
    "PLUS",
    "PLUS_DIFF",
    "PLUS_SUM",
    "PRODUCT",
    "SUM",
    "TIMES",
    "TIMES_DIFF",
    "TIMES_SUM",
    "TOTAL",
    "UNKNOWN",
    "Dag",
    "Limits",
    "adjoints",
    "build_dag",
    "combined_form",
    "linear_forms",
]

CONST: Final = 0
COPY: Final = 1
TIMES: Final = 2
PLUS: Final = 3
DIFF: Final = 4
SUM: Final = 5
TOTAL: Final = 6
UNKNOWN: Final = 7
# Compound relations: a constant times (or plus) a difference or a sum (codes >= COMPOUND).
TIMES_DIFF: Final = 8
TIMES_SUM: Final = 9
PLUS_DIFF: Final = 10
PLUS_SUM: Final = 11
COMPOUND: Final = TIMES_DIFF
PRODUCT: Final = 12
OP_NAMES: Final[tuple[NodeOp, ...]] = (
    "const",
    "copy",
    "times",
    "plus",
    "diff",
    "sum",
    "total",
    "unknown",
    "times_diff",
    "times_sum",
    "plus_diff",
    "plus_sum",
    "product",
)

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
# With one edge and one dangling node left, the chance that 12 draws find its copy.
_P_CLOSE_COPY: Final = 1 - (1 - (_C_COPY - _C_CONST) * _P_DANGLING) ** _TRIES
_P_CLOSE_COPY_ONLY: Final = 1 - (1 - (_C_COPY - _C_CONST)) ** _TRIES


class Dag:
    """A DAG as parallel lists indexed by node, in trace (topological) order."""

    __slots__ = ("ks", "ops", "parents", "values")

    def __init__(self) -> None:
        self.ops: list[int] = []
        self.parents: list[tuple[int, ...]] = []
        self.ks: list[int | None] = []
        self.values: list[int] = []

    def add(self, code: int, parents: tuple[int, ...], k: int | None, value: int) -> int:
        """Append a node; returns its index."""
        self.ops.append(code)
        self.parents.append(parents)
        self.ks.append(k)
        self.values.append(value)
        return len(self.ops) - 1


class Limits:
    """A config's value rules: the constants a sentence may state and the legal values
    (and ``compound``, the chance that a difference or sum takes a constant, and
    ``products``, the chance that a depth-3 sum is a count x average total).

    Constants lie in ``[lo, hi]``; values lie in ``[0, max_value]``, or in
    ``[0, modulus)`` with modular arithmetic. Each draw is one uniform number.
    """

    __slots__ = ("cmax", "compound", "lo", "mod", "products", "span", "tmax", "vmax")

    def __init__(self, cfg: DagConfig) -> None:
        mod: int | None = cfg.modulus
        cmax: int = cfg.const_max
        self.mod = mod
        self.compound: float = float(cfg.compound)
        self.products: float = float(cfg.products)
        self.vmax: int = cfg.max_value
        self.cmax = cmax
        self.lo: int = max(cfg.const_min, 1)
        hi = cmax if mod is None else min(cmax, mod - 1)
        self.span = hi - self.lo + 1
        self.tmax = max(2, min(cmax, mod - 1)) if mod is not None else 0  # modular times

    def const(self, rng: Stream) -> int:
        """A stated constant."""
        return self.lo + int(rng.random() * self.span)

    def times(self, v: int, rng: Stream) -> tuple[int, int] | None:
        """``(k, k * v)`` for a drawn k >= 2; None if no k keeps the value legal."""
        mod = self.mod
        if mod is not None:
            k = 2 + int(rng.random() * (self.tmax - 1))
            return k, k * v % mod
        kmax = min(self.cmax, self.vmax // max(v, 1))
        if kmax < 2:
            return None
        k = 2 + int(rng.random() * (kmax - 1))
        return k, k * v

    def plus(self, v: int, rng: Stream) -> tuple[int, int] | None:
        """``(k, k + v)`` for a drawn constant k; None if no k keeps the value legal."""
        mod = self.mod
        lo = self.lo
        if mod is not None:
            k = lo + int(rng.random() * self.span)
            return k, (k + v) % mod
        kmax = min(self.cmax, self.vmax - v)
        if kmax < 1:
            return None
        k = lo + int(rng.random() * (kmax - lo + 1)) if kmax >= lo else kmax
        return k, k + v

    def total(self, value: int) -> int:
        """A sum's value under the rules; -1 if it is too large."""
        if self.mod is not None:
            return value % self.mod
        return value if value <= self.vmax else -1

    def compound_of(self, code: int, inner: int, rng: Stream) -> tuple[int, int, int] | None:
        """A difference's or sum's (``code``) value ``inner`` taking a constant, times or
        plus (one draw each): ``(compound code, k, value)``; None if no k keeps it legal."""
        times = rng.random() < 0.5
        drawn = self.times(inner, rng) if times else self.plus(inner, rng)
        if drawn is None:
            return None
        base = TIMES_DIFF if times else PLUS_DIFF
        return base + (code == SUM), drawn[0], drawn[1]


def build_dag(
    op: int, lim: Limits, rng: Stream, products: bool = False, plain: bool = False
) -> Dag | None:
    """Draw a DAG with exactly ``op`` edges whose last node is its only sink.

    ``lim`` holds the configuration's value rules. Each step draws an operation by
    weight, its parents (each slot takes a dangling node with probability 0.7 while one
    is left) and its constant, and keeps the draw if the state stays feasible and the
    value legal (else draws again, up to 12 times).
    With one edge and one dangling node left, only the copy of that node is feasible:
    it is drawn (or the draw fails) in one step, with the probability the loop has.

    With ``products`` (depth 3, forward mode), a sum over an even number of parents
    may be a product total instead (``lim.products``): parents in (count, average) pairs.
    With ``plain``, no node takes a constant and a parent (no times, plus or compound).

    Returns None when no legal operation could be drawn at some step (the caller
    draws again from the same stream); the op count itself is never missed.
    """
    return _Growth(op, lim, rng, products, plain).run()


class _Growth:
    """One DAG being grown: the DAG so far, its dangling nodes and the edges left."""

    __slots__ = ("dag", "dang", "lim", "others", "plain", "products", "remaining", "rng")

    def __init__(self, op: int, lim: Limits, rng: Stream, products: bool, plain: bool) -> None:
        self.lim = lim
        self.products = products and lim.products > 0
        self.plain = plain
        self.rng = rng
        self.dag = Dag()
        self.dang: list[int] = []  # nodes without a child yet
        self.others: list[int] = []  # nodes with a child
        self.remaining = op

    def run(self) -> Dag | None:
        while self.remaining > 0:
            nd = len(self.dang)
            if nd == 0:
                k = self.lim.const(self.rng)
                self.dang.append(self.dag.add(CONST, (), k, k))
                self.remaining -= 1
            elif self.remaining == nd and nd >= 2:
                return self.close_with_sum()
            elif self.remaining == 1:
                return self.close_with_copy()
            elif not self.step(nd):
                return None
        return self.dag

    def close_with_sum(self) -> Dag | None:
        """The last node: one sum over every dangling node, in shuffled order."""
        dang, rng, values = self.dang, self.rng, self.dag.values
        for i in range(len(dang) - 1, 0, -1):
            j = int(rng.random() * (i + 1))
            dang[i], dang[j] = dang[j], dang[i]
        total = 0
        for p in dang:
            total += values[p]
        total = self.lim.total(total)
        if total < 0:
            return None
        self.dag.add(SUM, tuple(dang), None, total)
        return self.dag

    def close_with_copy(self) -> Dag | None:
        """The last node when one edge and one dangling node are left: its copy.

        The draws of :meth:`step` would find it with probability 1 - (1 - q)^12, q the
        chance of one draw (copy, and the dangling parent); it is found with that chance.
        """
        p_close = _P_CLOSE_COPY if self.others else _P_CLOSE_COPY_ONLY
        if self.rng.random() >= p_close:
            return None
        p = self.dang[0]
        self.dag.add(COPY, (p,), None, self.dag.values[p])
        return self.dag

    def step(self, nd: int) -> bool:
        """Add one node that keeps the DAG feasible; False if 12 draws found none."""
        for _ in range(_TRIES):
            u = self.rng.random()
            if u < _C_CONST:
                if self.remaining - 1 < nd + 1:
                    continue
                k = self.lim.const(self.rng)
                self.dang.append(self.dag.add(CONST, (), k, k))
                self.remaining -= 1
                return True
            if self.unary(u, nd) if u < _C_PLUS else self.nary(u, nd):
                return True
        return False

    def unary(self, u: float, nd: int) -> bool:
        """Try a copy, times or plus node (by ``u``); False if the draw is infeasible."""
        rng = self.rng
        if self.plain and u >= _C_COPY:
            return False
        cost = 1 if u < _C_COPY else 2
        n_others = len(self.others)
        if not n_others or rng.random() < _P_DANGLING:
            slot = int(rng.random() * nd)
            p = self.dang[slot]
            nd2 = nd
        else:
            slot = -1
            p = self.others[int(rng.random() * n_others)]
            nd2 = nd + 1
        if nd2 > 1 and self.remaining - cost < nd2:
            return False
        v = self.dag.values[p]
        drawn: tuple[int, int] | None
        if u < _C_COPY:
            code, drawn = COPY, (-1, v)
        elif u < _C_TIMES:
            code, drawn = TIMES, self.lim.times(v, rng)
        else:
            code, drawn = PLUS, self.lim.plus(v, rng)
        if drawn is None:
            return False
        k, value = drawn
        i = self.dag.add(code, (p,), None if code == COPY else k, value)
        if slot >= 0:
            self.dang[slot] = i  # the parent leaves, the new node enters
            self.others.append(p)
        else:
            self.dang.append(i)
        self.remaining -= cost
        return True

    def nary(self, u: float, nd: int) -> bool:
        """Try a diff (two parents) or sum (2-4) node; False if the draw is infeasible."""
        rng = self.rng
        if u < _C_DIFF:
            code, count = DIFF, 2
        else:
            code, count = SUM, 2 + int(rng.random() * 3)
            if self.products and rng.random() < self.lim.products:
                code, count = PRODUCT, 2 * (1 + int(rng.random() * 2))  # one or two pairs
        # A compound relation costs one edge more (its constant).
        scaled = code != PRODUCT and self.lim.compound > 0 and rng.random() < self.lim.compound
        if scaled and self.plain:
            return False
        cost = count + 1 if scaled else count
        if cost > self.remaining or count > len(self.dag.ops):
            return False
        dl = self.dang[:]
        ol = self.others[:]
        plist: list[int] = []
        moved: list[int] = []  # dangling parents
        for _slot in range(count):
            if dl and (not ol or rng.random() < _P_DANGLING):
                p = dl.pop(int(rng.random() * len(dl)))
                moved.append(p)
            else:
                p = ol.pop(int(rng.random() * len(ol)))
            plist.append(p)
        nd2 = nd - len(moved) + 1
        if nd2 > 1 and self.remaining - cost < nd2:
            return False
        value = self.value_of(code, plist)
        if value < 0:
            return False
        k: int | None = None
        if scaled:
            drawn = self.lim.compound_of(code, value, rng)
            if drawn is None:
                return False
            code, k, value = drawn
        i = self.dag.add(code, tuple(plist), k, value)
        if moved:
            self.dang = dl
            self.others.extend(moved)
        self.dang.append(i)
        self.remaining -= cost
        return True

    def value_of(self, code: int, plist: list[int]) -> int:
        """A diff's, sum's or product total's value (a diff puts the larger parent
        first); -1 if illegal."""
        values = self.dag.values
        if code == PRODUCT:
            total = 0
            for j in range(0, len(plist), 2):
                total += values[plist[j]] * values[plist[j + 1]]
            return self.lim.total(total)
        if code == SUM:
            total = 0
            for p in plist:
                total += values[p]
            return self.lim.total(total)
        a, b = plist
        v1, v2 = values[a], values[b]
        if self.lim.mod is not None:
            return (v1 - v2) % self.lim.mod
        if v1 == v2:
            return -1
        if v1 < v2:
            plist[0], plist[1] = b, a
        return abs(v1 - v2)


def adjoints(dag: Dag) -> list[int]:
    """d(last node) / d(node i) for every node: the coefficient of x in the last node's
    linear form, were node i the unknown x."""
    ops, pars, ks = dag.ops, dag.parents, dag.ks
    n = len(ops)
    adj = [0] * n
    adj[-1] = 1
    for i in range(n - 1, -1, -1):
        a = adj[i]
        if a == 0:
            continue
        code = ops[i]
        par = pars[i]
        if code in (TIMES, TIMES_DIFF, TIMES_SUM):
            a *= ks[i] or 0
        if code == TIMES:
            adj[par[0]] += a
        elif code in (DIFF, TIMES_DIFF, PLUS_DIFF):
            adj[par[0]] += a
            adj[par[1]] -= a
        else:
            for p in par:
                adj[p] += a
    return adj


def linear_forms(dag: Dag, unknown: int) -> list[tuple[int, int]]:
    """Each node's value as ``a*x + b`` when node ``unknown`` (a constant) becomes x
    (reverse mode, whose DAGs have no product totals)."""
    forms: list[tuple[int, int]] = []
    for i, code in enumerate(dag.ops):
        par = dag.parents[i]
        k = dag.ks[i] or 0
        if i == unknown:
            forms.append((1, 0))
        elif code == CONST:
            forms.append((0, dag.values[i]))
        elif code == COPY:
            forms.append(forms[par[0]])
        elif code == TIMES:
            a, b = forms[par[0]]
            forms.append((k * a, k * b))
        elif code == PLUS:
            a, b = forms[par[0]]
            forms.append((a, b + k))
        else:
            forms.append(combined_form(code, k, par, forms))
    return forms


def combined_form(
    code: int, k: int, par: tuple[int, ...], forms: list[tuple[int, int]]
) -> tuple[int, int]:
    """The linear form of a difference, sum or compound relation (``code``, constant
    ``k``) over the parents ``par``, given each node's ``forms``."""
    if code in (DIFF, TIMES_DIFF, PLUS_DIFF):
        a1, b1 = forms[par[0]]
        a2, b2 = forms[par[1]]
        a, b = a1 - a2, b1 - b2
    else:
        a = b = 0
        for p in par:
            fa, fb = forms[p]
            a += fa
            b += fb
    if code in (TIMES_DIFF, TIMES_SUM):
        return k * a, k * b
    if code in (PLUS_DIFF, PLUS_SUM):
        return a, b + k
    return a, b
