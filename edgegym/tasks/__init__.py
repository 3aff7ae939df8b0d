"""Pure problem generation: dependency graphs of quantities at an exact op count.

No gymnasium, no torch: ``tasks`` imports nothing else of the package.
"""

from edgegym.tasks.context import CONTEXTS, Context, load_context
from edgegym.tasks.family import FAMILIES, Family, generate
from edgegym.tasks.generate import split_of
from edgegym.tasks.record import RECORD_VERSION, Node, Problem, format_prompt, graph_hash
from edgegym.tasks.spec import MAX_OP, MIN_OP, MODES, SPLITS, DagConfig, TaskSpec, stable_int

__all__ = [
    "CONTEXTS",
    "FAMILIES",
    "MAX_OP",
    "MIN_OP",
    "MODES",
    "RECORD_VERSION",
    "SPLITS",
    "Context",
    "DagConfig",
    "Family",
    "Node",
    "Problem",
    "TaskSpec",
    "format_prompt",
    "generate",
    "graph_hash",
    "load_context",
    "split_of",
    "stable_int",
]
