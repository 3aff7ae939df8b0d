"""Reward throughput: process-reward traces/s at op 10-20 and outcome answers/s, vs reasoning-gym.

Single process, CPU time (``time.process_time``). Every figure is the best of several
rounds, and rounds of edgegym and of the baseline alternate, so a busy machine slows
both alike; read the ratios, not only the absolute numbers.

Workloads (op 10-20, contexts zoo/teacher/movie/library/harbor, forward and reverse):

- process, new problems: every response is to a problem not seen before (a fresh
  ``Reward``: its gold graph is built, then the response parsed, recomputed and
  compared). The segment cache of :mod:`edgegym.rewards.segments` is first warmed on
  ``--warmup`` other problems (another seed), as in a long-running trainer; "caches
  cleared" repeats it with that cache emptied before each round. Half the responses
  are gold traces with freshly drawn letters, half carry one corruption (a wrong value,
  a missing, repeated or moved step, or a step whose parents are lost); "renamed
  letters" has gold traces only, "reordered steps" gold traces whose steps are put in
  another valid (topological) order, both with fresh letters.
- process, GRPO groups: 8 responses per problem, drawn the same way (all with fresh
  letters): the gold graph is built once per group.
- process, verified only: the same groups, no corruption (the strict reward's common
  case late in training).
- outcome: ``edgegym.rewards.outcome_reward(record, response)`` (tag extraction and every
  format check) vs reasoning-gym 0.1.25's ``extract_answer`` + ``score_answer`` on the same
  responses, and its ``score_answer`` alone on pre-extracted answers.

Run: ``.venv/bin/python benchmarks/rewards.py [--problems 300] [--rounds 5]``.
"""

from __future__ import annotations

import argparse
import random
import string
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from edgegym.rewards import Reward, outcome_reward, segments
from edgegym.tasks import Problem, TaskSpec, generate
from edgegym.tasks.mutate import (
    drop_step,
    duplicate_step,
    letters_of,
    literal_expression,
    move_step,
    rename_letters,
    reorder_steps,
    restate_value,
)

CONTEXTS = ("zoo", "teacher", "movie", "library", "harbor")
CORRUPTIONS = ("value", "drop", "duplicate", "move", "literal")


def make_problems(count: int, seed: int) -> list[Problem]:
    rng = np.random.default_rng(np.random.SeedSequence((seed, 1)))
    problems = []
    for index in range(count):
        spec = TaskSpec(
            context=CONTEXTS[index % len(CONTEXTS)],
            mode=("forward", "reverse")[int(rng.integers(2))],
            op=int(rng.integers(10, 21)),
            seed=seed,
            index=index,
        )
        problems.append(generate(spec))
    return problems


def fresh_letters(problem: Problem, response: str, rng: np.random.Generator) -> str:
    reverse = problem.spec.mode == "reverse"
    used = sorted(letters_of(response) - ({"x"} if reverse else set()))
    pool = [c for c in string.ascii_letters if not (reverse and c == "x")]
    picked = rng.choice(len(pool), size=len(used), replace=False)
    return rename_letters(response, {u: pool[int(i)] for u, i in zip(used, picked, strict=True)})


def corrupt(problem: Problem, rng: np.random.Generator) -> str:
    text = problem.completion
    i = int(rng.integers(len(problem.nodes)))
    kind = CORRUPTIONS[int(rng.integers(len(CORRUPTIONS)))]
    node = problem.nodes[i]
    if kind == "value" and node.op != "unknown":
        return restate_value(text, i, str(node.value + 1))
    if kind == "duplicate":
        return duplicate_step(text, i)
    if kind == "move" and i > 0:
        return move_step(text, i, 0)
    if kind == "literal" and node.parents:
        return literal_expression(text, i)
    return drop_step(text, i)


def responses_for(
    problem: Problem, count: int, wrong: float, rng: np.random.Generator
) -> list[str]:
    out = []
    for _ in range(count):
        base = corrupt(problem, rng) if rng.random() < wrong else problem.completion
        out.append(fresh_letters(problem, base, rng))
    return out


def best_rate(runs: list[Callable[[], int]], rounds: int) -> list[float]:
    """Items per CPU second of each run, best of ``rounds``, runs interleaved per round."""
    best = [0.0] * len(runs)
    for _ in range(rounds):
        for k, run in enumerate(runs):
            start = time.process_time()
            items = run()
            elapsed = time.process_time() - start
            best[k] = max(best[k], items / max(elapsed, 1e-9))
    return best


def reordered(problem: Problem, rng: np.random.Generator) -> str:
    """The gold completion, its steps in another valid order, with fresh letters."""
    text = reorder_steps(problem, random.Random(int(rng.integers(2**32))))
    return fresh_letters(problem, text, rng)


def process_runs(jobs: dict[str, list[tuple[Problem, str]]]) -> dict[str, Callable[[], int]]:
    def once(name: str, clear: bool) -> Callable[[], int]:
        def run() -> int:
            if clear:
                segments.clear_cache()
            reward = Reward(mode="strict")
            for problem, response in jobs[name]:
                reward(problem, response)
            return len(jobs[name])

        return run

    return {
        "new": once("new", False),
        "new_gold": once("new_gold", False),
        "new_reordered": once("new_reordered", False),
        "groups": once("groups", False),
        "verified": once("verified", False),
        "new_cleared": once("new", True),
    }


def outcome_runs(
    records: list[dict[str, Any]], responses: list[str]
) -> dict[str, Callable[[], int]]:
    runs: dict[str, Callable[[], int]] = {}

    def ours() -> int:
        for record, response in zip(records, responses, strict=True):
            outcome_reward(record, response)
        return len(responses)

    runs["edgegym outcome_reward"] = ours
    try:
        import reasoning_gym
        from reasoning_gym.utils import extract_answer
    except ImportError:
        return runs
    for name in ("gsm_symbolic", "chain_sum"):
        dataset = reasoning_gym.create_dataset(name, size=10, seed=1)
        entries = [{"answer": str(r["answer"]), "metadata": {}} for r in records]

        def full(dataset: Any = dataset, entries: list[dict[str, Any]] = entries) -> int:
            for entry, response in zip(entries, responses, strict=True):
                dataset.score_answer(extract_answer(response), entry)
            return len(responses)

        extracted = [extract_answer(r) for r in responses]

        def only(
            dataset: Any = dataset,
            entries: list[dict[str, Any]] = entries,
            extracted: list[str | None] = extracted,
        ) -> int:
            for entry, answer in zip(entries, extracted, strict=True):
                dataset.score_answer(answer, entry)
            return len(responses)

        runs[f"reasoning-gym {name}: extract_answer + score_answer"] = full
        runs[f"reasoning-gym {name}: score_answer (answer pre-extracted)"] = only
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--problems", type=int, default=300)
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2000, help="problems warming the caches")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    problems = make_problems(args.problems, args.seed)
    rng = np.random.default_rng(np.random.SeedSequence((args.seed, 2)))
    reward = Reward(mode="strict")
    for problem in make_problems(args.warmup, args.seed + 1):  # disjoint from `problems`
        for response in responses_for(problem, 1, 0.5, rng):
            reward(problem, response)
    jobs = {
        "new": [(p, r) for p in problems for r in responses_for(p, 1, 0.5, rng)],
        "new_gold": [(p, r) for p in problems for r in responses_for(p, 1, 0.0, rng)],
        "new_reordered": [(p, reordered(p, rng)) for p in problems],
        "groups": [(p, r) for p in problems for r in responses_for(p, args.group, 0.5, rng)],
        "verified": [(p, r) for p in problems for r in responses_for(p, args.group, 0.0, rng)],
    }
    chars = np.mean([len(r) for _, r in jobs["groups"]])
    print(f"{args.problems} problems, op 10-20, mean response {chars:.0f} chars")
    print(f"figures: best of {args.rounds} rounds, CPU time, one process")

    records = [p.to_record() for p in problems]
    answer_jobs = [r for _, r in jobs["groups"]]
    answer_records = [records[i // args.group] for i in range(len(answer_jobs))]
    outcome = outcome_runs(answer_records, answer_jobs)
    process = process_runs(jobs)
    cleared = process.pop("new_cleared")  # measured apart, last: it empties the caches
    names = list(process) + list(outcome)
    rates = dict(
        zip(names, best_rate([*process.values(), *outcome.values()], args.rounds), strict=True)
    )
    rates["new_cleared"] = best_rate([cleared], args.rounds)[0]

    labels = {
        "new": "new problems, each scored once (50% corrupted)",
        "new_cleared": "new problems, caches cleared (50% corrupted)",
        "new_gold": "new problems, valid traces, renamed letters",
        "new_reordered": "new problems, valid traces, reordered steps, renamed letters",
        "groups": f"GRPO groups of {args.group} (50% corrupted)",
        "verified": f"GRPO groups of {args.group} (all verified)",
    }
    print("\nprocess reward (strict mode: parse, recompute, compare to the gold graph)")
    for key, label in labels.items():
        print(f"  {label:<62} {rates[key]:>10,.0f} traces/s")
    print("\noutcome reward")
    for name in outcome:
        print(f"  {name:<62} {rates[name]:>10,.0f} answers/s")
    ours = rates["edgegym outcome_reward"]
    baselines = {k: v for k, v in rates.items() if k.startswith("reasoning-gym")}
    if baselines:
        print("\nratios (edgegym / reasoning-gym, same run)")
        for name, rate in baselines.items():
            print(f"  outcome vs {name:<58} {ours / rate:>6.2f}x")
        full = [v for k, v in baselines.items() if "extract_answer" in k]
        ratio = rates["new"] / max(full)
        print(f"  process (new problems) vs best reasoning-gym extract+score{'':<6} {ratio:>6.3f}x")
    else:
        print(
            "\nreasoning-gym is not importable: pip install reasoning-gym (requirements/bench.txt)"
        )
    print(
        "\nreference: the study's process scorer manages ~1.4k-2.6k traces/s"
        " (measured on its released code)"
    )


if __name__ == "__main__":
    main()
