"""The study's first finding: RL at the edge of competence extends pass@k beyond its training ops.

arXiv 2512.07783 finds that RL on problems just past what the base model solves (low
pass@1, pass@k > 0) raises pass@k, also at harder ops than it trained on, while RL on
problems the base already solves (in-distribution) mostly sharpens pass@1, and RL on
problems it never solves (pass@k = 0) does nothing. This script is the readable entry
point of ``edgegym study edge`` (declared in ``edgegym/studies/edge.py``):

    python examples/reproduce_edge.py --preset micro --out runs/edge-micro   # seconds
    python examples/reproduce_edge.py                   # the CPU miniature (edge-cpu)
    python examples/reproduce_edge.py --device cuda     # the GPU configuration (edge-gpu)
    python examples/reproduce_edge.py --seeds 5 --eval-problems 150

Steps, each cached in the results folder (run it again to resume):
(1) pre-train a base on packed rows of low ops, no mid-training;
(2) evaluate it on a validation suite and split the ops into id / edge / hard bands;
(3) run the id, edge, hard and curriculum arms at one rollout budget, ``--seeds`` times;
(4) evaluate every model on a separate test suite reaching ops beyond every arm's range;
(5) write report.md (the primary endpoint first: edge - id verified pass@n above the
edge band, hierarchical bootstrap over seeds and problems), report.json and plot.png.
"""

from __future__ import annotations

import sys

from edgegym.cli import main as edgegym


def main(argv: list[str] | None = None) -> int:
    """``edgegym study edge`` with this script's arguments; it prints the report at the end."""
    return edgegym(["study", "edge", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
