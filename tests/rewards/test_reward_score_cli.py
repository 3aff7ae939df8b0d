"""``edgegym score``: files in, a summary table out, one result per response on request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from edgegym.cli import main
from edgegym.tasks import TaskSpec, generate
from edgegym.tasks.mutate import drop_step


def _write(path: Path, rows: list[dict[str, Any]]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str, list[Any]]:
    problems = [
        generate(TaskSpec(mode=m, op=op, index=op)) for m in ("forward", "reverse") for op in (3, 5)
    ]
    rows: list[dict[str, Any]] = [
        {"id": p.id, "responses": [p.completion, drop_step(p.completion, 0), "junk"]}
        for p in problems
    ]
    rows.append({"id": problems[0].id, "response": problems[0].completion})  # per-sample shape
    return (
        _write(tmp_path / "p.jsonl", [p.to_record() for p in problems]),
        _write(tmp_path / "r.jsonl", rows),
        problems,
    )


def test_score_prints_a_table_and_writes_results(
    files: tuple[str, str, list[Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    problems_path, responses_path, problems = files
    out = tmp_path / "out.jsonl"
    status = main(
        [
            "score",
            "--problems",
            problems_path,
            "--responses",
            responses_path,
            "--mode",
            "strict",
            "--out",
            str(out),
        ]
    )
    assert status == 0
    text = capsys.readouterr().out
    assert "Scores (strict reward)" in text and "verified" in text and "all" in text
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(results) == 3 * len(problems) + 1
    verified = [r["verified"] for r in results]
    assert sum(verified) == len(problems) + 1  # each gold response, plus the per-sample one
    assert {r["id"] for r in results} == {p.id for p in problems}


def test_score_by_line_for_study_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    problem = generate(TaskSpec(op=6))
    study = {
        "problem": problem.problem,
        "question": problem.question,
        "solution": problem.solution,
        "op": 6,
        "template": "crazy_zootopia",
        "mode": "normalforward",
        "id": 3,
    }
    problems_path = _write(tmp_path / "p.jsonl", [study, study])
    responses_path = _write(
        tmp_path / "r.jsonl", [{"response": problem.completion}, {"response": "nope"}]
    )
    assert (
        main(
            ["score", "--problems", problems_path, "--responses", responses_path, "--match", "line"]
        )
        == 0
    )
    assert "forward" in capsys.readouterr().out
    # ids repeat: pairing by id is refused with a hint
    assert main(["score", "--problems", problems_path, "--responses", responses_path]) == 2


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"id": "nope", "response": "x"}], "not in --problems"),
        ([{"id": None}], "needs 'responses'"),
    ],
)
def test_score_errors_say_what_to_fix(
    files: tuple[str, str, list[Any]],
    tmp_path: Path,
    rows: list[dict[str, Any]],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    problems_path, _, problems = files
    for row in rows:
        if row.get("id") is None:
            row["id"] = problems[0].id
    responses_path = _write(tmp_path / "bad.jsonl", rows)
    assert main(["score", "--problems", problems_path, "--responses", responses_path]) == 2
    assert message in " ".join(capsys.readouterr().err.split())
