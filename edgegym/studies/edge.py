"""Finding 1 as a study: RL at the edge of competence extends pass@k beyond its training ops.

The base is pre-trained (packed rows, no mid-training) on low ops, leaving headroom.
Its verified pass rates on a validation suite split the ops into bands: in-distribution
(pass@1 >= 0.5), edge (pass@1 below that, pass@n >= 0.05) and hard (pass@n below 0.05).
Four arms run GRPO from that base at one rollout budget, ``--seeds`` times each: on the
ID band, on the edge band, on the hard band, and the adaptive curriculum over all of
them. Every model is evaluated on a separate test suite that reaches ops beyond every
arm's training range. The primary endpoint, fixed here before any run, is edge - ID
verified pass@n at the test ops above the edge band, with n the samples per problem.
"""

from __future__ import annotations

from edgegym.studies.declare import Arm, BandRule, BaseSpec, Endpoint, Study

__all__ = ["EDGE"]

EDGE = Study(
    name="edge",
    title="RL at the edge of competence extends verified pass@k beyond its training ops",
    description=__doc__ or "",
    arms=(
        Arm(name="id", band="id"),
        Arm(name="edge", band="edge"),
        Arm(name="hard", band="hard"),
        Arm(name="curriculum", band=None, curriculum="frontier"),
    ),
    primary=Endpoint(name="edge-vs-id", a="edge", b="id", ops="above:edge"),
    secondary=(
        Endpoint(name="edge-gain", a="edge", b="base", ops="above:edge"),
        Endpoint(name="id-change", a="id", b="base", ops="above:edge"),
        Endpoint(name="hard-vs-id", a="hard", b="id", ops="above:edge"),
        Endpoint(name="curriculum-vs-id", a="curriculum", b="id", ops="above:edge"),
        Endpoint(name="edge-vs-id-at-edge-pass1", a="edge", b="id", ops="band:edge", k=1),
    ),
    base=BaseSpec(pack=True, midtrain=False),
    bands=BandRule(competent=0.5, edge_floor=0.05, width=2),
    defaults={"seeds": 3},
    presets={"cpu": "edge-cpu", "cuda": "edge-gpu"},
)
