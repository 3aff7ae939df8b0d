"""edgegym-reason: edgegym's problems as a verifiers environment (taskset id ``edgegym-reason``).

The implementation is :mod:`edgegym.agents.verifiers_env`; this package is what verifiers
resolves the id to. Each task is one problem; the reply is scored by edgegym's reward
(``score``) with the metrics ``outcome``, ``process`` and ``verified``.
"""

from edgegym.agents.verifiers_env import EdgegymHarness, EdgegymTaskset, load_environment

__all__ = ["EdgegymHarness", "EdgegymTaskset", "load_environment"]
