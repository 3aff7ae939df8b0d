"""``edgegym score``: score responses against problems and print a summary table.

Usage::

    edgegym score --problems problems.jsonl --responses responses.jsonl [--mode gated]
                  [--alpha 0.5] [--match id|line] [--out results.jsonl]

Files (JSONL, one JSON object per line):

- ``--problems``: problem records, either edgegym's (``Problem.to_record()``) or the
  study's released shape (``problem, question, solution, op, template, mode``), whose
  gold graph is rebuilt from the solution.
- ``--responses``: the text each model wrote after ``<solution>``, in the shape of
  ``edgegym eval score``'s generations file: one line per problem
  ``{"id": "<problem id>", "responses": ["...", ...]}`` or one line per sample
  ``{"id": "<problem id>", "response": "..."}`` (``"output"`` is accepted too). With
  ``--match line`` the ids are ignored and the i-th line answers the i-th problem
  (the study's ids are ``hash % 23`` and repeat).
- ``--out`` (optional): one result per response, ``{"id", "index", "score", "outcome",
  "process", "verified", "first_error", "flags"}``, written atomically.
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

from edgegym.cli import CommandError, make_console, quote

__all__ = ["register", "run"]

_MODES = ("outcome", "gated", "strict", "linear")


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "score",
        help="score responses to problems (outcome, process, verified) and summarize",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--problems", required=True, help="problem records (JSONL)")
    parser.add_argument("--responses", required=True, help="responses (JSONL, see above)")
    parser.add_argument("--mode", default="gated", choices=_MODES, help="reward mode (gated)")
    parser.add_argument("--alpha", type=float, default=0.5, help="outcome weight (0.5)")
    parser.add_argument(
        "--match", default="id", choices=("id", "line"), help="pair responses by id or line"
    )
    parser.add_argument("--out", default=None, help="write one result per response (JSONL)")
    parser.add_argument(
        "--lenient", action="store_true", help="read chat-style replies (flagged lenient_*)"
    )
    parser.set_defaults(func=run)


def _responses_of(row: Mapping[str, Any], where: str) -> list[str]:
    if "responses" in row:
        value = row["responses"]
        if isinstance(value, list) and all(isinstance(r, str) for r in value):
            return value
        raise CommandError(f"{where}: 'responses' must be a list of strings")
    for key in ("response", "output"):
        if isinstance(row.get(key), str):
            return [row[key]]
    raise CommandError(f"{where}: needs 'responses' (list of strings) or 'response' (string)")


def _pairs(
    problems: list[dict[str, Any]], rows: list[dict[str, Any]], match: str, source: str
) -> list[tuple[dict[str, Any], str, list[str]]]:
    """(problem, id, responses) for every responses line."""
    if match == "line":
        if len(rows) != len(problems):
            raise CommandError(
                f"--match line needs as many response lines as problems: "
                f"{len(rows)} != {len(problems)}"
            )
        return [
            (p, str(p.get("id", i)), _responses_of(r, f"{source}:{i + 1}"))
            for i, (p, r) in enumerate(zip(problems, rows, strict=True))
        ]
    by_id: dict[str, dict[str, Any]] = {}
    for problem in problems:
        key = str(problem.get("id"))
        if key in by_id:
            raise CommandError(f"problem id {key!r} repeats: pair by position with --match line")
        by_id[key] = problem
    out = []
    for i, row in enumerate(rows):
        key = str(row.get("id"))
        if key not in by_id:
            raise CommandError(f"{source}:{i + 1}: id {key!r} is not in --problems")
        out.append((by_id[key], key, _responses_of(row, f"{source}:{i + 1}")))
    return out


class _Tally:
    """Sums per group: responses, problems, score, outcome, process, verified."""

    def __init__(self) -> None:
        self.n = 0
        self.problems: set[str] = set()
        self.score = self.outcome = self.process = 0.0
        self.verified = 0

    def add(self, key: str, result: Any) -> None:
        self.n += 1
        self.problems.add(key)
        self.score += result.score
        self.outcome += result.outcome
        self.process += result.process
        self.verified += bool(result.verified)

    def cells(self) -> list[str]:
        n = max(self.n, 1)
        return [
            str(len(self.problems)),
            str(self.n),
            f"{self.score / n:.3f}",
            f"{self.outcome / n:.3f}",
            f"{self.process / n:.3f}",
            f"{self.verified / n:.3f}",
        ]


def _tables(
    groups: dict[tuple[str, int], _Tally], total: _Tally, flags: Counter[str], mode: str
) -> list[Any]:
    from rich.table import Table

    table = Table(title=f"Scores ({mode} reward)", title_justify="left")
    for column in ("mode", "op", "problems", "responses", mode, "outcome", "process", "verified"):
        table.add_column(column, justify="left" if column == "mode" else "right")
    for (task_mode, op), tally in sorted(groups.items()):
        table.add_row(quote(task_mode), str(op), *tally.cells())
    table.add_section()
    table.add_row("all", "", *total.cells(), style="bold")
    flag_table = Table(title="Most frequent flags", title_justify="left")
    flag_table.add_column("flag")
    flag_table.add_column("responses", justify="right")
    flag_table.add_column("share", justify="right")
    for flag, count in flags.most_common(12):
        flag_table.add_row(quote(flag), str(count), f"{count / max(total.n, 1):.1%}")
    return [table, flag_table] if flags else [table]


def run(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    from edgegym.eval.io import write_jsonl
    from edgegym.rewards import Reward
    from edgegym.rewards.gold import STUDY_MODES
    from edgegym.tasks.io import read_jsonl

    reward = Reward(mode=args.mode, alpha=args.alpha, lenient=args.lenient)  # ValueError: bad alpha
    problems = list(read_jsonl(args.problems))
    rows = list(read_jsonl(args.responses))
    pairs = _pairs(problems, rows, args.match, args.responses)
    groups: dict[tuple[str, int], _Tally] = defaultdict(_Tally)
    total, flags = _Tally(), Counter[str]()
    results: list[dict[str, Any]] = []
    console = make_console()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("scoring", total=sum(len(r) for _, _, r in pairs))
        for problem, key, responses in pairs:
            mode = STUDY_MODES.get(str(problem.get("mode")), str(problem.get("mode", "?")))
            group = (mode, int(problem.get("op", 0) or 0))
            for index, response in enumerate(responses):
                result = reward.result(problem, response)
                groups[group].add(key, result)
                total.add(key, result)
                flags.update(result.flags)
                if args.out:
                    results.append(
                        {
                            "id": key,
                            "index": index,
                            "score": result.score,
                            "outcome": result.outcome,
                            "process": result.process,
                            "verified": result.verified,
                            "first_error": result.first_error,
                            "flags": sorted(result.flags),
                        }
                    )
            progress.advance(task, len(responses))
    for table in _tables(groups, total, flags, args.mode):
        console.print(table)
    if args.out:
        write_jsonl(args.out, results)
        console.print(f"wrote {len(results)} results to {quote(args.out)}")
    if total.n == 0:
        raise CommandError(f"{args.responses} holds no responses")
    return 0
