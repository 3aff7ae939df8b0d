"""Shard files and the manifest: names, stats, the manifest written and read back
strictly, stale files cleaned."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from edgegym.tasks.io import atomic_write_text, read_json

MANIFEST = ".manifest.json"
"""Hidden, so that ``datasets.load_dataset(corpus_dir)`` reads only the shards."""
FORMAT = "edgegym-corpus/1"


SHARD_RE = re.compile(r"^shard-(\d{5,})\.jsonl$")


# One encoder for every record: json.dumps would build one a call.
JSON_LINE = json.JSONEncoder(sort_keys=True, ensure_ascii=False)


def shard_name(index: int) -> str:
    return f"shard-{index:05d}.jsonl"


def shard_stats(shard: int, data: bytes, counts: list[int], skipped: int) -> dict[str, Any]:
    return {
        "file": shard_name(shard),
        "records": len(counts),
        "tokens": int(sum(counts)),
        "skipped": skipped,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "counts": counts,
    }


def load_manifest(out_dir: Path, head: dict[str, Any]) -> list[dict[str, Any]]:
    """Shards already finished by an earlier run of the same corpus (checked on disk)."""
    path = out_dir / MANIFEST
    if not path.is_file():
        return []
    manifest = _checked_manifest(path)
    theirs = {k: manifest.get(k) for k in head}
    if theirs != head:
        raise ValueError(
            f"{out_dir} holds a different corpus (config, tokenizer or exclusion differ); "
            "choose another --out or delete it"
        )
    shards: list[dict[str, Any]] = []
    for stats in manifest["shards"]:
        file = out_dir / stats["file"]
        if not file.is_file() or file.stat().st_size != stats["bytes"]:
            break
        shards.append(stats)
    return shards


def write_manifest(
    out_dir: Path, head: dict[str, Any], shards: list[dict[str, Any]], complete: bool
) -> dict[str, Any]:
    manifest = {
        **head,
        "complete": complete,
        "records": sum(s["records"] for s in shards),
        "tokens": sum(s["tokens"] for s in shards),
        "skipped": sum(s["skipped"] for s in shards),
        "shards": shards,
    }
    atomic_write_text(out_dir / MANIFEST, json.dumps(manifest, sort_keys=True) + "\n")
    return manifest


def clean_folder(out_dir: Path, keep: set[str]) -> None:
    """Remove temporary files of killed writers and shards past the end."""
    for path in out_dir.iterdir():
        name = path.name  # atomic_write's temporaries are ".<target>.<random>.tmp"
        # A kill while the manifest is rewritten leaves its temporary too.
        stale_tmp = name.startswith((".shard-", f".{MANIFEST}.")) and name.endswith(".tmp")
        extra_shard = SHARD_RE.match(name) is not None and name not in keep
        if stale_tmp or extra_shard:
            path.unlink(missing_ok=True)


def read_manifest(out_dir: str | os.PathLike[str]) -> dict[str, Any]:
    path = Path(out_dir) / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"{out_dir} is not an edgegym corpus (no {MANIFEST})")
    manifest = _checked_manifest(path)
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{path}: format must be {FORMAT!r}, got {manifest.get('format')!r}")
    return manifest


def _checked_manifest(path: Path) -> dict[str, Any]:
    """A manifest read strictly: shard entries name shard files of the folder, nothing else."""
    manifest = read_json(path)
    shards = manifest.get("shards") if isinstance(manifest, dict) else None
    if not isinstance(manifest, dict) or not isinstance(shards, list):
        raise ValueError(f"{path}: not a corpus manifest (delete it to start over)")
    for stats in shards:
        name = stats.get("file") if isinstance(stats, dict) else None
        if not isinstance(name, str) or SHARD_RE.match(name) is None:
            raise ValueError(f"{path}: shard entry {stats!r:.80} names no shard file")
    return manifest
