"""Reading a finished corpus: its records, a check of every shard, its row count."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from edgegym.agents.corpus.manifest import read_manifest


def read_corpus(out_dir: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """The records of a finished corpus, in slot order."""
    manifest = read_manifest(out_dir)
    if not manifest["complete"]:
        raise ValueError(f"{out_dir}: the corpus is unfinished; run the same command again")
    for stats in manifest["shards"]:
        with (Path(out_dir) / stats["file"]).open(encoding="utf-8") as handle:
            for line in handle:
                yield json.loads(line)


def verify_corpus(out_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """Check every shard's size, SHA-256, record and token counts against the manifest.

    Returns:
        The manifest.

    Raises:
        ValueError: naming the first shard that does not match.
    """
    manifest = read_manifest(out_dir)
    for stats in manifest["shards"]:
        data = (Path(out_dir) / stats["file"]).read_bytes()
        if hashlib.sha256(data).hexdigest() != stats["sha256"]:
            raise ValueError(f"{stats['file']}: SHA-256 does not match the manifest")
        counts = [json.loads(line)["n_tokens"] for line in data.splitlines()]
        if len(counts) != stats["records"] or sum(counts) != stats["tokens"]:
            raise ValueError(f"{stats['file']}: record or token counts do not match the manifest")
    return manifest


def corpus_rows(out_dir: str | os.PathLike[str]) -> int:
    """Rows of a finished corpus (its manifest's ``records``): OpenRLHF's ``--data.max_samples``.

    Raises:
        FileNotFoundError: no corpus there.
        ValueError: an unfinished corpus, or a manifest that is not an edgegym corpus's.
    """
    manifest = read_manifest(out_dir)
    if manifest.get("complete") is not True:
        raise ValueError(f"{out_dir}: the corpus is unfinished; run the command that writes it")
    return int(manifest["records"])
