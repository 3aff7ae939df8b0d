"""``edgegym export``: files that ``datasets``' own loader reads, gold completions that score 1."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

from edgegym.agents.export import ExportConfig, export
from edgegym.cli import main
from edgegym.rewards import score

datasets = pytest.importorskip("datasets")

ARGS = ["--ops", "2-5", "--per-op", "4", "--eval-per-op", "2", "--seed", "7"]


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(folder).as_posix().encode() + path.read_bytes())
    return h.hexdigest()


def _text(completion: object) -> str:
    return completion if isinstance(completion, str) else completion[-1]["content"]  # type: ignore[index]


@pytest.mark.parametrize("prompt_format", ["raw", "chat"])
def test_hf_export_loads_as_dataset_dict_and_gold_scores_one(
    tmp_path: Path, prompt_format: str
) -> None:
    out = tmp_path / "hf"
    assert main(["export", "hf", "--out", str(out), "--prompt-format", prompt_format, *ARGS]) == 0
    ds = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "cache"))
    assert sorted(ds) == ["test", "train", "val"]
    assert (ds["train"].num_rows, ds["val"].num_rows, ds["test"].num_rows) == (16, 8, 8)
    assert {"prompt", "completion", "answer", "record"} <= set(ds["train"].column_names)
    hashes = {}
    for split in ds:
        for row in ds[split]:
            record = json.loads(row["record"])
            assert record["split"] == split and record["answer"] == row["answer"]
            result = score(
                record, _text(row["completion"]), mode="strict", lenient=prompt_format == "chat"
            )
            assert result.verified, (split, row["id"], result.flags)
            hashes.setdefault(split, set()).add(record["graph_hash"])
    assert not hashes["train"] & (hashes["val"] | hashes["test"])  # the leakage guarantee
    card = (out / "README.md").read_text()
    assert card.startswith("---\n") and "record version 2" in card and '"seed": 7' in card


def test_card_scoring_snippet_runs(tmp_path: Path) -> None:
    out = tmp_path / "hf"
    export("hf", ExportConfig(ops=(3,), per_op=2, eval_per_op=1, prompt_format="chat"), out)
    card = (out / "README.md").read_text()
    snippet = card.split("```python\n", 1)[1].split("```", 1)[0]
    snippet = snippet.replace("path/to/this/folder", str(out)).replace(
        "load_dataset(", f"load_dataset(cache_dir={str(tmp_path / 'cache')!r}, path="
    )
    scope: dict[str, object] = {}
    exec(compile(snippet, "card", "exec"), scope)  # the card's own example, as a user runs it
    assert "result" in scope and scope["result"].verified  # type: ignore[attr-defined]


def test_exports_are_deterministic(tmp_path: Path) -> None:
    for kind in ("hf", "jsonl", "verl"):
        a, b = tmp_path / f"{kind}-a", tmp_path / f"{kind}-b"
        assert main(["export", kind, "--out", str(a), *ARGS]) == 0
        assert main(["export", kind, "--out", str(b), *ARGS]) == 0
        assert _digest(a) == _digest(b), kind


def test_jsonl_rows_match_hf(tmp_path: Path) -> None:
    assert main(["export", "jsonl", "--out", str(tmp_path / "j"), *ARGS]) == 0
    rows = [json.loads(x) for x in (tmp_path / "j" / "test.jsonl").read_text().splitlines()]
    assert len(rows) == 8
    for row in rows:
        assert score(json.loads(row["record"]), row["completion"], mode="strict").verified


def test_verl_export_schema(tmp_path: Path) -> None:
    out = tmp_path / "verl"
    assert main(["export", "verl", "--out", str(out), *ARGS]) == 0
    files = str(out / "train.parquet")
    ds = datasets.load_dataset("parquet", data_files=files, cache_dir=str(tmp_path / "c"))["train"]
    row = ds[0]
    assert set(row) == {"data_source", "prompt", "ability", "reward_model", "extra_info"}
    assert [m["role"] for m in row["prompt"]] == ["system", "user"]
    assert row["reward_model"]["style"] == "rule"
    assert json.loads(row["reward_model"]["ground_truth"])["id"] == row["extra_info"]["id"]
    assert main(["export", "verl", "--out", str(out), "--prompt-format", "raw"]) == 2


def test_missing_pyarrow_is_one_line_before_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow raises ImportError
    assert main(["export", "hf", "--out", str(tmp_path / "x"), *ARGS]) == 2
    err = capsys.readouterr().err
    assert "edgegym[export]" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()
