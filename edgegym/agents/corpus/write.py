"""Writing a corpus: shards generated in order (in this process or a worker pool),
cut at the exact budget, the manifest rewritten after each; a restart resumes."""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import Any

import numpy as np

from edgegym.agents.corpus.config import CorpusConfig
from edgegym.agents.corpus.manifest import (
    FORMAT,
    JSON_LINE,
    clean_folder,
    load_manifest,
    shard_name,
    shard_stats,
    write_manifest,
)
from edgegym.agents.corpus.records import record_of
from edgegym.agents.corpus.slots import cached_shares, slot_spec
from edgegym.agents.corpus.tokens import TokenCounter
from edgegym.tasks import generate
from edgegym.tasks.checks import check_int
from edgegym.tasks.io import atomic_write, folder_lock

_CHUNK = 256  # records generated between token counts and budget checks


_EMPTY_SHARDS_LIMIT = 16  # consecutive shards with every slot excluded: the guard ate all


@dataclass
class _Worker:
    """Per-process state: the config, its token counter and the excluded graph hashes."""

    config: CorpusConfig
    counter: TokenCounter
    exclude: frozenset[str]
    stop: EventType | None
    """Pooled workers: set once the corpus is complete (or the writer fails)."""
    parent: int = 0
    """Pooled workers: the writer's pid; a worker whose parent changes exits at once."""
    shares: tuple[float, ...] | None = None
    """Record shares of a joint mixture's contexts (``None``: not joint)."""


class _Abandoned(Exception):
    """A shard given up because the corpus needs no more (nobody reads its result)."""


_WORKER: _Worker | None = None


def _init_worker(
    config_dict: dict[str, Any],
    exclude: frozenset[str],
    stop: EventType | None,
    parent: int = 0,
) -> None:
    if parent:  # the writer's pid, passed in: a worker started after its death exits too
        threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    if stop is not None:  # a spawned worker, before tokenizers starts its thread pool
        os.environ.setdefault("RAYON_NUM_THREADS", "1")  # one core each
    config = CorpusConfig.from_dict(config_dict)
    global _WORKER
    counter = TokenCounter(config.tokenizer)
    shares = cached_shares(config) if config.joint else None
    _WORKER = _Worker(config, counter, exclude, stop, parent, shares)


def _exit_with_parent(parent: int, period: float = 0.2) -> None:
    """A pooled worker's watchdog: exit as soon as the writer is gone (killed, say), so
    no orphan goes on writing shards into a folder that a restarted writer owns."""
    while os.getppid() == parent:
        time.sleep(period)
    os._exit(1)


def _write_shard(out_dir: str, shard: int, limit: int) -> dict[str, Any]:
    """Generate, count and write one shard; returns its stats and per-record token counts.

    ``limit`` bounds what the corpus can still need (tokens or records, from the shards
    known to be finished when this one was scheduled): generation stops once the shard
    alone reaches it. A shard that is not the corpus's last never reaches it, so only
    the last one is cut short, and the writer cuts that one at the exact budget anyway.
    """
    if _WORKER is None:
        raise RuntimeError("_init_worker was not called in this process")
    config, counter, stop = _WORKER.config, _WORKER.counter, _WORKER.stop
    records: list[dict[str, Any]] = []
    counts: list[int] = []
    used = 0
    first = end = shard * config.shard_size
    while end < first + config.shard_size and used < limit:
        # Shards scheduled before the budget was known to be reached would otherwise run
        # to their end while the writer waits for them.
        if stop is not None and stop.is_set():
            raise _Abandoned(shard)
        start, end = end, min(end + _CHUNK, first + config.shard_size)
        chunk: list[dict[str, Any]] = []
        texts: list[str] = []
        for slot in range(start, end):
            problem = generate(slot_spec(config, slot, _WORKER.shares))
            graph = problem.graph_hash
            if graph in _WORKER.exclude:
                continue
            record, text = record_of(config, problem, counter.eos, graph)
            record["slot"] = slot
            chunk.append(record)
            texts.append(text)
        for record, n in zip(chunk, counter.count(texts), strict=True):
            record["n_tokens"] = n
            records.append(record)
            counts.append(n)
            used += n if config.tokens is not None else 1
    lines = [JSON_LINE.encode(r) + "\n" for r in records]
    data = "".join(lines).encode("utf-8")
    with atomic_write(Path(out_dir) / shard_name(shard), "wb") as handle:
        handle.write(data)
        if _WORKER.parent and os.getppid() != _WORKER.parent:
            os._exit(1)  # the writer died while this shard was made: never rename it in
    stats = shard_stats(shard, data, counts, end - first - len(records))
    stats["slots"] = [r["slot"] for r in records]
    return stats


def _truncate_shard(
    out_dir: Path, stats: dict[str, Any], keep: int, shard_size: int
) -> dict[str, Any]:
    """Keep only the first ``keep`` records of the corpus's last shard.

    Slots skipped after the last kept record do not count: how far a worker ran past the
    budget depends on timing, and the manifest must not.
    """
    counts, slots = stats["counts"][:keep], stats["slots"][:keep]
    path = out_dir / stats["file"]
    data = b"".join(path.read_bytes().splitlines(keepends=True)[:keep])
    if len(data) != stats["bytes"]:
        with atomic_write(path, "wb") as handle:
            handle.write(data)
    shard = int(stats["file"].removeprefix("shard-").removesuffix(".jsonl"))
    skipped = slots[-1] + 1 - shard * shard_size - keep
    return {**shard_stats(shard, data, counts, skipped), "counts": counts, "slots": slots}


Progress = Callable[[int, int], None]


def check_env_settings(env_id: str, kwargs: Mapping[str, Any]) -> None:
    """Make the env a label names once, so that settings that cannot replay fail now
    (``ValueError``), not as a zero score for every sample in training."""
    import gymnasium as gym

    try:
        env = gym.make(env_id, **kwargs)
    except (gym.error.Error, ModuleNotFoundError, ValueError, TypeError) as err:
        raise ValueError(f"env {env_id!r} with {dict(kwargs)} cannot be made: {err}") from None
    env.close()


def write_corpus(
    config: CorpusConfig,
    out_dir: str | os.PathLike[str],
    *,
    workers: int = 1,
    exclude: Sequence[str | os.PathLike[str]] = (),
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write (or finish writing) a corpus; returns its manifest.

    Args:
        config: what to write.
        out_dir: the corpus directory (created; an unfinished corpus there is resumed).
        workers: processes generating shards in parallel (1: in this process).
        exclude: evaluation suites (files or directories of problem records, or hash
            lists) whose graph hashes the corpus must not contain (the leakage guard).
        progress: called as ``progress(records, tokens)`` after each finished shard.

    Raises:
        ValueError: ``out_dir`` holds a different corpus, or the guard excludes everything.
        BlockingIOError: another writer holds ``out_dir``'s lock (``.lock``).
    """
    from edgegym.eval.leakage import load_exclusion

    check_int("workers", workers, 1)
    if config.kind == "rl":
        check_env_settings(config.env_id, config.env_kwargs)  # labels must replay
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"{out} is a file, not a corpus folder")
    out.mkdir(parents=True, exist_ok=True)
    excluded = load_exclusion([Path(p) for p in exclude])
    with folder_lock(out, "corpus writer"):
        return _write_locked(config, out, excluded, workers, progress)


def _write_locked(
    config: CorpusConfig,
    out: Path,
    excluded: frozenset[str],
    workers: int,
    progress: Progress | None,
) -> dict[str, Any]:
    """:func:`write_corpus` once it holds the folder's lock."""
    from edgegym.eval.leakage import exclusion_fingerprint

    head: dict[str, Any] = {
        "format": FORMAT,
        "config": config.to_dict(),
        "tokenizer": TokenCounter(config.tokenizer).fingerprint,
        "exclusion": exclusion_fingerprint(excluded),
    }
    if config.joint:  # what the token shares were calibrated to, for the record
        head["record_shares"] = list(cached_shares(config))
    shards = load_manifest(out, head)
    clean_folder(out, {s["file"] for s in shards})
    done = _budget_left(config, shards) <= 0
    if not done:
        shards = _run_shards(config, out, head, shards, workers, excluded, progress)
    clean_folder(out, {s["file"] for s in shards})
    return write_manifest(out, head, shards, complete=True)


def _budget_left(config: CorpusConfig, shards: list[dict[str, Any]]) -> int:
    if config.tokens is not None:
        return config.tokens - int(sum(s["tokens"] for s in shards))
    return int(config.records or 0) - int(sum(s["records"] for s in shards))


def _jobs(
    config: CorpusConfig,
    out: Path,
    start: int,
    workers: int,
    excluded: frozenset[str],
    left: Callable[[], int],
) -> Generator[dict[str, Any], None, None]:
    """Shard stats in shard order from ``start`` on, ``workers`` shards at a time.

    ``left()`` is the budget left after the shards finished so far: an upper bound on
    what any shard scheduled now can be needed for.
    """
    if workers == 1:
        _init_worker(config.to_dict(), excluded, None)
        for shard in itertools.count(start):
            yield _write_shard(str(out), shard, left())
    import concurrent.futures as cf
    import multiprocessing as mp

    context = mp.get_context("spawn")
    stop = context.Event()
    with cf.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(config.to_dict(), excluded, stop, os.getpid()),
    ) as pool:
        shards = itertools.count(start)
        pending = [
            pool.submit(_write_shard, str(out), next(shards), left()) for _ in range(2 * workers)
        ]
        try:
            while True:
                stats = pending.pop(0).result()
                pending.append(pool.submit(_write_shard, str(out), next(shards), left()))
                yield stats
        finally:
            stop.set()
            pool.shutdown(wait=True, cancel_futures=True)


def _run_shards(
    config: CorpusConfig,
    out: Path,
    head: dict[str, Any],
    shards: list[dict[str, Any]],
    workers: int,
    excluded: frozenset[str],
    progress: Progress | None,
) -> list[dict[str, Any]]:
    empty_run = 0
    jobs = _jobs(config, out, len(shards), workers, excluded, lambda: _budget_left(config, shards))
    try:
        for stats in jobs:
            left = _budget_left(config, shards)
            per_record = stats["counts"] if config.tokens is not None else [1] * stats["records"]
            reached = np.flatnonzero(np.cumsum(per_record, dtype=np.int64) >= left)
            if reached.size:
                stats = _truncate_shard(out, stats, int(reached[0]) + 1, config.shard_size)
            del stats["counts"], stats["slots"]
            shards.append(stats)
            empty_run = empty_run + 1 if stats["records"] == 0 else 0
            if empty_run >= _EMPTY_SHARDS_LIMIT:
                raise ValueError(
                    f"the leakage guard excluded every problem of {empty_run} shards in a row: "
                    "the corpus and the evaluation suites draw from the same problems"
                )
            if progress is not None:
                progress(sum(s["records"] for s in shards), sum(s["tokens"] for s in shards))
            if reached.size:
                return shards
            write_manifest(out, head, shards, complete=False)
    finally:
        jobs.close()
    return shards  # pragma: no cover - the job stream is endless
