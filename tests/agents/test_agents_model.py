"""Model presets and random initialisation: sizes, determinism, atomic save, reload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from edgegym.agents.model import (
    INIT_INFO,
    MODEL_PRESETS,
    count_params,
    init_model,
    model_config,
    save_init,
)

torch = pytest.importorskip("torch")


def _meta_params(preset: str, tokenizer: Any) -> int:
    from transformers import LlamaForCausalLM

    with torch.device("meta"):
        return count_params(LlamaForCausalLM(model_config(preset, tokenizer)))


def test_presets_are_llama_with_tied_embeddings() -> None:
    assert {"tiny", "small", "study-100m"} <= set(MODEL_PRESETS)
    for preset in MODEL_PRESETS.values():
        assert preset["config"]["tie_word_embeddings"] is True
        assert preset["tokenizer"] in ("char", "bpe")


@pytest.mark.parametrize(
    ("preset", "lo", "hi"), [("tiny", 0.9e6, 1.2e6), ("small", 3.8e6, 4.6e6)], ids=["tiny", "small"]
)
def test_cpu_preset_sizes(preset: str, lo: float, hi: float, char_tok: Any) -> None:
    assert lo <= _meta_params(preset, char_tok) <= hi


def test_study_preset_is_within_5_percent_of_103m(bpe_tok: Any) -> None:
    params = _meta_params("study-100m", bpe_tok)
    assert abs(params - 103e6) / 103e6 <= 0.05, params
    config = model_config("study-100m", bpe_tok)
    assert (config.num_hidden_layers, config.hidden_size, config.intermediate_size) == (
        12,
        768,
        3072,
    )
    assert (config.num_attention_heads, config.num_key_value_heads) == (12, 2)
    assert config.max_position_embeddings == 2048
    assert config.model_type == "llama"


def test_special_ids_come_from_the_tokenizer(char_tok: Any) -> None:
    config = model_config("tiny", char_tok)
    assert config.vocab_size == len(char_tok)
    assert (config.pad_token_id, config.bos_token_id, config.eos_token_id) == (0, 1, 2)


def test_init_is_deterministic_and_leaves_the_global_rng_alone(char_tok: Any) -> None:
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    first, second = init_model("tiny", char_tok, seed=5), init_model("tiny", char_tok, seed=5)
    other = init_model("tiny", char_tok, seed=6)
    assert torch.equal(torch.random.get_rng_state(), before)
    pairs = zip(first.state_dict().values(), second.state_dict().values(), strict=True)
    assert all(torch.equal(a, b) for a, b in pairs)
    assert not torch.equal(first.lm_head.weight, other.lm_head.weight)
    assert first.lm_head.weight.data_ptr() == first.model.embed_tokens.weight.data_ptr()


def test_bad_arguments_raise(char_tok: Any) -> None:
    with pytest.raises(ValueError, match="preset"):
        init_model("huge", char_tok)
    with pytest.raises(ValueError, match="seed"):
        init_model("tiny", char_tok, seed=-1)


def test_save_init_is_atomic_and_reloads(char_tok: Any, tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = save_init(tmp_path / "tiny", "tiny", char_tok, seed=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny"]  # no temporary left over
    model = AutoModelForCausalLM.from_pretrained(out)
    assert model.config.model_type == "llama"
    expected = init_model("tiny", char_tok, seed=3)
    pairs = zip(model.state_dict().values(), expected.state_dict().values(), strict=True)
    assert all(torch.equal(a, b) for a, b in pairs)
    assert AutoTokenizer.from_pretrained(out).get_vocab() == char_tok.get_vocab()
    assert (out / INIT_INFO).is_file()
    with pytest.raises(FileExistsError):
        save_init(out, "tiny", char_tok)
    save_init(out, "tiny", char_tok, seed=4, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny"]
