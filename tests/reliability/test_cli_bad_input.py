"""The CLI bad-input table: every case ends in a clear error and a non-zero exit, never a
traceback, and writes nothing half-done.

Each row is ``(case, argv)``; ``{d}`` in an argument is the folder of prepared inputs.
Run as a script for the table (cases, tracebacks, exit codes, a sample message each)::

    python tests/reliability/test_cli_bad_input.py
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edgegym.cli import main
from edgegym.curricula import make_curriculum
from edgegym.tasks import TaskSpec, generate

DEEP = "[" * 100_000 + "]" * 100_000
"""JSON nested far past the recursion limit."""


def prepare(d: Path) -> None:
    """The bad (and a few good) input files the cases point at."""
    records = [generate(TaskSpec(op=3, index=i, split="test")).to_record() for i in range(2)]
    lines = "".join(json.dumps(r) + "\n" for r in records)
    (d / "problems.jsonl").write_text(lines)
    (d / "responses.jsonl").write_text(
        "".join(json.dumps({"id": r["id"], "response": "x"}) + "\n" for r in records)
    )
    (d / "array.json").write_text(json.dumps(records))
    (d / "export.csv").write_text("id,graph_hash\n1,abc\n")
    (d / "badutf8.jsonl").write_bytes(b'{"a": 1}\n\xff\xfe{}\n')
    (d / "deep.jsonl").write_text(DEEP + "\n")
    (d / "deep.json").write_text(DEEP)
    (d / "notjson.json").write_text("{nope\n")
    inf = dict(records[0], answer=float("inf"))
    inf.pop("id")
    (d / "inf.jsonl").write_text(json.dumps(inf) + "\n")
    (d / "coef.jsonl").write_text(json.dumps(dict(inf, answer=1, graph=[{"coef": [1]}])) + "\n")
    (d / "empty_record.jsonl").write_text("{}\n")
    (d / "empty.json").write_text("{}")
    (d / "list.json").write_text("[]")
    (d / "state_types.json").write_text(json.dumps({k: 1 for k in _state_keys()}))
    (d / "incomplete.json").write_text(json.dumps({"name": "x"}))
    from edgegym.agents.train.config import load_preset

    evil = load_preset("micro").to_dict() | {"name": "../../x"}
    (d / "evil.json").write_text(json.dumps(evil))
    (d / "results_bad.json").write_text(json.dumps({"problems": [{"op": "x"}]}))
    (d / "adir").mkdir()
    (d / "adir" / "keep.txt").write_text("keep")
    (d / "afile").write_text("a file")
    (d / "a[" / "]b").mkdir(parents=True)
    (d / "a[" / "]b" / "x.jsonl").write_text(lines)
    (d / "suite").mkdir()
    (d / "suite" / "manifest.json").write_text("[1, 2")
    (d / "suite" / "problems.jsonl").write_text(lines)
    (d / "corpus").mkdir()
    (d / "corpus" / ".manifest.json").write_text(
        json.dumps({"format": "edgegym-corpus/1", "complete": True, "shards": [{"file": "../x"}]})
    )


def _state_keys() -> tuple[str, ...]:
    """The fields of a saved curriculum state (all present, every value of the wrong type)."""
    return tuple(json.loads(json.dumps(make_curriculum().state_dict())))


G = ["generate", "--per-op", "1", "--out", "{d}/out/g.jsonl"]
CORPUS = ["corpus", "pretrain", "--records", "8", "--out", "{d}/out/c"]
RL = ["corpus", "rl", "--records", "4", "--out", "{d}/out/rl"]
STAGE = ["stage", "init", "--no-progress", "--out", "{d}/out/run"]
REPORT = ["eval", "report", "{d}/problems.jsonl"]

CASES: list[tuple[str, list[str]]] = [
    # generate: range flags, configs, exclusion files, outputs
    ("generate --ops word", [*G, "--ops", "x"]),
    ("generate --ops huge range", [*G, "--ops", "2-10000000000"]),
    ("generate --ops below min", [*G, "--ops", "0-3"]),
    ("generate --ops above max", [*G, "--ops", "50"]),
    ("generate --ops empty", [*G, "--ops", ","]),
    ("generate --per-op -1", ["generate", "--per-op", "-1", "--out", "{d}/out/g.jsonl"]),
    ("generate --config list", [*G, "--config", "[1]"]),
    ("generate --config unknown key", [*G, "--config", '{"nope": 1}']),
    ("generate --config bad type", [*G, "--config", '{"modulus": "x"}']),
    ("generate --config deep", [*G, "--config", DEEP]),
    ("generate --exclude JSON array", [*G, "--exclude", "{d}/array.json"]),
    ("generate --exclude CSV", [*G, "--exclude", "{d}/export.csv"]),
    ("generate --exclude bad UTF-8", [*G, "--exclude", "{d}/badutf8.jsonl"]),
    ("generate --exclude deep JSON", [*G, "--exclude", "{d}/deep.jsonl"]),
    ("generate --exclude missing", [*G, "--exclude", "{d}/nope.jsonl"]),
    ("generate --out is a folder", ["generate", "--per-op", "1", "--out", "{d}/adir"]),
    ("generate --out parent is a file", ["generate", "--per-op", "1", "--out", "{d}/afile/x"]),
    ("generate --out unwritable", ["generate", "--per-op", "1", "--out", "/proc/eg/x.jsonl"]),
    ("generate disk full (ENOSPC)", ["generate", "--per-op", "1", "--out", "{d}/full.jsonl"]),
    # show: records from a file
    ("show --file missing", ["show", "--file", "{d}/nope.jsonl"]),
    ("show --file not JSON", ["show", "--file", "{d}/notjson.json"]),
    ("show --file deep JSON", ["show", "--file", "{d}/deep.jsonl"]),
    ("show --file bad UTF-8", ["show", "--file", "{d}/badutf8.jsonl", "--line", "1"]),
    ("show --file answer inf", ["show", "--file", "{d}/inf.jsonl"]),
    ("show --file coef [1]", ["show", "--file", "{d}/coef.jsonl"]),
    ("show --file {}", ["show", "--file", "{d}/empty_record.jsonl"]),
    ("show --line past the end", ["show", "--file", "{d}/problems.jsonl", "--line", "9"]),
    ("show --file path with [/]", ["show", "--file", "{d}/a[/]b/nope.jsonl"]),
    ("show --config deep", ["show", "--config", DEEP]),
    ("show --op 99", ["show", "--op", "99"]),
    # score
    ("score --problems missing", ["score", "--problems", "{d}/no.jsonl", "--responses", "{d}/x"]),
    (
        "score path with [/]",
        ["score", "--problems", "{d}/a[/]b/x.jsonl", "--responses", "{d}/a[/]b/none.jsonl"],
    ),
    (
        "score responses deep",
        ["score", "--problems", "{d}/problems.jsonl", "--responses", "{d}/deep.jsonl"],
    ),
    (
        "score responses bad UTF-8",
        ["score", "--problems", "{d}/problems.jsonl", "--responses", "{d}/badutf8.jsonl"],
    ),
    (
        "score --alpha 5",
        [
            "score",
            "--problems",
            "{d}/problems.jsonl",
            "--responses",
            "{d}/responses.jsonl",
            "--alpha",
            "5",
        ],
    ),
    (
        "score --out is a folder",
        [
            "score",
            "--problems",
            "{d}/problems.jsonl",
            "--responses",
            "{d}/responses.jsonl",
            "--out",
            "{d}/adir",
        ],
    ),
    # eval
    (
        "eval build-suite --workers -1",
        ["eval", "build-suite", "extrapolation", "--out", "{d}/out/s", "--workers", "-1"],
    ),
    (
        "eval build-suite --ops huge",
        ["eval", "build-suite", "extrapolation", "--out", "{d}/out/s", "--ops", "2-10000000000"],
    ),
    ("eval build-suite unknown name", ["eval", "build-suite", "nope", "--out", "{d}/out/s"]),
    (
        "eval build-suite --per-op 0",
        ["eval", "build-suite", "extrapolation", "--out", "{d}/out/s", "--per-op", "0"],
    ),
    (
        "eval build-suite --exclude array",
        [
            "eval",
            "build-suite",
            "extrapolation",
            "--out",
            "{d}/out/s",
            "--per-op",
            "1",
            "--exclude",
            "{d}/array.json",
        ],
    ),
    (
        "eval score suite missing",
        [
            "eval",
            "score",
            "--suite",
            "{d}/nosuite",
            "--generations",
            "{d}/responses.jsonl",
            "--out",
            "{d}/out/r.json",
        ],
    ),
    (
        "eval score manifest corrupt",
        [
            "eval",
            "score",
            "--suite",
            "{d}/suite",
            "--generations",
            "{d}/responses.jsonl",
            "--out",
            "{d}/out/r.json",
        ],
    ),
    ("eval report missing", ["eval", "report", "{d}/none.json"]),
    ("eval report not JSON", ["eval", "report", "{d}/notjson.json"]),
    ("eval report deep JSON", ["eval", "report", "{d}/deep.json"]),
    ("eval report a list", ["eval", "report", "{d}/list.json"]),
    ("eval report malformed", ["eval", "report", "{d}/results_bad.json"]),
    ("eval report --k huge", [*REPORT, "--k", "1-10000000000"]),
    ("eval report --k 0", [*REPORT, "--k", "0"]),
    ("eval report --show word", [*REPORT, "--show", "x"]),
    ("eval compare missing", ["eval", "compare", "{d}/none.json", "{d}/none2.json"]),
    # curriculum
    ("curriculum show {}", ["curriculum", "show", "{d}/empty.json"]),
    ("curriculum show []", ["curriculum", "show", "{d}/list.json"]),
    ("curriculum show wrong types", ["curriculum", "show", "{d}/state_types.json"]),
    ("curriculum show not JSON", ["curriculum", "show", "{d}/notjson.json"]),
    ("curriculum show deep JSON", ["curriculum", "show", "{d}/deep.json"]),
    ("curriculum show missing", ["curriculum", "show", "{d}/none.json"]),
    ("curriculum show path with [/]", ["curriculum", "show", "{d}/a[/]b/none.json"]),
    ("curriculum show a folder", ["curriculum", "show", "{d}/adir"]),
    ("curriculum simulate --steps -1", ["curriculum", "simulate", "--steps", "-1"]),
    ("curriculum simulate bad strategy", ["curriculum", "simulate", "--strategy", "nope"]),
    (
        "curriculum simulate --save folder",
        ["curriculum", "simulate", "--steps", "2", "--save", "{d}/adir"],
    ),
    # corpus
    ("corpus --workers -1", [*CORPUS, "--workers", "-1"]),
    ("corpus --records 0", ["corpus", "pretrain", "--records", "0", "--out", "{d}/out/c"]),
    ("corpus --ops huge", [*CORPUS, "--ops", "2-10000000000"]),
    ("corpus --out is a file", ["corpus", "pretrain", "--records", "8", "--out", "{d}/afile"]),
    ("corpus --exclude array", [*CORPUS, "--exclude", "{d}/array.json"]),
    ("corpus rl --env-kwargs unknown", [*RL, "--env-kwargs", '{"nope": 1}']),
    ("corpus rl --env-kwargs bad op", [*RL, "--env-kwargs", '{"op": 99}']),
    ("corpus rl --env-id unknown", [*RL, "--env-id", "edgegym:Nope-v0"]),
    ("corpus verify missing", ["corpus", "verify", "{d}/nocorpus"]),
    ("corpus verify shard path escape", ["corpus", "verify", "{d}/corpus"]),
    # pipeline and stages
    ("stage --preset unknown", [*STAGE, "--preset", "nope"]),
    ("stage --preset incomplete", [*STAGE, "--preset", "{d}/incomplete.json"]),
    ("stage --preset a list", [*STAGE, "--preset", "{d}/list.json"]),
    ("stage --preset deep JSON", [*STAGE, "--preset", "{d}/deep.json"]),
    ("stage --preset not JSON", [*STAGE, "--preset", "{d}/notjson.json"]),
    ("stage --preset name ../../x", ["stage", "init", "--preset", "{d}/evil.json", "--restart"]),
    ("stage --set malformed", [*STAGE, "--preset", "micro", "--set", "nope"]),
    ("stage --set unknown field", [*STAGE, "--preset", "micro", "--set", "rl.nope=1"]),
    (
        "stage --restart foreign folder",
        ["stage", "init", "--preset", "micro", "--out", "{d}/adir", "--restart"],
    ),
    ("stage base preset file, no --to", ["stage", "base", "--preset", "{d}/incomplete.json"]),
    (
        "pipeline --stages unknown",
        ["pipeline", "--preset", "micro", "--out", "{d}/out/p", "--stages", "x"],
    ),
    (
        "openrlhf prompts --env-kwargs",
        [
            "openrlhf",
            "curriculum-prompts",
            "--out",
            "{d}/out/p.jsonl",
            "--slots",
            "4",
            "--env-kwargs",
            '{"nope": 1}',
        ],
    ),
    (
        "openrlhf prompts --config deep",
        ["openrlhf", "curriculum-prompts", "--out", "{d}/out/p.jsonl", "--config", DEEP],
    ),
]


@contextlib.contextmanager
def _disk_full(case: str) -> Iterator[None]:
    """The ENOSPC case: every fsync fails as on a full disk."""
    if "ENOSPC" not in case:
        yield
        return
    real = os.fsync

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    os.fsync = full
    try:
        yield
    finally:
        os.fsync = real


def run_case(case: str, argv: list[str], d: Path) -> dict[str, Any]:
    """Run one case in this process: its exit code, whether it raised, its last stderr line."""
    args = [a.replace("{d}", str(d)) for a in argv]
    err, out = io.StringIO(), io.StringIO()
    raised = None
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out), _disk_full(case):
        try:
            code = main(args)
        except SystemExit as exit_:  # argparse usage errors
            code = exit_.code if isinstance(exit_.code, int) else 1
        except BaseException as exc:  # a traceback: what this table exists to catch
            raised, code = f"{type(exc).__name__}: {exc}"[:200], None
    lines = [line for line in err.getvalue().splitlines() if line.strip()]
    return {"case": case, "code": code, "raised": raised, "message": lines[-1] if lines else ""}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("bad")
    prepare(d)
    return d


@pytest.mark.parametrize(("case", "argv"), CASES, ids=[c for c, _ in CASES])
def test_bad_input_is_a_one_line_error(case: str, argv: list[str], inputs: Path) -> None:
    before = sorted(p.name for p in inputs.rglob("*"))
    row = run_case(case, argv, inputs)
    assert row["raised"] is None, row
    assert row["code"] == 2, row
    assert "error:" in row["message"] and "Traceback" not in row["message"], row
    assert "💯" not in row["message"]
    # Nothing half-written: at most an empty output folder (a lock file) appears.
    leftovers = sorted(p.name for p in inputs.rglob("*"))
    new = [name for name in leftovers if name not in before]
    assert all(not name.endswith(".tmp") for name in new), new


def table(rows: list[dict[str, Any]]) -> str:
    """The markdown table of the report."""
    tracebacks = sum(r["raised"] is not None for r in rows)
    codes = sorted({str(r["code"]) for r in rows})
    head = [
        f"{len(rows)} cases, {tracebacks} tracebacks, exit codes {', '.join(codes)}",
        "",
        "| case | exit | message |",
        "|---|---|---|",
    ]
    body = [
        f"| {r['case']} | {r['code']} | {(r['raised'] or r['message'])[:150].replace('|', '/')} |"
        for r in rows
    ]
    return "\n".join(head + body)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        prepare(Path(folder))
        results = [run_case(case, argv, Path(folder)) for case, argv in CASES]
    print(table(results).replace(folder, "$D"))
    sys.exit(1 if any(r["raised"] or r["code"] in (0, None) for r in results) else 0)
