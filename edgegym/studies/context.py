"""Finding 2 as a study: contextual transfer needs a minimal pre-training exposure.

Each arm pre-trains its own base from the same start on the task's main context at
every op of the preset's pre-training, plus the long-tail context (teacher) at op 2
only, at 0%, 0.1%, 1% or 10% of the tokens (the study's exposures; a joint op x
context mixture of :mod:`edgegym.agents.corpus`). Every arm then runs GRPO at one
rollout budget on a 50/50 mix of the two contexts (the uniform curriculum over both
contexts and every op from the in-distribution band to the hard band), ``--seeds``
times. The test suite holds both contexts. The primary endpoint, fixed here before
any run: long-tail (teacher) verified pass@n at the ops above the in-distribution
band, 1% exposure - 0%. The bands are chosen from the study's base (pre-trained on the
main context only) on the validation suite's main-context problems.
"""

from __future__ import annotations

from edgegym.studies.declare import Arm, BandRule, BaseSpec, Endpoint, Study

__all__ = ["CONTEXT", "EXPOSURES"]

EXPOSURES = {"0": 0.0, "0.1": 0.001, "1": 0.01, "10": 0.1}
"""Arm suffix (percent of tokens) -> teacher share of the pre-training tokens."""
_MIX = {"contexts": ["{context}", "teacher"]}  # RL: both contexts, every op, uniform


def _pretrain(share: float) -> dict[str, str]:
    if share == 0:
        return {"contexts": "{context}"}  # the same corpus stream, no teacher
    return {
        "contexts": f"{{context}}={1 - share:.6g},teacher={share:.6g}@2",
        "share_of": "tokens",
    }


CONTEXT = Study(
    name="context",
    title="RL transfers reasoning to a long-tail context only after >= 1% pre-training exposure",
    description=__doc__ or "",
    arms=tuple(
        Arm(name=f"exposure-{label}", band=None, rl=_MIX, pretrain=_pretrain(share))
        for label, share in EXPOSURES.items()
    ),
    primary=Endpoint(
        name="teacher-1pct-vs-0", a="exposure-1", b="exposure-0", ops="above:id", context="teacher"
    ),
    secondary=(
        Endpoint(
            name="teacher-10pct-vs-0",
            a="exposure-10",
            b="exposure-0",
            ops="above:id",
            context="teacher",
        ),
        Endpoint(
            name="teacher-0.1pct-vs-0",
            a="exposure-0.1",
            b="exposure-0",
            ops="above:id",
            context="teacher",
        ),
        Endpoint(
            name="teacher-1pct-vs-0.1pct",
            a="exposure-1",
            b="exposure-0.1",
            ops="above:id",
            context="teacher",
        ),
        Endpoint(
            name="teacher-1pct-vs-0-pass1",
            a="exposure-1",
            b="exposure-0",
            ops="above:id",
            k=1,
            context="teacher",
        ),
        Endpoint(name="all-contexts-1pct-vs-0", a="exposure-1", b="exposure-0", ops="above:id"),
    ),
    base=BaseSpec(pack=False, midtrain=False),  # packing does not combine with mixtures yet
    bands=BandRule(competent=0.5, edge_floor=0.05, width=2),
    defaults={"seeds": 3},
    presets={"cpu": "context-cpu", "cuda": "context-gpu"},
    set=('eval.contexts=["{context}", "teacher"]',),
)
