"""Batched sampling with a static KV cache, and the log-probabilities GRPO trains on.

:func:`sample` decodes a left-padded batch token by token. For Llama models it runs
the model's own modules (embeddings, norms, projections, rotary embedding, MLP)
over a preallocated KV cache and drops finished rows as it goes. For the 1M-parameter
``tiny`` model on one CPU thread it sampled 1.35x and 1.6x as fast as ``model.generate``
(128 rows x 120 tokens, medians of interleaved runs on a shared 2-core machine), and
it gives exact control of stop tokens, per-row length limits and the random stream.
Other architectures fall back to the model's forward with a ``DynamicCache``.

Position ids are always ``cumsum(attention_mask) - 1``: Hugging Face Llama does not
derive them from the mask, and without them a left-padded row would see shifted
positions, so the log-probs :func:`completion_logprobs` computes for training would
not be those of the sampler.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from edgegym.agents.tokenizer import require
from edgegym.agents.train.data import left_pad
from edgegym.tasks.checks import check_int

if TYPE_CHECKING:
    import torch
    from torch import Tensor

__all__ = ["completion_logprobs", "positions", "sample", "supports_fast"]

# Drop finished rows from the cache once this share of the live rows has finished.
_COMPACT_SHARE = 0.25


def positions(mask: torch.Tensor) -> torch.Tensor:
    """Position ids of a left- (or right-) padded batch: ``cumsum(mask) - 1``, 0 on padding."""
    return (mask.long().cumsum(1) - 1).clamp(min=0)


def supports_fast(model: Any) -> bool:
    """True for Llama models, which the static-cache decoder runs exactly."""
    config = getattr(model, "config", None)
    return (
        getattr(config, "model_type", None) == "llama"
        and not getattr(config, "mlp_bias", False)
        and getattr(config, "pretraining_tp", 1) == 1
    )


class _StaticLlama:
    """Incremental decoding of a ``LlamaForCausalLM`` over a preallocated KV cache."""

    def __init__(self, model: Any, batch: int, length: int) -> None:
        torch = require("torch")
        config = model.config
        self.model = model
        self.heads = config.num_attention_heads
        self.kv_heads = config.num_key_value_heads
        self.head_dim = getattr(config, "head_dim", None) or config.hidden_size // self.heads
        param = next(model.parameters())
        shape = (len(model.model.layers), batch, self.kv_heads, length, self.head_dim)
        self.keys = torch.zeros(shape, dtype=param.dtype, device=param.device)
        self.values = torch.zeros(shape, dtype=param.dtype, device=param.device)

    def keep(self, rows: torch.Tensor) -> None:
        """Keep only ``rows`` of the cache (drop finished sequences)."""
        self.keys = self.keys[:, rows]
        self.values = self.values[:, rows]

    def repeat(self, times: int) -> None:
        """Repeat every row ``times`` times (after a shared prefill)."""
        self.keys = self.keys.repeat_interleave(times, dim=1)
        self.values = self.values.repeat_interleave(times, dim=1)

    def forward(
        self, ids: torch.Tensor, pos: torch.Tensor, start: int, valid: torch.Tensor
    ) -> torch.Tensor:
        """Logits of the last position after feeding ``ids`` at cache slots ``start..``.

        Args:
            ids: (batch, t) token ids.
            pos: (batch, t) their position ids.
            start: cache slot of ``ids[:, 0]``.
            valid: (batch, >= start + t) bool, True where a cache slot holds a real token.
        """
        torch = require("torch")
        functional = torch.nn.functional
        inner = self.model.model
        batch, t = ids.shape
        end = start + t
        x = inner.embed_tokens(ids)
        cos, sin = inner.rotary_emb(x, pos)
        cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)
        causal = torch.ones(t, end, dtype=torch.bool, device=ids.device).tril(diagonal=start)
        mask = valid[:, None, None, :end] & causal
        for i, layer in enumerate(inner.layers):
            attn = layer.self_attn
            h = layer.input_layernorm(x)
            q = attn.q_proj(h).view(batch, t, self.heads, self.head_dim).transpose(1, 2)
            k = attn.k_proj(h).view(batch, t, self.kv_heads, self.head_dim).transpose(1, 2)
            v = attn.v_proj(h).view(batch, t, self.kv_heads, self.head_dim).transpose(1, 2)
            q = q * cos + _rotate_half(q) * sin
            k = k * cos + _rotate_half(k) * sin
            self.keys[i, :, :, start:end] = k
            self.values[i, :, :, start:end] = v
            out = functional.scaled_dot_product_attention(
                q,
                self.keys[i, :, :, :end],
                self.values[i, :, :, :end],
                attn_mask=mask,
                scale=attn.scaling,
                enable_gqa=self.kv_heads != self.heads,
            )
            x = x + attn.o_proj(out.transpose(1, 2).reshape(batch, t, -1))
            x = x + layer.mlp(layer.post_attention_layernorm(x))
        logits: Tensor = self.model.lm_head(inner.norm(x[:, -1]))
        return logits


class _HFCache:
    """The same interface over the model's own forward and a ``DynamicCache``."""

    def __init__(self, model: Any) -> None:
        transformers = require("transformers")
        self.model = model
        self.cache = transformers.DynamicCache()
        # transformers 5 renamed ``past_key_values`` to ``cache``; the cache updates in place.
        params = inspect.signature(model.forward).parameters
        self.cache_arg = "cache" if "cache" in params else "past_key_values"

    def keep(self, rows: torch.Tensor) -> None:
        self.cache.batch_select_indices(rows)

    def repeat(self, times: int) -> None:
        self.cache.batch_repeat_interleave(times)

    def forward(
        self, ids: torch.Tensor, pos: torch.Tensor, start: int, valid: torch.Tensor
    ) -> torch.Tensor:
        end = start + ids.shape[1]
        out = self.model(
            input_ids=ids,
            attention_mask=valid[:, :end].long(),
            position_ids=pos,
            use_cache=True,
            logits_to_keep=1,
            **{self.cache_arg: self.cache},
        )
        logits: torch.Tensor = out.logits[:, -1]
        return logits


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    torch = require("torch")
    half = x.shape[-1] // 2
    rotated: Tensor = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
    return rotated


def _pick(logits: torch.Tensor, temperature: float, generator: Any) -> torch.Tensor:
    """Next token per row: argmax at temperature 0, else a draw from softmax(logits / T)."""
    torch = require("torch")
    if temperature == 0:
        greedy: Tensor = logits.argmax(-1)
        return greedy
    probs = torch.softmax(logits.float() / temperature, dim=-1)
    drawn: Tensor = torch.multinomial(probs, 1, generator=generator).squeeze(1)
    return drawn


def _sample_chunk(
    model: Any,
    prompts: Sequence[Sequence[int]],
    limits: Sequence[int],
    *,
    repeat: int,
    temperature: float,
    stop: Sequence[int],
    pad_id: int,
    generator: Any,
) -> list[list[int]]:
    torch = require("torch")
    device = next(model.parameters()).device
    ids, mask = left_pad(prompts, pad_id=pad_id, device=device)
    width = ids.shape[1]
    steps = max(limits)
    decoder: _StaticLlama | _HFCache = (
        _StaticLlama(model, len(prompts), width + steps)
        if supports_fast(model)
        else _HFCache(model)
    )
    valid = torch.zeros((len(prompts), width + steps), dtype=torch.bool, device=device)
    valid[:, :width] = mask.bool()
    pos = positions(mask)
    # Prefill each distinct prompt once, then copy its cache to its ``repeat`` rows.
    logits = decoder.forward(ids, pos, 0, valid)
    if repeat > 1:
        decoder.repeat(repeat)
        logits = logits.repeat_interleave(repeat, dim=0)
        valid = valid.repeat_interleave(repeat, dim=0)
        pos = pos.repeat_interleave(repeat, dim=0)
    limits = [limit for limit in limits for _ in range(repeat)]
    batch = len(limits)
    last = pos[:, -1]
    stop_t = torch.tensor(list(stop), device=device)
    limit_t = torch.tensor(limits, device=device)
    rows = torch.arange(batch, device=device)  # live row -> index in the chunk
    out: list[list[int]] = [[] for _ in range(batch)]
    finished = torch.zeros(batch, dtype=torch.bool, device=device)
    finished_since = 0
    for t in range(steps):
        token = _pick(logits, temperature, generator)
        for row, tok in zip(rows.tolist(), token.tolist(), strict=True):
            out[row].append(tok)
        now = ~finished & (torch.isin(token, stop_t) | (t + 1 >= limit_t[rows]))
        finished |= now
        if bool(finished.all()):
            break
        finished_since += int(now.sum())
        if finished_since >= _COMPACT_SHARE * len(rows):
            keep = (~finished).nonzero().squeeze(1)
            decoder.keep(keep)
            rows, token, last, valid = rows[keep], token[keep], last[keep], valid[keep]
            finished = finished[keep]
            finished_since = 0
        # Finished rows still in the cache keep decoding; _cut drops what they add.
        valid[:, width + t] = True
        last = last + 1
        logits = decoder.forward(token[:, None], last[:, None], width + t, valid)
    return [_cut(seq, stop, limit) for seq, limit in zip(out, limits, strict=True)]


def _cut(seq: list[int], stop: Sequence[int], limit: int) -> list[int]:
    """A row's tokens up to and including its first stop token, at most ``limit`` long."""
    for i, tok in enumerate(seq[:limit]):
        if tok in stop:
            return seq[: i + 1]
    return seq[:limit]


def sample(
    model: Any,
    prompts: Sequence[Sequence[int]],
    *,
    max_new_tokens: int | Sequence[int],
    temperature: float,
    stop: Sequence[int],
    pad_id: int,
    generator: Any = None,
    repeat: int = 1,
    batch_size: int = 256,
) -> list[list[int]]:
    """Sample ``repeat`` completions per prompt.

    Rows are decoded in chunks of about ``batch_size`` in the order given (put prompts
    of similar length together for speed). Each prompt is prefilled once and its
    cache copied to its ``repeat`` rows. A completion ends with its first token in
    ``stop`` (kept) or at its limit.

    Args:
        model: a causal LM (``LlamaForCausalLM`` takes the fast path).
        prompts: token ids of each prompt.
        max_new_tokens: one limit for all rows, or one per prompt.
        temperature: 0 for greedy decoding, else the softmax temperature.
        stop: token ids that end a completion.
        pad_id: padding id.
        generator: torch Generator of the draws (on the model's device).
        repeat: completions per prompt (a GRPO group, the n of pass@k).
        batch_size: rows decoded together (rounded to whole prompts).

    Returns:
        ``len(prompts) * repeat`` completions: prompt 0's ``repeat`` rows first.
    """
    torch = require("torch")
    limits = (
        [int(max_new_tokens)] * len(prompts)
        if isinstance(max_new_tokens, int)
        else [int(m) for m in max_new_tokens]
    )
    if len(limits) != len(prompts):
        raise ValueError(f"max_new_tokens must have {len(prompts)} entries, got {len(limits)}")
    if any(m < 1 for m in limits):
        raise ValueError(f"max_new_tokens must be >= 1, got {min(limits)}")
    check_int("repeat", repeat, 1)
    per_chunk = max(1, batch_size // repeat)
    was_training = model.training
    model.eval()
    results: list[list[int]] = []
    try:
        with torch.no_grad():
            for lo in range(0, len(prompts), per_chunk):
                results += _sample_chunk(
                    model,
                    prompts[lo : lo + per_chunk],
                    limits[lo : lo + per_chunk],
                    repeat=repeat,
                    temperature=temperature,
                    stop=stop,
                    pad_id=pad_id,
                    generator=generator,
                )
    finally:
        model.train(was_training)
    return results


def completion_logprobs(
    model: Any,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    completion_len: int,
    *,
    temperature: float = 1.0,
) -> torch.Tensor:
    """Log-probabilities of the last ``completion_len`` tokens of each row, shape (batch, C).

    The rows are a left-padded prompt followed by a right-padded completion; position
    ids come from the mask, as in :func:`sample`. Logits are divided by ``temperature``
    (the sampling distribution), as TRL does.
    """
    torch = require("torch")
    out = model(
        input_ids=input_ids,
        attention_mask=attention_mask,
        position_ids=positions(attention_mask),
        logits_to_keep=completion_len + 1,
    )
    logits = out.logits[:, :-1].float() / temperature
    targets = input_ids[:, -completion_len:]
    logp: Tensor = torch.gather(logits.log_softmax(-1), 2, targets.unsqueeze(-1)).squeeze(-1)
    return logp
