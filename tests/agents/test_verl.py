"""edgegym through verl's own classes: its dataset reads the export, its reward managers score.

verl is installed the way the Makefile installs it (``pip install --no-deps verl`` plus
``requirements/verl-cpu.txt``); the test is skipped where it is not.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from edgegym.agents.export import ExportConfig, export
from edgegym.agents.verl import MODULE_PATH, STRIP_GUARD, CurriculumSampler, compute_score
from edgegym.tasks import Problem
from edgegym.tasks.chat import chat_completion
from edgegym.tasks.mutate import drop_step, with_answer

verl_naive = pytest.importorskip("verl.experimental.reward_loop.reward_manager.naive")
torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
from omegaconf import OmegaConf  # noqa: E402  (after the skip: verl brings it)
from verl import DataProto  # noqa: E402
from verl.trainer.ppo.reward import load_reward_manager  # noqa: E402
from verl.utils.dataset.rl_dataset import RLHFDataset  # noqa: E402

CHAT_TEMPLATE = "{% for m in messages %}{{ m['content'] }}\n{% endfor %}"


def plain_tokenizer() -> Any:
    """An instruct-style tokenizer: characters, the tags plain text (not special tokens)."""
    import tokenizers

    from edgegym.agents.tokenizer import CHAR_PATTERN, generator_chars

    specials = ["[PAD]", "[EOS]", "[UNK]"]
    chars = dict.fromkeys(generator_chars() + "<>/_\\{}")
    vocab = {t: i for i, t in enumerate([*specials, *chars])}
    tok = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = tokenizers.pre_tokenizers.Split(
        tokenizers.Regex(CHAR_PATTERN), behavior="isolated"
    )
    tok.decoder = tokenizers.decoders.Fuse()
    tok.add_special_tokens([tokenizers.AddedToken(t, special=True) for t in specials])
    return transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="[EOS]", pad_token="[PAD]", unk_token="[UNK]"
    )


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("verl") / "data"
    export("verl", ExportConfig(ops=(2, 3, 4, 6), per_op=6, eval_per_op=2, seed=5), out)
    return out


@pytest.fixture(scope="module")
def rows(exported: Path) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    return pq.read_table(exported / "train.parquet").to_pylist()  # type: ignore[no-any-return]


def _problem(row: dict[str, Any]) -> Problem:
    return Problem.from_record(json.loads(row["reward_model"]["ground_truth"]))


def _batch(tokenizer: Any, rows: list[dict[str, Any]], replies: list[str]) -> DataProto:
    """A verl batch: left-padded prompts, right-padded replies (ending EOS), the row fields."""
    prompts = [tokenizer("question", add_special_tokens=False)["input_ids"] for _ in rows]
    answers = [
        tokenizer(r, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
        for r in replies
    ]
    plen, rlen = max(map(len, prompts)), max(map(len, answers))
    pad = tokenizer.pad_token_id
    p = torch.tensor([[pad] * (plen - len(x)) + x for x in prompts])
    r = torch.tensor([x + [pad] * (rlen - len(x)) for x in answers])
    mask = torch.tensor(
        [
            [0] * (plen - len(x)) + [1] * len(x) + [1] * len(y) + [0] * (rlen - len(y))
            for x, y in zip(prompts, answers, strict=True)
        ]
    )
    obj = np.empty(len(rows), dtype=object)
    fields = {}
    for key in ("data_source", "reward_model", "extra_info"):
        column = obj.copy()
        for i, row in enumerate(rows):
            column[i] = dict(row[key]) if isinstance(row[key], dict) else row[key]
        fields[key] = column
    return DataProto.from_dict(
        tensors={"prompts": p, "responses": r, "attention_mask": mask}, non_tensors=fields
    )


def _scores(manager: Any, batch: DataProto) -> list[dict[str, Any]]:
    return [
        manager.loop.run_until_complete(manager.run_single(batch[i : i + 1]))
        for i in range(len(batch))
    ]


def _manager(tokenizer: Any, name: str, source: str = "register") -> Any:
    """verl's own ``load_reward_manager`` from a config, as its trainer builds it."""
    manager: dict[str, Any] = {"source": source, "name": name}
    if source == "importlib":
        manager["module"] = {"path": MODULE_PATH}
    config = OmegaConf.create(
        {
            "reward": {
                "reward_manager": manager,
                "custom_reward_function": {
                    "path": MODULE_PATH,
                    "name": "compute_score",
                    "reward_kwargs": {"mode": "strict"},
                },
            }
        }
    )
    return load_reward_manager(config, tokenizer)


def _cases(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str], list[float]]:
    """Every row's gold chat reply (1) and two corruptions of it (0)."""
    batch_rows, replies, expect = [], [], []
    for i, row in enumerate(rows):
        problem = _problem(row)
        gold = chat_completion(problem)
        wrong = with_answer(problem.completion, f" {problem.answer + 1 + i} ")
        dropped = drop_step(problem.completion, 0)
        bad = ["<solution>" + wrong, "<solution>" + dropped]
        for text, want in ((gold, 1.0), *((b, 0.0) for b in bad)):
            batch_rows.append(row)
            replies.append(text)
            expect.append(want)
    return batch_rows, replies, expect


def test_verl_dataset_reads_the_export(exported: Path) -> None:
    tok = plain_tokenizer()
    tok.chat_template = CHAT_TEMPLATE
    config = OmegaConf.create(
        {"max_prompt_length": 1 << 16, "filter_overlong_prompts": False, "cache_dir": str(exported)}
    )
    ds = RLHFDataset(data_files=[str(exported / "train.parquet")], tokenizer=tok, config=config)
    assert len(ds) == 24
    item = ds[0]
    assert item["data_source"] == "edgegym/dag"
    assert json.loads(item["reward_model"]["ground_truth"])["id"] == item["extra_info"]["id"]


def test_naive_manager_scores_gold_one_and_corruptions_zero(rows: list[dict[str, Any]]) -> None:
    tok = plain_tokenizer()
    manager = _manager(tok, "naive")
    batch_rows, replies, expect = _cases(rows[:8])
    out = _scores(manager, _batch(tok, batch_rows, replies))
    assert [o["reward_score"] for o in out] == expect
    assert all(o["reward_extra_info"]["verified"] == o["reward_score"] for o in out)


def test_edgegym_manager_keeps_special_tags(rows: list[dict[str, Any]], char_tok: Any) -> None:
    manager = _manager(char_tok, "EdgegymRewardManager", source="importlib")
    batch_rows, replies, expect = _cases(rows[:8])
    out = _scores(manager, _batch(char_tok, batch_rows, replies))
    assert [o["reward_score"] for o in out] == expect


def test_naive_manager_with_special_tags_fails_loudly(
    rows: list[dict[str, Any]], char_tok: Any
) -> None:
    STRIP_GUARD.reset()
    manager = _manager(char_tok, "naive")
    gold = [chat_completion(_problem(r)) for r in rows[:10]]
    with pytest.raises(RuntimeError, match="skip_special_tokens=True"):
        _scores(manager, _batch(char_tok, rows[:10], gold))
    STRIP_GUARD.reset()


def test_compute_score_dict_and_lenience(rows: list[dict[str, Any]]) -> None:
    row = rows[0]
    problem = _problem(row)
    truth, info = row["reward_model"]["ground_truth"], row["extra_info"]
    result = compute_score("edgegym/dag", chat_completion(problem), truth, info, mode="strict")
    assert result == {"score": 1.0, "outcome": 1.0, "process": 1.0, "verified": 1.0}
    assert compute_score("edgegym/dag", chat_completion(problem), truth, {})["score"] == 0.0
    bare = f"<answer>{problem.answer}</answer>"
    assert compute_score("edgegym/dag", bare, truth, info) == {
        "score": 0.5,
        "outcome": 1.0,
        "process": 0.0,
        "verified": 0.0,
    }


def test_curriculum_sampler_follows_the_rewards(exported: Path, rows: list[dict[str, Any]]) -> None:
    sampler = CurriculumSampler(rows, strategy="frontier", seed=3)
    picks = list(sampler)
    assert len(picks) == len(rows) and all(0 <= i < len(rows) for i in picks)
    chosen = [rows[i] for i in picks[:6] for _ in range(4)]  # four replies per prompt
    batch_rows, replies, _ = _cases(chosen[::4])
    scores = [
        compute_score("edgegym/dag", t, r["reward_model"]["ground_truth"], r["extra_info"])
        for r, t in zip(batch_rows, replies, strict=True)
    ]
    batch = DataProto.from_dict(
        tensors={"x": torch.zeros(len(scores), 1)},
        non_tensors={
            "extra_info": np.array([r["extra_info"] for r in batch_rows], dtype=object),
            **{k: np.array([s[k] for s in scores]) for k in scores[0]},
        },
    )
    sampler.update(batch)
    state = sampler.state_dict()
    assert json.dumps(state)  # plain JSON
    groups = len({r["extra_info"]["index"] for r in batch_rows})
    assert state["curriculum"]["observed_groups"] == groups
    resumed = CurriculumSampler(rows, strategy="frontier", seed=99)
    resumed.load_state_dict(json.loads(json.dumps(state)))
    assert list(resumed) == list(sampler)  # same curriculum, same row stream
