"""Evaluation throughput: scoring the extrapolation suite, 200 problems x 19 ops x 128 samples.

Required (issue 6): the 486,400 responses are scored in under 60 s on a 2-core machine.
The responses come from a model stand-in whose skill falls with op: each sample is the
gold completion, a corrupted gold completion (one step dropped or altered) or a random
guess with a junk step, with op-dependent weights. Corrupted and guessed samples are
mostly distinct, so the cache of repeated responses helps only where a real model
would repeat itself (easy ops); the figure also reports the distinct count and the
no-cache worst case, extrapolated from a slice.

Baseline, measured in the same run: the naive loop (one process, every response
scored by ``edgegym.rewards.score`` again, no cache) on a slice of the same data.

Run: ``.venv/bin/python benchmarks/eval.py [--per-op 200] [--samples 128] [--workers 0]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

from edgegym.eval.aggregate import EvalConfig, summarize
from edgegym.eval.generations import read_generations
from edgegym.eval.policies import CorruptedOracle, Mixture, Oracle, RandomGuesser, sample_policy
from edgegym.eval.results import EvalResults
from edgegym.eval.scoring import ScoreConfig, make_scorer, score_problem, score_responses
from edgegym.eval.suites import build_suite, preset

REQUIRED_S = 60.0


def cpu_seconds() -> float:
    """CPU time of this process and its reaped children (worker pools), user + system."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def stand_in(op: int) -> Mixture:
    """A policy that is right 90% of the time at op 2 and 5% at op 20."""
    skill = 0.9 - 0.85 * (op - 2) / 18
    return Mixture(
        policies=(Oracle(), CorruptedOracle(), RandomGuesser()),
        weights=(skill, (1 - skill) * 0.6, (1 - skill) * 0.4),
        name=f"stand-in-op{op}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-op", type=int, default=200)
    parser.add_argument("--samples", type=int, default=128)
    parser.add_argument("--workers", type=int, default=0, help="0: one per core")
    parser.add_argument(
        "--baseline", type=int, default=20_000, help="responses in the baseline slice"
    )
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))

    t0 = time.perf_counter()
    suite = build_suite(preset("extrapolation", per_op=args.per_op), workers=0)
    build_s = time.perf_counter() - t0
    records = list(suite.records)

    t0 = time.perf_counter()
    generations: dict[str, list[str]] = {}
    for op in sorted({r["op"] for r in records}):
        cell = [r for r in records if r["op"] == op]
        generations.update(sample_policy(stand_in(op), cell, args.samples, seed=1))
    sample_s = time.perf_counter() - t0
    lists = [generations[r["id"]] for r in records]
    total = sum(len(x) for x in lists)
    distinct = sum(len(set(x)) for x in lists)
    chars = sum(len(s) for x in lists for s in x)

    load = os.getloadavg()[0]
    print(f"machine: {cores} cores, load average {load:.1f} at start (other jobs share the cores)")
    print(f"suite: {len(records)} problems, {total:,} responses")
    print(f"  distinct (problem, response) pairs: {distinct:,} ({distinct / total:.1%})")
    print(f"  mean response length: {chars / total:.0f} chars")
    print(f"  suite build {build_s:.1f} s, sampling {sample_s:.1f} s (not part of the figure)")

    # Baseline: naive serial loop, no cache, on a slice (the first problems of every op).
    scorer = make_scorer("strict")
    n_ops = len({r["op"] for r in records})
    per_problem = min(args.per_op, max(1, -(-args.baseline // (args.samples * n_ops))))
    slice_ids = [i for i in range(len(records)) if i % args.per_op < per_problem]
    t0 = time.perf_counter()
    done = 0
    for i in slice_ids:
        for response in lists[i]:
            scorer(records[i], response)
            done += 1
    naive_rate = done / (time.perf_counter() - t0)
    print(
        f"baseline naive serial loop: {naive_rate:,.0f} responses/s "
        f"-> {total / naive_rate:.1f} s for the suite (extrapolated from {done:,})"
    )

    # Serial with cache, one process (per-core rate).
    t0 = time.perf_counter()
    serial = [score_problem(records[i], lists[i], scorer) for i in slice_ids]
    serial_rate = done / (time.perf_counter() - t0)
    print(f"one process, cached:        {serial_rate:,.0f} responses/s")

    # The figure: the whole suite, parallel, cached.
    config = ScoreConfig(workers=args.workers)
    c0, t0 = cpu_seconds(), time.perf_counter()
    scores = score_responses(records, lists, config=config)
    score_s = time.perf_counter() - t0
    score_cpu = cpu_seconds() - c0
    assert [scores[i] for i in slice_ids] == serial  # parallel == serial, problem by problem
    workers = config.resolved_workers
    idle_s = score_cpu / workers
    load = os.getloadavg()[0]
    print(
        f"FIGURE scoring {total:,} responses: {score_s:.1f} s wall "
        f"({total / score_s:,.0f} responses/s, {workers} workers, load average {load:.1f}) "
        f"[{'PASS' if score_s < REQUIRED_S else 'FAIL'}: required < {REQUIRED_S:.0f} s]; "
        f"{(total / naive_rate) / score_s:.1f}x the naive loop"
    )
    print(
        f"  CPU time {score_cpu:.1f} s ({total / score_cpu:,.0f} responses per CPU-second): "
        f"{idle_s:.1f} s on {workers} idle cores "
        f"[{'PASS' if idle_s < REQUIRED_S else 'FAIL'}: required < {REQUIRED_S:.0f} s]"
    )

    # Aggregation of the scores: the default summary (k = 1, 2, ..., 128; 2,000 replicates).
    t0 = time.perf_counter()
    summarize(EvalResults.from_scores(scores), EvalConfig())
    print(f"summary with bootstrap intervals (all groupings): {time.perf_counter() - t0:.1f} s")

    # Worst case: no repeats at all (cache disabled), on the slice, parallel.
    sub_records = [records[i] for i in slice_ids]
    sub_lists = [lists[i] for i in slice_ids]
    c0, t0 = cpu_seconds(), time.perf_counter()
    score_responses(
        sub_records,
        sub_lists,
        config=ScoreConfig(workers=args.workers, cache=False, parallel_min=0),
    )
    worst = done / (time.perf_counter() - t0)
    worst_cpu = done / (cpu_seconds() - c0)
    print(f"no-cache worst case:        {worst:,.0f} responses/s -> {total / worst:.1f} s in all")
    print(
        f"  ({worst_cpu:,.0f} responses per CPU-second -> {total / worst_cpu / cores:.1f} s "
        f"on {cores} idle cores)"
    )
    need = total / REQUIRED_S
    print(f"needed: {need:,.0f} responses/s in all, {need / cores:,.0f}/s per core without repeats")

    # End to end as the command runs it: read the JSONL, score, (results are small).
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gen.jsonl"
        with path.open("w") as handle:
            for r in records:
                handle.write(json.dumps({"id": r["id"], "responses": generations[r["id"]]}) + "\n")
        t0 = time.perf_counter()
        read = read_generations(path, records)
        read_s = time.perf_counter() - t0
    print(
        f"reading the generations JSONL ({path.name}, {len(read)} lines): {read_s:.1f} s; "
        f"end to end {read_s + score_s:.1f} s"
    )


if __name__ == "__main__":
    main()
