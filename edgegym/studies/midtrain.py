"""Finding 4 as a study: mid-training helps RL under a fixed compute budget.

Every arm gets the same FLOPs: the RL-only arm's budget of ``rl.steps`` GRPO steps on
the edge band (chosen on the validation suite). An arm spends the study's share of it,
0, 0.2, 0.5 or 0.8, mid-training the base on the preset's ``midtrain`` mixture, and
the rest on RL (:mod:`edgegym.studies.budget` plans whole steps from per-step FLOP
estimates; the report shows the planned and the recorded FLOPs). Each arm's RL runs
``--seeds`` times; its mid-training runs once. The primary endpoint, fixed here
before any run: edge-band verified pass@1, half the budget mid-training - RL only.
The hard-band (above the edge band) pass@n differences follow as secondary.
"""

from __future__ import annotations

from edgegym.studies.declare import Arm, BandRule, BaseSpec, Endpoint, Study

__all__ = ["MIDTRAIN", "SHARES"]

SHARES = {"rl-only": 0.0, "mid-0.2": 0.2, "mid-0.5": 0.5, "mid-0.8": 0.8}
"""Arm -> share of the compute budget spent mid-training (the study's shares)."""

MIDTRAIN = Study(
    name="midtrain",
    title="At equal compute, mid-training before RL beats RL alone at and beyond the edge",
    description=__doc__ or "",
    arms=tuple(Arm(name=name, band="edge", midtrain_share=share) for name, share in SHARES.items()),
    primary=Endpoint(
        name="edge-pass1-mid-0.5-vs-rl-only", a="mid-0.5", b="rl-only", ops="band:edge", k=1
    ),
    secondary=(
        Endpoint(
            name="edge-pass1-mid-0.2-vs-rl-only", a="mid-0.2", b="rl-only", ops="band:edge", k=1
        ),
        Endpoint(
            name="edge-pass1-mid-0.8-vs-rl-only", a="mid-0.8", b="rl-only", ops="band:edge", k=1
        ),
        Endpoint(name="hard-passn-mid-0.2-vs-rl-only", a="mid-0.2", b="rl-only", ops="above:edge"),
        Endpoint(name="hard-passn-mid-0.5-vs-rl-only", a="mid-0.5", b="rl-only", ops="above:edge"),
        Endpoint(name="hard-passn-mid-0.8-vs-rl-only", a="mid-0.8", b="rl-only", ops="above:edge"),
    ),
    base=BaseSpec(pack=True, midtrain=False),
    bands=BandRule(competent=0.5, edge_floor=0.05, width=2),
    defaults={"seeds": 3},
    presets={"cpu": "midtrain-cpu", "cuda": "midtrain-gpu"},
)
