"""Controlled corruptions of gold-shaped responses, for tests, benchmarks and simulated students.

A response is split into a :class:`Trace` (preamble, ``Define`` steps, solving part,
answer, trailing text) that renders back to the same text, so each corruption is a
small, named edit: rename letters, restate a value, drop, repeat or move a step,
replace an expression by its value, change the answer. None of them consults the
gold graph; whether the result is still right is the reward's business.
:func:`varied_responses` draws a mix of all of them (and junk) for one problem.
"""

from __future__ import annotations

import dataclasses
import random
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from edgegym.tasks.trace import (
    ANSWER_CLOSE,
    ANSWER_OPEN,
    SOLUTION_CLOSE,
    STEP_HEAD,
    TRACE_ANSWER,
    response_end,
)

if TYPE_CHECKING:
    from edgegym.tasks import Problem

__all__ = [
    "Trace",
    "drop_step",
    "duplicate_step",
    "letters_of",
    "literal_expression",
    "move_step",
    "rename_letters",
    "reorder_steps",
    "restate_value",
    "split_response",
    "varied_responses",
    "with_answer",
]

_SOLUTION_CLOSE = f" {SOLUTION_CLOSE} {ANSWER_OPEN} "
_ANSWER_CLOSE = f" {ANSWER_CLOSE}"
# A letter standing alone between grammar delimiters (not inside a word like "don't").
_LETTER = re.compile(r"(?<![A-Za-z0-9'])[A-Za-z](?![A-Za-z0-9'])")


@dataclass(frozen=True)
class Trace:
    """A gold-shaped response, in pieces; :meth:`render` joins them back."""

    pre: str
    """Text before the first step (reverse mode's preamble), or ''."""
    steps: tuple[str, ...]
    """``Define ... .`` steps, each without surrounding spaces."""
    tail: str
    """Text after the last step (reverse mode's solving part), or ''."""
    answer: str
    """The answer tag's content, without its surrounding spaces."""
    after: str = ""
    """Text after ``</answer>``."""

    def render(self) -> str:
        body = " ".join(part for part in (self.pre, *self.steps, self.tail) if part)
        return f" {body} {response_end(self.answer)}{self.after}"


def split_response(response: str) -> Trace:
    """Split a response in the gold layout (``" {body} </solution> <answer> N </answer>"``).

    Raises:
        ValueError: the response does not have that layout.
    """
    head, sep, rest = response.partition(_SOLUTION_CLOSE)
    answer, sep2, after = rest.partition(_ANSWER_CLOSE)
    if not sep or not sep2:
        raise ValueError("not a response in the gold layout")
    chunks = head.strip().split(STEP_HEAD)
    pre = chunks[0].strip()
    steps = [f"{STEP_HEAD}{chunk.strip()}" for chunk in chunks[1:]]
    tail = ""
    if steps:
        last = steps[-1]
        end = last.find(". ")
        if end >= 0:
            steps[-1], tail = last[: end + 1], last[end + 2 :].strip()
    return Trace(pre, tuple(steps), tail, answer, after)


def _edit_steps(response: str, steps: list[str]) -> str:
    trace = split_response(response)
    return dataclasses.replace(trace, steps=tuple(steps)).render()


def _rename_step(step: str, mapping: Mapping[str, str]) -> str:
    semi = step.find(";")
    if semi < 0:
        return step
    head, letter, rest = step[: semi - 1], step[semi - 1], step[semi:]
    rest = _LETTER.sub(lambda m: mapping.get(m.group(), m.group()), rest)
    return head + mapping.get(letter, letter) + rest


def letters_of(response: str) -> set[str]:
    """The trace letters a gold-shaped response uses (headers, clauses, solving part)."""
    trace = split_response(response)
    found: set[str] = set()
    for step in trace.steps:
        semi = step.find(";")
        if semi > 0:
            found.add(step[semi - 1])
            found.update(_LETTER.findall(step[semi:]))
    found.update(_LETTER.findall(trace.tail))
    return found


def rename_letters(response: str, mapping: Mapping[str, str]) -> str:
    """Replace trace letters through ``mapping`` (letters not in it stay); names are untouched.

    In reverse mode leave ``x`` out of ``mapping``: it is the unknown, not a name.
    """
    trace = split_response(response)
    steps = tuple(_rename_step(step, mapping) for step in trace.steps)
    tail = _LETTER.sub(lambda m: mapping.get(m.group(), m.group()), trace.tail)
    return dataclasses.replace(trace, steps=steps, tail=tail).render()


def restate_value(response: str, index: int, value: str) -> str:
    """Replace the stated value (the last segment) of step ``index`` by ``value``."""
    steps = list(split_response(response).steps)
    step = steps[index]
    if " = " not in step:
        raise ValueError(f"step {index} states no value")
    steps[index] = step.rsplit(" = ", 1)[0] + f" = {value}."
    return _edit_steps(response, steps)


def literal_expression(response: str, index: int) -> str:
    """Replace step ``index``'s final clause ``so L = e = ... = v`` by ``so L = v``: right
    value, no references (so its parents are lost)."""
    steps = list(split_response(response).steps)
    step = steps[index]
    at = step.rfind("so ")
    if at < 0 or " = " not in step[at:]:
        raise ValueError(f"step {index} has no final clause")
    target = step[at + 3 :].split(" = ", 1)[0]
    value = step.rsplit(" = ", 1)[1].rstrip(".")
    steps[index] = f"{step[:at]}so {target} = {value}."
    return _edit_steps(response, steps)


def drop_step(response: str, index: int) -> str:
    """Remove step ``index``."""
    steps = list(split_response(response).steps)
    del steps[index]
    return _edit_steps(response, steps)


def duplicate_step(response: str, index: int, *, value: str | None = None) -> str:
    """Repeat step ``index`` right after itself, optionally restating its value."""
    steps = list(split_response(response).steps)
    copy = steps[index]
    if value is not None:
        copy = copy.rsplit(" = ", 1)[0] + f" = {value}."
    steps.insert(index + 1, copy)
    return _edit_steps(response, steps)


def move_step(response: str, index: int, to: int) -> str:
    """Move step ``index`` to position ``to``."""
    steps = list(split_response(response).steps)
    steps.insert(to, steps.pop(index))
    return _edit_steps(response, steps)


def with_answer(response: str, answer: str) -> str:
    """Replace the answer tag's content."""
    return dataclasses.replace(split_response(response), answer=answer).render()


def _renamed(text: str, rng: random.Random, reverse: bool, injective: bool) -> str:
    """Fresh letters, one-to-one or (``injective=False``) merged into a few."""
    used = sorted(letters_of(text) - ({"x"} if reverse else set()))
    pool = [c for c in string.ascii_letters if not (reverse and c == "x")]
    if injective:
        return rename_letters(text, dict(zip(used, rng.sample(pool, len(used)), strict=True)))
    return rename_letters(text, {u: rng.choice(pool[:5]) for u in used})


_EDITS = [" ", ".", ";", " = ", "=", "so ", STEP_HEAD, "x", "t", "(", ")", "-", "7", "é", "<"]


def _edited(text: str, rng: random.Random) -> str:
    """One to three random one-character edits of the body."""
    for _ in range(rng.randrange(1, 4)):
        at = rng.randrange(max(1, text.find(f" {SOLUTION_CLOSE}")))
        text = text[:at] + rng.choice(_EDITS + list(string.digits)) + text[at + 1 :]
    return text


def reorder_steps(problem: Problem, rng: random.Random) -> str:
    """The gold completion with its steps in a random topological order of the nodes."""
    trace = split_response(problem.completion)
    names = [node.name for node in problem.nodes]
    parents = {node.name: set(node.parents) & set(names) for node in problem.nodes}
    order: list[int] = []
    done: set[str] = set()
    while len(order) < len(names):
        ready = [i for i, n in enumerate(names) if n not in done and parents[n] <= done]
        pick = rng.choice(ready)
        order.append(pick)
        done.add(names[pick])
    return dataclasses.replace(trace, steps=tuple(trace.steps[i] for i in order)).render()


def varied_responses(problem: Problem, rng: random.Random) -> list[Any]:
    """About 60 responses to one problem, drawn from ``rng``: the gold completion, its
    letters renamed (one-to-one and merged), its steps reordered, four steps each
    dropped, repeated, moved, restated wrong and reduced to a literal (and those
    renamed again), a wrong, a hedged and a doubled answer, junk between steps,
    truncations, random edits, and junk that is not a trace or not text."""
    gold = problem.completion
    reverse = problem.spec.mode == "reverse"
    n = len(problem.nodes)
    out: list[Any] = [gold, _renamed(gold, rng, reverse, True), _renamed(gold, rng, reverse, False)]
    out += [_renamed(reorder_steps(problem, rng), rng, reverse, True) for _ in range(3)]
    for i in rng.sample(range(n), min(n, 4)):
        node = problem.nodes[i]
        out.append(drop_step(gold, i))
        out.append(duplicate_step(gold, i, value=str(rng.randrange(50))))
        out.append(move_step(gold, i, rng.randrange(n)))
        if node.op != "unknown":
            out.append(restate_value(gold, i, str(node.value + 1)))
        if node.parents:
            out.append(literal_expression(gold, i))
    out += [_renamed(text, rng, reverse, rng.random() < 0.7) for text in out[6:]]
    out.append(with_answer(gold, str(problem.answer + 1)))
    close = f" {SOLUTION_CLOSE}"
    out.append(gold.replace(close, f" {TRACE_ANSWER} {problem.answer}.{close}"))
    out.append(gold + f" {ANSWER_OPEN} {problem.answer} {ANSWER_CLOSE}")
    out.append(gold.replace(f". {STEP_HEAD}", f". junk {STEP_HEAD}", 1))
    out += [gold[: rng.randrange(len(gold))] for _ in range(3)]
    out += [_edited(gold, rng) for _ in range(6)]
    out += ["", f"{_SOLUTION_CLOSE}5{_ANSWER_CLOSE}", f"{STEP_HEAD}; as a;.", "x" * 40, None, 7]
    return out
