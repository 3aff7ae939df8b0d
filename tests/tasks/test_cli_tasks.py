"""``edgegym generate`` / ``edgegym show``: output, atomicity, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edgegym.cli import main
from edgegym.tasks import Problem


def test_generate_writes_valid_records(tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    assert main(["generate", "--ops", "2-4", "--per-op", "6", "--out", str(out)]) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["op"] for r in records] == [2] * 6 + [3] * 6 + [4] * 6
    assert {r["context"] for r in records} == {"zoo", "teacher", "movie"}
    assert {r["mode"] for r in records} == {"forward", "reverse"}
    for r in records:
        assert Problem.from_record(r).id == r["id"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.jsonl"]


def test_generate_is_deterministic(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    args = ["generate", "--ops", "5", "--per-op", "10", "--split", "test"]
    main([*args, "--out", str(a)])
    main([*args, "--out", str(b)])
    assert a.read_bytes() == b.read_bytes()


def test_generate_exclude_guard(tmp_path: Path) -> None:
    train = tmp_path / "train.jsonl"
    main(
        ["generate", "--ops", "2", "--per-op", "50", "--contexts", "symbolic", "--out", str(train)]
    )
    other = tmp_path / "other.jsonl"
    code = main(
        [
            "generate", "--ops", "2", "--per-op", "50", "--contexts", "symbolic",
            "--exclude", str(train), "--seed", "1", "--out", str(other),
        ]
    )  # fmt: skip
    assert code == 0
    seen = {json.loads(x)["graph_hash"] for x in train.read_text().splitlines()}
    assert not seen & {json.loads(x)["graph_hash"] for x in other.read_text().splitlines()}


@pytest.mark.parametrize(
    "argv",
    [
        ["generate", "--ops", "1-3", "--per-op", "2"],
        ["generate", "--ops", "x", "--per-op", "2"],
        ["generate", "--contexts", "mars", "--per-op", "2"],
        ["generate", "--per-op", "0"],
        ["generate", "--config", '{"modulo": 3}'],
    ],
)
def test_generate_bad_input_exits_2_and_writes_nothing(argv: list[str], tmp_path: Path) -> None:
    out = tmp_path / "never.jsonl"
    assert main([*argv, "--out", str(out)]) == 2
    assert list(tmp_path.iterdir()) == []


def test_show_prints_problem_dag_and_trace(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "--context", "zoo", "--op", "6", "--mode", "reverse"]) == 0
    out = capsys.readouterr().out
    assert "necessary DAG" in out and "gold trace" in out and "Answer:" in out


def test_stats_json_cells_match_the_problems(capsys: pytest.CaptureFixture[str]) -> None:
    from edgegym.tasks import DagConfig, TaskSpec, generate

    argv = ["stats", "--ops", "4-5", "--per-op", "6", "--contexts", "movie", "--json"]
    argv += ["--config", '{"depth": 2, "statements": 20}']
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["config"]["statements"] == 20
    cells = {(c["op"], c["depth"]): c for c in out["cells"]}
    assert set(cells) == {(4, 2), (5, 2)}
    cfg = DagConfig(depth=2, statements=20)
    for op in (4, 5):
        problems = [
            generate(TaskSpec(context="movie", op=op, index=i, config=cfg)) for i in range(6)
        ]
        cell = cells[op, 2]
        assert cell["n"] == 6 and cell["statements"] == 20 and cell["compound_share"] == 0
        assert cell["define"] == sum(len(p.nodes) for p in problems) / 6
        assert cell["prompt_chars"] == sum(len(p.prompt) for p in problems) / 6


def test_stats_table_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", "--ops", "3", "--per-op", "2"]) == 0
    assert "problem shape" in capsys.readouterr().out
    assert main(["stats", "--ops", "3", "--per-op", "0"]) == 2


def test_stats_counts_tokens_with_a_tokenizer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("transformers")
    from edgegym.agents.tokenizer import char_tokenizer
    from edgegym.tasks import TaskSpec, generate

    char_tokenizer().save_pretrained(str(tmp_path))
    argv = ["stats", "--ops", "3", "--per-op", "4", "--tokenizer", str(tmp_path), "--json"]
    assert main(argv) == 0
    cells = json.loads(capsys.readouterr().out)["cells"]
    problems = [generate(TaskSpec(op=3, index=i)) for i in range(4)]
    for cell in cells:  # one per depth drawn
        group = [p for p in problems if p.depth == cell["depth"]]
        # one token per character; the tags of the model format are one token each
        assert cell["trace_tokens"] == sum(len(p.solution) for p in group) / len(group)
        assert 0 < cell["prompt_tokens"] < cell["prompt_chars"]
