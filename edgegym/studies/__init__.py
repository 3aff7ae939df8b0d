"""Studies: experiments declared once as data, run resumably into one results folder.

``edgegym study NAME`` runs one (``--help`` lists its options, derived from the
declaration); ``examples/reproduce_edge.py`` is the readable entry point of the edge
study. See :mod:`edgegym.studies.declare` for what a study declares and
:mod:`edgegym.studies.run` for the results folder.
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
