"""OpenRLHF adapters: the files OpenRLHF loads by path, and where to find them.

OpenRLHF (>= 0.10.2, < 0.12) loads a custom reward or agent *by file path*, as a module
of its own (``reward_func`` / ``agent_module``), inside its Ray rollout workers. These
files are thin: they parse the dataset ``label`` (a JSON string written by
``edgegym corpus rl``), rebuild the env with ``gym.make(env_id, **kwargs)``, replay the
exact problem with ``reset(seed=seed, options={"spec": spec})`` and score through it.

========================= ======================================= ==========================
file                      OpenRLHF flag                           what it does
========================= ======================================= ==========================
``reward_func.py``        ``--reward.remote_url PATH``             single-turn reward
``agent.py``              ``--train.agent_func_path PATH``         ``Reason-v0`` in one turn,
                                                                   ``ReasonStep-v0`` one step
                                                                   per turn
``curriculum_agent.py``   ``--train.agent_func_path PATH``         as ``agent.py``, problems
                                                                   from a shared curriculum
                                                                   in a named Ray actor
========================= ======================================= ==========================

``curriculum.py`` hosts the shared curriculum's Ray actor; ``_shared.py`` holds what the
files share (labels, responses cut out of queries, env episodes).

``edgegym openrlhf path agent`` prints a path for a shell script. Importing this package
imports neither OpenRLHF nor torch.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["FILES", "path"]

FILES = {
    "reward": "reward_func.py",
    "agent": "agent.py",
    "curriculum": "curriculum_agent.py",
}
"""The adapter files by short name."""


def path(name: str) -> Path:
    """Absolute path of an adapter file: ``reward``, ``agent`` or ``curriculum``."""
    if name not in FILES:
        raise ValueError(f"name must be one of {sorted(FILES)}, got {name!r}")
    return Path(__file__).resolve().parent / FILES[name]
