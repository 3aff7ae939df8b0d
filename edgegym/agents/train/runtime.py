"""Devices, torch threads and explicit random streams for the local trainer.

Randomness never comes from torch's or numpy's global generators: every random
draw of a stage derives from ``numpy.random.SeedSequence((seed, tag, step))``, so
step ``s`` of a run is a pure function of the seed and the model state, and a
resumed run draws exactly what the uninterrupted one drew.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from edgegym.agents.tokenizer import require
from edgegym.tasks.spec import stable_int

if TYPE_CHECKING:
    import torch
    from torch import Generator
    from torch import device as Device

__all__ = ["numpy_rng", "resolve_device", "set_threads", "torch_generator"]


def resolve_device(device: str) -> torch.device:
    """``auto`` -> cuda when available, else cpu; ``cuda`` without a GPU raises ValueError."""
    torch = require("torch")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' asked for, but torch sees no CUDA device; use --device cpu")
    if device not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda', got {device!r}")
    resolved: Device = torch.device(device)
    return resolved


def set_threads(threads: int) -> None:
    """Set torch's intra-op CPU threads.

    One thread is the default for tiny models: generation is many small kernels, and
    on a shared 2-core machine two threads were 2.3x slower than one (measured when
    the trainer's engines were chosen).
    """
    torch = require("torch")
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


def _seed_sequence(seed: int, tag: str, *key: int) -> np.random.SeedSequence:
    return np.random.SeedSequence([seed, stable_int(tag), *key])


def numpy_rng(seed: int, tag: str, *key: int) -> np.random.Generator:
    """A numpy Generator for ``(seed, tag, *key)``, e.g. ``numpy_rng(seed, "lm-batch", step)``."""
    return np.random.default_rng(_seed_sequence(seed, tag, *key))


def torch_generator(seed: int, tag: str, *key: int, device: Any = "cpu") -> torch.Generator:
    """A torch Generator on ``device`` seeded from ``(seed, tag, *key)``."""
    torch = require("torch")
    state = _seed_sequence(seed, tag, *key).generate_state(2, dtype=np.uint32)
    generator: Generator = torch.Generator(device=device)
    generator.manual_seed(int(state[0]) << 32 | int(state[1]))
    return generator
