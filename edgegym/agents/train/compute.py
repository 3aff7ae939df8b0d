"""Compute accounting of the local stages: FLOPs by the standard approximations.

With ``N`` the model's parameters (tied weights counted once):

- language-model training (pre- and mid-training): ``6 N`` per trained token, the
  real (non-padding) tokens of each batch, i.e. ``6 N D``;
- sampling (RL rollouts, evaluation): ``2 N`` per token through the model, each
  prompt once (its cache is shared by its group) and each generated token;
- the RL update: ``6 N`` per token of the trained rows (prompt and completion, forward
  and backward) per policy iteration, plus ``2 N`` per token for the sampling
  policy's log-probs (``iterations > 1``) and for the reference model (``kl > 0``).

The attention term (``~ 12 * layers * hidden * context`` per token) and padding are
left out: small next to ``2 N`` at these sequence lengths, and the same in every arm.
A stage keeps its :class:`Compute` in its checkpoints (so a resumed stage counts
exactly what an uninterrupted one does), in every metrics line (``flops``, cumulative)
and in its model's ``edgegym_train.json`` (``compute``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FLOPS_PER_TOKEN", "Compute", "model_params", "stage_flops"]

FLOPS_PER_TOKEN = {
    "train": 6,
    "sample_prompt": 2,
    "sample_generated": 2,
    "update": 6,
    "update_forward": 2,
}
"""FLOPs per token per parameter of each part of a stage."""


def model_params(model: Any) -> int:
    """Parameters of a torch model, each tensor once (tied embeddings count once)."""
    return int(sum(p.numel() for p in model.parameters()))


@dataclass
class Compute:
    """Tokens by part of a stage and the FLOPs they cost (see the module docstring)."""

    params: int
    """``N``: the model's parameters."""
    tokens: dict[str, int] = field(default_factory=dict)
    """Tokens per part (``train``, ``sample_prompt``, ``sample_generated``, ``update``,
    ``update_forward``)."""

    def add(self, part: str, tokens: int) -> None:
        """Count ``tokens`` more of ``part``."""
        if part not in FLOPS_PER_TOKEN:
            raise ValueError(f"part must be one of {sorted(FLOPS_PER_TOKEN)}, got {part!r}")
        self.tokens[part] = self.tokens.get(part, 0) + int(tokens)

    def flops(self) -> dict[str, float]:
        """FLOPs per part."""
        return {
            part: float(FLOPS_PER_TOKEN[part] * self.params * n) for part, n in self.tokens.items()
        }

    @property
    def total(self) -> float:
        """All FLOPs of the stage so far."""
        return float(sum(self.flops().values()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "params": self.params,
            "tokens": dict(sorted(self.tokens.items())),
            "flops": dict(sorted(self.flops().items())),
            "total_flops": self.total,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, params: int) -> Compute:
        """A stage's counts from its checkpoint (``None``: a fresh stage of ``params``)."""
        if not data:
            return cls(params=params)
        return cls(
            params=int(data["params"]), tokens={k: int(v) for k, v in data["tokens"].items()}
        )


def stage_flops(info: Mapping[str, Any]) -> float | None:
    """A finished stage's FLOPs from its ``edgegym_train.json`` (``None``: not recorded)."""
    compute = info.get("compute")
    return None if not compute else float(compute["total_flops"])
