"""Module caches of one vector-env worker: what they hold after play, cache by cache.

Plays ``--episodes`` episodes of ``Reason-v0`` and ``ReasonStep-v0`` in this process (as
one vector worker does) with a mix of gold, corrupted and junk responses on distinct
problems, then sizes every module-level container of ``edgegym`` (dicts, sets, lists, tuples,
``functools`` caches) with a deep ``sys.getsizeof`` walk, objects shared between caches
counted once. The baseline is the same walk right after import, in the same run; the
growth is what play cached. Eight vector workers hold eight times the growth, which the
issue wants under 100 MB in all. Process RSS before and after is printed too.

    python benchmarks/cache_memory.py [--episodes 2000]
"""

from __future__ import annotations

import argparse
import functools
import resource
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import gymnasium as gym
import numpy as np

import edgegym  # noqa: F401  (registers the ids)
from edgegym.envs import gold_steps

WORKERS = 8
BUDGET_MB = 100.0


def _containers() -> Iterator[tuple[str, Any]]:
    """``(module.name, value)`` for every mutable module-level container of edgegym."""
    for name, module in sorted(sys.modules.items()):
        if not name.startswith("edgegym") or not isinstance(module, ModuleType):
            continue
        for attr, value in sorted(vars(module).items()):
            if isinstance(value, dict | set | list | tuple) and not attr.startswith("__"):
                yield f"{name}.{attr}", value
            elif isinstance(value, functools._lru_cache_wrapper):
                yield f"{name}.{attr}()", value


def _deep(value: Any, seen: set[int]) -> int:
    """Bytes of ``value`` and everything it holds that ``seen`` has not counted yet."""
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        if id(item) in seen or isinstance(item, type | ModuleType) or callable(item):
            continue
        seen.add(id(item))
        total += sys.getsizeof(item)
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend(item)
        elif hasattr(item, "__dict__"):
            stack.append(vars(item))
        elif hasattr(item, "__slots__"):
            stack.extend(getattr(item, s) for s in item.__slots__ if hasattr(item, s))
    return total


def sizes() -> dict[str, tuple[int, int]]:
    """``{cache: (entries, bytes)}``; an lru cache's bytes are not measured (0)."""
    seen: set[int] = set()
    out = {}
    for key, value in _containers():
        if isinstance(value, functools._lru_cache_wrapper):
            out[key] = (value.cache_info().currsize, 0)
        else:
            out[key] = (len(value), _deep(value, seen))
    return out


def play(episodes: int, seed: int = 0) -> None:
    """Episodes of both envs on fresh problems with gold, wrong and junk responses."""
    rng = np.random.default_rng(seed)
    single = gym.make("edgegym:Reason-v0", op=[2, 20])
    steps = gym.make("edgegym:ReasonStep-v0", op=[2, 20])
    for episode in range(episodes):
        env = single if episode % 4 else steps
        env.reset(seed=seed + episode)
        problem = env.unwrapped.problem  # type: ignore[attr-defined]
        roll = rng.random()
        if roll < 0.4:
            actions = gold_steps(problem)
        elif roll < 0.8:
            actions = [
                *gold_steps(problem)[:-1],
                f"</solution> <answer> {problem.answer + 1} </answer>",
            ]
        else:
            actions = [f"junk {rng.integers(10**9)} </answer>"]
        if env is single:
            actions = [" ".join(actions)]
        for action in actions:
            *_, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                break
    single.close()
    steps.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=2000)
    args = parser.parse_args()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    play(8)  # import everything the loop touches
    before = sizes()
    play(args.episodes, seed=1000)
    after = sizes()
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = []
    for key, (entries, size) in after.items():
        old_entries, old_size = before.get(key, (0, 0))
        if entries != old_entries or abs(size - old_size) > 10_240:  # shared-object noise
            rows.append((size - old_size, key, old_entries, entries))
    print(f"{args.episodes} episodes; module containers that grew (baseline: after import):")
    print(f"{'cache':60} {'entries':>17} {'growth MB':>10}")
    for growth, key, old_entries, entries in sorted(rows, reverse=True):
        print(f"{key:60} {old_entries:>7} -> {entries:>7} {growth / 2**20:>10.2f}")
    total = sum(r[0] for r in rows) / 2**20
    print(f"cache growth per worker {total:.1f} MB; x{WORKERS} workers {WORKERS * total:.1f} MB")
    print(f"(budget {BUDGET_MB:.0f} MB in all); peak RSS {rss0:.0f} -> {rss1:.0f} MB")


if __name__ == "__main__":
    main()
