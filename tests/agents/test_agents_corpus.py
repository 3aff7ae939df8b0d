"""Corpora: deterministic, token-exact, resumable after a crash, leakage-guarded, replayable."""

from __future__ import annotations

import dataclasses
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import pytest

from edgegym.agents import corpus as corpus_mod
from edgegym.agents.corpus import (
    MANIFEST,
    CorpusConfig,
    TokenCounter,
    context_mixture,
    op_mixture,
    read_corpus,
    verify_corpus,
    weight_mixture,
    write_corpus,
)
from edgegym.agents.corpus import write as corpus_write
from edgegym.tasks import CONTEXTS, DagConfig

SYMBOLIC = DagConfig(modulus=10, distractors=0)


def _config(kind: str = "pretrain", **overrides: Any) -> CorpusConfig:
    values: dict[str, Any] = {
        "kind": kind,
        "ops": op_mixture("2-6"),
        "contexts": weight_mixture("symbolic", CONTEXTS, "contexts"),
        "dag": SYMBOLIC,
        "tokens": 20_000,
        "shard_size": 16,
    }
    return CorpusConfig(**(values | overrides))


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# ---- mixtures and config -----------------------------------------------------------------


def test_mixture_presets_sum_to_one_and_expand_bands() -> None:
    mix = dict(op_mixture("pretrain-20-30-50"))
    assert sorted(mix) == list(range(2, 11))
    assert sum(mix.values()) == pytest.approx(1.0)
    assert mix[2] == pytest.approx(0.2 / 3) and mix[10] == pytest.approx(0.5 / 3)
    mid = dict(op_mixture("midtrain-20-80"))
    assert sum(p for op, p in mid.items() if op >= 11) == pytest.approx(0.8)
    joint = context_mixture("zoo+teacher-1")
    assert dict(joint.weights) == {"zoo": 0.99, "teacher": 0.01}
    assert joint.ops == (("teacher", ((2, 1.0),)),) and joint.share_of == "tokens"
    assert context_mixture("zoo=0.99,teacher=0.01@2", "tokens") == joint
    with pytest.raises(ValueError, match="joint"):  # its op x context part cannot be dropped
        weight_mixture("zoo+teacher-1", CONTEXTS, "contexts")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("2-4:0.2,5-7:0.3", "sum to 1"),  # the study's 1.8-sum preset bug, the other way round
        ("2-4:0.9,5-7:0.9", "sum to 1"),
        ("2-4:0.5,5-7", "probability"),  # a band without its share
        ("1-4", r"\[2, 40\]"),  # below the smallest op
        ("two-four", "preset"),
    ],
    ids=["under", "over", "missing", "range", "garbage"],
)
def test_bad_op_mixtures_are_rejected(text: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        op_mixture(text)


def test_bad_weights_and_configs_are_rejected() -> None:
    with pytest.raises(ValueError, match="sum to 1"):
        weight_mixture("zoo=0.5,teacher=0.4", CONTEXTS, "contexts")
    with pytest.raises(ValueError, match="names from"):
        weight_mixture("mars", CONTEXTS, "contexts")
    with pytest.raises(ValueError, match="exactly one"):
        _config(records=10)
    with pytest.raises(ValueError, match="modulus"):
        _config(modes=(("reverse", 1.0),))
    with pytest.raises(ValueError, match="kind"):
        _config(kind="posttrain")


def test_config_round_trips_through_json() -> None:
    config = _config("rl", env_kwargs={"reward": "strict"})
    again = CorpusConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again == config and again.task_seed == config.task_seed
    assert _config("sft").task_seed != config.task_seed  # kinds draw independent problems


def test_bad_joint_mixtures_are_rejected() -> None:
    with pytest.raises(ValueError, match="context_ops must name"):
        _config(context_ops=(("teacher", ((2, 1.0),)),))  # teacher is not mixed in
    with pytest.raises(ValueError, match="ops of zoo"):
        _config(
            contexts=(("teacher", 0.5), ("zoo", 0.5)),
            context_ops=(("zoo", ((2, 0.5), (3, 0.4))),),
        )
    with pytest.raises(ValueError, match="share_of"):
        _config(share_of="bytes")
    with pytest.raises(ValueError, match="share_of"):
        context_mixture("zoo", "bytes")  # type: ignore[arg-type]


def test_joint_config_round_trips_and_plain_manifests_keep_their_keys() -> None:
    plain = _config()
    assert "context_ops" not in plain.to_dict() and not plain.joint
    mix = context_mixture("zoo=0.9,teacher=0.1@2-3", "tokens")
    joint = _config(
        contexts=mix.weights, context_ops=mix.ops, share_of=mix.share_of, dag=DagConfig()
    )
    assert joint.joint and joint.ops_of("teacher") == ((2, 0.5), (3, 0.5))
    assert joint.ops_of("zoo") == joint.ops
    assert CorpusConfig.from_dict(json.loads(json.dumps(joint.to_dict()))) == joint


def _teacher_at_op_2(tokens: int) -> CorpusConfig:
    mix = context_mixture("zoo+teacher-1")  # teacher at op 2 at 1% of tokens
    return CorpusConfig(
        kind="pretrain",
        ops=op_mixture("2-20"),  # zoo at every op of the study's pre-training
        contexts=mix.weights,
        context_ops=mix.ops,
        share_of=mix.share_of,
        tokens=tokens,
    )


def test_teacher_at_op_2_at_one_percent_of_ten_million_tokens(tmp_path: Path) -> None:
    """The context study's corpus: 1% +- 0.1% teacher tokens, all at op 2."""
    one = write_corpus(_teacher_at_op_2(10_000_000), tmp_path / "a", workers=1)
    assert one["tokens"] >= 10_000_000
    tokens = {"teacher": 0, "zoo": 0}
    teacher_ops: set[int] = set()
    zoo_ops: set[int] = set()
    for record in read_corpus(tmp_path / "a"):
        tokens[record["context"]] += record["n_tokens"]
        (teacher_ops if record["context"] == "teacher" else zoo_ops).add(record["op"])
    assert teacher_ops == {2} and zoo_ops == set(range(2, 21))
    share = tokens["teacher"] / one["tokens"]
    assert 0.009 <= share <= 0.011, share


@pytest.mark.slow
def test_teacher_at_op_2_corpus_is_the_same_bytes_with_two_workers(tmp_path: Path) -> None:
    config = _teacher_at_op_2(10_000_000)
    one = write_corpus(config, tmp_path / "a", workers=1)
    two = write_corpus(config, tmp_path / "b", workers=2)
    assert one == two and _files(tmp_path / "a") == _files(tmp_path / "b")


def test_joint_corpus_is_the_same_bytes_with_two_workers(tmp_path: Path) -> None:
    config = dataclasses.replace(_teacher_at_op_2(200_000), shard_size=16)
    one = write_corpus(config, tmp_path / "a", workers=1)
    two = write_corpus(config, tmp_path / "b", workers=2)
    assert one == two and _files(tmp_path / "a") == _files(tmp_path / "b")
    assert {r["context"] for r in read_corpus(tmp_path / "a")} == {"teacher", "zoo"}


def test_joint_prefixes_hold_their_record_shares() -> None:
    """The Weyl draw: every prefix of slots is within a few records of its share."""
    config = _teacher_at_op_2(10**6)
    shares = corpus_mod.record_shares(config, TokenCounter("char"))
    q = dict(zip((c for c, _ in config.contexts), shares, strict=True))["teacher"]
    assert 0.01 < q < 0.06  # op-2 problems are shorter than the average op-2-20 one
    teacher = 0
    for slot in range(4000):
        teacher += corpus_mod.slot_spec(config, slot, shares).context == "teacher"
        assert abs(teacher - q * (slot + 1)) < 3


# ---- determinism, budgets, counts ---------------------------------------------------------


def test_token_budget_is_exact_and_counts_are_real(tmp_path: Path, char_tok: Any) -> None:
    manifest = write_corpus(_config(), tmp_path)
    records = list(read_corpus(tmp_path))
    counts = [r["n_tokens"] for r in records]
    assert manifest["complete"] and manifest["tokens"] == sum(counts)
    assert sum(counts) >= 20_000 > sum(counts[:-1])  # the shortest prefix reaching the budget
    for record in records[:50]:
        assert record["text"].endswith("[EOS]")
        assert record["n_tokens"] == len(
            char_tok(record["text"], add_special_tokens=False)["input_ids"]
        )
    assert verify_corpus(tmp_path) == manifest


def test_bpe_counts_match_the_tokenizer(tmp_path: Path, bpe_tok: Any) -> None:
    bpe_tok.save_pretrained(tmp_path / "tok")
    counter = TokenCounter(str(tmp_path / "tok"))
    assert counter.eos == "[EOS]"
    write_corpus(_config("sft", tokenizer=str(tmp_path / "tok"), tokens=5000), tmp_path / "c")
    for record in read_corpus(tmp_path / "c"):
        text = record["prompt"] + record["response"]
        assert record["n_tokens"] == len(bpe_tok(text, add_special_tokens=False)["input_ids"])


# Strings where a replayed pre-tokenizer could go wrong, one trick per row.
TRICKY = [
    "",  # nothing
    "  a  ",  # runs of spaces around a word
    "x\n\n y\t\tz",  # newlines and tabs
    "1234567 12 0007",  # digit chunks of three, leading zeros
    "a1234b 9.5",  # digits glued to letters and dots
    "it's they'll we'd",  # GPT-2's contractions
    "[EOS][EOS]<answer>1</answer>[PAD]",  # special tokens back to back
    "x<question>y",  # a special token inside a word
    "!!!  ???  .",  # punctuation runs
    "caf\u00e9 \u00e8 1",  # non-ASCII before a space: left to the tokenizer
    "a\x1cb \r\n",  # control characters inside a piece
    " lead and trail ",  # spaces at both ends
    "a  b   c    d",  # runs of spaces between words (GPT-2 keeps all but the last apart)
    "x\t y\n z\u00a0 w\u2009 v",  # whitespace, ASCII or not, before a space
    "x \u00fc1 \u00df",  # non-ASCII inside pieces
    "</answer> The [EOS] 26 <solution> x",  # special tokens next to spaces
    "y ; so M = p - Y = 33 - 15 = 18. ",  # the generator's arithmetic
]


@pytest.mark.parametrize("text", TRICKY, ids=range(len(TRICKY)))
def test_fast_token_counts_equal_the_tokenizers(
    text: str, tmp_path: Path, bpe_tok: Any, char_tok: Any
) -> None:
    bpe_tok.save_pretrained(tmp_path / "bpe")
    char_tok.save_pretrained(tmp_path / "char")
    for name, tok in (("bpe", bpe_tok), ("char", char_tok)):
        counter = TokenCounter(str(tmp_path / name))
        assert counter._words is not None or counter._char_specials is not None  # a fast path
        for sample in (text, text * 3, f"<question> {text} </question>"):
            expected = len(tok(sample, add_special_tokens=False)["input_ids"])
            assert counter.count([sample]) == [expected], (name, sample)


# Fragments that random texts are made of: everything the cuts before spaces rely on.
FRAGMENTS = [
    *(" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2009", "\x1c", "\x7f"),
    *("\t \u00a0 ", " \n ", "\u2009 \t", "\r \x0b "),  # mixed runs of whitespace
    *("a", "Zoo", "number", "Oakridge", "x", "'s", "'ll", "'t", "don", "\u00e9", "\u00df"),
    *("0", "1", "12", "123", "1234", "0007", "3.5"),
    *(".", ",", ";", "=", "+", "-", "(", ")", "?!", "'", "<", ">", "[", "]", "</"),
    *("[EOS]", "[PAD]", "<question>", "</question>", "<solution>", "<answer>", "</answer>"),
]


def test_fast_bpe_counts_equal_the_tokenizers_on_random_and_generated_texts(
    tmp_path: Path, problems: list[Any]
) -> None:
    pytest.importorskip("transformers")
    from edgegym.agents.tokenizer import train_bpe

    rng = random.Random(7)
    texts = ["".join(rng.choices(FRAGMENTS, k=rng.randint(1, 40))) for _ in range(3000)]
    # The generator's own texts, and the same with a fragment swapped in here and there.
    for problem in problems:
        words = (problem.text + "[EOS]").split(" ")
        texts += [problem.text + "[EOS]", problem.prompt, problem.completion]
        for _ in range(5):
            words[rng.randrange(len(words))] = rng.choice(FRAGMENTS)
            texts.append(" ".join(words))
    # Trained on these very texts, the BPE merges runs of whitespace and the pieces
    # around them: a wrong cut changes the count.
    tok = train_bpe(texts, vocab_size=700)
    tok.save_pretrained(tmp_path)
    counter = TokenCounter(str(tmp_path))
    assert counter._words is not None
    expected = [len(ids) for ids in tok(texts, add_special_tokens=False)["input_ids"]]
    assert counter.count(texts) == expected
    assert counter.count(texts) == expected  # from the caches filled by the first pass


def test_record_budget_and_layout_do_not_change_the_records(tmp_path: Path) -> None:
    small = write_corpus(_config(tokens=None, records=50, shard_size=7), tmp_path / "a")
    large = write_corpus(_config(tokens=None, records=50, shard_size=64), tmp_path / "b")
    assert small["records"] == large["records"] == 50
    assert list(read_corpus(tmp_path / "a")) == list(read_corpus(tmp_path / "b"))
    assert len(small["shards"]) == 8 and len(large["shards"]) == 1


def test_worker_count_does_not_change_the_bytes(tmp_path: Path) -> None:
    write_corpus(_config(), tmp_path / "one", workers=1)
    write_corpus(_config(), tmp_path / "two", workers=2)
    assert _files(tmp_path / "one") == _files(tmp_path / "two")


def test_corpora_are_sharded_jsonl_that_datasets_reads(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    manifest = write_corpus(_config(), tmp_path)
    assert (tmp_path / MANIFEST).is_file()
    loaded = datasets.load_dataset(str(tmp_path), split="train")  # the manifest is hidden
    assert len(loaded) == manifest["records"]


# ---- crashes and restarts -----------------------------------------------------------------


def test_crash_between_shards_then_resume_gives_the_same_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_corpus(_config(), tmp_path / "clean")
    real, calls = corpus_write.write_manifest, []

    def crash_on_third(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # stands in for a kill after a shard was renamed
        return real(*args, **kwargs)

    monkeypatch.setattr(corpus_write, "write_manifest", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        write_corpus(_config(), tmp_path / "crashed")
    (tmp_path / "crashed" / ".shard-00009.jsonl.abc.tmp").write_text("half a shard")
    (tmp_path / "crashed" / f".{MANIFEST}.def.tmp").write_text("half a manifest")
    monkeypatch.setattr(corpus_write, "write_manifest", real)
    write_corpus(_config(), tmp_path / "crashed")
    assert _files(tmp_path / "crashed") == _files(tmp_path / "clean")


def test_kill_and_restart_the_command_gives_the_same_files(tmp_path: Path, repo: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(repo))
    base = [sys.executable, "-m", "edgegym", "corpus", "pretrain", "--tokens", "400k"]
    base += ["--ops", "2-8", "--shard-size", "16", "--workers", "1"]

    def command(out: Path) -> list[str]:
        return [*base, "--out", str(out)]

    subprocess.run(command(tmp_path / "clean"), env=env, check=True, capture_output=True)
    proc = subprocess.Popen(
        command(tmp_path / "killed"),
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    manifest = tmp_path / "killed" / MANIFEST
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if manifest.is_file() and len(json.loads(manifest.read_text())["shards"]) >= 2:
            break
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not json.loads(manifest.read_text())["complete"], "the writer finished before the kill"
    subprocess.run(command(tmp_path / "killed"), env=env, check=True, capture_output=True)
    assert _files(tmp_path / "killed") == _files(tmp_path / "clean")


def test_a_different_corpus_in_the_directory_is_refused(tmp_path: Path) -> None:
    write_corpus(_config(), tmp_path)
    with pytest.raises(ValueError, match="different corpus"):
        write_corpus(_config(seed=1), tmp_path)


# ---- leakage guard and RL labels ----------------------------------------------------------


def test_leakage_guard_drops_evaluation_problems(tmp_path: Path) -> None:
    write_corpus(_config(tokens=None, records=40), tmp_path / "plain")
    plain = list(read_corpus(tmp_path / "plain"))
    suite = tmp_path / "suite.jsonl"
    banned = {r["graph_hash"] for r in plain[::3]}
    suite.write_text("".join(json.dumps({"graph_hash": h}) + "\n" for h in sorted(banned)))
    manifest = write_corpus(_config(tokens=None, records=40), tmp_path / "guarded", exclude=[suite])
    guarded = list(read_corpus(tmp_path / "guarded"))
    assert len(guarded) == 40 and manifest["skipped"] >= len(banned)
    assert not banned & {r["graph_hash"] for r in guarded}
    assert manifest["exclusion"]["hashes"] == len(banned)


def test_rl_labels_rebuild_the_exact_problem(tmp_path: Path) -> None:
    config = _config(
        "rl",
        tokens=None,
        records=12,
        contexts=weight_mixture("zoo=0.5,teacher=0.5", CONTEXTS, "contexts"),
        modes=(("forward", 0.5), ("reverse", 0.5)),
        dag=DagConfig(),
        env_kwargs={"reward": "strict"},
    )
    write_corpus(config, tmp_path)
    for record in read_corpus(tmp_path):
        assert isinstance(record["label"], str)  # a JSON string, not an Arrow struct
        label = json.loads(record["label"])
        env = gym.make(label["env_id"], **label["kwargs"])
        obs, info = env.reset(seed=label["seed"], options={"spec": label["spec"]})
        assert obs == record["prompt"] and info["id"] == label["id"] == record["id"]
        assert env.unwrapped.problem.answer == label["answer"]


def test_sft_pairs_concatenate_to_the_model_text(tmp_path: Path) -> None:
    write_corpus(_config("sft", tokens=None, records=5), tmp_path)
    for record in read_corpus(tmp_path):
        assert record["prompt"].endswith("<solution>")
        assert record["response"].startswith(" ") and record["response"].endswith("</answer>[EOS]")
