"""Packed pre-/mid-training corpora: rows of the context length, whole problems, all rows
readable by OpenRLHF, ``edgegym corpus rows`` for ``--data.max_samples``."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from edgegym.agents.corpus import (
    CorpusConfig,
    corpus_rows,
    op_mixture,
    pack_corpus,
    read_corpus,
    verify_corpus,
    write_corpus,
)
from edgegym.cli import main

LENGTH = 192


def _source(tmp_path: Path, tokenizer: str = "char", kind: str = "pretrain") -> Path:
    config = CorpusConfig(
        kind=kind,  # type: ignore[arg-type]
        ops=op_mixture("2-6"),
        records=90,
        shard_size=40,
        tokenizer=tokenizer,
        contexts=(("symbolic", 0.5), ("zoo", 0.5)),
    )
    out = tmp_path / f"{kind}-problems"
    write_corpus(config, out)
    return out


def test_rows_fill_the_context_with_whole_problems(tmp_path: Path, char_tok: Any) -> None:
    source = _source(tmp_path)
    manifest = pack_corpus(source, tmp_path / "packed", LENGTH)
    problems = {r["id"]: r["text"] for r in read_corpus(source)}
    order = [r["id"] for r in read_corpus(source)]
    rows = list(read_corpus(tmp_path / "packed"))
    assert manifest["records"] == len(rows) == corpus_rows(tmp_path / "packed") > 0
    assert verify_corpus(tmp_path / "packed") == manifest
    placed: list[str] = []
    for row in rows:
        assert row["n_tokens"] == LENGTH
        assert len(char_tok(row["text"], add_special_tokens=False)["input_ids"]) == LENGTH
        *whole, last = row["problems"]
        expected = "".join(problems[p] for p in whole)
        assert row["text"].startswith(expected)  # every problem but the last is whole
        tail = row["text"][len(expected) :]
        assert problems[last].startswith(tail) and (tail != problems[last]) == row["cut"]
        placed += row["problems"]
    positions = [order.index(p) for p in placed]
    assert positions == sorted(set(positions))  # source order, each problem in one row at most
    dropped = sum(s["dropped_tokens"] for s in manifest["shards"])  # cut tails, shard ends
    assert manifest["tokens"] + dropped == verify_corpus(source)["tokens"]


def test_packing_is_deterministic_and_resumes(tmp_path: Path) -> None:
    source = _source(tmp_path)
    first = pack_corpus(source, tmp_path / "a", LENGTH)
    files = {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()}
    (tmp_path / "a" / first["shards"][-1]["file"]).unlink()  # a kill before the last shard
    manifest = json.loads((tmp_path / "a" / ".manifest.json").read_text())
    manifest["complete"] = False
    (tmp_path / "a" / ".manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="unfinished"):
        corpus_rows(tmp_path / "a")
    assert pack_corpus(source, tmp_path / "a", LENGTH) == first
    assert {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()} == files
    with pytest.raises(ValueError, match="holds a different corpus"):
        pack_corpus(source, tmp_path / "a", LENGTH + 1)


def test_only_finished_text_corpora_are_packed(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="pretrain or midtrain"):
        pack_corpus(_source(tmp_path, kind="sft"), tmp_path / "p", LENGTH)
    with pytest.raises(FileNotFoundError):
        pack_corpus(tmp_path / "nothing", tmp_path / "q", LENGTH)
    with pytest.raises(ValueError, match="length"):
        pack_corpus(tmp_path / "nothing", tmp_path / "q", 1)


def test_bpe_rows_are_at_most_the_context(tmp_path: Path, bpe_tok: Any) -> None:
    bpe_tok.save_pretrained(tmp_path / "tok")
    source = _source(tmp_path, tokenizer=str(tmp_path / "tok"))
    pack_corpus(source, tmp_path / "packed", LENGTH)
    rows = list(read_corpus(tmp_path / "packed"))
    counts = [len(bpe_tok(r["text"], add_special_tokens=False)["input_ids"]) for r in rows]
    assert counts == [r["n_tokens"] for r in rows]
    assert all(n <= LENGTH for n in counts)
    assert sum(n == LENGTH for n in counts) >= 0.9 * len(rows)


def test_openrlhf_reads_every_packed_row_at_the_context_length(
    tmp_path: Path, char_tok: Any
) -> None:
    pytest.importorskip("openrlhf.datasets")
    from openrlhf.datasets import SFTDataset
    from openrlhf.datasets.utils import blending_datasets

    pack_corpus(_source(tmp_path), tmp_path / "packed", LENGTH)
    fields = {"input_key": "text", "output_key": None, "apply_chat_template": False}
    strategy = SimpleNamespace(
        args=SimpleNamespace(data=SimpleNamespace(**fields), use_ms=False),
        is_rank_0=lambda: True,
        print=lambda *a, **k: None,
    )
    data = blending_datasets(str(tmp_path / "packed"), None, strategy, dataset_split="train")
    dataset = SFTDataset(data, char_tok, LENGTH, strategy, pretrain_mode=True, num_processors=1)
    assert len(dataset) == corpus_rows(tmp_path / "packed")
    for i in range(len(dataset)):
        input_ids, _, loss_mask = dataset[i]
        assert input_ids.shape[1] == LENGTH and int(loss_mask.sum()) == LENGTH - 1


def test_cli_packs_and_prints_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _source(tmp_path)
    out = tmp_path / "packed"
    assert main(["corpus", "pack", str(source), "--length", str(LENGTH), "--out", str(out)]) == 0
    assert f"--data.max_samples {corpus_rows(out)}" in capsys.readouterr().out
    assert main(["corpus", "rows", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(corpus_rows(out))
