"""Atomic training checkpoints and exact resume.

A checkpoint is a directory ``step-00000120/`` holding ``state.pt`` (model and
optimizer state dicts, loaded with ``weights_only=True``) and ``meta.json`` (the
step and any JSON state: curriculum, counters). It is written under a temporary
name, fsynced, and renamed into place; the file ``LATEST`` (replaced atomically)
then names it, and older checkpoints are removed. A crash at any moment leaves the
previous checkpoint readable.

No random-number-generator state needs saving: every draw of step ``s`` comes
from a generator seeded by ``(seed, s)`` (:mod:`edgegym.agents.train.runtime`), so
a run resumed after step ``s`` replays steps ``s+1..`` exactly as the
uninterrupted run would have.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edgegym.agents.tokenizer import require
from edgegym.tasks.io import atomic_dir, atomic_write_text, remove_stale_temporaries

__all__ = [
    "TRAIN_INFO",
    "Checkpoint",
    "load_latest",
    "load_model",
    "save_checkpoint",
    "save_model",
]

LATEST = "LATEST"
TRAIN_INFO = "edgegym_train.json"
"""Provenance file written beside a stage's saved model."""


@dataclass(frozen=True)
class Checkpoint:
    """A loaded checkpoint."""

    step: int
    """Steps completed."""
    model: dict[str, Any]
    """Model state dict."""
    optimizer: dict[str, Any]
    """Optimizer state dict."""
    meta: dict[str, Any]
    """JSON state saved with it."""


def save_checkpoint(
    folder: Path,
    *,
    step: int,
    model: Any,
    optimizer: Any,
    meta: dict[str, Any] | None = None,
) -> Path:
    """Write checkpoint ``step`` into ``folder`` atomically and drop older ones.

    Returns:
        The checkpoint directory.
    """
    torch = require("torch")
    name = f"step-{step:08d}"
    final = folder / name
    for left in ("step-*", LATEST):  # what a killed run left: temp folders (GBs), files
        remove_stale_temporaries(folder / left)
    with atomic_dir(final) as tmp:
        torch.save(
            {"model": model.state_dict(), "optimizer": optimizer.state_dict()}, tmp / "state.pt"
        )
        (tmp / "meta.json").write_text(
            json.dumps({"step": step, **(meta or {})}, sort_keys=True, indent=1) + "\n"
        )
    atomic_write_text(folder / LATEST, name + "\n")
    for old in folder.glob("step-*"):
        if old.name != name:
            shutil.rmtree(old, ignore_errors=True)
    return final


def load_latest(folder: Path, *, device: Any = "cpu") -> Checkpoint | None:
    """The checkpoint ``LATEST`` names in ``folder``, or None when there is none."""
    torch = require("torch")
    pointer = folder / LATEST
    if not pointer.is_file():
        return None
    path = folder / pointer.read_text().strip()
    state = torch.load(path / "state.pt", map_location=device, weights_only=True)
    meta = json.loads((path / "meta.json").read_text())
    return Checkpoint(
        step=int(meta["step"]), model=state["model"], optimizer=state["optimizer"], meta=meta
    )


def save_model(folder: Path, model: Any, tokenizer: Any, info: dict[str, Any]) -> Path:
    """``save_pretrained`` the model and tokenizer into ``folder`` atomically, with ``info``.

    ``info`` (provenance: preset, stage, steps, seeds) goes to ``edgegym_train.json``.
    """
    quiet_transformers()
    with atomic_dir(folder) as tmp:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / TRAIN_INFO).write_text(json.dumps(info, sort_keys=True, indent=1) + "\n")
    return folder


def load_model(folder: Path, *, device: Any = "cpu") -> tuple[Any, Any]:
    """The ``(model, tokenizer)`` saved in ``folder``, model in float32 train mode on ``device``."""
    transformers = require("transformers")
    quiet_transformers()
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(f"no model in {folder} (config.json missing); run its stage first")
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
    model = transformers.AutoModelForCausalLM.from_pretrained(folder)
    # Weights may be stored in half precision (shipped bases); training runs in float32.
    return model.float().to(device).train(), tokenizer


def quiet_transformers() -> None:
    """Turn off transformers' per-file progress bars (the stages draw their own)."""
    transformers = require("transformers")
    transformers.utils.logging.disable_progress_bar()
