"""Env throughput: episodes/s of Reason-v0 (reset + step with the gold response, strict reward).

Single process, CPU time. Bands op 2-10 and op 11-20, with where the time goes (problem generation,
scoring, the env itself), ReasonStep-v0 for reference, and the baseline measured in the same
run: a reasoning-gym dataset item plus its scorer (``gsm_symbolic``, the closest peer task).
Required: >= 10,000 episodes/s at op 2-10 (issue 17's target; aim: 20,000).

Run: ``.venv/bin/python benchmarks/envs.py [--episodes 3000]``
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from unittest import mock

import gymnasium as gym

import edgegym  # noqa: F401  (registers the ids)
from edgegym.envs import base, gold_steps
from edgegym.rewards import gold_of, score_parsed
from edgegym.tasks import TaskSpec, generate

REQUIRED = 10_000.0


def rate(n: int, fn: Callable[[], None]) -> float:
    """Calls per second of ``fn`` over ``n`` calls (one warm-up call first)."""
    fn()
    start = time.process_time()
    for _ in range(n):
        fn()
    return n / (time.process_time() - start)


def reason_rate(op: list[int], n: int, chunk: int = 100) -> tuple[float, dict[str, float]]:
    """Episodes/s of Reason-v0, and CPU microseconds per episode of each part.

    After each chunk of env episodes the same problems go through the same parts by hand,
    one problem at a time (generate, ``Problem.id``, gold graph, score), so both see the
    same load and caches; ``env`` is the remainder: the env's own work (spec draw, info
    dicts, wrappers).
    """
    env = gym.make("Reason-v0", op=op, reward="strict")
    env.reset(seed=0)
    totals = dict.fromkeys(("episode", "generate", "id", "gold", "score"), 0.0)
    done = 0
    while done < n:
        specs = []
        start = time.process_time()
        for _ in range(chunk):
            env.reset()
            problem = env.unwrapped.problem  # type: ignore[attr-defined]
            _, reward, terminated, _, _ = env.step(problem.completion)
            if reward != 1.0 or not terminated:
                raise RuntimeError(f"gold response scored {reward}: {problem.id}")
            specs.append(problem.spec.to_dict())
        totals["episode"] += time.process_time() - start
        for spec_dict in specs:
            spec = TaskSpec.from_dict(spec_dict)  # a fresh object: no cached fields (untimed)
            t0 = time.process_time()
            problem = generate(spec)
            t1 = time.process_time()
            _ = problem.id  # a fresh problem: its id is not cached yet
            t2 = time.process_time()
            gold = gold_of(problem)
            t3 = time.process_time()
            score_parsed(problem.completion, gold, mode="strict")
            t4 = time.process_time()
            for name, seconds in (
                ("generate", t1 - t0),
                ("id", t2 - t1),
                ("gold", t3 - t2),
                ("score", t4 - t3),
            ):
                totals[name] += seconds
        done += chunk
    per = {name: seconds / done * 1e6 for name, seconds in totals.items()}
    episode = per.pop("episode")
    per["env"] = episode - sum(per.values())
    return 1e6 / episode, per


def env_alone_rate(n: int) -> float:
    """Episodes/s of Reason-v0 with generate, gold graph and score stubbed by one fixed result:
    the ceiling set by the env's own work (spec draw, provenance, info dicts, wrappers)."""
    problem = generate(TaskSpec(op=6))
    gold = gold_of(problem)
    result = score_parsed(problem.completion, gold, mode="strict")
    with (
        mock.patch.object(base, "generate", lambda spec: problem),
        mock.patch.object(base, "gold_of", lambda p: gold),
        mock.patch.object(base, "score_parsed", lambda *a, **k: result),
    ):
        env = gym.make("Reason-v0", op=[2, 10], reward="strict")
        env.reset(seed=0)

        def episode() -> None:
            env.reset()
            env.step(problem.completion)

        return rate(n, episode)


def step_rate(op: list[int], n: int) -> float:
    """Episodes/s of ReasonStep-v0 played with the gold steps (gated reward, shaping on)."""
    env = gym.make("ReasonStep-v0", op=op)
    env.reset(seed=0)

    def episode() -> None:
        env.reset()
        for action in gold_steps(env.unwrapped.problem):  # type: ignore[attr-defined]
            env.step(action)

    return rate(n, episode)


def reasoning_gym_rate(n: int) -> float | None:
    """Items/s of reasoning-gym's gsm_symbolic: item generation plus its scorer on the answer."""
    try:
        import reasoning_gym
    except ImportError:
        return None
    dataset = reasoning_gym.create_dataset("gsm_symbolic", size=n + 1, seed=0)
    index = iter(range(n + 1))

    def item() -> None:
        entry = dataset[next(index)]
        dataset.score_answer(entry["answer"], entry)

    return rate(n, item)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=3000)
    args = parser.parse_args()
    n = args.episodes

    baseline = reasoning_gym_rate(n)
    base_text = "not installed" if baseline is None else f"{baseline:10,.0f} items/s"
    print(f"reasoning-gym gsm_symbolic item + scorer: {base_text}")
    alone = env_alone_rate(n * 4)
    print(f"Reason-v0 env alone (generator, scorer stubbed): {alone:10,.0f} episodes/s")
    first = 0.0
    for op in ([2, 10], [11, 20]):
        episodes, parts = reason_rate(op, n)
        first = first or episodes
        per_episode = 1e6 / episodes
        ratio = "" if baseline is None else f"  ({episodes / baseline:.2f}x reasoning-gym)"
        print(f"Reason-v0 op {op[0]}-{op[1]}: {episodes:10,.0f} episodes/s{ratio}")
        split = " + ".join(f"{name} {us:.0f}" for name, us in parts.items())
        print(f"    per episode {per_episode:.0f} us = {split}")
        steps = step_rate(op, max(n // 4, 1))
        print(f"ReasonStep-v0 op {op[0]}-{op[1]}: {steps:10,.0f} episodes/s (gold steps)")
    verdict = "meets" if first >= REQUIRED else "MISSES"
    print(
        f"op 2-10: {first:,.0f} episodes/s {verdict} the required {REQUIRED:,.0f}"
        + ("" if baseline is None else f"; ratio to reasoning-gym {first / baseline:.2f}x")
    )


if __name__ == "__main__":
    main()
