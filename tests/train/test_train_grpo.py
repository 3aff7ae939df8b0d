"""GRPO pieces: advantages, the zero-variance filter, the loss's gradient, clip and KL."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from edgegym.agents.train.grpo import (
    ADV_EPS,
    PolicyBatch,
    group_advantages,
    informative_rows,
    policy_loss,
)


def test_advantages_are_group_normalised() -> None:
    rewards = torch.tensor([1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0])
    adv = group_advantages(rewards, 4)
    std = torch.tensor([1.0, 0.0, 0.0, 0.0]).std()
    expected = (torch.tensor([0.75, -0.25, -0.25, -0.25]) / (std + ADV_EPS)).tolist()
    assert adv[:4].tolist() == pytest.approx(expected)
    assert adv[4:].tolist() == [0.0] * 4  # all equal: no signal
    unscaled = group_advantages(rewards, 4, scale=False)
    assert unscaled[:4].tolist() == pytest.approx([0.75, -0.25, -0.25, -0.25])


def test_advantages_reject_ragged_groups() -> None:
    with pytest.raises(ValueError, match="multiple of group=3"):
        group_advantages(torch.zeros(7), 3)


def test_informative_rows_drop_zero_variance_groups() -> None:
    rewards = torch.tensor([1.0, 1.0, 0.0, 0.0, 0.5, 0.0])
    assert informative_rows(rewards, 2).tolist() == [False] * 4 + [True] * 2


def _batch(adv: torch.Tensor, mask: torch.Tensor, **extra: Any) -> PolicyBatch:
    rows, width = mask.shape
    return PolicyBatch(
        input_ids=torch.zeros(rows, width, dtype=torch.long),
        attention_mask=torch.ones(rows, width, dtype=torch.long),
        completion_mask=mask,
        advantages=adv,
        **extra,
    )


def test_on_policy_gradient_is_minus_advantage_times_grad_logp_over_tokens() -> None:
    logp = torch.tensor([[-1.0, -2.0, -0.5], [-0.3, -0.2, -4.0]], requires_grad=True)
    mask = torch.tensor([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0]])
    adv = torch.tensor([2.0, -1.0])
    loss, _ = policy_loss(logp, _batch(adv, mask), clip=0.2, kl=0.0, tokens=5.0)
    loss.backward()
    expected = -adv[:, None] * mask / 5.0
    assert logp.grad is not None
    torch.testing.assert_close(logp.grad, expected)
    assert float(loss.detach()) == pytest.approx(float(-(adv[:, None] * mask).sum() / 5.0))


def test_ratio_clip_stops_the_gradient_outside_the_trust_region() -> None:
    old = torch.zeros(1, 2)
    logp = torch.tensor([[0.5, 0.05]], requires_grad=True)  # ratios e^0.5 > 1.2 and e^0.05
    batch = _batch(torch.tensor([1.0]), torch.ones(1, 2), old_logp=old)
    loss, stats = policy_loss(logp, batch, clip=0.2, kl=0.0, tokens=2.0)
    loss.backward()
    assert logp.grad is not None
    assert float(logp.grad[0, 0]) == 0.0  # clipped: positive advantage, ratio above 1 + eps
    assert float(logp.grad[0, 1]) == pytest.approx(-torch.exp(torch.tensor(0.05)).item() / 2)
    assert stats["clipped"] == 1.0


def test_kl_term_is_zero_at_the_reference_and_positive_away() -> None:
    logp = torch.tensor([[-1.0, -2.0]], requires_grad=True)
    batch = _batch(torch.tensor([0.0]), torch.ones(1, 2), ref_logp=logp.detach().clone())
    loss, stats = policy_loss(logp, batch, clip=0.2, kl=0.5, tokens=2.0)
    assert float(loss.detach()) == 0.0 and stats["kl_sum"] == 0.0
    batch.ref_logp = torch.tensor([[-1.5, -1.0]])
    loss, stats = policy_loss(logp, batch, clip=0.2, kl=0.5, tokens=2.0)
    assert float(loss.detach()) > 0 and stats["kl_sum"] > 0


def test_kl_needs_reference_logprobs() -> None:
    logp = torch.zeros(1, 2, requires_grad=True)
    with pytest.raises(ValueError, match="ref_logp"):
        policy_loss(logp, _batch(torch.zeros(1), torch.ones(1, 2)), clip=0.2, kl=0.1, tokens=2.0)
