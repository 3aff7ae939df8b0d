"""Small helpers for tokenizers and curricula: sample texts, curriculum prompt sets."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

from edgegym.agents.corpus.config import CorpusConfig
from edgegym.agents.corpus.mixtures import op_mixture
from edgegym.agents.corpus.slots import slot_spec
from edgegym.agents.corpus.write import check_env_settings
from edgegym.tasks import CONTEXTS, MODES, format_prompt, generate
from edgegym.tasks.checks import check_int
from edgegym.tasks.io import atomic_write


def sample_texts(
    n: int,
    *,
    contexts: Sequence[str] = CONTEXTS,
    ops: str = "2-20",
    modes: Sequence[str] = MODES,
    seed: int = 0,
) -> list[str]:
    """``n`` model texts over contexts, ops and modes (uniform): BPE training text."""
    config = CorpusConfig(
        kind="pretrain",
        ops=op_mixture(ops),
        contexts=tuple((c, 1.0 / len(contexts)) for c in contexts),
        modes=tuple((m, 1.0 / len(modes)) for m in modes),
        seed=seed,
        records=max(1, n),
    )
    return [generate(slot_spec(config, i)).text for i in range(n)]


def write_curriculum_prompts(
    path: str | os.PathLike[str],
    *,
    slots: int,
    group_size: int,
    curriculum: Mapping[str, Any],
    env_id: str = "edgegym:Reason-v0",
    env_kwargs: Mapping[str, Any] | None = None,
) -> int:
    """Write a prompt set of curriculum slots for ``curriculum_agent.py`` (atomically).

    Each row's ``prompt`` is a placeholder (the agent observes the leased problem's
    prompt instead); its ``label`` names the curriculum, the slot and the group size.

    Returns:
        The number of rows written.
    """
    from edgegym.agents.openrlhf.curriculum import service_config

    check_int("slots", slots, 1)
    check_int("group_size", group_size, 1)
    service_config(dict(curriculum))  # fail now, not in a rollout worker
    check_env_settings(env_id, env_kwargs or {})
    with atomic_write(path) as handle:
        for slot in range(slots):
            label = {
                "env_id": env_id,
                "kwargs": dict(env_kwargs or {}),
                "curriculum": dict(curriculum),
                "slot": slot,
                "group_size": group_size,
            }
            row = {
                "prompt": format_prompt("curriculum", f"slot {slot}"),
                "label": json.dumps(label, sort_keys=True, separators=(",", ":")),
                "datasource": "curriculum",
            }
            handle.write(json.dumps(row, sort_keys=True) + "\n")
    return slots
