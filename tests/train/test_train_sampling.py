"""The KV-cache sampler: exact against the model's own forward, stops, limits, repeats."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from edgegym.agents.train import sampling
from edgegym.agents.train.data import left_pad, stop_ids
from edgegym.agents.train.sampling import completion_logprobs, positions, sample

PROMPTS = [
    "<question> a1 = 3. b2 = a1. What is b2? </question> <solution>",
    "<question> x = 1. </question> <solution>",
    "<solution>",
]


def _ids(tokenizer: Any) -> list[list[int]]:
    return [tokenizer(p, add_special_tokens=False)["input_ids"] for p in PROMPTS]


def test_positions_start_at_zero_after_left_padding() -> None:
    mask = torch.tensor([[0, 0, 1, 1], [1, 1, 1, 1]])
    assert positions(mask).tolist() == [[0, 0, 0, 1], [0, 1, 2, 3]]


def test_fast_path_matches_hf_forward_greedy(model: Any, tokenizer: Any, monkeypatch: Any) -> None:
    prompts = _ids(tokenizer)
    kwargs = {"max_new_tokens": [7, 30, 19], "temperature": 0.0, "stop": (), "pad_id": 0}
    fast = sample(model, prompts, **kwargs)
    monkeypatch.setattr(sampling, "supports_fast", lambda m: False)
    slow = sample(model, prompts, **kwargs)
    assert fast == slow
    assert [len(c) for c in fast] == [7, 30, 19]


def test_greedy_tokens_are_the_argmax_of_the_training_forward(model: Any, tokenizer: Any) -> None:
    prompts = _ids(tokenizer)
    out = sample(model, prompts, max_new_tokens=25, temperature=0.0, stop=(), pad_id=0)
    ids, mask = left_pad(prompts, pad_id=0)
    comp = torch.tensor(out)
    full = torch.cat([ids, comp], 1)
    full_mask = torch.cat([mask, torch.ones_like(comp)], 1)
    with torch.no_grad():
        logits = model(
            input_ids=full, attention_mask=full_mask, position_ids=positions(full_mask)
        ).logits
    assert torch.equal(logits[:, ids.shape[1] - 1 : -1].argmax(-1), comp)


def test_sampled_logprobs_match_completion_logprobs(model: Any, tokenizer: Any) -> None:
    # The log-prob the trainer computes for a sampled token is that of the sampler's
    # distribution: same positions, same mask, same temperature.
    prompts = _ids(tokenizer)
    gen = torch.Generator().manual_seed(3)
    out = sample(
        model, prompts, max_new_tokens=12, temperature=0.7, stop=(), pad_id=0, generator=gen
    )
    ids, mask = left_pad(prompts, pad_id=0)
    comp = torch.tensor(out)
    full = torch.cat([ids, comp], 1)
    full_mask = torch.cat([mask, torch.ones_like(comp)], 1)
    with torch.no_grad():
        logp = completion_logprobs(model, full, full_mask, 12, temperature=0.7)
        ref = []
        for row, prompt in enumerate(prompts):
            seq = torch.tensor([prompt + out[row]])
            logits = model(input_ids=seq).logits[0, len(prompt) - 1 : -1].float() / 0.7
            ref.append(logits.log_softmax(-1).gather(1, seq[0, len(prompt) :, None]).squeeze(1))
    torch.testing.assert_close(logp, torch.stack(ref), atol=1e-4, rtol=1e-4)


def test_stop_token_ends_a_row_and_is_kept(model: Any, tokenizer: Any) -> None:
    prompts = _ids(tokenizer)
    free = sample(model, prompts, max_new_tokens=20, temperature=0.0, stop=(), pad_id=0)
    stop = free[0][4]
    out = sample(model, prompts, max_new_tokens=20, temperature=0.0, stop=(stop,), pad_id=0)
    for full, cut in zip(free, out, strict=True):
        first = full.index(stop) if stop in full else len(full)
        assert cut == full[: first + 1]


@pytest.mark.parametrize("fast", [True, False], ids=["static-cache", "hf-cache"])
def test_repeat_prefills_once_and_matches_repeated_prompts(
    model: Any, tokenizer: Any, monkeypatch: Any, fast: bool
) -> None:
    if not fast:
        monkeypatch.setattr(sampling, "supports_fast", lambda m: False)
    prompts = _ids(tokenizer)
    kwargs = {"max_new_tokens": 15, "temperature": 0.0, "stop": stop_ids(tokenizer), "pad_id": 0}
    repeated = sample(model, prompts, repeat=3, **kwargs)
    plain = sample(model, [p for p in prompts for _ in range(3)], **kwargs)
    assert repeated == plain


def test_same_generator_seed_same_samples(model: Any, tokenizer: Any) -> None:
    prompts = _ids(tokenizer)

    def draw(seed: int) -> list[list[int]]:
        gen = torch.Generator().manual_seed(seed)
        return sample(
            model,
            prompts,
            max_new_tokens=10,
            temperature=1.0,
            stop=(),
            pad_id=0,
            generator=gen,
            repeat=4,
        )

    assert draw(1) == draw(1)
    assert draw(1) != draw(2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_new_tokens": [1, 2]}, "max_new_tokens must have 3"),
        ({"max_new_tokens": 0}, "max_new_tokens must be >= 1"),
        ({"max_new_tokens": 4, "repeat": 0}, "repeat must be"),
    ],
)
def test_bad_arguments_raise(
    model: Any, tokenizer: Any, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        sample(model, _ids(tokenizer), temperature=1.0, stop=(), pad_id=0, **kwargs)
