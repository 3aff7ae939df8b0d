"""Tokenizers: exact round trips on generated text, special tokens, digit chunks, reloads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from edgegym.agents.tokenizer import (
    BOS,
    EOS,
    SPECIAL_TOKENS,
    TAGS,
    char_tokenizer,
    generator_chars,
    roundtrip,
    train_bpe,
)
from edgegym.tasks import Problem


@pytest.mark.parametrize("kind", ["char", "bpe"])
def test_every_generated_text_round_trips(kind: str, problems: list[Problem], request: Any) -> None:
    tok = request.getfixturevalue(f"{kind}_tok")
    for problem in problems:
        for text in (problem.text + EOS, problem.prompt, problem.completion + EOS):
            assert roundtrip(tok, text) == text, (problem.spec, text[:80])


@pytest.mark.parametrize("kind", ["char", "bpe"])
def test_special_tokens_are_single_ids_in_fixed_order(kind: str, request: Any) -> None:
    tok = request.getfixturevalue(f"{kind}_tok")
    for expected_id, token in enumerate(SPECIAL_TOKENS):
        assert tok.convert_tokens_to_ids(token) == expected_id
        assert tok(f"a {token} b", add_special_tokens=False)["input_ids"].count(expected_id) == 1
    assert (tok.pad_token_id, tok.bos_token_id, tok.eos_token_id, tok.unk_token_id) == (0, 1, 2, 3)
    assert set(TAGS) <= set(tok.all_special_tokens)


@pytest.mark.parametrize("kind", ["char", "bpe"])
def test_nothing_is_added_implicitly(kind: str, request: Any) -> None:
    tok = request.getfixturevalue(f"{kind}_tok")
    text = "<question> a = 1. </question> <solution>"
    assert tok(text)["input_ids"] == tok(text, add_special_tokens=False)["input_ids"]
    assert tok.convert_tokens_to_ids(BOS) not in tok(text)["input_ids"]


def test_char_tokenizer_is_one_token_per_character(char_tok: Any) -> None:
    text = "Define x as A; so A = 12 + 7 = 19.\n\t~"
    ids = char_tok(text)["input_ids"]
    assert len(ids) == len(text)
    assert char_tok.unk_token_id not in ids
    assert char_tok(f"{text}{EOS}")["input_ids"][-1] == char_tok.eos_token_id


def test_char_tokenizer_covers_the_contexts_and_extra_chars() -> None:
    chars = generator_chars()
    assert len(set(chars)) == len(chars)
    tok = char_tokenizer(extra_chars="€ß")
    assert tok.unk_token_id not in tok("€ß é")["input_ids"]
    assert (
        char_tokenizer().unk_token_id in char_tokenizer()("€")["input_ids"]
    )  # not silently dropped


def test_bpe_splits_digits_in_chunks_of_three(bpe_tok: Any) -> None:
    tokens = bpe_tok.convert_ids_to_tokens(bpe_tok("x = 1234567.")["input_ids"])
    digit_tokens = [t for t in tokens if t.strip("Ġ").isdigit()]
    assert all(len(t.strip("Ġ")) <= 3 for t in digit_tokens)
    assert "".join(t.strip("Ġ") for t in digit_tokens) == "1234567"


def test_bpe_spends_no_merges_on_tag_pieces(bpe_tok: Any) -> None:
    vocab = bpe_tok.get_vocab()
    pieces = ("question>", "solution>", "answer>", "EOS", "PAD")
    assert not [t for t in vocab if any(p in t for p in pieces) and t not in SPECIAL_TOKENS]


def test_bpe_training_is_deterministic_and_validated() -> None:
    texts = [f"<question> q{i} = {i * 37}. </question>" for i in range(200)]
    first, second = train_bpe(texts, vocab_size=300), train_bpe(texts, vocab_size=300)
    assert first.get_vocab() == second.get_vocab()
    with pytest.raises(ValueError, match="vocab_size"):
        train_bpe(texts, vocab_size=100)


@pytest.mark.parametrize("kind", ["char", "bpe"])
def test_saved_tokenizer_reloads_exactly(
    kind: str, request: Any, tmp_path: Path, problems: list[Problem]
) -> None:
    from transformers import AutoTokenizer

    from edgegym.agents.model import save_init

    tok = request.getfixturevalue(f"{kind}_tok")
    out = save_init(tmp_path / "m", "tiny", tok)
    loaded = AutoTokenizer.from_pretrained(out)
    for problem in problems[::7]:
        text = problem.text + EOS
        assert (
            loaded(text, add_special_tokens=False)["input_ids"]
            == tok(text, add_special_tokens=False)["input_ids"]
        )
        assert roundtrip(loaded, text) == text
