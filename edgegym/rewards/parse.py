"""Response text -> final answer and parsed trace steps. Total, linear, never evaluates code.

The parser knows the trace grammar but not the gold graph: it reads what the
response states, recomputes every stated value from its own expression over the
values established before it, and records what it found. Comparing with the
gold graph is :mod:`edgegym.rewards.process`'s job.

Response layout (the text after ``<solution>``)::

    {body} </solution> <answer> {N} </answer> [anything without another <answer>]

Body grammar (exact; :mod:`edgegym.tasks.trace` owns its text and writes it). Steps are
joined by one space; every letter is one ASCII letter; reverse mode reserves ``x`` for the unknown::

    body   := [PREAMBLE] step* [solve]
    PREAMBLE := "The question is difficult, so we use equations to solve it."   (reverse)
    step   := "Define " NAME " as " L ";" clause (";" clause)* "."
            | "Define " NAME " as x; we don't know its value yet but will find it out later."
    clause := ["so "] L "=" seg ("=" seg)*
    solve  := "We know " L " = " V ", so we have " E " = " V " and we solve it through
              the following steps: " LABEL ": " eq ("." LABEL ": " eq)* "."      (reverse)

Examples: ``Define adult owl in Hamilton Farm as m; so m = 18.``,
``Define adult deer in Bundle Ranch as g; o = m = 18; so g = 9 * o = 9 * 18 = 162.``,
``Define tugboat in Port Lindqvist as J; m = e = 2*x + 9; so J = 18 * m = 18 * (2*x + 9)
= 36*x + 162.``, ``Solution: x = 21.``

Semantics. In a clause ``L = s1 = s2 = ... = sn`` the first segment ``s1`` is the
*expression*: its letters are the clause's references, and its value over the
values already established is the *recomputed* value. ``sn`` is the *stated*
value. Every segment must have the same value (modulo ``modulus`` when set; the
stated value must then be the reduced residue). A clause whose target is not the
step's letter binds a step-local temporary; the step's node is the last clause
that assigns the step's letter. Parents are the quantity names behind the
expression's letters, temporaries expanded, in order of first use. In reverse
mode ``x`` in any segment after the first is the unknown itself, so writing
``(x + 2)`` in a numbers segment never makes the unknown a parent.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Literal, NamedTuple, Protocol, TypeAlias

from edgegym.rewards.answer import (
    ANSWER_FLAGS,
    answer_value,
    parse_answer,
    parse_number,
    scan_answer,
)
from edgegym.rewards.arith import MAX_CHARS, MAX_DIGITS, EvalError, Lin, Rat
from edgegym.rewards.steps import (
    Assignment,
    Env,
    GoldNode,
    Step,
    canonical_step,
    eval_segment,
    number_value,
    run_step,
)
from edgegym.tasks.trace import (
    REVERSE_OPENING,
    SOLVE_HEAD,
    SOLVE_SO_WE_HAVE,
    SOLVE_WE_SOLVE,
    STEP_HEAD,
    TRACE_ANSWER,
    UNKNOWN_CLAUSE,
    solve_steps,
)

__all__ = [
    "ANSWER_FLAGS",
    "PREAMBLE",
    "UNKNOWN_CLAUSE",
    "Assignment",
    "Mode",
    "ParsedResponse",
    "Solve",
    "Step",
    "answer_value",
    "parse",
    "parse_answer",
    "parse_number",
    "parse_trace",
]

Mode: TypeAlias = Literal["forward", "reverse"]

PREAMBLE = REVERSE_OPENING


class Solve(NamedTuple):
    """Reverse mode's closing equation steps."""

    equations: tuple[Lin, ...]
    """Each stated equation ``lhs = rhs`` as the form ``lhs - rhs`` (which must be 0)."""
    solution: Rat | None
    """N from the final ``Solution: x = N``, or None."""
    error: str | None
    """``syntax`` or an evaluation error, or None."""


@dataclass(frozen=True, slots=True)
class ParsedResponse:
    """What a response states. Built by :func:`parse`; never raises."""

    answer: Rat | None
    """The final answer, or None if there is no single well-formed one (see ``flags``)."""
    answer_text: str | None
    """Raw text inside the answer tag, if a closed tag was found."""
    steps: tuple[Step, ...]
    """Every ``Define`` step, malformed ones included, in order."""
    solve: Solve | None
    """Reverse mode's solving part, or None if absent (or in forward mode)."""
    junk: int
    """Regions of the body that are neither steps nor the allowed preamble/solving part."""
    flags: frozenset[str]
    """Everything noteworthy, e.g. ``truncated``, ``hedged``, ``letter_reused``."""
    work: int
    """Units of Python-level work done (pieces visited + characters tokenized): O(len(text))."""


def _header(chunk: str) -> tuple[str, str, str] | None:
    """``NAME as L; rest`` -> (name, letter, rest), or None."""
    semi = chunk.find(";")
    if semi < 6 or chunk[semi - 5 : semi - 1] != " as ":
        return None
    letter = chunk[semi - 1]
    if not ("a" <= letter <= "z" or "A" <= letter <= "Z"):
        return None
    name = chunk[: semi - 5]
    if not name.strip():
        return None
    return name, letter, chunk[semi + 1 :]


def _equation(text: str, env: Env) -> list[Lin]:
    parts = text.split("=")
    if len(parts) < 2:
        raise EvalError("syntax")
    values = [number_value(p.strip(), env) for p in parts]
    return [(u[0] - v[0], u[1] - v[1]) for u, v in pairwise(values)]


def _solve(tail: str, env: Env) -> Solve:
    """Parse reverse mode's closing equations (the text after the last step)."""
    sentences = tail.split(".")
    if sentences[-1].strip() or len(sentences) < 2:
        return Solve((), None, "syntax")
    first = sentences[0]
    if not first.startswith(SOLVE_HEAD):
        return Solve((), None, "syntax")
    i = first.find(SOLVE_SO_WE_HAVE)
    j = first.find(SOLVE_WE_SOLVE)
    if i < 0 or j < i:
        return Solve((), None, "syntax")
    texts = [first[len(SOLVE_HEAD) : i], first[i + len(SOLVE_SO_WE_HAVE) : j]]
    labelled = [first[j + len(SOLVE_WE_SOLVE) :], *sentences[1:-1]]
    last_label = ""
    for sentence in labelled:
        label, sep, eq = sentence.partition(": ")
        if not sep or "=" in label:
            return Solve((), None, "syntax")
        last_label = label.strip()
        texts.append(eq)
    equations: list[Lin] = []
    try:
        for text in texts:
            if len(text) > MAX_CHARS:
                raise EvalError("too_long")
            equations.extend(_equation(text, env))
    except EvalError as err:
        return Solve(tuple(equations), None, str(err.args[0]))
    lhs, _, rhs = texts[-1].partition("=")
    solution: Rat | None = None
    if last_label == "Solution" and lhs.strip() == "x" and "=" not in rhs:
        try:
            a, b = eval_segment(rhs.strip(), env, False)
            solution = None if a else b
        except EvalError:
            solution = None
    return Solve(tuple(equations), solution, None if solution is not None else "no_solution")


class GoldView(Protocol):
    """What the parser reads of :class:`edgegym.rewards.Gold` (which imports this module)."""

    @property
    def index(self) -> dict[str, GoldNode]: ...
    @property
    def nodes(self) -> tuple[GoldNode, ...]: ...
    @property
    def equation(self) -> Lin | None: ...
    @property
    def answer(self) -> Rat: ...


def _canonical_solve(tail: str, env: Env, gold: GoldView, letters: dict[str, str]) -> Solve | None:
    """:func:`_solve`'s verdict, for a solving part written exactly as the trace writer
    writes the gold's (:func:`solve_steps`, the last node under the response's letter),
    where evaluating cannot decide otherwise: that letter holds the node's gold value, the
    answer solves the gold equation and the numbers fit ``MAX_DIGITS``; then every
    equation it states is a nonzero multiple of the gold one and its solution the gold
    answer. Its ``equations`` are left out; None where this does not hold."""
    node, equation, x = gold.nodes[-1], gold.equation, gold.answer
    lt = letters.get(node.name, "x")
    if equation is None or lt == "x" or env.modulus is not None:
        return None
    if env.values.get(lt) != node.value or env.deps[lt] != (node.name,):
        return None
    a, b = node.value
    given = b - equation[1]
    if not (isinstance(a, int) and isinstance(b, int) and isinstance(given, int)):
        return None
    if not isinstance(x, int) or not a or a != equation[0] or a * x + b != given:
        return None
    if max(abs(a), abs(b), abs(given), abs(x)) >= 10 ** (MAX_DIGITS - 3):
        return None
    return Solve((), x, None) if tail == solve_steps(lt, a, b, given, x) else None


class _Body(NamedTuple):
    steps: list[Step]
    solve: Solve | None
    junk: int
    work: int
    chunks: list[str]  # the step pieces (text after each "Define ")
    tail: str  # the text after the last step, stripped


def _body(
    body: str, mode: Mode, modulus: int | None, flags: set[str], gold: GoldView | None
) -> _Body:
    """Parse the trace body into steps and the solving part; count junk and work."""
    env = Env(mode == "reverse", modulus)
    letters: dict[str, str] = {}  # name -> the letter its step bound (for canonical_step)
    chunks = body.split(STEP_HEAD)
    work = len(chunks)
    pre = chunks[0].strip()
    if env.reverse:
        if pre.startswith(PREAMBLE):
            pre = pre[len(PREAMBLE) :].strip()
        else:
            flags.add("missing_preamble")
    junk = 0
    steps: list[Step] = []
    tail = pre
    if len(chunks) > 1 and pre:
        junk += 1
    last = len(chunks) - 1
    for k in range(1, len(chunks)):
        chunk = chunks[k]
        header = _header(chunk)
        dot = -1 if header is None else header[2].find(".")
        if header is None or dot < 0:
            flags.add("malformed_step")
            steps.append(Step("", "", (), None, None, "malformed", ()))
            tail = ""
            continue
        name, letter, rest = header
        text = rest[:dot]
        step = (
            None if gold is None else canonical_step(name, letter, text, env, gold.index, letters)
        )
        steps.append(run_step(name, letter, text, env, flags) if step is None else step)
        letters[name] = letter
        work += 1 + len(text)  # each clause and segment is a piece of `text`, visited O(1) times
        after = rest[dot + 1 :].strip()
        if k < last:
            junk += 1 if after else 0
        else:
            tail = after
    solve: Solve | None = None
    if tail:
        if env.reverse and tail.startswith(SOLVE_HEAD):
            solve = None if gold is None else _canonical_solve(tail, env, gold, letters)
            solve = _solve(tail, env) if solve is None else solve
            work += len(tail)
        else:
            junk += 1
    if junk:
        flags.add("junk_text")
    return _Body(steps, solve, junk, work, chunks[1:], tail)


def parse(
    response: object,
    *,
    mode: Mode = "forward",
    modulus: int | None = None,
    gold: GoldView | None = None,
) -> ParsedResponse:
    """Parse a response (the text after ``<solution>``); never raises, never runs the text.

    Args:
        response: any string.
        mode: ``forward`` or ``reverse`` (in reverse mode ``x`` is the unknown).
        modulus: if set, stated values are compared modulo it and must be reduced.
        gold: the gold graph, for the scorer: a step written exactly as the trace writer
            writes its gold node under the response's letters is accepted without
            evaluating its clauses (:func:`canonical_step`; its Step carries no
            ``assignments``), and so is such a solving part (its Solve no ``equations``).

    Returns:
        The :class:`ParsedResponse`.
    """
    flags: set[str] = set()
    if not isinstance(response, str):
        return ParsedResponse(None, None, (), None, 0, frozenset({"not_text"}), 0)
    end, answer_text, answer = scan_answer(response, flags)
    body = _body(response[:end], mode, modulus, flags, gold)
    for step in body.steps:
        if step.error is not None:
            flags.add(step.error)
    steps = tuple(body.steps)
    return ParsedResponse(
        answer, answer_text, steps, body.solve, body.junk, frozenset(flags), body.work
    )


def parse_trace(
    trace: object, *, mode: Mode = "forward", modulus: int | None = None
) -> ParsedResponse:
    """Parse a bare gold-style trace (no tags) whose answer is its final ``Answer: N.``.

    This is the format of a problem's ``solution`` field (the study's and edgegym's),
    not of a model response: responses must answer inside ``<answer>`` tags.
    """
    flags: set[str] = set()
    if not isinstance(trace, str):
        return ParsedResponse(None, None, (), None, 0, frozenset({"not_text"}), 0)
    at = trace.rfind(TRACE_ANSWER)
    answer = None if at < 0 else parse_number(trace[at + len(TRACE_ANSWER) :])
    if answer is None:
        flags.add("no_answer")
    body = trace if at < 0 else trace[:at]
    if body.count(TRACE_ANSWER):
        flags.add("hedged")
        answer = None
    parts = _body(body, mode, modulus, flags, None)
    for step in parts.steps:
        if step.error is not None:
            flags.add(step.error)
    text = None if at < 0 else trace[at + len(TRACE_ANSWER) :]
    steps = tuple(parts.steps)
    return ParsedResponse(
        answer, text, steps, parts.solve, parts.junk, frozenset(flags), parts.work
    )
