"""Chat-format corpora: messages as prompts, gold replies that score 1, labels that replay."""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym

from edgegym.agents.corpus import CorpusConfig, write_corpus
from edgegym.rewards import score
from edgegym.tasks import Problem, TaskSpec, generate
from edgegym.tasks.chat import chat_messages


def _rows(folder: Path) -> list[dict[str, object]]:
    return [json.loads(line) for f in sorted(folder.glob("shard-*.jsonl")) for line in f.open()]


def _config(kind: str, **kw: object) -> CorpusConfig:
    return CorpusConfig(
        kind=kind,  # type: ignore[arg-type]
        ops=((2, 0.5), (5, 0.5)),
        modes=(("forward", 0.5), ("reverse", 0.5)),
        records=12,
        **kw,  # type: ignore[arg-type]
    )


def test_sft_chat_rows(tmp_path: Path) -> None:
    manifest = write_corpus(_config("sft", prompt_format="chat"), tmp_path)
    assert manifest["config"]["prompt_format"] == "chat"
    rows = _rows(tmp_path)
    assert len(rows) == 12
    for row in rows:
        prompt = row["prompt"]
        assert isinstance(prompt, list) and [m["role"] for m in prompt] == ["system", "user"]
        response = str(row["response"])
        assert response.startswith("<solution> ") and response.endswith("[EOS]")


def test_raw_manifest_has_no_format_key(tmp_path: Path) -> None:
    assert "prompt_format" not in write_corpus(_config("sft"), tmp_path)["config"]


def test_rl_chat_label_replays_a_lenient_chat_env(tmp_path: Path) -> None:
    write_corpus(_config("rl", prompt_format="chat", env_kwargs={"reward": "strict"}), tmp_path)
    for row in _rows(tmp_path)[:4]:
        label = json.loads(str(row["label"]))
        assert label["kwargs"]["prompt_format"] == "chat"
        env = gym.make(label["env_id"], **label["kwargs"])
        _, info = env.reset(seed=label["seed"], options={"spec": label["spec"]})
        problem: Problem = env.unwrapped.problem  # type: ignore[attr-defined]
        assert info["messages"] == row["prompt"] == chat_messages(problem)
        reply = "<solution>" + problem.completion
        assert env.step(reply)[1] == 1.0


def test_chat_reply_needs_lenient_outside_the_env() -> None:
    problem = generate(TaskSpec(op=4))
    reply = "<solution>" + problem.completion
    assert score(problem, reply).score == 0.0
    assert score(problem, reply, lenient=True).score == 1.0
