"""A seeded, time-bounded fuzzer over responses: the reward never raises, every reward is in
[0, 1], and strict <= gated <= outcome for every response.

Responses are gold completions cut, spliced, repeated and salted with junk (digits,
markers, brackets, NUL, surrogates, right-to-left marks, very long numbers). The case
sequence is fixed by the seed; the time budget only decides how far along it the test
gets (``EDGEGYM_FUZZ_SECONDS``, default 3; ``EDGEGYM_FUZZ_SEED`` picks another sequence).
"""

from __future__ import annotations

import math
import os
import time

import numpy as np
import pytest

from edgegym.rewards import score
from edgegym.tasks import TaskSpec, generate

SECONDS = float(os.environ.get("EDGEGYM_FUZZ_SECONDS", "3"))
SEED = int(os.environ.get("EDGEGYM_FUZZ_SEED", "20"))
JUNK = [
    "</solution>",
    "<answer>",
    "</answer>",
    "<solution>",
    " = ",
    ";",
    ".",
    "Define ",
    " as ",
    "so ",
    "\x00",
    "\ud800",
    "\u202e",
    "[/]",
    "((((",
    ")",
    "-",
    "*",
    "+",
    "9" * 400,
    "1e309",
    "nan",
    "inf",
    "\n\n",
    "é😀",
]


def _problems(rng: np.random.Generator) -> list[object]:
    out = []
    for i in range(12):
        spec = TaskSpec(
            op=int(rng.integers(2, 16)),
            context=("zoo", "teacher", "movie", "symbolic")[i % 4],
            mode=("forward", "reverse")[i % 2],
            index=i,
        )
        out.append(generate(spec))
    return out


def _mutate(text: str, donor: str, rng: np.random.Generator) -> str:
    """One to four random edits of ``text``."""
    for _ in range(int(rng.integers(1, 5))):
        n = len(text)
        cut = int(rng.integers(0, n + 1))
        kind = int(rng.integers(6))
        if kind == 0:  # truncate
            text = text[:cut]
        elif kind == 1:  # delete a span
            text = text[:cut] + text[cut + int(rng.integers(1, 40)) :]
        elif kind == 2:  # insert junk
            text = text[:cut] + JUNK[int(rng.integers(len(JUNK)))] + text[cut:]
        elif kind == 3:  # splice another problem's response
            at = int(rng.integers(0, len(donor) + 1))
            text = text[:cut] + donor[at : at + int(rng.integers(1, 200))] + text[cut:]
        elif kind == 4:  # repeat a span
            text = text[:cut] + text[cut : cut + int(rng.integers(1, 80))] * 3 + text[cut:]
        else:  # change one digit
            digits = [i for i, c in enumerate(text) if c.isdigit()]
            if digits:
                i = digits[int(rng.integers(len(digits)))]
                text = text[:i] + str(int(rng.integers(10))) + text[i + 1 :]
    return text


def test_fuzzed_responses_never_break_the_reward() -> None:
    rng = np.random.default_rng(SEED)
    problems = _problems(rng)
    deadline = time.monotonic() + SECONDS
    cases = 0
    while time.monotonic() < deadline:
        problem = problems[int(rng.integers(len(problems)))]
        donor = problems[int(rng.integers(len(problems)))]
        response = _mutate(problem.completion, donor.completion, rng)  # type: ignore[attr-defined]
        scores = {}
        for mode in ("outcome", "gated", "strict", "linear"):
            try:
                result = score(problem, response, mode=mode)  # type: ignore[arg-type]
            except Exception as err:
                pytest.fail(f"score raised {err!r} (seed {SEED}, case {cases}): {response!r:.300}")
            value = float(result.score)
            assert math.isfinite(value) and 0.0 <= value <= 1.0, (mode, value, response)
            assert 0.0 <= float(result.process) <= 1.0
            scores[mode] = value
        assert scores["strict"] <= scores["gated"] + 1e-12 <= scores["outcome"] + 2e-12, (
            scores,
            response,
        )
        cases += 1
    assert cases >= 50, f"only {cases} cases in {SECONDS} s"
