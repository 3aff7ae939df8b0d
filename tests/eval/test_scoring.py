"""Scoring: generations shapes, cache and process parallelism change nothing but time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edgegym.eval.generations import collect_generations, read_generations
from edgegym.eval.policies import (
    CorruptedOracle,
    Mixture,
    Oracle,
    RandomGuesser,
    as_generation_rows,
    sample_policy,
)
from edgegym.eval.scoring import ScoreConfig, make_scorer, score_problem, score_responses
from edgegym.eval.suites import Suite
from edgegym.tasks import format_prompt

MIX = Mixture(policies=(Oracle(), CorruptedOracle(), RandomGuesser()), weights=(2, 1, 1))


def test_parallel_and_cache_change_nothing(small_suite: Suite) -> None:
    records = list(small_suite.records)
    generations = sample_policy(MIX, records, 12, seed=4)
    lists = [generations[r["id"]] for r in records]
    serial = score_responses(records, lists, config=ScoreConfig(parallel_min=10**9))
    parallel = score_responses(records, lists, config=ScoreConfig(workers=2, parallel_min=0))
    uncached = score_responses(records, lists, config=ScoreConfig(parallel_min=10**9, cache=False))
    assert serial == parallel == uncached
    assert [s.id for s in serial] == [r["id"] for r in records]
    assert 0 < sum(s.verified for s in serial) < sum(s.correct for s in serial)


def test_progress_counts_every_response(small_suite: Suite) -> None:
    records = list(small_suite.records)
    lists = [["junk"] * 3 for _ in records]
    seen: list[int] = []
    score_responses(
        records, lists, config=ScoreConfig(workers=2, parallel_min=0), progress=seen.append
    )
    assert sum(seen) == 3 * len(records)


def test_score_problem_counts_and_flags(small_suite: Suite) -> None:
    record = small_suite.records[3]
    gold = Oracle().sample(record, 1, None)[0]  # type: ignore[arg-type]
    responses = [gold, gold, "", " </solution> <answer> 1 </answer> <answer> 2 </answer>"]
    result = score_problem(record, responses, make_scorer("strict"))
    assert (result.n, result.correct, result.verified) == (4, 2, 2)
    assert result.process == pytest.approx(2.0)
    assert result.flags.get("hedged", 0) + result.flags.get("stray_tag", 0) >= 1


def test_unknown_reward_mode() -> None:
    with pytest.raises(ValueError, match="mode"):
        make_scorer("lenient")


def test_generation_shapes_are_equivalent(small_suite: Suite, tmp_path: Path) -> None:
    records = list(small_suite.records)
    generations = sample_policy(MIX, records, 5, seed=1)
    per_problem = as_generation_rows(generations)
    per_sample = [{"id": k, "response": r} for k, rs in generations.items() for r in rs]
    by_prompt = [
        {"prompt": format_prompt(rec["problem"], rec["question"]), "output": r}
        for rec in records
        for r in generations[rec["id"]]
    ]
    for rows in (per_problem, per_sample, per_sample[::-1][::-1], by_prompt):
        assert collect_generations(rows, records) == generations
    path = tmp_path / "g.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in per_sample))
    assert read_generations(path, records) == generations


def test_split_lines_of_one_problem_concatenate(small_suite: Suite) -> None:
    records = list(small_suite.records[:1])
    key = records[0]["id"]
    rows = [{"id": key, "responses": ["a", "b"]}, {"id": key, "response": "c"}]
    assert collect_generations(rows, records) == {key: ["a", "b", "c"]}


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"id": "nope", "response": "x"}], "not a problem of the suite"),
        ([{"response": "x"}], "no 'id'"),
        ([{"prompt": "<question> ? </question> <solution>", "response": "x"}], "matches no"),
        ([{"id": "ID", "responses": "x"}], "list of strings"),
        ([{"id": "ID", "response": 3}], "must be a string"),
        ([{"id": "ID"}], "no 'responses'"),
    ],
)
def test_generation_errors(rows: list[dict[str, object]], message: str, small_suite: Suite) -> None:
    records = list(small_suite.records[:1])
    rows = [{k: (records[0]["id"] if v == "ID" else v) for k, v in r.items()} for r in rows]
    with pytest.raises(ValueError, match=message):
        collect_generations(rows, records)


def test_missing_problems(small_suite: Suite) -> None:
    records = list(small_suite.records[:3])
    rows = [{"id": records[0]["id"], "response": "x"}]
    with pytest.raises(ValueError, match="2 of 3 suite problems"):
        collect_generations(rows, records)
    assert list(collect_generations(rows, records, allow_missing=True)) == [records[0]["id"]]


def test_bad_jsonl_line_is_located(tmp_path: Path, small_suite: Suite) -> None:
    path = tmp_path / "g.jsonl"
    key = small_suite.records[0]["id"]
    path.write_text(json.dumps({"id": key, "response": "x"}) + "\n{oops\n")
    with pytest.raises(ValueError, match=r"g\.jsonl:2"):
        read_generations(path, small_suite.records)
