"""Verified-shape fast path: memoizing rewards up to a renaming of letters.

Once the full checker has verified a response to a problem, that response becomes
a *template*: its text with every trace letter turned into a slot. A later response
that equals the template except that each slot letter is replaced through an
**injective** map to ASCII letters (never to ``x`` in reverse mode, where ``x`` is
fixed text), and that has no second ``<answer>`` after the first ``</answer>``,
parses to the same steps, values, parents and equations up to that renaming: the
parser reads letters only through equality, ASCII-letter-ness and, in reverse
mode, ``x``. It therefore gets the template's result, exactly. Anything else goes
to the full checker. Matching costs a few C-level operations (slicing by
``itemgetter``, tuple comparison, a set), not a parse.

Slots are the single ASCII letters of the body that stand alone (no letter, digit or
apostrophe on either side): the letter of each ``Define ... as L;`` header and every
letter token of the step text and the solving part. Quantity names are excluded, and
so is ``x`` in reverse mode. The fixed words of the grammar have no standalone letter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from operator import itemgetter
from typing import Any

__all__ = ["Template", "build_template"]

_ANSWER_OPEN = "<answer>"
_ANSWER_CLOSE = "</answer>"
_SOLUTION_CLOSE = "</solution>"
# A letter with no letter, digit or apostrophe on either side: every letter token of a
# verified body (a letter next to a letter or digit would be a syntax error there) and
# no letter of its fixed words ("don't"). Fixed-width lookarounds: linear time.
_SLOT = re.compile(r"(?<![A-Za-z0-9'])[A-Za-z](?![A-Za-z0-9'])")


def _getter(items: list[Any]) -> Callable[[Any], tuple[Any, ...]]:
    """``itemgetter`` that always returns a tuple (it returns a bare item for one key)."""
    if len(items) == 1:
        only = items[0]
        return lambda seq: (seq[only],)
    return itemgetter(*items)


class Template:
    """A verified response with its letters as slots; see the module docstring."""

    __slots__ = (
        "fragments",
        "get_fragments",
        "get_letters",
        "length",
        "n_ids",
        "repeat",
        "reserved",
        "result",
    )

    def __init__(self, text: str, positions: list[int], reserved: str, result: Any) -> None:
        self.length = len(text)
        self.reserved = reserved
        self.result = result
        bounds = [-1, *positions, len(text)]
        slices = [slice(bounds[i] + 1, bounds[i + 1]) for i in range(len(bounds) - 1)]
        self.get_fragments = _getter(slices)
        self.fragments = self.get_fragments(text)
        self.get_letters = _getter(positions)
        letters = self.get_letters(text)
        first: dict[str, int] = {}
        for i, letter in enumerate(letters):
            first.setdefault(letter, i)
        self.n_ids = len(first)
        # repeat(letters) == letters iff slots that share a letter here share one there
        self.repeat = _getter([first[letter] for letter in letters])

    def match(self, response: str) -> bool:
        """True iff ``response`` is this template under an injective renaming of its letters."""
        if (
            not response.startswith(_ANSWER_CLOSE, self.length - len(_ANSWER_CLOSE))
            or self.get_fragments(response) != self.fragments
        ):
            return False  # (the first test is the last fragment's end: a cheap early reject)
        letters = self.get_letters(response)
        if self.repeat(letters) != letters or len(set(letters)) != self.n_ids:
            return False
        joined = "".join(letters)
        if not (joined.isascii() and joined.isalpha()) or (
            self.reserved and self.reserved in joined
        ):
            return False
        return _ANSWER_OPEN not in response[self.length :]


def _name_spans(body: str) -> list[tuple[int, int]]:
    spans = []
    at = body.find("Define ")
    while at >= 0:
        semi = body.find(";", at)
        if semi < 0:
            spans.append((at, len(body)))
            break
        spans.append((at, semi - 1))  # the name and " as "; the letter at semi - 1 is a slot
        at = body.find("Define ", semi)
    return spans


def build_template(response: str, reverse: bool, result: Any) -> Template | None:
    """A template from a response the full checker verified, or None if it has no slots."""
    end = response.find(_ANSWER_CLOSE)
    body_end = response.find(_SOLUTION_CLOSE)
    if end < 0 or body_end < 0:
        return None
    text = response[: end + len(_ANSWER_CLOSE)]
    spans = _name_spans(text[:body_end])
    positions: list[int] = []
    k = 0
    for m in _SLOT.finditer(text, 0, body_end + 1):
        p = m.start()
        while k < len(spans) and spans[k][1] <= p:
            k += 1
        if k < len(spans) and spans[k][0] <= p:
            continue
        if reverse and text[p] == "x":
            continue
        positions.append(p)
    if not positions:
        return None
    return Template(text, positions, "x" if reverse else "", result)
