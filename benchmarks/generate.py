"""Problem generation throughput, single process, against reasoning-gym's ``gsm_symbolic``.

Prints problems/s of ``edgegym.tasks.generate`` (the spec's construction included) for
op 2-10, 11-14 and 15-20 (zoo context, forward and reverse alternating) on the train
split and on the test split (which must not be much slower), op 15-20 with every problem
kept in a list (a data set being built: kept objects cost the garbage collector), the
same figures for reasoning-gym's ``gsm_symbolic`` items (``dataset[i]``) measured in the
same run, and the ratios. Required at op 15-20: >= 0.5x ``gsm_symbolic``; aim: 1x.

The machine may be shared, so rates are CPU time (``time.process_time``) of small
batches, every round runs one batch of ``gsm_symbolic`` and of each band in turn,
and each rate is over the faster half of ``--rounds`` rounds. Then, if the ``edgegym
generate`` command exists, it writes ``--cli-count`` problems (op 2-20) and its peak
memory (ru_maxrss) is printed; the target is < 200 MB for 1,000,000 problems
(``--cli-count 1000000``: some minutes).

Run: ``.venv/bin/python benchmarks/generate.py [--batch 200] [--rounds 16] [--cli-count N]``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

from edgegym.tasks import TaskSpec, generate

BANDS = ((2, 10), (11, 14), (15, 20))
REQUIRED = 0.5  # x gsm_symbolic at op 15-20 (train)
MEMORY_TARGET_MB = 200.0
CLI_OPS = 19  # --ops 2-20

Batch = Callable[[], int]


def edgegym_batch(
    lo: int, hi: int, split: str, count: int, offset: int, keep: list[object] | None = None
) -> Batch:
    """Generates ``count`` fresh problems (new indices on each call), appended to ``keep``
    if given (a data set being built) and else dropped; returns the count."""
    calls = [0]

    def run() -> int:
        base = offset + calls[0] * count
        calls[0] += 1
        for i in range(base, base + count):
            spec = TaskSpec(
                context="zoo",
                mode="reverse" if i % 2 else "forward",
                op=lo + i % (hi - lo + 1),
                split=split,  # type: ignore[arg-type]
                index=i,
            )
            problem = generate(spec)
            if keep is not None:
                keep.append(problem)
        return count

    return run


def gsm_batch(count: int, keep: list[object] | None = None) -> Batch | None:
    """Reads ``count`` fresh ``gsm_symbolic`` items per call (appended to ``keep`` if
    given); None if not installed."""
    try:
        import reasoning_gym
    except ImportError:
        return None
    calls = [0]

    def run() -> int:
        calls[0] += 1
        data = reasoning_gym.create_dataset("gsm_symbolic", size=count, seed=calls[0])
        for item in data:  # the dataset's own iteration: data[i] for each i
            if keep is not None:
                keep.append(item)
        return count

    return run


def cpu_seconds(batch: Batch) -> float:
    start = time.process_time()
    batch()
    return time.process_time() - start


def fast_half(times: list[float]) -> float:
    """Mean of the faster half: robust to rounds slowed by other processes."""
    times = sorted(times)[: max(1, len(times) // 2)]
    return sum(times) / len(times)


def cli_run(count: int) -> tuple[float, float] | None:
    """(peak RSS in MB, problems/s wall) of ``edgegym generate`` writing ``count`` problems."""
    try:
        from edgegym.cli import tasks  # noqa: F401  (the command's module)
    except ImportError:
        return None
    per_op = max(1, -(-count // CLI_OPS))
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "problems.jsonl")
        cmd = [sys.executable, "-m", "edgegym", "generate", "--ops", "2-20"]
        cmd += ["--per-op", str(per_op), "--out", out]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage
        wall = time.perf_counter() - start
        err = proc.stderr.read().decode() if proc.stderr else ""
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            print(f"edgegym generate failed ({code}): {err[-400:]}")
            return None
    return usage.ru_maxrss / 1024, CLI_OPS * per_op / wall


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--batch", type=int, default=200, help="problems per batch")
    parser.add_argument("--rounds", type=int, default=16, help="batches per band")
    parser.add_argument(
        "--cli-count", type=int, default=100_000, help="problems for the memory run (0: skip)"
    )
    args = parser.parse_args()

    cases = [(lo, hi, split) for split in ("train", "test") for lo, hi in BANDS]
    kept: dict[str, list[object]] = {"gsm": [], "edgegym": []}  # data sets being built
    batches: dict[object, Batch | None] = {"gsm": gsm_batch(args.batch)}
    batches["gsm kept"] = gsm_batch(args.batch, keep=kept["gsm"])
    for k, case in enumerate(cases):
        batches[case] = edgegym_batch(*case, args.batch, offset=10**7 * (k + 1))
    batches["kept"] = edgegym_batch(15, 20, "train", args.batch, 10**9, keep=kept["edgegym"])
    edgegym_batch(2, 20, "train", 200, offset=0)()  # warm up: contexts, imports
    times: dict[object, list[float]] = {key: [] for key in batches}
    for _ in range(args.rounds):
        for key, batch in batches.items():
            if batch is not None:
                times[key].append(cpu_seconds(batch))
    best = {key: args.batch / fast_half(ts) for key, ts in times.items() if ts}

    base = best.get("gsm")
    print(
        f"problems/s, single process, CPU time, faster half of {args.rounds} batches of "
        f"{args.batch} per row"
    )
    if base is None:
        print("  reasoning-gym not installed (pip install reasoning-gym): no baseline")
    else:
        print(f"  reasoning-gym gsm_symbolic      {base:9,.0f}/s")
    for lo, hi, split in cases:
        rate = best[lo, hi, split]
        ratio = f"  {rate / base:5.2f}x gsm_symbolic" if base else ""
        print(f"  edgegym zoo op {lo:2d}-{hi:<2d} {split:5s}     {rate:9,.0f}/s{ratio}")
    if base:
        got = best[15, 20, "train"] / base
        verdict = "ok" if got >= REQUIRED else "BELOW REQUIRED"
        print(f"op 15-20: {got:.2f}x gsm_symbolic (required >= {REQUIRED}x, aim 1x): {verdict}")
    cost = best[15, 20, "train"] / best[15, 20, "test"]
    print(f"op 15-20: the test split costs {cost:.2f}x the train split")
    kept_rate, dropped = best["kept"], best[15, 20, "train"]
    print(
        f"kept in a list (a data set of {len(kept['edgegym']):,} built over the rounds): "
        f"edgegym op 15-20 train {kept_rate:,.0f}/s ({kept_rate / dropped:.2f}x dropped)"
    )
    gsm_kept = best.get("gsm kept")
    if base and gsm_kept:
        got = kept_rate / gsm_kept
        verdict = "ok" if got >= REQUIRED else "BELOW REQUIRED"
        print(
            f"  gsm_symbolic kept {gsm_kept:,.0f}/s ({gsm_kept / base:.2f}x dropped); edgegym "
            f"kept / gsm_symbolic kept: {got:.2f}x (required >= {REQUIRED}x): {verdict}"
        )

    if args.cli_count > 0:
        measured = cli_run(args.cli_count)
        if measured is None:
            print("edgegym generate: not available, memory not measured")
        else:
            mb, wall_rate = measured
            verdict = "ok" if mb < MEMORY_TARGET_MB else "ABOVE TARGET"
            print(
                f"edgegym generate --ops 2-20, {args.cli_count:,} problems: peak RSS {mb:.0f} MB "
                f"(target < {MEMORY_TARGET_MB:.0f} MB at 1,000,000: {verdict}), "
                f"{wall_rate:,.0f} problems/s wall, JSON written"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
