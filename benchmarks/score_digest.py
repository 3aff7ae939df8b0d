"""A digest of every reward field over ~93,000 varied responses: same digest, same scores.

The responses (about 60 per problem, 1,600 problems of op 2-20, every context, both
modes, forward with and without a modulus): the gold completion, its letters renamed
(one-to-one, and not: letters merged), its steps in another valid order, steps
dropped, repeated, moved, restated with a wrong value or reduced to a literal, those
corruptions renamed again, a wrong, a hedged and a doubled answer, junk between
steps, truncations, random character edits, and junk that is not a trace or not text.

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
import dataclasses
import hashlib
import random
import string
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
from edgegym.rewards.mutate import (
    drop_step,
    duplicate_step,
    letters_of,
    literal_expression,
    move_step,
    rename_letters,
    restate_value,
    split_response,
    with_answer,
)
from edgegym.tasks import CONTEXTS, DagConfig, Problem, TaskSpec, generate

PROBLEMS = 1600
EDITS = [" ", ".", ";", " = ", "=", "so ", "Define ", "x", "t", "(", ")", "-", "7", "é", "<"]


def renamed(text: str, rng: random.Random, reverse: bool, injective: bool) -> str:
    used = sorted(letters_of(text) - ({"x"} if reverse else set()))
    pool = [c for c in string.ascii_letters if not (reverse and c == "x")]
    if injective:
        return rename_letters(text, dict(zip(used, rng.sample(pool, len(used)), strict=True)))
    return rename_letters(text, {u: rng.choice(pool[:5]) for u in used})


def edited(text: str, rng: random.Random) -> str:
    for _ in range(rng.randrange(1, 4)):
        at = rng.randrange(max(1, text.find(" </solution>")))
        text = text[:at] + rng.choice(EDITS + list(string.digits)) + text[at + 1 :]
    return text


def reordered(problem: Problem, rng: random.Random) -> str:
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


def responses(problem: Problem, rng: random.Random) -> list[Any]:
    gold = problem.completion
    reverse = problem.spec.mode == "reverse"
    n = len(problem.nodes)
    out: list[Any] = [gold, renamed(gold, rng, reverse, True), renamed(gold, rng, reverse, False)]
    out += [renamed(reordered(problem, rng), rng, reverse, True) for _ in range(3)]
    for i in rng.sample(range(n), min(n, 4)):
        node = problem.nodes[i]
        out.append(drop_step(gold, i))
        out.append(duplicate_step(gold, i, value=str(rng.randrange(50))))
        out.append(move_step(gold, i, rng.randrange(n)))
        if node.op != "unknown":
            out.append(restate_value(gold, i, str(node.value + 1)))
        if node.parents:
            out.append(literal_expression(gold, i))
    out += [renamed(text, rng, reverse, rng.random() < 0.7) for text in out[6:]]
    out.append(with_answer(gold, str(problem.answer + 1)))
    out.append(gold.replace(" </solution>", f" Answer: {problem.answer}. </solution>"))
    out.append(gold + f" <answer> {problem.answer} </answer>")
    out.append(gold.replace(". Define", ". junk Define", 1))
    out += [gold[: rng.randrange(len(gold))] for _ in range(3)]
    out += [edited(gold, rng) for _ in range(6)]
    out += ["", " </solution> <answer> 5 </answer>", "Define ; as a;.", "x" * 40, None, 7]
    return out


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
        for response in responses(problem, rng):
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
