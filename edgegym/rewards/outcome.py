"""Outcome reward: 1 iff the response gives exactly one final answer, well formed, equal to gold.

A response is the text after ``<solution>``; its answer must be the only
``<answer> ... </answer>`` tag, closed, after ``</solution>`` with only whitespace
between them. Anything after the first ``</answer>`` is ignored except another
``<answer>`` (a second answer). The outcome is 0 when the tag is missing, unclosed
(a truncated response), empty, repeated or nested; when the answer stands outside
the tags; when ``<question>``, ``</question>`` or ``<solution>`` appear; and when
the body states a trace-style ``Answer: M`` that is not its final sentence or
differs from the tag (hedging). Comparison is exact, over rationals. A trace's own
``Answer: N.`` is the answer only of a bare gold-style trace (a problem's ``solution``
field, read by :func:`edgegym.rewards.parse.parse_trace`), never of a response.

Accepted numeric forms inside the tag (gold 162 unless noted):

=============================  ===============  ========
form                           example          accepted
=============================  ===============  ========
integer                        ``162``          yes
ASCII whitespace around it     `` 162 \\n``      yes
trailing period                ``162.``         yes
leading zeros                  ``0162``         yes
decimal with zero fraction     ``162.0``        yes
negative (gold -5)             ``-5``           yes
decimal, nonzero fraction      ``162.5``        parsed, never equal to an integer
leading plus                   ``+162``         no
thousands separator            ``1,620``        no
fraction or expression         ``324/2``        no
scientific notation            ``1.62e2``       no
words, units, ``x =``          ``162 owls``     no
non-ASCII digits or spaces     ``١٦٢``          no
longer than 64 characters      ``000...0162``   no
=============================  ===============  ========
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from edgegym.rewards.answer import ANSWER_FLAGS, answer_value, parse_answer
from edgegym.rewards.arith import Rat
from edgegym.rewards.parse import ParsedResponse

if TYPE_CHECKING:
    from edgegym.tasks import Problem

__all__ = ["answer_of", "outcome", "outcome_reward"]


def outcome(parsed: ParsedResponse, answer: Rat) -> float:
    """1.0 iff the parsed response's single final answer equals ``answer`` exactly."""
    return 1.0 if parsed.answer is not None and parsed.answer == answer else 0.0


def answer_of(response: str) -> tuple[Rat | None, frozenset[str]]:
    """The final answer of a response without parsing its steps, and the answer flags."""
    value, flags = parse_answer(response)
    return value, flags & ANSWER_FLAGS


def outcome_reward(problem: Problem | Mapping[str, Any], response: str) -> float:
    """Outcome reward of a response to a Problem or its record (no steps parsed)."""
    if isinstance(problem, Mapping):
        if "answer" in problem:
            gold: Rat = int(problem["answer"])
        else:  # a study record: its answer is the solution's final "Answer: N."
            from edgegym.rewards.gold import gold_from_study_record

            gold = gold_from_study_record(problem).answer
    else:
        gold = problem.answer
    value = answer_value(response)
    return 1.0 if value is not None and value == gold else 0.0
