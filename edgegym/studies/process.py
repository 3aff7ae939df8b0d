"""Finding 3 as a study: process-aware rewards reduce reward hacking.

From one base, four arms run GRPO on the edge band (chosen on the validation suite
as in the edge study) at one rollout budget, ``--seeds`` times each, differing only
in the reward: outcome only, gated with alpha = 0.5 and alpha = 0.2 (a right answer
scores ``alpha + (1 - alpha) * process``), and strict (1 iff the whole trace is
verified), the study's four settings. Reward hacking shows as answer-only pass@k
above process-verified pass@k. Where answers are small residues (the tiny-cpu task
is mod 10) a guess is often right, so the primary endpoint, fixed here before any
run, is the *excess* gap: answer pass@n above what the verified samples plus uniform
guesses would score, outcome - strict, over every test op. The GPU configuration
uses problems without a modulus (answers 0..99), where guessing does not pay.
"""

from __future__ import annotations

from edgegym.studies.declare import Arm, BandRule, BaseSpec, Endpoint, Study

__all__ = ["PROCESS"]

PROCESS = Study(
    name="process",
    title="Process-aware rewards shrink the answer-minus-verified gap that outcome RL opens",
    description=__doc__ or "",
    arms=(
        Arm(name="outcome", band="edge", reward="outcome"),
        Arm(name="strict", band="edge", reward="strict"),
        Arm(name="gated-0.5", band="edge", reward="gated", rl={"alpha": 0.5}),
        Arm(name="gated-0.2", band="edge", reward="gated", rl={"alpha": 0.2}),
    ),
    primary=Endpoint(
        name="excess-gap-outcome-vs-strict", a="outcome", b="strict", ops="all", metric="excess"
    ),
    secondary=(
        Endpoint(name="gap-outcome-vs-strict", a="outcome", b="strict", ops="all", metric="gap"),
        Endpoint(name="verified-pass1-strict-vs-outcome", a="strict", b="outcome", ops="all", k=1),
        Endpoint(
            name="verified-pass1-strict-vs-outcome-at-edge",
            a="strict",
            b="outcome",
            ops="band:edge",
            k=1,
        ),
        Endpoint(
            name="excess-gated-0.5-vs-strict", a="gated-0.5", b="strict", ops="all", metric="excess"
        ),
        Endpoint(
            name="excess-gated-0.2-vs-strict", a="gated-0.2", b="strict", ops="all", metric="excess"
        ),
        Endpoint(name="excess-outcome-vs-base", a="outcome", b="base", ops="all", metric="excess"),
        Endpoint(name="verified-pass1-outcome-vs-base", a="outcome", b="base", ops="all", k=1),
        Endpoint(name="verified-pass1-strict-vs-base", a="strict", b="base", ops="all", k=1),
    ),
    base=BaseSpec(pack=True, midtrain=False),
    bands=BandRule(competent=0.5, edge_floor=0.05, width=2),
    defaults={"seeds": 3},
    presets={"cpu": "process-cpu", "cuda": "process-gpu"},
)
