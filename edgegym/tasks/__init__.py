"""Pure problem generation: dependency graphs of quantities at an exact op count.

No gymnasium, no torch: ``tasks`` imports nothing else of the package.

Modules:
    spec: task specs, the JSON-able description of one problem.
    family: spec -> Problem, per task family.
    generate: the dependency-graph family.
    graph: the DAG, its operations and values.
    node: one quantity of the DAG.
    rng: the random stream of one problem.
    render: DAG -> problem text.
    context: the vocabulary and sentence forms of a context.
    contexts: the contexts' data files.
    trace: the trace grammar (tags, phrases, clauses) and its writer.
    mutate: controlled corruptions of gold-shaped responses (tests, benchmarks).
    record: the Problem record and its provenance.
    io: atomic file writing and JSONL reading.
    chat: prompt formats (the study's raw text, chat messages for instruct models).
    checks: argument checks for the package's frozen configs.
    stats: the shape of a problem distribution (``edgegym stats``).
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
