"""Packing a pre-/mid-training corpus into rows of the context length."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from edgegym.agents.corpus.manifest import (
    JSON_LINE,
    clean_folder,
    load_manifest,
    shard_stats,
    write_manifest,
)
from edgegym.agents.corpus.read import verify_corpus
from edgegym.agents.corpus.tokens import TokenCounter
from edgegym.agents.packing import pack_rows
from edgegym.tasks.checks import check_int
from edgegym.tasks.io import atomic_write

_PACKABLE = ("pretrain", "midtrain")


def pack_corpus(
    source: str | os.PathLike[str], out_dir: str | os.PathLike[str], length: int
) -> dict[str, Any]:
    """Pack a finished pre-/mid-training corpus into rows of ``length`` tokens; its manifest.

    A corpus of one problem (+ EOS) a row, ~400 tokens, trains few positions of a
    2,048-token context, and OpenRLHF's ``SFTDataset`` holds every row's text on every
    rank. The packed corpus has rows of ``length`` tokens made by
    :func:`edgegym.agents.packing.pack_rows` (whole problems in order, the last one of a
    row cut at the row's end, its tail dropped): every position is trained, and a
    10B-token corpus has ~5M rows instead of ~26M. It is a corpus like any other
    (:func:`read_corpus`, :func:`verify_corpus`, :func:`corpus_rows`); a row is
    ``{"text", "n_tokens", "problems", "cut"}`` (the ids of its problems; whether the last
    is cut). Packed shard ``i`` is source shard ``i`` packed: rows never span shards (a
    shard's last, unfilled row is dropped) and a killed packer resumes. Each shard's
    ``dropped_tokens`` counts the source tokens in no row: the cut problems' tails and
    the shard's unfilled end. ``n_tokens`` is the row's text
    counted again: rows are cut at token boundaries, so it is ``length`` unless
    re-tokenizing a cut problem's prefix merges differently (never with ``char``).

    Raises:
        ValueError: ``length`` < 2; a source that is unfinished, damaged (checked against
            its manifest first) or not pre-/mid-training text; an ``out_dir`` that holds
            another corpus.
    """
    check_int("length", length, 2)
    src = verify_corpus(source)
    if not src["complete"] or src["config"].get("kind") not in _PACKABLE:
        raise ValueError(
            f"{source}: a finished pretrain or midtrain corpus is needed, got kind "
            f"{src['config'].get('kind')!r} (complete: {src['complete']})"
        )
    counter = TokenCounter(src["config"]["tokenizer"])
    if counter.fingerprint != src["tokenizer"]:
        raise ValueError(f"{source}: the tokenizer changed since the corpus was written")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    head = {key: src.get(key) for key in ("format", "config", "tokenizer", "exclusion")}
    head["packed"] = {"length": length, "source_records": src["records"]}
    shards = load_manifest(out, head)
    clean_folder(out, {s["file"] for s in shards})
    for stats in src["shards"][len(shards) :]:
        rows = _packed_rows(Path(source) / stats["file"], counter, length)
        shards.append(_write_rows(out, stats["file"], *rows))
        write_manifest(out, head, shards, complete=False)
    return write_manifest(out, head, shards, complete=True)


def _packed_rows(
    shard: Path, counter: TokenCounter, length: int
) -> tuple[list[dict[str, Any]], list[int], int]:
    """The packed rows of one source shard, their token counts and the tokens dropped."""
    with shard.open(encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    texts = [r["text"] for r in records]
    encodings = counter.backend.encode_batch(texts, add_special_tokens=False)
    rows, counts, used = [], [], 0
    for row in pack_rows((e.ids for e in encodings), length):
        parts = []
        for piece in row.pieces:
            end = encodings[piece.source].offsets[piece.length - 1][1] if piece.cut else None
            parts.append(texts[piece.source][:end])  # a cut piece: up to its last kept token
            used += piece.length
        text = "".join(parts)
        problems = [records[p.source]["id"] for p in row.pieces]
        (n,) = counter.count([text])
        rows.append({"text": text, "n_tokens": n, "problems": problems, "cut": row.pieces[-1].cut})
        counts.append(n)
    return rows, counts, sum(len(e.ids) for e in encodings) - used


def _write_rows(
    out: Path, name: str, rows: list[dict[str, Any]], counts: list[int], dropped: int
) -> dict[str, Any]:
    data = "".join(JSON_LINE.encode(r) + "\n" for r in rows).encode("utf-8")
    with atomic_write(out / name, "wb") as handle:
        handle.write(data)
    shard = int(name.removeprefix("shard-").removesuffix(".jsonl"))
    stats = shard_stats(shard, data, counts, 0) | {"dropped_tokens": dropped}
    del stats["counts"]
    return stats
