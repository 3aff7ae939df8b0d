"""Prompt formats: the study's raw text (``raw``) and chat messages for instruct models (``chat``).

``raw`` is the model text format the study trains on: the prompt is
:func:`edgegym.tasks.record.format_prompt` (ending ``<solution>``) and the response is the
continuation after it (:attr:`Problem.completion`).

``chat`` is for instruct models, which answer a conversation in a closed form: two messages,
a system instruction that states the trace grammar with one worked example, and the user's
problem. The expected reply is the raw completion with its ``<solution>`` tag written out::

    <solution> Define ... . </solution> <answer> N </answer>

so a chat reply is scored with ``lenient=True`` (see :mod:`edgegym.rewards.lenient`), which
reads that leading tag (and ``<think>`` blocks, a bare ``<answer>``) and flags what it read.

The worked example is a real problem, generated from a fixed spec in the train split with the
problem's mode and family knobs: the instruction is a pure function of (mode, config), the
same bytes in every process.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, get_args

from edgegym.tasks.record import format_prompt
from edgegym.tasks.spec import DagConfig, TaskSpec
from edgegym.tasks.trace import (
    REVERSE_OPENING,
    SOLUTION_OPEN,
    STEP_HEAD,
    UNKNOWN_STEP,
    response_end,
)

if TYPE_CHECKING:
    from edgegym.tasks.record import Problem

__all__ = [
    "PROMPT_FORMATS",
    "Message",
    "PromptFormat",
    "chat_completion",
    "chat_messages",
    "completion_of",
    "prompt_of",
    "system_prompt",
    "user_prompt",
]

PromptFormat: TypeAlias = Literal["raw", "chat"]
PROMPT_FORMATS: tuple[PromptFormat, ...] = get_args(PromptFormat)
Message: TypeAlias = dict[str, str]

_EXAMPLE_OP = 3
_EXAMPLE_SEED = 20251208

_GRAMMAR = f"""\
Solve the problem step by step in this exact format, then give the answer.

Reply with: {SOLUTION_OPEN} STEPS {response_end("N")}

- STEPS defines every quantity the answer needs, one step each, dependencies first, \
steps separated by one space: "{STEP_HEAD}<quantity> as <L>; so <L> = <expression> = \
<numbers> = <value>." where <L> is one new ASCII letter per quantity, <expression> uses \
the letters of the quantities it depends on, <numbers> is the expression with their values \
written in, and <value> is the result.
- A quantity stated directly is "{STEP_HEAD}<quantity> as <L>; so <L> = <value>."
- A step may bind temporaries first, each a new letter: "z = U = 1; so q = 4 * z = 4 * 1 \
= 4." copies a quantity before a multiple of it, and "t = a + b = 3 + 4 = 7; so <L> = t + c \
= 7 + 2 = 9." chains a sum of three or more letters.
- Write only the steps inside {SOLUTION_OPEN}, no other text; N is a plain integer."""

_REVERSE = f"""
- When a quantity's value is not known, start with "{REVERSE_OPENING}", define that \
quantity as x ("{STEP_HEAD}<quantity> as x; {UNKNOWN_STEP}"), carry x through the steps \
as a linear expression, and finish with the equation steps shown in the example, ending \
"Solution: x = N."."""

_MODULUS = """
- Every value is reduced modulo {m}: write each result as its remainder in [0, {m})."""


def _example(mode: str, config: DagConfig) -> Problem:
    from edgegym.tasks.family import generate

    spec = TaskSpec(
        context="zoo",
        mode=mode,  # type: ignore[arg-type]
        op=_EXAMPLE_OP,
        split="train",
        seed=_EXAMPLE_SEED,
        config=config,
    )
    return generate(spec)


@functools.lru_cache(maxsize=64)
def system_prompt(mode: str = "forward", config: DagConfig | None = None) -> str:
    """The system instruction for problems of ``mode`` generated with ``config``."""
    config = config if config is not None else DagConfig()
    example = _example(mode, config)
    parts = [_GRAMMAR]
    if mode == "reverse":
        parts.append(_REVERSE)
    if config.modulus is not None:
        parts.append(_MODULUS.format(m=config.modulus))
    parts.append(
        f"\n\nExample.\nProblem: {user_prompt(example)}\nReply: {chat_completion(example)}"
    )
    return "".join(parts)


def user_prompt(problem: Problem) -> str:
    """The user message: the problem's statements and its question."""
    return f"{problem.problem} {problem.question}"


def chat_messages(problem: Problem) -> list[Message]:
    """The chat prompt: the system instruction and the user's problem."""
    spec = problem.spec
    return [
        {"role": "system", "content": system_prompt(spec.mode, spec.config)},
        {"role": "user", "content": user_prompt(problem)},
    ]


def chat_completion(problem: Problem) -> str:
    """The gold chat reply: the raw completion with its ``<solution>`` tag written out."""
    return SOLUTION_OPEN + problem.completion


def prompt_of(problem: Problem, prompt_format: str = "raw") -> Any:
    """The prompt in a format: ``raw`` text, or ``chat`` messages (a new list each call)."""
    if prompt_format == "raw":
        return format_prompt(problem.problem, problem.question)
    if prompt_format == "chat":
        return chat_messages(problem)
    raise ValueError(f"prompt_format must be one of {list(PROMPT_FORMATS)}, got {prompt_format!r}")


def completion_of(problem: Problem, prompt_format: str = "raw") -> str:
    """The gold response in a format (scores 1; a ``chat`` one with ``lenient=True``)."""
    if prompt_format == "raw":
        return problem.completion
    if prompt_format == "chat":
        return chat_completion(problem)
    raise ValueError(f"prompt_format must be one of {list(PROMPT_FORMATS)}, got {prompt_format!r}")
