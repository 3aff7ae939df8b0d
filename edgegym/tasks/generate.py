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
from collections.abc import Callable
from typing import Any

from edgegym.tasks.context import load_context
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
from edgegym.tasks.record import Node, Problem
from edgegym.tasks.render import Surface, surface
from edgegym.tasks.rng import uniform_from_entropy
from edgegym.tasks.spec import TaskSpec
from edgegym.tasks.trace import (
    LETTERS,
    LETTERS_REVERSE,
    REVERSE_OPENING,
    UNKNOWN_STEP,
    fmt_linear,
    operand,
    solve_steps,
)

__all__ = ["MAX_ATTEMPTS", "generate_dag", "split_of"]

MAX_ATTEMPTS = 400
_BUCKET_SPLIT = ("train",) * 8 + ("val", "test")
_P_TOTAL = 0.5
# Distractor operations (a constant twice as likely as the others).
_DISTRACTOR_OPS = (CONST, CONST, COPY, TIMES, PLUS, SUM, DIFF)
_NAME_TRIES = 64  # rejection draws of one name before scanning the pool
_SPLIT_TRIES = 256  # name draws to land the graph hash in the split


def split_of(graph_hash_hex: str) -> str:
    """The split a necessary DAG belongs to, from its hash."""
    return _BUCKET_SPLIT[int(graph_hash_hex[:8], 16) % 10]


# Node is a frozen slotted dataclass: its __init__ sets each field through
# object.__setattr__; writing the slots through their descriptors is several times
# faster (a problem at op 20 has some 20 nodes and distractors).
_new = object.__new__
_set_name, _set_op, _set_parents, _set_k, _set_value, _set_coef = (
    getattr(Node, f).__set__ for f in ("name", "op", "parents", "k", "value", "coef")
)
# Problem is a frozen dataclass with a __dict__ and no __post_init__: filling the
# __dict__ is several times faster than its __init__ (ten object.__setattr__ calls),
# and primes its cached graph_hash with the hash computed here.
_FAST_PROBLEM = not hasattr(Problem, "__slots__") and not hasattr(Problem, "__post_init__")
_PRIME_HASH = isinstance(vars(Problem).get("graph_hash"), functools.cached_property)


def _make_problem(fields: dict[str, Any], graph_hash: str) -> Problem:
    if not _FAST_PROBLEM:
        return Problem(**fields)
    problem: Problem = _new(Problem)
    data = problem.__dict__
    data.update(fields)
    if _PRIME_HASH:
        data["graph_hash"] = graph_hash
    return problem


def _redraw_name(random: Callable[[], float], size: int, used: set[int]) -> int:
    """A quantity id in ``[0, size)`` not in ``used``, after a first draw hit one.

    Rejection sampling (the pool is far larger than any problem), then a scan of the
    free ids; -1 if none is free.
    """
    for _ in range(_NAME_TRIES):
        c = int(random() * size)
        if c not in used:
            return c
    free = [c for c in range(size) if c not in used]
    return free[int(random() * len(free))] if free else -1


def _draw(
    spec: TaskSpec,
    sf: Surface,
    random: Callable[[], float],
    attempt: int,
    exclude: frozenset[str],
) -> Problem | None:
    """One draw; None if it is illegal or no name puts it in the split."""
    cfg = spec.config
    ctx = sf.context
    dag = build_dag(spec.op, cfg, random)
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
        unknown = cands[int(random() * len(cands))]
        forms = linear_forms(ops, pars, ks, vals, unknown)
    depth = cfg.depth or (2 + int(random() * 2) if ctx.attribute is not None else 2)
    size = sf.pool_size(depth)
    nm = [-1] * n  # quantity id of each node
    used: set[int] = set()  # ids taken: names, and every name of a reserved entity
    reserved = [False] * sf.n_entities  # entities of totals

    # 3. totals, from the end
    if cfg.totals and ctx.total is not None:
        n_items = sf.n_items
        for i in range(n - 1, 0, -1):
            if ops[i] != SUM or nm[i] >= 0:
                continue
            par = pars[i]
            if len(par) > n_items or random() >= _P_TOTAL:
                continue
            for p in par:
                if nm[p] >= 0 or ops[p] == TOTAL:
                    break
            else:
                free = [e for e in range(len(reserved)) if not reserved[e]]
                if not free:
                    break
                e = free[int(random() * len(free))]
                reserved[e] = True
                items = list(range(n_items))
                base = e * n_items
                used.update(range(base, base + n_items))  # the entity's names are taken
                if size > sf.attr0:
                    used.update(range(sf.attr0 + base, sf.attr0 + base + n_items))
                for s, p in enumerate(par):  # a partial Fisher-Yates sample of the items
                    r = s + int(random() * (n_items - s))
                    c = items[r]
                    items[r] = items[s]
                    nm[p] = base + c
                ops[i] = TOTAL
                nm[i] = sf.total0 + e

    # the other names, and the graph hash (exactly record.graph_hash) with the last
    # free node's name a hole in it (4.)
    last = n - 1
    while last >= 0 and nm[last] >= 0:
        last -= 1
    name_of = sf.name
    hname = sf.hname
    names = [""] * n
    entries: list[str] = []
    append = entries.append
    for i in range(n):
        c = nm[i]
        if c < 0:
            if i == last:
                names[i] = "\x00"
                head = "\x1e\x00\x1f"
            else:
                c = int(random() * size)
                if c in used:
                    c = _redraw_name(random, size, used)
                    if c < 0:
                        return None
                nm[i] = c
                used.add(c)
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
        k = ks[i]
        if forms is None:
            if k is None:
                append(f"{head}{OP_NAMES[ops[i]]}\x1f{pj}\x1fNone\x1f{vals[i]}\x1fNone")
            else:
                append(f"{head}{OP_NAMES[ops[i]]}\x1f{pj}\x1f{k}\x1f{vals[i]}\x1fNone")
        else:
            a, b = forms[i]
            if i == unknown:
                append(f"{head}unknown\x1f\x1fNone\x1f{vals[i]}\x1f({a}, {b})")
            elif k is None:
                append(f"{head}{OP_NAMES[ops[i]]}\x1f{pj}\x1fNone\x1f{vals[i]}\x1f({a}, {b})")
            else:
                append(f"{head}{OP_NAMES[ops[i]]}\x1f{pj}\x1f{k}\x1f{vals[i]}\x1f({a}, {b})")
    head = f"{spec.family}\x1e{spec.context}\x1e{spec.mode}"
    split = spec.split
    if last < 0:  # no free name: the hash is what it is
        ghash = hashlib.blake2b((head + "".join(entries)).encode(), digest_size=10).hexdigest()
        if _BUCKET_SPLIT[int(ghash[:8], 16) % 10] != split or ghash in exclude:
            return None
    else:
        text = "".join(entries)
        hole = text.index("\x00")
        prefix = head + text[:hole]
        rest = text[hole + 1 :]
        many = "\x00" in rest
        if many:
            pieces = rest.split("\x00")
        first = True
        hasher = None  # the prefix, hashed once a second name is tried
        for _ in range(_SPLIT_TRIES):
            c = int(random() * size)
            if c in used:
                continue
            cname = name_of[c]
            tail = cname.join(pieces) if many else rest
            if hasher is None:
                if first:  # hash it all (80% of train draws stop here)
                    first = False
                    payload = f"{prefix}{cname}{tail}".encode()
                    ghash = hashlib.blake2b(payload, digest_size=10).hexdigest()
                    if _BUCKET_SPLIT[int(ghash[:8], 16) % 10] == split and ghash not in exclude:
                        break
                    continue
                hasher = hashlib.blake2b(prefix.encode(), digest_size=10)
            h = hasher.copy()
            h.update(f"{cname}{tail}".encode())
            ghash = h.hexdigest()
            if _BUCKET_SPLIT[int(ghash[:8], 16) % 10] == split and ghash not in exclude:
                break
        else:
            return None
        nm[last] = c
        used.add(c)
        names[last] = cname

    # 5. nodes, sentences and trace steps of the necessary DAG, in one pass
    phrase = sf.phrase
    head_t = sf.head
    tail_t = sf.tail
    h_const, (t_const,) = head_t["const"], tail_t["const"]
    h_copy, (t_copy,) = head_t["copy"], tail_t["copy"]
    h_times, (t_times1, t_times2) = head_t["times"], tail_t["times"]
    h_plus, (t_plus1, t_plus2) = head_t["plus"], tail_t["plus"]
    h_diff, (t_diff1, t_diff2) = head_t["diff"], tail_t["diff"]
    h_sum2, (t_sum21, t_sum22) = head_t["sum2"], tail_t["sum2"]
    h_sumn, (t_sumn1, t_sumn2) = head_t["sumn"], tail_t["sumn"]
    sep = sf.list_separator
    define = sf.define
    modulus = cfg.modulus
    sentences: list[str] = []
    say = sentences.append
    nodes: list[Node] = []
    add = nodes.append
    # the trace: letters drawn without replacement (rejecting those taken), each node's
    # when its step starts, temporaries' when they are used
    letters: list[str] = []
    if forms is None:
        pool = LETTERS
        written: list[Any] = vals  # values as they are written (ints format themselves)
        oper: list[Any] = vals  # ... and as operands
        steps: list[str] = []
    else:
        pool = LETTERS_REVERSE
        written = [fmt_linear(a, b) for a, b in forms]
        oper = [operand(w) for w in written]
        steps = [REVERSE_OPENING]
    step = steps.append
    size_l = len(pool)
    taken: set[str] = set()
    for i in range(n):
        code = ops[i]
        par = pars[i]
        c = nm[i]
        name = names[i]
        node: Node = _new(Node)
        _set_name(node, name)
        _set_value(node, vals[i])
        _set_coef(node, None if forms is None else forms[i])
        add(node)
        if i == unknown:
            _set_parents(node, ())
            _set_op(node, "unknown")
            _set_k(node, None)
            say(head_t["unknown"][c])
            letters.append("x")
            step(f"{define[c]}x; {UNKNOWN_STEP}")
            continue
        lt = pool[int(random() * size_l)]
        while lt in taken:
            lt = pool[int(random() * size_l)]
        taken.add(lt)
        letters.append(lt)
        if code == CONST:
            k = ks[i]
            _set_parents(node, ())
            _set_op(node, "const")
            _set_k(node, k)
            say(f"{h_const[c]}{k}{t_const}")
            step(f"{define[c]}{lt}; so {lt} = {k}.")
        elif len(par) == 1:
            p = par[0]
            k = ks[i]
            _set_parents(node, (names[p],))
            _set_k(node, k)
            if code == COPY:
                _set_op(node, "copy")
                say(f"{h_copy[c]}{phrase[nm[p]]}{t_copy}")
                step(f"{define[c]}{lt}; so {lt} = {letters[p]} = {written[p]}.")
                continue
            t = pool[int(random() * size_l)]
            while t in taken:
                t = pool[int(random() * size_l)]
            taken.add(t)
            if code == TIMES:
                _set_op(node, "times")
                say(f"{h_times[c]}{k}{t_times1}{phrase[nm[p]]}{t_times2}")
                step(
                    f"{define[c]}{lt}; {t} = {letters[p]} = {written[p]}; "
                    f"so {lt} = {k} * {t} = {k} * {oper[p]} = {written[i]}."
                )
            else:
                _set_op(node, "plus")
                say(f"{h_plus[c]}{k}{t_plus1}{phrase[nm[p]]}{t_plus2}")
                step(
                    f"{define[c]}{lt}; {t} = {letters[p]} = {written[p]}; "
                    f"so {lt} = {k} + {t} = {k} + {oper[p]} = {written[i]}."
                )
        elif len(par) == 2:
            p, q = par
            _set_parents(node, (names[p], names[q]))
            _set_k(node, None)
            if code == DIFF:
                _set_op(node, "diff")
                say(f"{h_diff[c]}{phrase[nm[p]]}{t_diff1}{phrase[nm[q]]}{t_diff2}")
                step(
                    f"{define[c]}{lt}; so {lt} = {letters[p]} - {letters[q]} = "
                    f"{oper[p]} - {oper[q]} = {written[i]}."
                )
                continue
            if code == SUM:
                _set_op(node, "sum")
                say(f"{h_sum2[c]}{phrase[nm[p]]}{t_sum21}{phrase[nm[q]]}{t_sum22}")
            else:
                _set_op(node, "total")  # implied by the entity's items, never stated
            step(
                f"{define[c]}{lt}; so {lt} = {letters[p]} + {letters[q]} = "
                f"{oper[p]} + {oper[q]} = {written[i]}."
            )
        else:  # a sum or total of m >= 3 parents: pairwise through temporaries
            _set_parents(node, tuple([names[p] for p in par]))
            _set_k(node, None)
            if code == SUM:
                _set_op(node, "sum")
                plist = sep.join([phrase[nm[p]] for p in par[:-1]])
                say(f"{h_sumn[c]}{plist}{t_sumn1}{phrase[nm[par[-1]]]}{t_sumn2}")
            else:
                _set_op(node, "total")
            p = par[0]
            acc_letter = letters[p]
            acc_oper = oper[p]
            parts = [f"{define[c]}{lt};"]
            if forms is None:
                acc = vals[p]
            else:
                fa, fb = forms[p]
            for q in par[1:-1]:
                t = pool[int(random() * size_l)]
                while t in taken:
                    t = pool[int(random() * size_l)]
                taken.add(t)
                if forms is None:
                    acc += vals[q]
                    if modulus is not None:
                        acc %= modulus
                    parts.append(
                        f"{t} = {acc_letter} + {letters[q]} = {acc_oper} + {oper[q]} = {acc};"
                    )
                    acc_oper = acc
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
            step(" ".join(parts))
    if forms is None:
        step(f"Answer: {vals[-1]}.")
    else:
        a, b = forms[-1]
        x = vals[unknown]
        step(solve_steps(letters[n - 1], a, b, vals[-1], x))
        step(f"Answer: {x}.")

    # distractors: stated, never needed; parents anywhere among the quantities so far
    count = int(cfg.distractors * n * (0.5 + random()) + 0.5)
    distractors: list[Node] = []
    add = distractors.append
    if count:
        vmax = cfg.max_value
        cmax = cfg.const_max
        clo, chi = const_range(cfg)
        cspan = chi - clo + 1
        for _ in range(count):
            c = int(random() * size)
            if c in used:
                c = _redraw_name(random, size, used)
                if c < 0:
                    break
            used.add(c)
            nm.append(c)
            name = name_of[c]
            names.append(name)
            code = _DISTRACTOR_OPS[int(random() * 7)]
            m = len(vals)
            k = None
            value = -1  # no legal value (yet)
            if code == CONST:
                pass  # drawn below, with every op whose value turned out illegal
            elif code < DIFF:  # copy, times, plus
                p = int(random() * m)
                v = vals[p]
                if code == COPY:
                    value = v
                elif code == TIMES:
                    if modulus is not None:
                        kmax = max(2, min(cmax, modulus - 1))
                        k = 2 + int(random() * (kmax - 1))
                        value = k * v % modulus
                    else:
                        kmax = min(cmax, vmax // max(v, 1))
                        if kmax >= 2:
                            k = 2 + int(random() * (kmax - 1))
                            value = k * v
                elif modulus is not None:
                    k = clo + int(random() * cspan)
                    value = (k + v) % modulus
                else:
                    kmax = min(cmax, vmax - v)
                    if kmax >= 1:
                        k = clo + int(random() * (kmax - clo + 1)) if kmax >= clo else kmax
                        value = k + v
            elif m >= 2:  # sum / diff of two distinct quantities
                p = int(random() * m)
                q = int(random() * (m - 1))
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
                k = clo + int(random() * cspan)
                value = k
            vals.append(value)
            node = _new(Node)
            _set_name(node, name)
            _set_op(node, OP_NAMES[code])
            _set_k(node, k)
            _set_value(node, value)
            _set_coef(node, None)
            add(node)
            if code == CONST:
                _set_parents(node, ())
                say(f"{h_const[c]}{k}{t_const}")
            elif code < DIFF:
                _set_parents(node, (names[p],))
                if code == COPY:
                    say(f"{h_copy[c]}{phrase[nm[p]]}{t_copy}")
                elif code == TIMES:
                    say(f"{h_times[c]}{k}{t_times1}{phrase[nm[p]]}{t_times2}")
                else:
                    say(f"{h_plus[c]}{k}{t_plus1}{phrase[nm[p]]}{t_plus2}")
            else:
                _set_parents(node, (names[p], names[q]))
                if code == SUM:
                    say(f"{h_sum2[c]}{phrase[nm[p]]}{t_sum21}{phrase[nm[q]]}{t_sum22}")
                else:
                    say(f"{h_diff[c]}{phrase[nm[p]]}{t_diff1}{phrase[nm[q]]}{t_diff2}")

    if unknown >= 0:
        h_given, (t_given,) = head_t["given"], tail_t["given"]
        say(f"{h_given[nm[n - 1]]}{vals[n - 1]}{t_given}")
    if cfg.shuffle:
        for i in range(len(sentences) - 1, 0, -1):
            j = int(random() * (i + 1))
            sentences[i], sentences[j] = sentences[j], sentences[i]
    if cfg.modulus is not None:
        sentences.insert(0, ctx.modulus_sentence.format(m=cfg.modulus))

    query = unknown if unknown >= 0 else n - 1
    return _make_problem(
        {
            "spec": spec,
            "problem": " ".join(sentences),
            "question": sf.question[nm[query]],
            "solution": " ".join(steps),
            "answer": vals[query],
            "nodes": tuple(nodes),
            "distractors": tuple(distractors),
            "letters": dict(zip(names[:n], letters, strict=True)),
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
    ctx = load_context(spec.context)
    if spec.config.depth == 3 and ctx.attribute is None:
        raise ValueError(f"depth must be 2 for context {ctx.name!r} (it has no third layer), got 3")
    sf = surface(spec.context)
    random = uniform_from_entropy(spec.entropy())
    for attempt in range(MAX_ATTEMPTS):
        problem = _draw(spec, sf, random, attempt, exclude)
        if problem is not None:
            return problem
    raise ValueError(
        f"no legal problem for {spec} in {MAX_ATTEMPTS} draws: widen the value range "
        f"(max_value={spec.config.max_value}, const_max={spec.config.const_max}) or lower op"
    )
