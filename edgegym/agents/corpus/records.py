"""One corpus record of a problem, by kind (text, SFT pair or RL prompt and label)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from edgegym.agents.corpus.config import CorpusConfig
from edgegym.tasks import Problem
from edgegym.tasks.chat import chat_messages, completion_of


def _label(config: CorpusConfig, problem: Problem, ident: str, graph: str) -> str:
    spec = problem.spec
    env_seed = int(np.random.SeedSequence([spec.seed, spec.index]).generate_state(1)[0])
    kwargs = dict(config.env_kwargs)
    if config.prompt_format != "raw":
        kwargs.setdefault("prompt_format", config.prompt_format)
    label = {
        "env_id": config.env_id,
        "seed": env_seed,
        "kwargs": kwargs,
        "spec": spec.to_dict(),
        "id": ident,
        "graph_hash": graph,
        "answer": problem.answer,
    }
    return json.dumps(label, sort_keys=True, separators=(",", ":"))


def record_of(
    config: CorpusConfig, problem: Problem, eos: str, graph: str
) -> tuple[dict[str, Any], str]:
    """A record (without ``n_tokens``) and the text whose tokens it counts."""
    spec = problem.spec
    ident = problem.id  # a hash of the content: computed once
    record: dict[str, Any] = {
        "id": ident,
        "op": problem.op,
        "context": spec.context,
        "mode": spec.mode,
        "graph_hash": graph,
    }
    if config.kind in ("pretrain", "midtrain"):
        record["text"] = problem.text + eos
        return record, record["text"]
    chat = config.prompt_format == "chat"
    record["prompt"] = chat_messages(problem) if chat else problem.prompt
    # A chat prompt's tokens are counted on its messages' text (a chat template adds a few).
    counted = "".join(m["content"] for m in record["prompt"]) if chat else record["prompt"]
    if config.kind == "sft":
        record["response"] = completion_of(problem, config.prompt_format) + eos
        return record, counted + record["response"]
    record["label"] = _label(config, problem, ident, graph)
    record["datasource"] = f"{spec.context}_{spec.mode}_op{problem.op}"
    return record, counted
