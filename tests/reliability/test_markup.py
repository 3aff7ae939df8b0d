"""Console output is markup-safe: paths and record text print as they are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edgegym.cli import main
from edgegym.tasks import TaskSpec, generate


def _problems(folder: Path, **changes: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    record = generate(TaskSpec(op=3, split="test")).to_record() | changes
    if changes:
        record.pop("id")  # edited text: no id to match
    path = folder / "x.jsonl"
    path.write_text(json.dumps(record) + "\n")
    return path


def test_a_path_with_markup_prints_as_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "a[" / "]b[bold]"
    problems = _problems(folder)
    record = json.loads(problems.read_text())
    responses = folder / "r.jsonl"
    responses.write_text(json.dumps({"id": record["id"], "response": record["solution"]}) + "\n")
    out = folder / "s:100:.jsonl"
    args = ["score", "--problems", str(problems), "--responses", str(responses)]
    assert main([*args, "--out", str(out)]) == 0
    printed = capsys.readouterr().out.replace("\n", "")
    assert str(out) in printed and "💯" not in printed
    assert main(["show", "--file", str(problems)]) == 0


def test_record_text_is_not_rendered(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    link = "[link=https://evil.example]click[/link] [bold]loud[/bold] [/]"
    problems = _problems(tmp_path, problem=f"Zoo {link}", question=f"Why? {link}")
    assert main(["show", "--file", str(problems)]) == 0
    printed = capsys.readouterr().out
    assert printed.count("[link=https://evil.example]click[/link]") == 2


def test_an_error_at_line_100_is_not_an_emoji(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b[").mkdir()
    path = tmp_path / "b[" / "]x.jsonl"
    path.write_text('{"a": 1}\n' * 99 + "{oops\n")
    assert main(["show", "--file", str(path), "--line", "150"]) == 2
    err = capsys.readouterr().err
    assert f"{path}:100: not valid JSON" in err.replace("\n", "") and "💯" not in err
