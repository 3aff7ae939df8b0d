"""Final-answer extraction: the answer tag, hedging, and the accepted numeric forms.

A response's final answer is the content of its only ``<answer> ... </answer>`` tag,
closed, after ``</solution>`` with only whitespace between; see
:mod:`edgegym.rewards.outcome` for the full rules and the table of accepted numeric
forms. Every function here is total and linear in the input; none copies more than
the answer's own text on the common path.
"""

from __future__ import annotations

from fractions import Fraction

from edgegym.rewards.arith import Rat
from edgegym.tasks.trace import (
    ANSWER_CLOSE,
    ANSWER_OPEN,
    QUESTION_CLOSE,
    QUESTION_OPEN,
    SOLUTION_CLOSE,
    SOLUTION_OPEN,
    TRACE_ANSWER,
)

__all__ = [
    "ANSWER_FLAGS",
    "answer_value",
    "parse_answer",
    "parse_number",
    "scan_answer",
]

_OTHER_TAGS = (QUESTION_OPEN, QUESTION_CLOSE, SOLUTION_OPEN)
_ASCII_SPACE = " \t\n\r"
_MAX_NUMBER_CHARS = 64

# Flags that make the final answer unusable (the outcome reward is 0).
ANSWER_FLAGS = frozenset(
    {
        "no_answer",
        "unclosed_answer",
        "hedged",
        "stray_tag",
        "no_solution_close",
        "answer_outside_tags",
        "empty_answer",
        "bad_answer",
    }
)


def parse_number(text: str) -> Rat | None:
    """An accepted numeric answer form (table in :mod:`edgegym.rewards.outcome`), else None."""
    s = text.strip(_ASCII_SPACE)
    if not s or len(s) > _MAX_NUMBER_CHARS or not s.isascii():
        return None
    if s.isdigit():
        return int(s)
    negative = s[0] == "-"
    if negative:
        s = s[1:]
    if s.endswith("."):
        s = s[:-1]
    whole, dot, frac = s.partition(".")
    if not whole.isdigit() or (dot and not frac.isdigit()):
        return None
    value: Rat = int(whole) if not frac else Fraction(int(whole + frac), 10 ** len(frac))
    if isinstance(value, Fraction) and value.denominator == 1:
        value = value.numerator
    return -value if negative else value


def scan_answer(response: str, flags: set[str]) -> tuple[int, str | None, Rat | None]:
    """Locate the final answer and the end of the body, without copying the text.

    Returns:
        ``(body_end, answer_text, answer)``: the body is ``response[:body_end]`` (a final
        trace-style ``Answer: N.`` excluded); the answer is None unless it is single,
        well formed and agrees with any trace-style answer. ``flags`` say what went wrong.
    """
    shape = _common_shape(response)
    if shape is not None:
        i, j, k = shape
        text = response[j + len(ANSWER_OPEN) : k]
        value = parse_number(text)
        if value is not None:
            return i, text, value
    close = response.find(ANSWER_CLOSE)
    if close < 0:
        return _unclosed(response, flags), None, None
    opened, sol_close, ok = _tags(response, close, flags)
    if opened < 0:
        return _cut_trace_answer(response, sol_close, None, flags), None, None
    if sol_close < opened and response[sol_close + len(SOLUTION_CLOSE) : opened].strip(
        _ASCII_SPACE
    ):
        flags.add("answer_outside_tags")
        ok = False
    text = response[opened + len(ANSWER_OPEN) : close]
    value = parse_number(text)
    if value is None:
        flags.add("bad_answer" if text.strip(_ASCII_SPACE) else "empty_answer")
        ok = False
    answer = value if ok else None
    end = _cut_trace_answer(response, sol_close, answer, flags)
    return end, text, None if "hedged" in flags else answer


def _unclosed(response: str, flags: set[str]) -> int:
    """The body's end in a response without ``</answer>`` (truncated), flagged."""
    flags.add("truncated")
    flags.add("unclosed_answer" if response.find(ANSWER_OPEN) >= 0 else "no_answer")
    end = response.find(SOLUTION_CLOSE)
    if end < 0:
        end = response.find(ANSWER_OPEN)
    if end < 0:
        end = len(response)
    if any(response.find(tag, 0, end) >= 0 for tag in _OTHER_TAGS):
        flags.add("stray_tag")
    return _cut_trace_answer(response, end, None, flags)


def _tags(response: str, close: int, flags: set[str]) -> tuple[int, int, bool]:
    """``(opened, solution_close, ok)``: where ``<answer>`` (-1 if absent) and the body's
    ``</solution>`` stand before the first ``</answer>`` at ``close``, and whether the tags
    are in order (each problem flagged)."""
    ok = True
    opened = response.rfind(ANSWER_OPEN, 0, close)
    if opened < 0:
        flags.add("no_answer")
        ok = False
    elif (
        response.count(ANSWER_OPEN, 0, close) > 1
        or response.find(ANSWER_OPEN, close + len(ANSWER_CLOSE)) >= 0
    ):
        flags.add("hedged")
        ok = False
    sol_close = response.find(SOLUTION_CLOSE, 0, close)
    if sol_close < 0 or (opened >= 0 and sol_close > opened):
        flags.add("no_solution_close")
        ok = False
        sol_close = opened if opened >= 0 else close
    elif response.count(SOLUTION_CLOSE, 0, close) > 1:
        flags.add("stray_tag")
        ok = False
    if any(response.find(tag, 0, close) >= 0 for tag in _OTHER_TAGS):
        flags.add("stray_tag")
        ok = False
    return opened, sol_close, ok


def _cut_trace_answer(response: str, end: int, answer: Rat | None, flags: set[str]) -> int:
    """Where the body ends once a final ``Answer: N.`` is cut; any other or differing one hedges."""
    count = response.count(TRACE_ANSWER, 0, end)
    if not count:
        return end
    at = response.rfind(TRACE_ANSWER, 0, end)
    stated = parse_number(response[at + len(TRACE_ANSWER) : end])
    flags.add("trace_answer")
    if count > 1 or stated is None or stated != answer:
        flags.add("hedged")
    return at


def parse_answer(response: object) -> tuple[Rat | None, frozenset[str]]:
    """Only the final answer of a response (no steps parsed) and the flags found on the way."""
    if not isinstance(response, str):
        return None, frozenset({"not_text", "no_answer"})
    flags: set[str] = set()
    answer = scan_answer(response, flags)[2]
    return answer, frozenset(flags)


def _common_shape(response: str) -> tuple[int, int, int] | None:
    """Positions of ``</solution>``, ``<answer>`` and ``</answer>`` if the response has the
    common shape, in which the full scan would raise no flag but the answer's own.

    That shape: the first three ``<`` open those three tags in that order, no ``<answer>``
    follows, only whitespace separates the first two, and the body has no ``Answer:``.
    It is found with a few C-level searches.
    """
    i = response.find("<")
    j = response.find("<", i + 1) if i >= 0 else -1
    k = response.find("<", j + 1) if j >= 0 else -1
    if not (
        k >= 0
        and response[i : i + len(SOLUTION_CLOSE)] == SOLUTION_CLOSE
        and response[j : j + len(ANSWER_OPEN)] == ANSWER_OPEN
        and response[k : k + len(ANSWER_CLOSE)] == ANSWER_CLOSE
        and response.find(ANSWER_OPEN, k + len(ANSWER_CLOSE)) < 0
        and not response[i + len(SOLUTION_CLOSE) : j].strip(_ASCII_SPACE)
    ):
        return None
    if response.find(TRACE_ANSWER, 0, i) >= 0:
        return None  # a trace-style answer: the full scan judges it
    return i, j, k


def answer_value(response: object) -> Rat | None:
    """The final answer of a response, or None: :func:`parse_answer`'s value, faster."""
    if not isinstance(response, str):
        return None
    shape = _common_shape(response)
    if shape is None:
        return scan_answer(response, set())[2]
    _, j, k = shape
    return parse_number(response[j + len(ANSWER_OPEN) : k])
