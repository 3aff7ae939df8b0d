"""Studies: experiments declared once as data, run resumably into one results folder.

``edgegym study NAME`` runs one (``--help`` lists its options, derived from the
declaration); ``examples/reproduce_edge.py`` is the readable entry point of the edge
study.

Modules:
    declare: what a study declares (arms, base, bands, seeds, endpoint, settings).
    edge: finding 1, RL at the edge of competence.
    process: finding 4, process rewards against reward hacking.
    context: finding 2, contextual transfer against pre-training exposure.
    midtrain: finding 3, mid-training and RL under one compute budget.
    budget: the compute plan that splits a budget between mid-training and RL.
    layout: one study being run (declaration, settings, preset, folder).
    run: running a study into one resumable results folder.
    report: the report (primary endpoint first), its tables and plot.
    cli: the ``edgegym study`` options, derived from a declaration.
"""

from __future__ import annotations

from edgegym.studies.context import CONTEXT
from edgegym.studies.declare import Arm, BandRule, BaseSpec, Endpoint, Settings, Study
from edgegym.studies.edge import EDGE
from edgegym.studies.midtrain import MIDTRAIN
from edgegym.studies.process import PROCESS

__all__ = ["STUDIES", "Arm", "BandRule", "BaseSpec", "Endpoint", "Settings", "Study"]

STUDIES: dict[str, Study] = {study.name: study for study in (EDGE, CONTEXT, MIDTRAIN, PROCESS)}
"""Every declared study by name."""
