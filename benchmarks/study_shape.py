"""edgegym's problem shape side by side with the study's own generator (issue 13).

The study's figures are in ``benchmarks/study_shape.json``: its generator (GSM-Infinite's
realistic ``drawAll``, as the study's data scripts call it) run for ops 2-20, depths 2
and 3, zoo template, forward mode, 200 problems per cell, measured as
:mod:`edgegym.tasks.stats` measures edgegym's problems. This prints, per (op, depth),
both generators' mean prompt characters, define steps and compound share, and whether
edgegym is within the targets: prompt chars within +-25%, define steps within +-15%,
compound share within the study's range (the lowest to the highest cell mean at that
depth).

Run: ``.venv/bin/python benchmarks/study_shape.py [--config study] [--per-op 300]``
(``--config`` takes what every ``edgegym`` command's ``--config`` takes).

What the study's driver does per op (``scripts/data_gen/generate_zero_context_medium.py``
``OP_SCHEDULE`` gives ``op_max``; ``drawAll`` with ``strictline=op_max`` turns it into
``s = (op_max + 1) // 2``, then draws the structure graph's size from ``s`` and the depth,
and keeps a problem only if its op is the one asked for):

- The structure's size hardly depends on ``s``: its mean edge count, drawn as ``drawAll``
  draws it, goes from 6.7 (s=2) to 7.3 (s=15) at depth 2 and from 8.0 to 9.2 at depth 3
  (depth 2 writes one statement per edge, depth 3 two). The cells' jumps come from the
  rejection on the exact op within one ``s``: op 6 at depth 2 (s=3) keeps structures of
  9.0 statements where op 5 keeps 5.5; op 4 at depth 3 (s=2) keeps 11.0 where op 3 keeps
  17.3 (200 per cell, standard error about 0.2 and 0.4). No budget that is a function of
  ``s`` and the depth gives both; a flat budget by depth misses those two cells.
- Compound relations: a distractor takes 1 to 4 parents (each further one with
  probability 1/2) and, with probability 1/2, a constant in one of those slots; among
  distractors with two or more quantity parents, a constant comes with 0.125 / 0.3125 =
  0.4 of them, which is ``DagConfig.study()``'s ``compound``.

Generation rates at op 15-20 under the default configuration and ``study()``, dropped and
kept in a list, with ``gsm_symbolic`` in the same run: ``--rates ROUNDS``.

Regenerate the fixture (a checkout of Interplay-LM-Reasoning; its generator needs pydot,
termcolor and transformers importable; some minutes):
``.venv/bin/python benchmarks/study_shape.py --measure-study PATH --per-op 200``
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

from edgegym.cli.tasks import parse_config
from edgegym.tasks import DagConfig, TaskSpec, format_prompt, generate
from edgegym.tasks.stats import cells, shape

FIXTURE = Path(__file__).with_name("study_shape.json")
PROMPT_TOL, DEFINE_TOL = 0.25, 0.15
# The study's op_max per op (scripts/data_gen/generate_zero_context_medium.py OP_SCHEDULE).
OP_SCHEDULE: tuple[tuple[int, tuple[int, ...]], ...] = (
    (3, (2,)), (3, (3,)), (4, (4,)), (6, (5, 6)), (10, (7, 8, 9)), (15, (10, 11)),
    (20, (12, 13, 14, 15)), (25, (16, 17, 18)), (30, (19, 20)),
)  # fmt: skip
COMPOUND = re.compile(r"equals \d+ (?:times|plus) the (?:sum|difference)")
DEFINE = re.compile(r"Define (.+?) as [A-Za-z];")


def study_shape(problem: str, question: str, solution: str) -> dict[str, int]:
    """The measures of one study problem (its sentences are joined by ". ")."""
    sentences = [s for s in problem.split(". ") if s.strip()]
    names = DEFINE.findall(solution)
    stated = sum(1 for n in names if not n.startswith("total "))
    return {
        "define": len(names),
        "statements": len(sentences),
        "distractors": len(sentences) - stated,
        "prompt_chars": len(format_prompt(problem, question)),
        "trace_chars": len(solution),
        "compound": sum(1 for s in sentences if COMPOUND.search(s)),
    }


def measure_study(repo: Path, per_op: int) -> dict[str, Any]:
    """Runs the study's generator (imported from ``repo``) for every (op, depth) cell."""
    sys.path.insert(0, str(repo / "gsm_infinite" / "gsm-infinite" / "data" / "realistic"))
    import numpy as np
    from forward_generator import drawAll  # type: ignore[import-not-found]

    random.seed(0)
    np.random.seed(0)
    op_max = {op: m for m, ops in OP_SCHEDULE for op in ops}
    rows = []
    for depth in (2, 3):
        for op in range(2, 21):
            got: list[dict[str, int]] = []
            while len(got) < per_op:
                kwargs: dict[str, Any] = {"op_max": op_max[op], "ip_max": 20, "mod": -1}
                kwargs["force"] = True
                kwargs |= {"number_range": 23, "strictline": op_max[op], "d": depth}
                kwargs |= {"target_length": "zero_context", "template": "crazy_zootopia"}
                try:
                    p, q, s, o, _ = drawAll(**kwargs, tokenizer=None, oplist=[op])
                except Exception:  # its rejection sampling raises
                    continue
                if o == op:
                    got.append(study_shape(p, q, s))
            row: dict[str, Any] = {"op": op, "depth": depth, "n": len(got)}
            for key in got[0]:
                row[key] = sum(g[key] for g in got) / len(got)
            row["compound_share"] = sum(g["compound"] for g in got) / sum(
                g["statements"] for g in got
            )
            rows.append(row)
    parameters = {"template": "crazy_zootopia", "mode": "normalforward", "force": True}
    parameters |= {"ip_max": 20, "mod": -1, "number_range": 23, "target_length": "zero_context"}
    parameters |= {"strictline": "op_max of OP_SCHEDULE", "oplist": "[op]", "seed": 0}
    command = f"benchmarks/study_shape.py --measure-study <checkout> --per-op {per_op}"
    return {"cells": rows, "per_cell": per_op, "parameters": parameters, "command": command}


def edgegym_cells(config: DagConfig, per_op: int) -> dict[tuple[int, int], dict[str, Any]]:
    out = {}
    for depth in (2, 3):
        cfg = DagConfig.from_dict({**config.to_dict(), "depth": depth})
        specs = [TaskSpec(op=op, index=i, config=cfg) for op in range(2, 21) for i in range(per_op)]
        for row in cells(shape(generate(spec)) for spec in specs):
            out[int(row["op"]), int(row["depth"])] = row
    return out


def compare(config: DagConfig, per_op: int) -> int:
    study = {(c["op"], c["depth"]): c for c in json.loads(FIXTURE.read_text())["cells"]}
    ours = edgegym_cells(config, per_op)
    share_range = {
        d: (min(c["compound_share"] for (_, dd), c in study.items() if dd == d),
            max(c["compound_share"] for (_, dd), c in study.items() if dd == d))
        for d in (2, 3)
    }  # fmt: skip
    print(f"edgegym config {config.key} vs the study's generator (zoo, forward, {per_op}/cell)")
    print(
        "op d | prompt chars study edgegym  ratio | define study edgegym | compound study edgegym"
    )
    ok = {"prompt": 0, "define": 0, "compound": 0}
    for key in sorted(study, key=lambda k: (k[1], k[0])):
        s, e = study[key], ours[key]
        ratio = e["prompt_chars"] / s["prompt_chars"]
        good_p = abs(ratio - 1) <= PROMPT_TOL
        good_d = abs(e["define"] / s["define"] - 1) <= DEFINE_TOL
        lo, hi = share_range[key[1]]
        good_c = lo <= e["compound_share"] <= hi
        ok["prompt"] += good_p
        ok["define"] += good_d
        ok["compound"] += good_c
        print(
            f"{key[0]:2d} {key[1]} | {s['prompt_chars']:18.0f} {e['prompt_chars']:7.0f} "
            f"{ratio:6.2f}{'' if good_p else '*'} | {s['define']:11.1f} {e['define']:7.1f}"
            f"{'' if good_d else '*'} | {s['compound_share']:14.3f} {e['compound_share']:7.3f}"
            f"{'' if good_c else '*'}"
        )
    n = len(study)
    print(
        f"within target (* marks a miss): prompt chars +-25% {ok['prompt']}/{n}, define steps "
        f"+-15% {ok['define']}/{n}, compound share in the study's range {ok['compound']}/{n}"
    )
    return 0


def rates(rounds: int, batch: int) -> int:
    """Problems/s at op 15-20 (zoo, modes alternating) under the default configuration and
    ``study()``, dropped and kept in a list, with reasoning-gym's ``gsm_symbolic`` dropped
    and kept, interleaved in one run (``benchmarks/generate.py``'s batches and timing)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from generate import cpu_seconds, fast_half, gsm_batch  # type: ignore[import-not-found]

    def ours(config: DagConfig, offset: int, keep: list[object] | None) -> Any:
        calls = [0]

        def run() -> int:
            base = offset + calls[0] * batch
            calls[0] += 1
            for i in range(base, base + batch):
                mode = "reverse" if i % 2 else "forward"
                p = generate(TaskSpec(mode=mode, op=15 + i % 6, index=i, config=config))
                if keep is not None:
                    keep.append(p)
            return batch

        return run

    kept: list[list[object]] = [[], [], []]
    cases: dict[str, Any] = {
        "gsm_symbolic dropped": gsm_batch(batch),
        "gsm_symbolic kept": gsm_batch(batch, keep=kept[0]),
    }
    for k, (name, config) in enumerate((("default", DagConfig()), ("study", DagConfig.study()))):
        cases[f"edgegym {name} dropped"] = ours(config, 10**7 * (2 * k + 1), None)
        cases[f"edgegym {name} kept"] = ours(config, 10**7 * (2 * k + 2), kept[k + 1])
    cases = {key: run for key, run in cases.items() if run is not None}
    ours(DagConfig.study(), 0, None)()  # warm up
    times: dict[str, list[float]] = {key: [] for key in cases}
    for _ in range(rounds):
        for key, run in cases.items():
            times[key].append(cpu_seconds(run))
    best = {key: batch / fast_half(ts) for key, ts in times.items()}
    base = best.get("gsm_symbolic kept")
    print(f"op 15-20, problems/s, CPU time, faster half of {rounds} batches of {batch}")
    for key, rate in best.items():
        ratio = f"  {rate / base:.2f}x gsm_symbolic kept" if base and "kept" in key else ""
        print(f"  {key:24s} {rate:9,.0f}/s{ratio}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--config", default="{}", help="DagConfig: JSON, 'study', 'study {...}'")
    parser.add_argument("--per-op", type=int, default=300, help="problems per cell")
    parser.add_argument("--measure-study", type=Path, help="regenerate the fixture from a checkout")
    parser.add_argument("--out", type=Path, default=FIXTURE, help="where --measure-study writes")
    parser.add_argument(
        "--rates", type=int, metavar="ROUNDS", help="generation rates instead (default, study)"
    )
    args = parser.parse_args()
    if args.rates:
        return rates(args.rates, 200)
    if args.measure_study:
        data = measure_study(args.measure_study, args.per_op)
        args.out.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        print(f"wrote {args.out}")
        return 0
    return compare(parse_config(args.config), args.per_op)


if __name__ == "__main__":
    sys.exit(main())
