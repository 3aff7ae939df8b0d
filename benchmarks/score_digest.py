"""A digest of every reward field over ~93,000 varied responses: same digest, same scores.

The responses: :func:`edgegym.tasks.mutate.varied_responses` (about 60 per problem:
gold, renamed, reordered, corrupted, truncated, edited, junk) over 1,600 problems of
op 2-20, every context, both modes, forward with and without a modulus.

Each response is scored in all four modes (``outcome``, ``gated``, ``strict``,
``linear``) through :func:`edgegym.rewards.score` and a :class:`edgegym.rewards.Reward`,
against the ``Problem`` for even problems and its record for odd ones; every field of
each :class:`RewardResult` goes into the digest, with :func:`parse_answer`,
:func:`answer_value` and :func:`outcome_reward`. The digest of :func:`parse` (every step
it reads) is printed apart: it pins the parser's output, not only the scores.

Run: ``.venv/bin/python benchmarks/score_digest.py [--problems 1600]``; prints the
number of responses and the two digests. ``tests/rewards/test_reward_digest.py``
checks the recorded ones.
"""

from __future__ import annotations

import argparse
import hashlib
import random
from typing import Any

from edgegym.rewards import (
    MODES,
    Reward,
    answer_value,
    outcome_reward,
    parse,
    parse_answer,
    score,
)
from edgegym.tasks import CONTEXTS, DagConfig, Problem, TaskSpec, generate
from edgegym.tasks.mutate import varied_responses

PROBLEMS = 1600


def spec_of(k: int, rng: random.Random) -> TaskSpec:
    mode = ("forward", "reverse")[k % 2]
    modulus = None if mode == "reverse" else (None, None, 7, 10)[k // 2 % 4]
    return TaskSpec(
        context=CONTEXTS[k % len(CONTEXTS)],
        mode=mode,
        op=2 + k % 19,
        seed=rng.randrange(2**20),
        index=k,
        config=DagConfig(modulus=modulus),
    )


def fields(result: Any) -> str:
    flags = ",".join(sorted(result.flags))
    return (
        f"{result.score!r}|{result.outcome!r}|{result.process!r}|{result.verified}|"
        f"{result.first_error}|{flags}|{result.right}|{result.total}"
    )


def parsed_fields(response: Any, problem: Problem) -> str:
    parsed = parse(response, mode=problem.spec.mode, modulus=problem.spec.config.modulus)
    return (
        f"{parsed.answer!r}|{sorted(parsed.flags)}|{parsed.junk}|{parsed.answer_text!r}|"
        f"{parsed.steps!r}|{parsed.solve!r}"
    )


def digest(problems: int = PROBLEMS) -> tuple[int, str, str]:
    """(responses scored, digest of the scores, digest of the parses)."""
    rng = random.Random(17)
    scores = hashlib.sha256()
    parses = hashlib.sha256()
    rewards = [Reward(mode=mode, alpha=0.3) for mode in MODES]
    count = 0
    for k in range(problems):
        problem = generate(spec_of(k, rng))
        target: Any = problem if k % 2 == 0 else problem.to_record()
        for response in varied_responses(problem, rng):
            count += 1
            row = [fields(score(target, response, mode=mode, alpha=0.3)) for mode in MODES]
            row += [fields(reward.result(target, response)) for reward in rewards]
            value, flags = parse_answer(response)
            row.append(f"{value!r}|{sorted(flags)}|{answer_value(response)!r}")
            row.append(repr(outcome_reward(target, response)))
            scores.update(("\n".join(row) + "\n\n").encode())
            parses.update((parsed_fields(response, problem) + "\n").encode())
    return count, scores.hexdigest(), parses.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--problems", type=int, default=PROBLEMS)
    args = parser.parse_args()
    count, scores, parses = digest(args.problems)
    print(f"responses {count}")
    print(f"scores {scores}")
    print(f"parses {parses}")


if __name__ == "__main__":
    main()
