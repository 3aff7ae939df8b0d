"""``edgegym corpus``, ``edgegym init-model`` and ``edgegym openrlhf``: exit codes and outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edgegym.agents.corpus import read_corpus
from edgegym.agents.openrlhf import path as adapter_path
from edgegym.cli import main
from edgegym.cli.corpus import parse_count


@pytest.mark.parametrize(
    ("text", "value"), [("4096", 4096), ("20k", 20_000), ("100M", 10**8), ("1.5B", 15 * 10**8)]
)
def test_counts_take_suffixes(text: str, value: int) -> None:
    assert parse_count(text) == value


def test_corpus_command_writes_a_resumable_corpus(tmp_path: Path) -> None:
    argv = ["corpus", "sft", "--records", "9", "--ops", "2-4", "--contexts", "zoo=0.5,movie=0.5"]
    argv += ["--shard-size", "4", "--workers", "1", "--out", str(tmp_path / "c")]
    assert main(argv) == 0
    rows = list(read_corpus(tmp_path / "c"))
    assert len(rows) == 9 and {r["context"] for r in rows} <= {"zoo", "movie"}
    assert main(argv) == 0  # a finished corpus: nothing to do, same answer
    assert list(read_corpus(tmp_path / "c")) == rows
    assert main(["corpus", "verify", str(tmp_path / "c")]) == 0


def test_corpus_command_takes_the_study_config(tmp_path: Path) -> None:
    argv = ["corpus", "sft", "--records", "4", "--ops", "5", "--contexts", "zoo"]
    argv += ["--dag", 'study {"depth": 3}']
    assert main([*argv, "--shard-size", "4", "--workers", "1", "--out", str(tmp_path)]) == 0
    rows = list(read_corpus(tmp_path))
    assert len(rows) == 4
    # zoo, forward: each of the 19 statements of a depth-3 study problem says "equals" once
    assert all(r["prompt"].count(" equals ") == 19 for r in rows)


@pytest.mark.parametrize(
    "extra",
    [
        ["--ops", "2-4:0.5,5-7:0.6"],  # probabilities summing to 1.1
        ["--contexts", "zoo=0.9"],  # weights summing to 0.9
        ["--dag", "[1]"],  # not a JSON object
    ],
    ids=["ops-sum", "context-sum", "dag-json"],
)
def test_corpus_command_rejects_bad_input(extra: list[str], tmp_path: Path) -> None:
    argv = ["corpus", "pretrain", "--tokens", "1k", "--out", str(tmp_path / "c"), *extra]
    assert main(argv) == 2
    assert not (tmp_path / "c").exists()


def test_corpus_command_needs_a_budget(tmp_path: Path) -> None:
    assert main(["corpus", "rl", "--out", str(tmp_path / "c")]) == 2


def test_mixtures_are_listed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["corpus", "mixtures"]) == 0
    out = capsys.readouterr().out
    assert "pretrain-20-30-50" in out and "zoo+teacher-1" in out


def test_init_model_and_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init-model", "--preset", "tiny", "--out", str(tmp_path / "m")]) == 0
    info = json.loads((tmp_path / "m" / "edgegym_init.json").read_text())
    assert info["preset"] == "tiny" and 0.9e6 < info["params"] < 1.2e6
    assert main(["init-model", "--preset", "tiny", "--out", str(tmp_path / "m")]) == 2  # exists
    capsys.readouterr()
    for name in ("agent", "reward", "curriculum"):
        assert main(["openrlhf", "path", name]) == 0
        assert capsys.readouterr().out.strip() == str(adapter_path(name))
        assert adapter_path(name).is_file()


def test_curriculum_prompts(tmp_path: Path) -> None:
    out = tmp_path / "slots.jsonl"
    argv = ["openrlhf", "curriculum-prompts", "--out", str(out), "--slots", "5"]
    argv += ["--group-size", "4", "--config", '{"op_min": 3, "op_max": 9}']
    assert main(argv) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    labels = [json.loads(r["label"]) for r in rows]
    assert [lab["slot"] for lab in labels] == list(range(5))
    assert all(
        lab["group_size"] == 4 and lab["curriculum"]["config"]["op_max"] == 9 for lab in labels
    )
    bad = ["openrlhf", "curriculum-prompts", "--out", str(out), "--strategy", "nope"]
    assert main(bad) == 2
