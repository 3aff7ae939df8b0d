"""The dependency-graph family: spec -> Problem, deterministically.

Stages, each drawing from the spec's one random stream:

1. :func:`edgegym.tasks.graph.build_dag` draws the necessary DAG at exactly ``op``.
2. Reverse mode picks the unknown among the constants (its linear coefficient in the
   final node must be non-zero, so the equation has one solution).
3. Naming: sums may become implied *totals* of an entity (the entity is then reserved:
   its item quantities in the problem are exactly the total's parents, so the text
   defines the total); the other nodes get distinct count (or, at depth 3, attribute)
   names of unreserved entities.
4. The split is the graph hash's bucket (train 8/10, val 1/10, test 1/10), so splits
   are disjoint by construction; a draw in another split, or in ``exclude``, is redrawn.
5. Distractors, sentences, the gold trace.

Every necessary quantity except the implied totals (and, in reverse mode, the unknown)
has its own defining sentence, so each problem is solvable from its text alone.
"""

from __future__ import annotations

import functools
import string

from edgegym.tasks.context import Context, load_context
from edgegym.tasks.graph import Draft, apply_op, build_dag, linear_forms
from edgegym.tasks.record import Node, Problem, graph_hash
from edgegym.tasks.render import Name, sentence
from edgegym.tasks.rng import Stream
from edgegym.tasks.spec import TaskSpec
from edgegym.tasks.trace import fmt_linear, solve_steps, trace_step

__all__ = ["MAX_ATTEMPTS", "generate_dag", "split_of"]

MAX_ATTEMPTS = 400
_LETTERS = tuple(string.ascii_uppercase + string.ascii_lowercase)
_LETTERS_REVERSE = tuple(c for c in _LETTERS if c not in "xX")
_SPLIT_BUCKETS = {"train": frozenset(range(8)), "val": frozenset({8}), "test": frozenset({9})}
_P_TOTAL = 0.5
_DISTRACTOR_OPS = ("const", "const", "copy", "times", "plus", "sum", "diff")
_UNKNOWN = "we don't know its value yet but will find it out later."
_REVERSE_OPENING = "The question is difficult, so we use equations to solve it."


def split_of(graph_hash_hex: str) -> str:
    """The split a necessary DAG belongs to, from its hash."""
    bucket = int(graph_hash_hex[:8], 16) % 10
    return "train" if bucket < 8 else "val" if bucket == 8 else "test"


@functools.cache
def _pool(context: str, depth: int) -> tuple[Name, ...]:
    """Every nameable (non-total) quantity of a context at a depth."""
    ctx = load_context(context)
    names = [Name.make("count", ctx.count, e, i) for e in ctx.entities for i in ctx.items]
    if depth == 3 and ctx.attribute is not None:
        names += [Name.make("attribute", ctx.attribute, e, i) for e in ctx.entities for i in ctx.items]
    return tuple(names)


@functools.cache
def _count_names(context: str) -> dict[tuple[str, str], Name]:
    ctx = load_context(context)
    return {(e, i): Name.make("count", ctx.count, e, i) for e in ctx.entities for i in ctx.items}


@functools.cache
def _total_names(context: str) -> dict[str, Name]:
    ctx = load_context(context)
    assert ctx.total is not None  # only called for contexts with totals
    return {e: Name.make("total", ctx.total, e, "") for e in ctx.entities}


class _Names:
    """Draws distinct names of unreserved entities from a context's pool."""

    def __init__(self, context: str, depth: int, rs: Stream) -> None:
        self.pool = _pool(context, depth)
        self.rs = rs
        self.used: set[str] = set()
        self.reserved: set[str] = set()

    def take(self, name: Name) -> Name:
        self.used.add(name.name)
        return name

    def draw(self) -> Name | None:
        pool, rs = self.pool, self.rs
        for _ in range(64):  # rejection: the pool is far larger than any problem
            cand = pool[rs.below(len(pool))]
            if cand.entity not in self.reserved and cand.name not in self.used:
                return self.take(cand)
        free = [c for c in pool if c.entity not in self.reserved and c.name not in self.used]
        return self.take(rs.choice(free)) if free else None


def _assign_totals(drafts: list[Draft], ctx: Context, names: list[Name | None], nm: _Names) -> None:
    rs = nm.rs
    for i in range(len(drafts) - 1, -1, -1):
        d = drafts[i]
        if d.op != "sum" or names[i] is not None or len(d.parents) > len(ctx.items):
            continue
        if not rs.chance(_P_TOTAL):
            continue
        if any(names[p] is not None or drafts[p].op == "total" for p in d.parents):
            continue
        free = [e for e in ctx.entities if e not in nm.reserved]
        if not free:
            return
        entity = rs.choice(free)
        nm.reserved.add(entity)
        counts = _count_names(ctx.name)
        for p, item in zip(d.parents, rs.sample(ctx.items, len(d.parents)), strict=True):
            names[p] = nm.take(counts[entity, item])
        d.op = "total"
        names[i] = nm.take(_total_names(ctx.name)[entity])


def _name_all(drafts: list[Draft], ctx: Context, depth: int, rs: Stream, totals: bool) -> tuple[list[Name], _Names] | None:
    nm = _Names(ctx.name, depth, rs)
    names: list[Name | None] = [None] * len(drafts)
    if totals and ctx.total is not None:
        _assign_totals(drafts, ctx, names, nm)
    for i, name in enumerate(names):
        if name is None:
            names[i] = nm.draw()
            if names[i] is None:
                return None
    return [n for n in names if n is not None], nm


def _pick_unknown(drafts: list[Draft], rs: Stream) -> tuple[int, list[tuple[int, int]]] | None:
    consts = [i for i, d in enumerate(drafts) if d.op == "const"]
    rs.shuffle(consts)
    for i in consts:
        forms = linear_forms(drafts, i)
        if forms[-1][0] != 0:
            return i, forms
    return None


def _distractors(
    drafts: list[Draft], spec: TaskSpec, rs: Stream, nm: _Names
) -> list[tuple[Draft, Name]]:
    cfg = spec.config
    n = len(drafts)
    count = int(cfg.distractors * n * (0.5 + rs.random()) + 0.5)
    pool = list(drafts)
    out: list[tuple[Draft, Name]] = []
    for _ in range(count):
        name = nm.draw()
        if name is None:
            break
        op = rs.choice(_DISTRACTOR_OPS)
        arity = {"const": 0, "copy": 1, "times": 1, "plus": 1}.get(op, 2)
        draft = None
        if arity <= len(pool):
            parents = rs.sample(range(len(pool)), arity)
            draft = apply_op(op, parents, pool, rs, cfg)
        if draft is None:
            draft = apply_op("const", [], pool, rs, cfg)
        assert draft is not None  # a constant is always legal
        pool.append(draft)
        out.append((draft, name))
    return out


def _render(
    spec: TaskSpec,
    ctx: Context,
    drafts: list[Draft],
    names: list[Name],
    extra: list[tuple[Draft, Name]],
    unknown: int | None,
    rs: Stream,
) -> str:
    every = drafts + [d for d, _ in extra]
    every_names = names + [nm for _, nm in extra]
    sentences = []
    for i, d in enumerate(every):
        if d.op == "total":
            continue  # implied by the entity's items, never stated
        if i == unknown:
            sentences.append(sentence(ctx, "unknown", every_names[i]))
        else:
            parents = [every_names[p] for p in d.parents]
            sentences.append(sentence(ctx, d.op, every_names[i], parents, d.k))
    if unknown is not None:
        sentences.append(sentence(ctx, "given", names[-1], k=drafts[-1].value))
    if spec.config.shuffle:
        rs.shuffle(sentences)
    if spec.config.modulus is not None:
        sentences.insert(0, ctx.modulus_sentence.format(m=spec.config.modulus))
    return " ".join(sentences)


def _letters_needed(drafts: list[Draft]) -> int:
    temps = 0
    for d in drafts:
        if d.op in ("times", "plus"):
            temps += 1
        elif d.op in ("sum", "total"):
            temps += len(d.parents) - 2
    return len(drafts) + temps


def _trace(
    spec: TaskSpec,
    drafts: list[Draft],
    names: list[Name],
    unknown: int | None,
    forms: list[tuple[int, int]] | None,
    rs: Stream,
) -> tuple[str, dict[str, str], int]:
    mod = spec.config.modulus
    pool = _LETTERS if unknown is None else _LETTERS_REVERSE
    letters = iter(rs.sample(pool, _letters_needed(drafts)))
    temps = letters.__next__
    node_letters = [next(letters) for _ in drafts]
    if forms is None:
        written = [str(d.value) for d in drafts]
    else:
        written = [fmt_linear(a, b) for a, b in forms]
        node_letters[unknown or 0] = "x"
    steps = [_REVERSE_OPENING] if unknown is not None else []
    for i, d in enumerate(drafts):
        if i == unknown:
            steps.append(f"Define {names[i].name} as x; {_UNKNOWN}")
            continue
        partials: list[str] = []
        if len(d.parents) >= 3:
            partials = _partials(d, drafts, forms, mod)
        steps.append(
            trace_step(
                names[i].name,
                node_letters[i],
                d.op,
                [node_letters[p] for p in d.parents],
                [written[p] for p in d.parents],
                d.k,
                written[i],
                temps,
                partials,
            )
        )
    if unknown is not None and forms is not None:
        answer = drafts[unknown].value
        a, b = forms[-1]
        steps.append(solve_steps(node_letters[-1], a, b, drafts[-1].value, answer))
    else:
        answer = drafts[-1].value
    steps.append(f"Answer: {answer}.")
    letter_map = {names[i].name: node_letters[i] for i in range(len(drafts))}
    return " ".join(steps), letter_map, answer


def _partials(
    d: Draft, drafts: list[Draft], forms: list[tuple[int, int]] | None, mod: int | None
) -> list[str]:
    """Written running sums of the first 2..m-1 parents of a chained sum."""
    out = []
    if forms is None:
        acc = drafts[d.parents[0]].value
        for p in d.parents[1:-1]:
            acc += drafts[p].value
            if mod is not None:
                acc %= mod
            out.append(str(acc))
    else:
        a, b = forms[d.parents[0]]
        for p in d.parents[1:-1]:
            a, b = a + forms[p][0], b + forms[p][1]
            out.append(fmt_linear(a, b))
    return out


def _nodes(
    drafts: list[Draft],
    names: list[Name],
    unknown: int | None,
    forms: list[tuple[int, int]] | None,
) -> tuple[Node, ...]:
    out = []
    for i, d in enumerate(drafts):
        op = "unknown" if i == unknown else d.op
        out.append(
            Node(
                name=names[i].name,
                op=op,  # type: ignore[arg-type]
                parents=tuple(names[p].name for p in d.parents),
                k=None if i == unknown else d.k,
                value=d.value,
                coef=None if forms is None else forms[i],
            )
        )
    return tuple(out)


def _draw(spec: TaskSpec, ctx: Context, attempt: int, exclude: frozenset[str]) -> Problem | None:
    """One attempt; None if the draw is illegal, in another split, or excluded."""
    rs = Stream(spec.seed_sequence(attempt))
    cfg = spec.config
    drafts = build_dag(spec.op, cfg, rs)
    if drafts is None:
        return None
    unknown: int | None = None
    forms: list[tuple[int, int]] | None = None
    if spec.mode == "reverse":
        picked = _pick_unknown(drafts, rs)
        if picked is None:
            return None
        unknown, forms = picked
    depth = cfg.depth or (rs.choice((2, 3)) if ctx.attribute is not None else 2)
    named = _name_all(drafts, ctx, depth, rs, cfg.totals)
    if named is None:
        return None
    names, nm = named
    nodes = _nodes(drafts, names, unknown, forms)
    ghash = graph_hash(spec.family, spec.context, spec.mode, nodes)
    if int(ghash[:8], 16) % 10 not in _SPLIT_BUCKETS[spec.split] or ghash in exclude:
        return None
    extra = _distractors(drafts, spec, rs, nm)
    text = _render(spec, ctx, drafts, names, extra, unknown, rs)
    solution, letters, answer = _trace(spec, drafts, names, unknown, forms, rs)
    question = names[unknown if unknown is not None else -1].question
    all_names = names + [nm_ for _, nm_ in extra]
    distractors = tuple(
        Node(
            name=nm_.name,
            op=d.op,  # type: ignore[arg-type]
            parents=tuple(all_names[p].name for p in d.parents),
            k=d.k,
            value=d.value,
        )
        for d, nm_ in extra
    )
    return Problem(
        spec=spec,
        problem=text,
        question=question,
        solution=solution,
        answer=answer,
        nodes=nodes,
        distractors=distractors,
        letters=letters,
        depth=depth,
        attempt=attempt,
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
    for attempt in range(MAX_ATTEMPTS):
        problem = _draw(spec, ctx, attempt, exclude)
        if problem is not None:
            return problem
    raise ValueError(
        f"no legal problem for {spec} in {MAX_ATTEMPTS} draws: widen the value range "
        f"(max_value={spec.config.max_value}, const_max={spec.config.const_max}) or lower op"
    )

