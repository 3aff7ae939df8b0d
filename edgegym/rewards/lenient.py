"""Lenient reading of chat-style replies: a pure text pre-pass before the (unchanged) scorer.

Instruct models answer in chat form: they open ``<solution>`` themselves, think aloud in a
``<think>`` block first, or give only a final answer. The strict scorer reads none of that
(a leading ``<solution>`` is a ``stray_tag``, a bare answer has no ``</solution>``). With
``lenient=True`` (:func:`edgegym.rewards.score`, :class:`edgegym.rewards.Reward`, the envs'
``lenient`` argument, ``edgegym score --lenient``) a reply is first rewritten by
:func:`normalize`, in this order, and every rewrite used is flagged in the result:

- ``<think>...</think> REST`` -> ``REST``; also a Qwen-style reply whose ``<think>`` was
  in the prompt (the text up to a lone ``</think>`` is dropped): ``lenient_think``.
- a leading ``<solution> REST`` -> ``REST``: ``lenient_solution``.
- a reply with no ``</solution>`` and one ``<answer> N </answer>``: ``</solution>`` is
  written before the tag: ``lenient_answer``.
- a reply with no ``</solution>``, no ``<answer>`` and exactly one ``\\boxed{N}``: the box
  becomes ``</solution> <answer> N </answer>``: ``lenient_boxed``.

Nothing else changes: the rewritten text is scored by the same parser and checks, so a
bare answer gets the outcome but no process credit (``gated`` 0.5 at ``alpha=0.5``,
``strict`` 0), and hedging (two answers, two boxes) still scores 0. An unclosed ``<think>``
(a reply cut off while thinking) is left as it is and scores 0. ``\\boxed{N}`` is accepted
because math-tuned instruct models answer that way by default; only a single box whose
content is a plain number form (:func:`edgegym.rewards.answer.parse_number`) is read.
The pre-pass is linear in the reply, never raises and never evaluates text.
"""

from __future__ import annotations

from edgegym.tasks.trace import ANSWER_OPEN, SOLUTION_CLOSE, SOLUTION_OPEN, response_end

__all__ = ["LENIENT_FLAGS", "normalize"]

LENIENT_FLAGS = frozenset({"lenient_think", "lenient_solution", "lenient_answer", "lenient_boxed"})

_THINK_OPEN = "<think>"
_THINK_CLOSE = "</think>"
_BOXED = "\\boxed{"


def _strip_think(text: str) -> tuple[str, bool]:
    """Drop a leading ``<think>...</think>`` block, or the text up to a lone ``</think>``."""
    head = text.lstrip()
    close = head.find(_THINK_CLOSE)
    if close < 0:
        return text, False
    opened = head.startswith(_THINK_OPEN)
    if not opened and _THINK_OPEN in head[:close]:
        return text, False  # a think block that is not the reply's start: not a preamble
    if opened and head.count(_THINK_OPEN, 0, close) > 1:
        return text, False  # nested blocks: not read
    return head[close + len(_THINK_CLOSE) :], True


def _boxed(text: str) -> tuple[int, str] | None:
    """``(start, content)`` of the reply's only ``\\boxed{...}`` (no nested braces)."""
    start = text.find(_BOXED)
    if start < 0 or text.find(_BOXED, start + 1) >= 0:
        return None
    end = text.find("}", start)
    content = text[start + len(_BOXED) : end] if end >= 0 else ""
    if end < 0 or "{" in content:
        return None
    from edgegym.rewards.answer import parse_number

    return (start, content) if parse_number(content) is not None else None


def _close_answer(text: str, flags: set[str]) -> str:
    """Insert the missing ``</solution>`` before a bare final answer (tag or box)."""
    if SOLUTION_CLOSE in text:
        return text
    at = text.find(ANSWER_OPEN)
    if at >= 0:
        if text.find(ANSWER_OPEN, at + 1) >= 0:
            return text  # two answers: left for the scorer to reject
        flags.add("lenient_answer")
        return f"{text[:at].rstrip()} {SOLUTION_CLOSE} {text[at:]}"
    box = _boxed(text)
    if box is None:
        return text
    start, content = box
    flags.add("lenient_boxed")
    return f"{text[:start].rstrip()} {response_end(content.strip())}"


def normalize(response: object) -> tuple[object, frozenset[str]]:
    """A chat-style reply rewritten to the trace format, and the leniencies it used.

    Anything but a ``str`` is returned as it is (the scorer flags it ``not_text``).
    """
    if not isinstance(response, str):
        return response, frozenset()
    flags: set[str] = set()
    text, thought = _strip_think(response)
    if thought:
        flags.add("lenient_think")
    head = text.lstrip()
    if head.startswith(SOLUTION_OPEN):
        text = head[len(SOLUTION_OPEN) :]
        flags.add("lenient_solution")
        if not text.startswith(" "):
            text = " " + text
    text = _close_answer(text, flags)
    return text, frozenset(flags)
