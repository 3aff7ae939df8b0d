"""Randomly initialised Llama models in named sizes, saved where trainers can start from them.

OpenRLHF has no from-scratch flag: it starts from a model directory. :func:`save_init`
writes one (``save_pretrained`` of a random model plus its tokenizer). Sizes are
presets, read from ``edgegym/agents/presets/models.json``:

========== ======== ====== ===== ======= ===== ====== =====================
preset     layers   hidden heads  kv      FFN   RoPE   params (char / BPE)
========== ======== ====== ===== ======= ===== ====== =====================
tiny       4        128    4     4       512   1e4    ~1.06M (char)
small      4        256    4     4       1024  1e4    ~4.2M (char)
medium     6        384    6     6       1536  1e5    ~15M (BPE 2,200)
study-100m 12       768    12    2       3072  1e6    ~103.2M (BPE 2,200)
========== ======== ====== ===== ======= ===== ====== =====================

All are Llama configs with tied embeddings, never ``qwen2`` (with transformers 5.x a
``qwen2`` directory makes ``AutoTokenizer`` rebuild a custom tokenizer and drop
whitespace).
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edgegym.agents.tokenizer import require
from edgegym.tasks.checks import check_int
from edgegym.tasks.io import atomic_dir

if TYPE_CHECKING:
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

__all__ = [
    "INIT_INFO",
    "MODEL_PRESETS",
    "count_params",
    "init_model",
    "load_presets",
    "model_config",
    "save_init",
]

INIT_INFO = "edgegym_init.json"
"""Provenance file written next to the weights: preset, seed, parameter count."""

_REQUIRED_KEYS = (
    "num_hidden_layers",
    "hidden_size",
    "num_attention_heads",
    "num_key_value_heads",
    "intermediate_size",
    "tie_word_embeddings",
    "rope_theta",
    "max_position_embeddings",
)


def _check_preset(name: str, preset: dict[str, Any]) -> None:
    config = preset.get("config")
    if not isinstance(config, dict):
        raise ValueError(f"model preset {name!r}: 'config' must be an object, got {config!r}")
    missing = [key for key in _REQUIRED_KEYS if key not in config]
    if missing:
        raise ValueError(f"model preset {name!r}: config lacks {missing}")
    hidden, heads = config["hidden_size"], config["num_attention_heads"]
    kv = config["num_key_value_heads"]
    if hidden % heads:
        raise ValueError(
            f"model preset {name!r}: hidden_size must be a multiple of num_attention_heads, "
            f"got {hidden} and {heads}"
        )
    if heads % kv:
        raise ValueError(
            f"model preset {name!r}: num_attention_heads must be a multiple of "
            f"num_key_value_heads, got {heads} and {kv}"
        )
    if preset.get("tokenizer") not in ("char", "bpe"):
        raise ValueError(
            f"model preset {name!r}: tokenizer must be 'char' or 'bpe', "
            f"got {preset.get('tokenizer')!r}"
        )


def load_presets() -> dict[str, dict[str, Any]]:
    """Read and validate ``presets/models.json``: model presets by name, sorted by name."""
    path = resources.files("edgegym.agents").joinpath("presets", "models.json")
    raw = json.loads(path.read_text(encoding="utf-8"))
    presets: dict[str, dict[str, Any]] = {}
    for name in sorted(raw):
        _check_preset(name, raw[name])
        presets[name] = raw[name]
    return presets


MODEL_PRESETS: dict[str, dict[str, Any]] = load_presets()
"""Model size presets by name: ``{"description", "tokenizer", "config": {LlamaConfig kwargs}}``."""


def _preset(name: str) -> dict[str, Any]:
    if name not in MODEL_PRESETS:
        raise ValueError(f"preset must be one of {sorted(MODEL_PRESETS)}, got {name!r}")
    return MODEL_PRESETS[name]


def model_config(preset: str, tokenizer: PreTrainedTokenizerFast) -> LlamaConfig:
    """The ``LlamaConfig`` of a preset, with vocabulary and special ids from ``tokenizer``."""
    transformers = require("transformers")
    kwargs = dict(_preset(preset)["config"])
    config: LlamaConfig = transformers.LlamaConfig(
        vocab_size=len(tokenizer),
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        **kwargs,
    )
    return config


def init_model(
    preset: str, tokenizer: PreTrainedTokenizerFast, *, seed: int = 0
) -> LlamaForCausalLM:
    """A randomly initialised ``LlamaForCausalLM`` of a preset size, on the CPU, in float32.

    The weights are a pure function of ``(preset, vocabulary size, seed)``: torch's
    global generator is seeded inside ``torch.random.fork_rng``, so the caller's RNG
    state is left untouched.

    Args:
        preset: a key of :data:`MODEL_PRESETS`.
        tokenizer: the tokenizer the model will use (its size sets the vocabulary).
        seed: initialisation seed.

    Returns:
        The model, in eval mode.
    """
    check_int("seed", seed, 0, 2**63 - 1)
    torch = require("torch")
    transformers = require("transformers")
    config = model_config(preset, tokenizer)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model: LlamaForCausalLM = transformers.LlamaForCausalLM(config)
    model.eval()
    return model


def count_params(model: Any) -> int:
    """Distinct trainable parameters (tied embeddings counted once)."""
    return int(sum(p.numel() for p in model.parameters()))


def save_init(
    out_dir: str | os.PathLike[str],
    preset: str,
    tokenizer: PreTrainedTokenizerFast,
    *,
    seed: int = 0,
    overwrite: bool = False,
) -> Path:
    """Write a random model and its tokenizer to ``out_dir``, atomically.

    Everything goes into a temporary directory beside ``out_dir`` that is renamed
    into place once complete, so a crash never leaves a half-written model under the
    final name. The directory loads with ``AutoModelForCausalLM`` and
    ``AutoTokenizer`` (and so with OpenRLHF and vLLM).

    Args:
        out_dir: the model directory to create.
        preset: a key of :data:`MODEL_PRESETS`.
        tokenizer: the tokenizer to save beside the weights.
        seed: initialisation seed.
        overwrite: replace an existing ``out_dir`` instead of raising.

    Returns:
        ``out_dir`` as a ``Path``.

    Raises:
        FileExistsError: if ``out_dir`` exists and ``overwrite`` is false.
    """
    out = Path(out_dir)
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} exists; pass overwrite=True or choose another directory")
    model = init_model(preset, tokenizer, seed=seed)
    with atomic_dir(out) as tmp:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        info = {
            "preset": preset,
            "seed": seed,
            "params": count_params(model),
            "vocab_size": len(tokenizer),
            "description": _preset(preset)["description"],
        }
        (tmp / INIT_INFO).write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
    return out
