"""The dependency-graph family: spec -> Problem, deterministically.

Stages, each drawing from the spec's one random stream (a rejected draw goes on
drawing from the same stream):

1. :func:`edgegym.tasks.graph.build_dag` draws the necessary DAG at exactly ``op``.
2. Reverse mode picks the unknown uniformly among the constants whose coefficient in
   the final node is non-zero (so the equation has exactly one solution).
3. Naming (:func:`_name_products`, :func:`_name_totals`, :func:`_name_free`): a
   depth-3 product total (``DagConfig.products``) is an entity's count x average total,
   its parents that entity's (count, average) pairs; sums may become implied *totals*
   of an entity (the entity is then reserved: its item quantities in the problem are
   exactly the total's parents, so the text defines the total); the other nodes get
   distinct count (or, at depth 3, attribute) names of unreserved entities. With
   ``DagConfig.products`` the depth is drawn before the DAG (it decides whether
   product totals may be drawn); other configurations draw it here.
4. The split (:func:`_place_in_split`) is the graph hash's bucket (train 8/10, val
   1/10, test 1/10), so splits are disjoint by construction. The last freely named
   node is named last: its name is drawn again until the hash falls in the spec's
   split and not in ``exclude``. Only the hash's tail depends on that name, so a
   redraw costs about a microsecond and every split is about as fast as ``train``.
5. Sentences, the gold trace (:func:`_gold_trace`) and distractors (:func:`_distractors`).

Every necessary quantity except the implied totals and product totals (and, in reverse
mode, the unknown) has its own defining sentence, so each problem is solvable from its
text alone. Compound relations (``DagConfig.compound``: a constant times or plus a
difference or sum) are drawn with the DAG and written in the study's shape.

The DAG is parallel lists and quantities are integer ids into a context's precomputed
:class:`~edgegym.tasks.render.Surface`: generation is the inner loop of data and RL
pipelines, and these keep each stage a pass of plain loops over small lists.
"""

from __future__ import annotations

from typing import Final

from edgegym.tasks.graph import (
    COMPOUND,
    CONST,
    COPY,
    DIFF,
    OP_NAMES,
    PLUS,
    PLUS_DIFF,
    PRODUCT,
    SUM,
    TIMES,
    TIMES_DIFF,
    TOTAL,
    Dag,
    Limits,
    adjoints,
    build_dag,
    combined_form,
    linear_forms,
)
from edgegym.tasks.node import Node, graph_hasher
from edgegym.tasks.record import Problem
from edgegym.tasks.render import Surface, surface
from edgegym.tasks.rng import Stream
from edgegym.tasks.spec import TaskSpec
from edgegym.tasks.trace import (
    LETTERS,
    LETTERS_REVERSE,
    REVERSE_OPENING,
    STEP_SIGNS,
    TRACE_ANSWER,
    UNKNOWN_STEP,
    chain_partials,
    fmt_linear,
    num,
    operand,
    product_clauses,
    scaled_clause,
    solve_steps,
    step_clauses,
)

__all__ = ["MAX_ATTEMPTS", "generate_dag", "split_of"]

MAX_ATTEMPTS: Final = 400
_BUCKET_SPLIT: Final[tuple[str, ...]] = ("train",) * 8 + ("val", "test")
_P_TOTAL: Final = 0.5
# Distractor operations (a constant twice as likely as the others).
_DISTRACTOR_OPS: Final[tuple[int, ...]] = (CONST, CONST, COPY, TIMES, PLUS, SUM, DIFF)
_SIGNS: Final = tuple(STEP_SIGNS.get(name, "") for name in OP_NAMES)  # by operation code
_NAME_TRIES: Final = 64  # rejection draws of one name before scanning the pool
_SPLIT_TRIES: Final = 256  # name draws to land the graph hash in the split
_HOLE: Final = "\x00"  # a name's place in graph-hash entries (no name holds it: see render)


def split_of(graph_hash_hex: str) -> str:
    """The split a necessary DAG belongs to, from its hash."""
    return _BUCKET_SPLIT[int(graph_hash_hex[:8], 16) % 10]


class _Draft:
    """One draw in progress: its DAG, unknown, and the quantity each node names.

    ``ids[i]`` is node i's quantity id in the surface (-1: not named yet), ``names[i]``
    its name; ``used`` marks the ids taken (names, and every name of a reserved entity).
    """

    __slots__ = (
        "dag",
        "depth",
        "forms",
        "ids",
        "names",
        "reserved",
        "sf",
        "size",
        "unknown",
        "used",
    )

    def __init__(self, sf: Surface, dag: Dag, depth: int) -> None:
        n = len(dag.ops)
        self.sf = sf
        self.depth = depth
        self.dag = dag
        self.unknown = -1
        self.forms: list[tuple[int, int]] | None = None
        self.size = sf.pool_size(depth)
        self.ids = [-1] * n
        self.names = [""] * n
        self.used = [False] * self.size
        self.reserved = [False] * sf.n_entities  # entities of a total or product total

    def reserve(self, rng: Stream) -> int:
        """A free entity, now reserved: its count and attribute names taken; -1 if none."""
        free = [e for e in range(len(self.reserved)) if not self.reserved[e]]
        if not free:
            return -1
        e = free[int(rng.random() * len(free))]
        self.reserved[e] = True
        sf = self.sf
        base = e * sf.n_items
        for c in range(base, base + sf.n_items):
            self.used[c] = True
            if self.size > sf.attr0:
                self.used[sf.attr0 + c] = True
        return e

    def draw_id(self, rng: Stream) -> int:
        """A free quantity id: rejection sampling, then a scan of the free ids; -1 if none."""
        size, used = self.size, self.used
        for _ in range(_NAME_TRIES + 1):
            c = int(rng.random() * size)
            if not used[c]:
                return c
        free = [c for c in range(size) if not used[c]]
        return free[int(rng.random() * len(free))] if free else -1

    def node(self, i: int) -> Node:
        """Node i of the necessary DAG, as the problem records it."""
        dag = self.dag
        coef = None if self.forms is None else self.forms[i]
        if i == self.unknown:
            return Node(self.names[i], "unknown", (), None, dag.values[i], coef)
        parents = _names_of(dag.parents[i], self.names)
        return Node(self.names[i], OP_NAMES[dag.ops[i]], parents, dag.ks[i], dag.values[i], coef)


def _names_of(parents: tuple[int, ...], names: list[str]) -> tuple[str, ...]:
    """The names of ``parents`` (up to two, the common case, without a list)."""
    if not parents:
        return ()
    if len(parents) == 1:
        return (names[parents[0]],)
    if len(parents) == 2:
        return (names[parents[0]], names[parents[1]])
    return tuple([names[p] for p in parents])


def _pick_unknown(dag: Dag, rng: Stream) -> int:
    """Reverse mode's unknown: a constant the last node depends on; -1 if none."""
    adj = adjoints(dag)
    cands = [i for i, code in enumerate(dag.ops) if code == CONST and adj[i] != 0]
    return cands[int(rng.random() * len(cands))] if cands else -1


def _name_totals(d: _Draft, rng: Stream) -> None:
    """Turn sums into implied totals of entities (from the end), naming their parents."""
    sf, ops, pars, ids = d.sf, d.dag.ops, d.dag.parents, d.ids
    n_items = sf.n_items
    for i in range(len(ops) - 1, 0, -1):
        par = pars[i]
        if ops[i] != SUM or ids[i] >= 0 or len(par) > n_items or rng.random() >= _P_TOTAL:
            continue
        if any(ids[p] >= 0 or ops[p] == TOTAL for p in par):
            continue
        e = d.reserve(rng)  # the entity's names are taken
        if e < 0:
            return
        base = e * n_items
        items = list(range(n_items))
        for s, p in enumerate(par):  # a partial Fisher-Yates sample of the items
            r = s + int(rng.random() * (n_items - s))
            ids[p] = base + items[r]
            items[r] = items[s]
        ops[i] = TOTAL
        ids[i] = sf.total0 + e


def _name_products(d: _Draft, rng: Stream) -> bool:
    """Name every product total as a reserved entity's, its parents in (count, average)
    pairs of distinct items of that entity; False if one cannot be named (a parent
    named already, or no entity left)."""
    sf, ops, pars, ids = d.sf, d.dag.ops, d.dag.parents, d.ids
    n_items = sf.n_items
    for i in range(len(ops) - 1, -1, -1):
        par = pars[i]
        if ops[i] != PRODUCT:
            continue
        if len(par) // 2 > n_items or any(ids[p] >= 0 or ops[p] == PRODUCT for p in par):
            return False
        e = d.reserve(rng)
        if e < 0:
            return False
        base = e * n_items
        items = list(range(n_items))
        for j in range(len(par) // 2):  # a partial Fisher-Yates sample of the items
            r = j + int(rng.random() * (n_items - j))
            ids[par[2 * j]] = base + items[r]
            ids[par[2 * j + 1]] = sf.attr0 + base + items[r]
            items[r] = items[j]
        ids[i] = sf.product0 + e
    return True


def _name_free(d: _Draft, rng: Stream) -> int:
    """Name every unnamed node but the last one; returns its index (-1: none), or -2
    if the pool ran out of names."""
    ids = d.ids
    last = len(ids) - 1
    while last >= 0 and ids[last] >= 0:
        last -= 1
    for i in range(last):
        if ids[i] < 0:
            c = d.draw_id(rng)
            if c < 0:
                return -2
            ids[i] = c
            d.used[c] = True
    name_of = d.sf.name
    for i, c in enumerate(ids):
        if c >= 0:
            d.names[i] = name_of[c]
    return last


def _place_in_split(
    spec: TaskSpec, d: _Draft, last: int, rng: Stream, exclude: frozenset[str]
) -> list[Node] | None:
    """The necessary nodes, with node ``last`` named so that the hash
    falls in the spec's split and not in ``exclude``; None if no name does."""
    n = len(d.ids)
    if last < 0:  # no free name: the hash is what it is
        nodes = [d.node(i) for i in range(n)]
        ghash = graph_hasher(spec.family, spec.context, spec.mode, nodes).hexdigest()
        return nodes if _fits(spec, ghash, exclude) else None
    prefix = [d.node(i) for i in range(last)]
    hasher = graph_hasher(spec.family, spec.context, spec.mode, prefix)
    # The entries after the prefix, written once with a hole for the name tried.
    d.names[last] = _HOLE
    tail = "".join([d.node(i).hash_entry for i in range(last, n)])
    for _ in range(_SPLIT_TRIES):
        c = int(rng.random() * d.size)
        if d.used[c]:
            continue
        h = hasher.copy()
        h.update(tail.replace(_HOLE, d.sf.name[c]).encode())
        ghash = h.hexdigest()
        if _fits(spec, ghash, exclude):
            d.ids[last] = c
            d.used[c] = True
            d.names[last] = d.sf.name[c]
            return prefix + [d.node(i) for i in range(last, n)]
    return None


def _fits(spec: TaskSpec, ghash: str, exclude: frozenset[str]) -> bool:
    return split_of(ghash) == spec.split and ghash not in exclude


def _sentences(d: _Draft, vtext: list[str]) -> list[str]:
    """The defining sentence of each stated necessary node (totals are implied)."""
    sf, dag, ids = d.sf, d.dag, d.ids
    out: list[str] = []
    for i, code in enumerate(dag.ops):
        if i == d.unknown:
            out.append(sf.unknown.head[ids[i]])
        elif code != TOTAL and code != PRODUCT:
            k = dag.ks[i]
            kt = "" if k is None else num(k)
            out.append(sf.sentence(code, ids[i], kt, dag.parents[i], ids))
    return out


class _Trace:
    """The gold trace's writer for one draft: letters drawn without replacement from
    the stream (rejecting those taken), each node's when its step starts, temporaries'
    when they are used; numbers as written (forward: values, reverse: linear forms)."""

    __slots__ = ("d", "letters", "mod", "oper", "pool", "rng", "taken", "written")

    def __init__(self, d: _Draft, vtext: list[str], mod: int | None, rng: Stream) -> None:
        self.d = d
        self.rng = rng
        self.mod = mod
        self.letters: list[str] = []
        if d.forms is None:
            self.pool = LETTERS
            self.written = vtext  # each value as it is written
            self.oper = vtext  # ... and as an operand
        else:
            self.pool = LETTERS_REVERSE
            self.written = [fmt_linear(a, b) for a, b in d.forms]
            self.oper = [operand(w) for w in self.written]
        self.taken = [False] * len(self.pool)

    def fresh(self) -> str:
        """A letter not taken (drawn again while it is), now taken."""
        size = len(self.pool)
        j = int(self.rng.random() * size)
        while self.taken[j]:
            j = int(self.rng.random() * size)
        self.taken[j] = True
        return self.pool[j]

    def step(self, i: int) -> str:
        """The step of node i (its letter drawn first)."""
        d = self.d
        define = d.sf.define[d.ids[i]]
        if i == d.unknown:
            self.letters.append("x")
            return f"{define}x; {UNKNOWN_STEP}"
        lt = self.fresh()
        self.letters.append(lt)
        code, par, k = d.dag.ops[i], d.dag.parents[i], d.dag.ks[i]
        if code == PRODUCT:
            return f"{define}{lt}; {self.product(i, lt)}"
        if code >= COMPOUND:
            return f"{define}{lt}; {self.compound(i, lt)}"
        # Temporaries are drawn after the node's letter, in clause order.
        temps = [self.fresh()] if code in (TIMES, PLUS) else []
        if len(par) > 2:
            temps = [self.fresh() for _ in par[2:]]
        k_text = "" if code not in (CONST, TIMES, PLUS) else num(k or 0)
        clauses = self.clauses(lt, _SIGNS[code], k_text, par, temps, self.written[i])
        return f"{define}{lt}; {clauses}."

    def clauses(
        self,
        lt: str,
        sign: str,
        k: str,
        par: tuple[int, ...],
        temps: list[str],
        value: str,
        head: str = "so ",
    ) -> str:
        """:func:`step_clauses` over this trace's letters and numbers as written, with
        a chain's running sums (three or more parents)."""
        partials = None
        if len(par) > 2:
            forms, values = self.d.forms, self.d.dag.values
            pairs = [(0, values[p]) for p in par] if forms is None else [forms[p] for p in par]
            partials = chain_partials(pairs, self.mod, forms is not None)
        letters, written, oper = self.letters, self.written, self.oper
        return step_clauses(
            lt, sign, k, par, letters, written, oper, temps, partials, value, head=head
        )

    def compound(self, i: int, lt: str) -> str:
        """A compound relation, the study's way: the difference or sum into a temporary
        (pairwise through temporaries for three or more), then ``so L = k * t``."""
        d = self.d
        code, par, k = d.dag.ops[i], d.dag.parents[i], d.dag.ks[i] or 0
        t = self.fresh()
        temps = [self.fresh() for _ in par[2:]]
        is_diff = code in (TIMES_DIFF, PLUS_DIFF)
        inner = self.partial(is_diff, par)
        # The difference or sum binds a temporary: its clause has no "so".
        clauses = self.clauses(t, "-" if is_diff else "+", "", par, temps, inner, head="")
        sign = "*" if code < PLUS_DIFF else "+"
        value = inner if d.forms is None else operand(inner)
        return f"{clauses}; {scaled_clause(lt, sign, num(k), t, value, self.written[i])}."

    def product(self, i: int, lt: str) -> str:
        """A product total, the study's way (forward mode only): its temporaries drawn
        in clause order, its text written by :func:`product_clauses`."""
        d, mod = self.d, self.mod
        par, values = d.dag.parents[i], d.dag.values
        letters, written = self.letters, self.written
        pairs = list(zip(par[::2], par[1::2], strict=True))
        factors = [(letters[c], letters[a], written[c], written[a]) for c, a in pairs]
        products = [values[c] * values[a] for c, a in pairs]
        products = products if mod is None else [v % mod for v in products]
        m = len(pairs)
        temps = [self.fresh() for _ in range(m if m > 1 else 0)]
        temps += [self.fresh() for _ in range(m - 2)]
        return product_clauses(lt, factors, products, temps, mod) + "."

    def partial(self, is_diff: bool, par: tuple[int, ...]) -> str:
        """The difference or the sum of ``par`` as written."""
        d, mod = self.d, self.mod
        if d.forms is not None:
            a, b = combined_form(DIFF if is_diff else SUM, 0, par, d.forms)
            return fmt_linear(a, b)
        values = d.dag.values
        total = values[par[0]] - values[par[1]] if is_diff else sum([values[p] for p in par])
        return num(total % mod if mod is not None else total)


def _gold_trace(
    d: _Draft, vtext: list[str], mod: int | None, rng: Stream
) -> tuple[str, dict[str, str]]:
    """The gold solution, and the letter of each necessary node's name."""
    trace = _Trace(d, vtext, mod, rng)
    n = len(d.ids)
    steps = [] if d.forms is None else [REVERSE_OPENING]
    for i in range(n):
        steps.append(trace.step(i))
    values = d.dag.values
    if d.forms is None:
        steps.append(f"{TRACE_ANSWER} {vtext[n - 1]}.")
    else:
        a, b = d.forms[-1]
        x = values[d.unknown]
        steps.append(solve_steps(trace.letters[n - 1], a, b, values[-1], x))
        steps.append(f"{TRACE_ANSWER} {vtext[d.unknown]}.")
    letters = {name: trace.letters[i] for i, name in enumerate(d.names)}
    return " ".join(steps), letters


def _distractors(d: _Draft, count: int, lim: Limits, rng: Stream) -> tuple[list[Node], list[str]]:
    """``count`` distractors (fewer if the names run out): stated, never needed;
    parents anywhere among the quantities so far."""
    ids, names, values = d.ids[:], d.names[:], d.dag.values[:]
    nodes: list[Node] = []
    sentences: list[str] = []
    for _ in range(count):
        c = d.draw_id(rng)
        if c < 0:
            break
        d.used[c] = True
        code = _DISTRACTOR_OPS[int(rng.random() * 7)]
        code, par, k, value = _distractor_value(code, values, lim, rng)
        name = d.sf.name[c]
        nodes.append(Node(name, OP_NAMES[code], _names_of(par, names), k, value, None))
        kt = "" if k is None else num(k)
        sentences.append(d.sf.sentence(code, c, kt, par, ids))
        ids.append(c)
        names.append(name)
        values.append(value)
    return nodes, sentences


def _distractor_value(
    code: int, values: list[int], lim: Limits, rng: Stream
) -> tuple[int, tuple[int, ...], int | None, int]:
    """``(code, parents, k, value)`` of a distractor drawn as ``code``: a constant
    where the drawn operation has no legal value."""
    m = len(values)
    if COPY <= code < DIFF:  # copy, times, plus
        p = int(rng.random() * m)
        v = values[p]
        if code == COPY:
            return code, (p,), None, v
        drawn = lim.times(v, rng) if code == TIMES else lim.plus(v, rng)
        if drawn is not None:
            return code, (p,), drawn[0], drawn[1]
    elif code != CONST and m >= 2:  # sum / diff of two distinct quantities
        p = int(rng.random() * m)
        q = int(rng.random() * (m - 1))
        if q >= p:
            q += 1
        v, w = values[p], values[q]
        if code == SUM:
            value = lim.total(v + w)
        elif lim.mod is not None:
            value = (v - w) % lim.mod
        else:
            value = abs(v - w) if v != w else -1
            if v < w:
                p, q = q, p
        if value >= 0:
            if lim.compound > 0 and rng.random() < lim.compound:
                scaled = lim.compound_of(code, value, rng)
                if scaled is not None:
                    return scaled[0], (p, q), scaled[1], scaled[2]
            return code, (p, q), None, value
    k = lim.const(rng)
    return CONST, (), k, k


def _depth(spec: TaskSpec, sf: Surface, rng: Stream) -> int:
    """The problem's depth: the config's, or drawn (2 or 3) where the context has both."""
    return spec.config.depth or (2 + int(rng.random() * 2) if sf.has_attribute else 2)


def _draw(
    spec: TaskSpec, sf: Surface, lim: Limits, rng: Stream, attempt: int, exclude: frozenset[str]
) -> Problem | None:
    """One draw; None if it is illegal or no name puts it in the split."""
    cfg = spec.config
    # Product totals and plain ops need the depth before the DAG (others draw it after).
    products = lim.products > 0 and spec.mode == "forward" and sf.has_product
    early = products or spec.op <= cfg.plain_ops
    depth = _depth(spec, sf, rng) if early else 0
    dag = build_dag(
        spec.op,
        lim,
        rng,
        products and depth == 3,
        depth == 2 and spec.op <= cfg.plain_ops,
    )
    if dag is None:
        return None
    unknown = -1
    if spec.mode == "reverse":
        unknown = _pick_unknown(dag, rng)
        if unknown < 0:
            return None
    if not early:
        depth = _depth(spec, sf, rng)
    d = _Draft(sf, dag, depth)
    if unknown >= 0:
        d.unknown = unknown
        d.forms = linear_forms(dag, unknown)
    if depth == 3 and not _name_products(d, rng):
        return None
    if cfg.totals and sf.has_total:
        _name_totals(d, rng)
    last = _name_free(d, rng)
    placed = None if last == -2 else _place_in_split(spec, d, last, rng, exclude)
    if placed is None:
        return None
    nodes = placed
    vtext = [num(v) for v in dag.values]
    sentences = _sentences(d, vtext)
    solution, letters = _gold_trace(d, vtext, cfg.modulus, rng)
    budget = cfg.budget(depth)
    if budget is None:
        count = int(cfg.distractors * len(dag.ops) * (0.5 + rng.random()) + 0.5)
    else:  # the budget, less the necessary statements and the given value
        count = budget - len(sentences) - (1 if unknown >= 0 else 0)
    distractors, extra = _distractors(d, count, lim, rng)
    sentences += extra
    return _problem(spec, d, (nodes, distractors), sentences, solution, letters, rng, attempt)


def _problem(
    spec: TaskSpec,
    d: _Draft,
    graph: tuple[list[Node], list[Node]],
    sentences: list[str],
    solution: str,
    letters: dict[str, str],
    rng: Stream,
    attempt: int,
) -> Problem:
    """The problem text (the given value stated, shuffled, the modulus first) and record."""
    cfg, sf, values, n = spec.config, d.sf, d.dag.values, len(d.ids)
    if d.unknown >= 0:
        sentences.append(f"{sf.given.head[d.ids[n - 1]]}{num(values[n - 1])}{sf.given.end}")
    if cfg.shuffle:
        for i in range(len(sentences) - 1, 0, -1):
            j = int(rng.random() * (i + 1))
            sentences[i], sentences[j] = sentences[j], sentences[i]
    if cfg.modulus is not None:
        sentences.insert(0, sf.modulus_sentence.format(m=cfg.modulus))
    query = d.unknown if d.unknown >= 0 else n - 1
    nodes, distractors = graph
    return Problem(
        spec=spec,
        problem=" ".join(sentences),
        question=sf.question[d.ids[query]],
        solution=solution,
        answer=values[query],
        nodes=tuple(nodes),
        distractors=tuple(distractors),
        letters=letters,
        depth=d.depth,
        attempt=attempt,
    )


def generate_dag(spec: TaskSpec, *, exclude: frozenset[str] = frozenset()) -> Problem:
    """Generate the dependency-graph problem of ``spec``.

    Raises:
        ValueError: the spec asks for something the context cannot give (depth 3 on a
            context without an attribute layer, or no problem after ``MAX_ATTEMPTS``).
    """
    sf = surface(spec.context)
    if spec.config.depth == 3 and not sf.has_attribute:
        name = sf.context.name
        raise ValueError(f"depth must be 2 for context {name!r} (it has no third layer), got 3")
    rng = Stream(spec.entropy())
    lim = Limits(spec.config)
    for attempt in range(MAX_ATTEMPTS):
        problem = _draw(spec, sf, lim, rng, attempt, exclude)
        if problem is not None:
            return problem
    raise ValueError(
        f"no legal problem for {spec} in {MAX_ATTEMPTS} draws: widen the value range "
        f"(max_value={spec.config.max_value}, const_max={spec.config.const_max}) or lower op"
    )
