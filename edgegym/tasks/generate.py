"""The dependency-graph family: spec -> Problem, deterministically.

Stages, each drawing from the spec's one random stream (a rejected draw goes on
drawing from the same stream):

1. :func:`edgegym.tasks.graph.build_dag` draws the necessary DAG at exactly ``op``.
2. Reverse mode picks the unknown uniformly among the constants whose coefficient in
   the final node is non-zero (so the equation has exactly one solution).
3. Naming: sums may become implied *totals* of an entity (the entity is then reserved:
   its item quantities in the problem are exactly the total's parents, so the text
   defines the total); the other nodes get distinct count (or, at depth 3, attribute)
   names of unreserved entities.
4. The split is the graph hash's bucket (train 8/10, val 1/10, test 1/10), so splits
   are disjoint by construction. The last freely named node is named last: its name
   is drawn again until the hash falls in the spec's split and not in ``exclude``.
   Only the hash's tail depends on that name, so a redraw costs about a microsecond
   and every split is about as fast to generate as ``train``.
5. Nodes, distractors, sentences, the gold trace.

Every necessary quantity except the implied totals (and, in reverse mode, the unknown)
has its own defining sentence, so each problem is solvable from its text alone.

The code is written for speed (generation is the inner loop of data and RL pipelines):
the DAG is parallel lists, quantities are integer ids into a context's precomputed
:class:`~edgegym.tasks.render.Surface`, and each stage is one pass of plain loops.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any, Final

from edgegym.tasks.graph import (
    CONST,
    COPY,
    DIFF,
    OP_NAMES,
    PLUS,
    SUM,
    TIMES,
    TOTAL,
    adjoints,
    build_dag,
    const_range,
    linear_forms,
)
from edgegym.tasks.node import Node
from edgegym.tasks.record import Problem
from edgegym.tasks.render import Surface, surface
from edgegym.tasks.rng import Stream
from edgegym.tasks.spec import TaskSpec
from edgegym.tasks.trace import (
    LETTERS,
    LETTERS_REVERSE,
    REVERSE_OPENING,
    UNKNOWN_STEP,
    fmt_linear,
    num,
    operand,
    solve_steps,
)

__all__ = ["MAX_ATTEMPTS", "generate_dag", "split_of"]

# Final: the compiled build reads these as constants, not module dict entries (and a
# tuple typed with "..." stays one object: a fixed-length tuple type is stored unboxed
# and boxed anew at each indexing).
MAX_ATTEMPTS: Final = 400
_BUCKET_SPLIT: Final[tuple[str, ...]] = ("train",) * 8 + ("val", "test")
_P_TOTAL: Final = 0.5
# Distractor operations (a constant twice as likely as the others).
_DISTRACTOR_OPS: Final[tuple[int, ...]] = (CONST, CONST, COPY, TIMES, PLUS, SUM, DIFF)
_NAME_TRIES: Final = 64  # rejection draws of one name before scanning the pool
_SPLIT_TRIES: Final = 256  # name draws to land the graph hash in the split


def split_of(graph_hash_hex: str) -> str:
    """The split a necessary DAG belongs to, from its hash."""
    return _BUCKET_SPLIT[int(graph_hash_hex[:8], 16) % 10]


# Problem is a frozen dataclass with a __dict__ and no __post_init__: installing a
# filled __dict__ is several times faster than its __init__ (ten object.__setattr__
# calls), and primes its cached graph_hash with the hash computed here.
_DICT: Final[Any] = vars(Problem).get("__dict__")  # its instances' __dict__ (a descriptor)
_FAST_PROBLEM: Final = _DICT is not None and not hasattr(Problem, "__post_init__")
_PRIME_HASH: Final = isinstance(vars(Problem).get("graph_hash"), functools.cached_property)
_new: Final = object.__new__
_SET_DICT: Final[Any] = _DICT.__set__ if _FAST_PROBLEM else None


def _make_problem(fields: dict[str, Any], graph_hash: str) -> Problem:
    if not _FAST_PROBLEM:
        return Problem(**fields)
    if _PRIME_HASH:
        fields["graph_hash"] = graph_hash
    problem: Problem = _new(Problem)
    _SET_DICT(problem, fields)
    return problem


def _redraw_name(rng: Stream, size: int, used: list[bool]) -> int:
    """A quantity id in ``[0, size)`` not ``used``, after a first draw hit one.

    Rejection sampling (the pool is far larger than any problem), then a scan of the
    free ids; -1 if none is free.
    """
    for _ in range(_NAME_TRIES):
        c = int(rng.random() * size)
        if not used[c]:
            return c
    free = [c for c in range(size) if not used[c]]
    n_free = len(free)  # a local: a len() operand makes the compiled product generic
    return free[int(rng.random() * n_free)] if free else -1


def _fresh_letter(rng: Stream, pool: tuple[str, ...], taken: list[bool]) -> str:
    """A letter of ``pool`` not ``taken`` (drawn again while it is), now taken."""
    size = len(pool)
    j = int(rng.random() * size)
    while taken[j]:
        j = int(rng.random() * size)
    taken[j] = True
    return pool[j]


def _draw(
    spec: TaskSpec,
    sf: Surface,
    rng: Stream,
    attempt: int,
    exclude: frozenset[str],
) -> Problem | None:
    """One draw; None if it is illegal or no name puts it in the split."""
    cfg = spec.config
    dag = build_dag(spec.op, cfg, rng)
    if dag is None:
        return None
    ops, pars, ks, vals = dag
    n = len(ops)
    unknown = -1
    forms: list[tuple[int, int]] | None = None
    if spec.mode == "reverse":
        adj = adjoints(ops, pars, ks)
        cands = [i for i in range(n) if ops[i] == CONST and adj[i] != 0]
        if not cands:
            return None
        n_cands = len(cands)  # a local: a len() operand makes the compiled product generic
        unknown = cands[int(rng.random() * n_cands)]
        forms = linear_forms(ops, pars, ks, vals, unknown)
    # Typed locals (here and below): the compiled build does native arithmetic on them,
    # where the spec's and config's own attributes are untyped objects to it.
    cfg_depth: int | None = cfg.depth
    depth = cfg_depth or (2 + int(rng.random() * 2) if sf.has_attribute else 2)
    size = sf.pool_size(depth)
    nm = [-1] * n  # quantity id of each node
    used = [False] * size  # ids taken: names, and every name of a reserved entity
    reserved = [False] * sf.n_entities  # entities of totals

    # 3. totals, from the end
    totals: bool = cfg.totals
    if totals and sf.has_total:
        n_items = sf.n_items
        attr0 = sf.attr0
        for i in range(n - 1, 0, -1):
            if ops[i] != SUM or nm[i] >= 0:
                continue
            par = pars[i]
            if len(par) > n_items or rng.random() >= _P_TOTAL:
                continue
            for p in par:
                if nm[p] >= 0 or ops[p] == TOTAL:
                    break
            else:
                free = [e for e in range(len(reserved)) if not reserved[e]]
                if not free:
                    break
                n_free = len(free)
                e = free[int(rng.random() * n_free)]
                reserved[e] = True
                items = list(range(n_items))
                base = e * n_items
                for c in range(base, base + n_items):  # the entity's names are taken
                    used[c] = True
                    if size > attr0:
                        used[attr0 + c] = True
                for s, p in enumerate(par):  # a partial Fisher-Yates sample of the items
                    r = s + int(rng.random() * (n_items - s))
                    c = items[r]
                    items[r] = items[s]
                    nm[p] = base + c
                ops[i] = TOTAL
                nm[i] = sf.total0 + e

    # the other names, and the graph hash (exactly record.graph_hash) with the last
    # free node's name a hole in it (4.): the hole is where its entry's name goes (no
    # earlier entry names it) and in its children's parent lists
    last = n - 1
    while last >= 0 and nm[last] >= 0:
        last -= 1
    name_of = sf.name
    hname = sf.hname
    names = [""] * n
    # values and constants as they are written ("None": no constant), each formatted once
    # for the hash, the sentences and the trace
    vtext = [num(v) for v in vals]
    ktext: list[str] = []
    for i in range(n):
        k = ks[i]
        ktext.append(vtext[i] if ops[i] == CONST else "None" if k is None else num(k))
    entries: list[str] = []
    for i in range(n):
        c = nm[i]
        if c < 0:
            if i == last:
                names[i] = "\x00"
                head = "\x1f"
            else:
                c = int(rng.random() * size)
                if used[c]:
                    c = _redraw_name(rng, size, used)
                    if c < 0:
                        return None
                nm[i] = c
                used[c] = True
                names[i] = name_of[c]
                head = hname[c]
        else:
            names[i] = name_of[c]
            head = hname[c]
        par = pars[i]
        if not par:
            pj = ""
        elif len(par) == 1:
            pj = names[par[0]]
        else:
            pj = "\x1d".join([names[p] for p in par])
        if forms is None:
            entries.append(f"{head}{OP_NAMES[ops[i]]}\x1f{pj}\x1f{ktext[i]}\x1f{vtext[i]}\x1fNone")
        else:
            a, b = forms[i]
            form = f"({num(a)}, {num(b)})"
            if i == unknown:
                entries.append(f"{head}unknown\x1f\x1fNone\x1f{vtext[i]}\x1f{form}")
            else:
                entries.append(
                    f"{head}{OP_NAMES[ops[i]]}\x1f{pj}\x1f{ktext[i]}\x1f{vtext[i]}\x1f{form}"
                )
    head = f"{spec.family}\x1e{spec.context}\x1e{spec.mode}"
    split: str = spec.split
    if last < 0:  # no free name: the hash is what it is
        ghash = hashlib.blake2b((head + "".join(entries)).encode(), digest_size=10).hexdigest()
        if _BUCKET_SPLIT[int(ghash[:8], 16) % 10] != split or ghash in exclude:
            return None
    else:
        prefix = f"{head}{''.join(entries[:last])}\x1e"
        hasher = hashlib.blake2b(prefix.encode(), digest_size=10)  # copied for each name
        rest = "".join(entries[last:])
        for _ in range(_SPLIT_TRIES):
            c = int(rng.random() * size)
            if used[c]:
                continue
            cname = name_of[c]
            tail = rest.replace("\x00", cname)
            h = hasher.copy()
            h.update(f"{cname}{tail}".encode())
            ghash = h.hexdigest()
            if _BUCKET_SPLIT[int(ghash[:8], 16) % 10] == split and ghash not in exclude:
                break
        else:
            return None
        nm[last] = c
        used[c] = True
        names[last] = cname

    # 5. nodes, sentences and trace steps of the necessary DAG, in one pass
    phrase = sf.phrase
    f_const, f_copy, f_times, f_plus = sf.const, sf.copy, sf.times, sf.plus
    f_diff, f_sum2, f_sumn = sf.diff, sf.sum2, sf.sumn
    sep = sf.list_separator
    define = sf.define
    modulus: int | None = cfg.modulus
    sentences: list[str] = []
    nodes: list[Node] = []
    # the trace: letters drawn without replacement (rejecting those taken), each node's
    # when its step starts, temporaries' when they are used
    letters: list[str] = []
    if forms is None:
        pool = LETTERS
        written = vtext  # each value as it is written
        oper = vtext  # ... and as an operand
        steps: list[str] = []
    else:
        pool = LETTERS_REVERSE
        written = [fmt_linear(a, b) for a, b in forms]
        oper = [operand(w) for w in written]
        steps = [REVERSE_OPENING]
    taken = [False] * len(pool)
    for i in range(n):
        code = ops[i]
        par = pars[i]
        c = nm[i]
        name = names[i]
        coef = None if forms is None else forms[i]
        if i == unknown:
            nodes.append(Node(name, "unknown", (), None, vals[i], coef))
            sentences.append(sf.unknown.head[c])
            letters.append("x")
            steps.append(f"{define[c]}x; {UNKNOWN_STEP}")
            continue
        lt = _fresh_letter(rng, pool, taken)
        letters.append(lt)
        kt = ktext[i]
        if code == CONST:
            nodes.append(Node(name, "const", (), ks[i], vals[i], coef))
            sentences.append(f"{f_const.head[c]}{kt}{f_const.end}")
            steps.append(f"{define[c]}{lt}; so {lt} = {kt}.")
        elif len(par) == 1:
            p = par[0]
            k = ks[i]
            if code == COPY:
                nodes.append(Node(name, "copy", (names[p],), k, vals[i], coef))
                sentences.append(f"{f_copy.head[c]}{phrase[nm[p]]}{f_copy.end}")
                steps.append(f"{define[c]}{lt}; so {lt} = {letters[p]} = {written[p]}.")
                continue
            t = _fresh_letter(rng, pool, taken)
            if code == TIMES:
                nodes.append(Node(name, "times", (names[p],), k, vals[i], coef))
                sentences.append(f"{f_times.head[c]}{kt}{f_times.mid}{phrase[nm[p]]}{f_times.end}")
                steps.append(
                    f"{define[c]}{lt}; {t} = {letters[p]} = {written[p]}; "
                    f"so {lt} = {kt} * {t} = {kt} * {oper[p]} = {written[i]}."
                )
            else:
                nodes.append(Node(name, "plus", (names[p],), k, vals[i], coef))
                sentences.append(f"{f_plus.head[c]}{kt}{f_plus.mid}{phrase[nm[p]]}{f_plus.end}")
                steps.append(
                    f"{define[c]}{lt}; {t} = {letters[p]} = {written[p]}; "
                    f"so {lt} = {kt} + {t} = {kt} + {oper[p]} = {written[i]}."
                )
        elif len(par) == 2:
            p, q = par
            if code == DIFF:
                nodes.append(Node(name, "diff", (names[p], names[q]), None, vals[i], coef))
                sentences.append(
                    f"{f_diff.head[c]}{phrase[nm[p]]}{f_diff.mid}{phrase[nm[q]]}{f_diff.end}"
                )
                steps.append(
                    f"{define[c]}{lt}; so {lt} = {letters[p]} - {letters[q]} = "
                    f"{oper[p]} - {oper[q]} = {written[i]}."
                )
                continue
            if code == SUM:
                nodes.append(Node(name, "sum", (names[p], names[q]), None, vals[i], coef))
                sentences.append(
                    f"{f_sum2.head[c]}{phrase[nm[p]]}{f_sum2.mid}{phrase[nm[q]]}{f_sum2.end}"
                )
            else:  # implied by the entity's items, never stated
                nodes.append(Node(name, "total", (names[p], names[q]), None, vals[i], coef))
            steps.append(
                f"{define[c]}{lt}; so {lt} = {letters[p]} + {letters[q]} = "
                f"{oper[p]} + {oper[q]} = {written[i]}."
            )
        else:  # a sum or total of m >= 3 parents: pairwise through temporaries
            parents = tuple([names[p] for p in par])
            if code == SUM:
                nodes.append(Node(name, "sum", parents, None, vals[i], coef))
                plist = sep.join([phrase[nm[p]] for p in par[:-1]])
                sentences.append(
                    f"{f_sumn.head[c]}{plist}{f_sumn.mid}{phrase[nm[par[-1]]]}{f_sumn.end}"
                )
            else:
                nodes.append(Node(name, "total", parents, None, vals[i], coef))
            p = par[0]
            acc_letter = letters[p]
            acc_oper = oper[p]
            parts = [f"{define[c]}{lt};"]
            acc = vals[p]
            fa, fb = (0, 0) if forms is None else forms[p]
            for q in par[1:-1]:
                t = _fresh_letter(rng, pool, taken)
                if forms is None:
                    acc += vals[q]
                    if modulus is not None:
                        acc %= modulus
                    partial = num(acc)
                    parts.append(
                        f"{t} = {acc_letter} + {letters[q]} = {acc_oper} + {oper[q]} = {partial};"
                    )
                    acc_oper = partial
                else:
                    qa, qb = forms[q]
                    fa += qa
                    fb += qb
                    partial = fmt_linear(fa, fb)
                    parts.append(
                        f"{t} = {acc_letter} + {letters[q]} = {acc_oper} + {oper[q]} = {partial};"
                    )
                    acc_oper = operand(partial)
                acc_letter = t
            q = par[-1]
            parts.append(
                f"so {lt} = {acc_letter} + {letters[q]} = {acc_oper} + {oper[q]} = {written[i]}."
            )
            steps.append(" ".join(parts))
    if forms is None:
        steps.append(f"Answer: {vtext[n - 1]}.")
    else:
        a, b = forms[-1]
        x = vals[unknown]
        steps.append(solve_steps(letters[n - 1], a, b, vals[-1], x))
        steps.append(f"Answer: {vtext[unknown]}.")

    # distractors: stated, never needed; parents anywhere among the quantities so far
    distractors_per_node: float = cfg.distractors
    count = int(distractors_per_node * n * (0.5 + rng.random()) + 0.5)
    distractors: list[Node] = []
    if count:
        vmax: int = cfg.max_value
        cmax: int = cfg.const_max
        clo, chi = const_range(cfg)
        cspan = chi - clo + 1
        for _ in range(count):
            c = int(rng.random() * size)
            if used[c]:
                c = _redraw_name(rng, size, used)
                if c < 0:
                    break
            used[c] = True
            nm.append(c)
            name = name_of[c]
            names.append(name)
            code = _DISTRACTOR_OPS[int(rng.random() * 7)]
            m = len(vals)
            k = None
            value = -1  # no legal value (yet)
            if code == CONST:
                pass  # drawn below, with every op whose value turned out illegal
            elif code < DIFF:  # copy, times, plus
                p = int(rng.random() * m)
                v = vals[p]
                if code == COPY:
                    value = v
                elif code == TIMES:
                    if modulus is not None:
                        kmax = max(2, min(cmax, modulus - 1))
                        k = 2 + int(rng.random() * (kmax - 1))
                        value = k * v % modulus
                    else:
                        kmax = min(cmax, vmax // max(v, 1))
                        if kmax >= 2:
                            k = 2 + int(rng.random() * (kmax - 1))
                            value = k * v
                elif modulus is not None:
                    k = clo + int(rng.random() * cspan)
                    value = (k + v) % modulus
                else:
                    kmax = min(cmax, vmax - v)
                    if kmax >= 1:
                        k = clo + int(rng.random() * (kmax - clo + 1)) if kmax >= clo else kmax
                        value = k + v
            elif m >= 2:  # sum / diff of two distinct quantities
                p = int(rng.random() * m)
                q = int(rng.random() * (m - 1))
                if q >= p:
                    q += 1
                v, w = vals[p], vals[q]
                if code == SUM:
                    value = v + w
                    if modulus is not None:
                        value %= modulus
                    elif value > vmax:
                        value = -1
                elif modulus is not None:
                    value = (v - w) % modulus
                elif v > w:
                    value = v - w
                elif v < w:
                    p, q = q, p
                    value = w - v
            if value < 0:  # a constant (also where the drawn operation had no legal value)
                code = CONST
                k = clo + int(rng.random() * cspan)
                value = k
            vals.append(value)
            kt = "" if k is None else num(k)  # the constant as stated (copy, sum, diff: none)
            if code == CONST:
                distractors.append(Node(name, "const", (), k, value, None))
                sentences.append(f"{f_const.head[c]}{kt}{f_const.end}")
            elif code < DIFF:
                distractors.append(Node(name, OP_NAMES[code], (names[p],), k, value, None))
                if code == COPY:
                    sentences.append(f"{f_copy.head[c]}{phrase[nm[p]]}{f_copy.end}")
                elif code == TIMES:
                    sentences.append(
                        f"{f_times.head[c]}{kt}{f_times.mid}{phrase[nm[p]]}{f_times.end}"
                    )
                else:
                    sentences.append(f"{f_plus.head[c]}{kt}{f_plus.mid}{phrase[nm[p]]}{f_plus.end}")
            else:
                distractors.append(
                    Node(name, OP_NAMES[code], (names[p], names[q]), None, value, None)
                )
                if code == SUM:
                    sentences.append(
                        f"{f_sum2.head[c]}{phrase[nm[p]]}{f_sum2.mid}{phrase[nm[q]]}{f_sum2.end}"
                    )
                else:
                    sentences.append(
                        f"{f_diff.head[c]}{phrase[nm[p]]}{f_diff.mid}{phrase[nm[q]]}{f_diff.end}"
                    )

    if unknown >= 0:
        sentences.append(f"{sf.given.head[nm[n - 1]]}{vtext[n - 1]}{sf.given.end}")
    shuffle: bool = cfg.shuffle
    if shuffle:
        for i in range(len(sentences) - 1, 0, -1):
            j = int(rng.random() * (i + 1))
            sentences[i], sentences[j] = sentences[j], sentences[i]
    if modulus is not None:
        sentences.insert(0, sf.modulus_sentence.format(m=modulus))

    query = unknown if unknown >= 0 else n - 1
    letter_of: dict[str, str] = {}
    for i in range(n):
        letter_of[names[i]] = letters[i]
    return _make_problem(
        {
            "spec": spec,
            "problem": " ".join(sentences),
            "question": sf.question[nm[query]],
            "solution": " ".join(steps),
            "answer": vals[query],
            "nodes": tuple(nodes),
            "distractors": tuple(distractors),
            "letters": letter_of,
            "depth": depth,
            "attempt": attempt,
        },
        ghash,
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
    for attempt in range(MAX_ATTEMPTS):
        problem = _draw(spec, sf, rng, attempt, exclude)
        if problem is not None:
            return problem
    raise ValueError(
        f"no legal problem for {spec} in {MAX_ATTEMPTS} draws: widen the value range "
        f"(max_value={spec.config.max_value}, const_max={spec.config.const_max}) or lower op"
    )
