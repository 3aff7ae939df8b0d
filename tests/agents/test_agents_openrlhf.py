"""OpenRLHF's own code drives edgegym: agent executors, the reward function, datasets.

A scripted engine stands in for vLLM (as OpenRLHF's own agent tests do); everything else
is OpenRLHF 0.11's code: ``MultiTurnAgentExecutor.execute``, ``SingleTurnAgentExecutor``
loading our reward file by path, ``PromptDataset`` and ``SFTDataset`` reading our corpora.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from edgegym.agents.corpus import CorpusConfig, op_mixture, read_corpus, write_corpus
from edgegym.agents.openrlhf import path
from edgegym.agents.openrlhf.curriculum import STATE_DIR_ENV, forget, local_service
from edgegym.rewards import score
from edgegym.tasks import Problem, TaskSpec, generate

agent_api = pytest.importorskip("openrlhf.utils.agent")

MODES = [("gated", 0.5), ("strict", 0.5), ("linear", 0.2)]


class ScriptedEngine:
    """Duck-types OpenRLHF's rollout actor: replays texts, honours max_tokens and stops."""

    def __init__(self, tokenizer: Any, replies: list[str], finish: str = "stop") -> None:
        self.tokenizer, self.replies, self.finish = tokenizer, list(replies), finish
        self.params: list[Any] = []

    async def generate(
        self, token_ids: list[int], sampling_params: Any, multi_modal_data: Any = None
    ) -> Any:
        self.params.append(sampling_params)
        ids = self.tokenizer(self.replies.pop(0), add_special_tokens=False)["input_ids"]
        ids = ids[: sampling_params.max_tokens]
        text = self.tokenizer.decode(
            ids, skip_special_tokens=False, clean_up_tokenization_spaces=False
        )
        output = SimpleNamespace(token_ids=ids, text=text, finish_reason=self.finish, logprobs=None)
        return SimpleNamespace(outputs=[output])


def _params() -> SimpleNamespace:
    return SimpleNamespace(max_tokens=None, logprobs=None, temperature=1.0, top_p=1.0)


def _load(name: str, module: str) -> ModuleType:
    """Load an adapter file the way OpenRLHF does: by path, under its own module name."""
    spec = importlib.util.spec_from_file_location(module, path(name))
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


@pytest.fixture(scope="module")
def agent_file() -> ModuleType:
    loaded = _load("agent", "agent_module")
    assert issubclass(loaded.AgentExecutor, agent_api.AgentExecutorBase)
    return loaded


def _label(problem: Problem, env_id: str, mode: str, alpha: float, **extra: Any) -> str:
    kwargs = {"reward": mode, "alpha": alpha, **extra}
    data = {
        "env_id": env_id,
        "seed": 7,
        "kwargs": kwargs,
        "spec": problem.spec.to_dict(),
        "id": problem.id,
    }
    return json.dumps(data)


def _corrupt(completion: str) -> str:
    """The gold response with its first stated value off by one (a wrong intermediate)."""
    return re.sub(r"= (\d+)\.", lambda m: f"= {int(m.group(1)) + 1}.", completion, count=1)


def _sentences(response: str) -> list[str]:
    """What a step-wise policy stopped at every "." emits, turn by turn (EOS at the end)."""
    parts = re.findall(r"[^.]*\.|[^.]+$", response)
    return [*parts[:-1], parts[-1] + "[EOS]"]


def _problems() -> list[Problem]:
    return [
        generate(TaskSpec(context="zoo", mode="forward", op=6, index=1)),
        generate(TaskSpec(context="teacher", mode="reverse", op=5, index=2)),
    ]


RESPONSES = {
    "gold": lambda p: p.completion,
    "corrupted": lambda p: _corrupt(p.completion),
    "junk": lambda p: " The answer is obviously 42.",
}


def _run(
    executor: Any, tok: Any, prompt: str, label: str, replies: list[str], finish: str = "stop"
) -> Any:
    engine = ScriptedEngine(tok, replies, finish)
    out = asyncio.run(executor.execute(prompt, label, _params(), 8192, tok, engine))
    return out, engine


@pytest.mark.parametrize(("mode", "alpha"), MODES, ids=[m for m, _ in MODES])
@pytest.mark.parametrize("kind", list(RESPONSES))
def test_single_turn_agent_reward_equals_edgegym_score(
    agent_file: ModuleType, char_tok: Any, kind: str, mode: str, alpha: float
) -> None:
    executor = agent_file.AgentExecutor()
    for problem in _problems():
        response = RESPONSES[kind](problem)
        label = _label(problem, "edgegym:Reason-v0", mode, alpha)
        out, _ = _run(executor, char_tok, problem.prompt, label, [response + "[EOS]"])
        expected = score(problem, response, mode=mode, alpha=alpha)  # type: ignore[arg-type]
        assert out["reward"] == pytest.approx(expected.score, abs=1e-6)
        assert float(out["scores"]) == pytest.approx(expected.score, abs=1e-6)
        assert float(out["extra_logs"]["verified"]) == float(expected.verified)
        assert len(out["action_ranges"]) == 1
        if kind == "gold":
            assert out["reward"] == pytest.approx(1.0)
        if kind == "junk":
            assert out["reward"] == 0.0


@pytest.mark.parametrize(("mode", "alpha"), MODES, ids=[m for m, _ in MODES])
@pytest.mark.parametrize("kind", ["gold", "corrupted"])
@pytest.mark.parametrize("feedback", ["none", "verdict"])
def test_step_env_turn_rewards_sum_to_the_score_of_the_response(
    agent_file: ModuleType, char_tok: Any, kind: str, mode: str, alpha: float, feedback: str
) -> None:
    executor = agent_file.AgentExecutor()
    for problem in _problems():
        response = RESPONSES[kind](problem)
        label = _label(problem, "edgegym:ReasonStep-v0", mode, alpha, feedback=feedback)
        turns = _sentences(response)
        out, engine = _run(executor, char_tok, problem.prompt, label, turns)
        expected = score(problem, response, mode=mode, alpha=alpha)  # type: ignore[arg-type]
        assert out["reward"] == pytest.approx(expected.score, abs=1e-5)
        assert len(out["action_ranges"]) == len(turns)
        assert all(p.stop == ["."] and p.include_stop_str_in_output for p in engine.params)
        transcript = char_tok.decode(out["observation_tokens"], skip_special_tokens=False)
        assert transcript.startswith(problem.prompt)
        if feedback == "none":  # the token stream is exactly the model text
            assert transcript == problem.prompt + response + "[EOS]"
        else:
            assert transcript.count(" [correct]") + transcript.count(" [wrong]") == len(turns) - 1


def test_step_env_response_ended_early_takes_back_the_shaping(
    agent_file: ModuleType, char_tok: Any
) -> None:
    problem = _problems()[0]
    label = _label(problem, "edgegym:ReasonStep-v0", "gated", 0.5)
    first_step = _sentences(problem.completion)[0]
    out, _ = _run(
        agent_file.AgentExecutor(), char_tok, problem.prompt, label, [first_step, " So"], "length"
    )
    assert out["reward"] == pytest.approx(0.0, abs=1e-6)  # no answer: the gated reward is 0
    assert float(out["extra_logs"]["outcome"]) == 0.0


@pytest.mark.parametrize(
    "label",
    [
        "not json",  # a corrupt row
        "{}",  # no env
        json.dumps({"env_id": "edgegym:Nope-v0", "spec": {}}),  # unknown env id
        json.dumps({"env_id": "edgegym:Reason-v0", "spec": {"op": 1}}),  # a spec that is invalid
        json.dumps(
            {"env_id": "edgegym:Reason-v0", "spec": {}, "kwargs": {"bogus": 1}}
        ),  # bad kwarg
    ],
    ids=["not-json", "empty", "unknown-env", "bad-spec", "bad-kwarg"],
)
def test_unusable_labels_score_zero_without_raising(
    agent_file: ModuleType, char_tok: Any, label: str
) -> None:
    out, _ = _run(
        agent_file.AgentExecutor(),
        char_tok,
        "<question> x </question> <solution>",
        label,
        [" 1[EOS]"],
    )
    assert out["reward"] == 0.0 and float(out["extra_logs"]["label_error"]) == 1.0
    reward_file = _load("reward", "reward_func")
    result = reward_file.reward_func(["q"], ["p"], [label])
    assert (
        float(result["rewards"][0]) == 0.0 and float(result["extra_logs"]["label_error"][0]) == 1.0
    )


def test_a_prompt_that_differs_from_the_label_scores_zero(
    agent_file: ModuleType, char_tok: Any
) -> None:
    problem = _problems()[0]
    label = _label(problem, "edgegym:Reason-v0", "gated", 0.5)
    out, _ = _run(
        agent_file.AgentExecutor(), char_tok, problem.prompt + " ", label, [problem.completion]
    )
    assert out["reward"] == 0.0 and float(out["extra_logs"]["label_error"]) == 1.0


@pytest.mark.parametrize(("mode", "alpha"), MODES, ids=[m for m, _ in MODES])
@pytest.mark.parametrize("kind", list(RESPONSES))
def test_single_turn_executor_with_our_reward_file(
    char_tok: Any, kind: str, mode: str, alpha: float
) -> None:
    executor = agent_api.SingleTurnAgentExecutor(str(path("reward")))
    for problem in _problems():
        response = RESPONSES[kind](problem)
        label = _label(problem, "edgegym:Reason-v0", mode, alpha)
        out, _ = _run(executor, char_tok, problem.prompt, label, [response + "[EOS]"])
        expected = score(problem, response, mode=mode, alpha=alpha)  # type: ignore[arg-type]
        assert float(out["reward"][0]) == pytest.approx(expected.score, abs=1e-6)
        assert float(out["scores"][0]) == pytest.approx(expected.score, abs=1e-6)
        assert set(out["extra_logs"]) == {"outcome", "process", "verified", "label_error"}


def test_reward_func_scores_step_labels_as_the_whole_response(char_tok: Any) -> None:
    reward_file = _load("reward", "reward_func")
    problem = _problems()[1]
    label = _label(problem, "edgegym:ReasonStep-v0", "gated", 0.5, feedback="verdict")
    query = problem.prompt + _corrupt(problem.completion) + "[EOS]"
    result = reward_file.reward_func([query], [problem.prompt], [label])
    expected = score(problem, _corrupt(problem.completion))
    assert float(result["rewards"][0]) == pytest.approx(expected.score, abs=1e-6)


@pytest.mark.parametrize(
    "env_id", ["edgegym/ReasonStep-v0", "edgegym:edgegym/ReasonStep-v0", "ReasonStep-v0"]
)
def test_namespaced_step_ids_run_step_wise(
    agent_file: ModuleType, char_tok: Any, env_id: str
) -> None:
    """The namespaced ids are step-wise too (a label naming one was run single-turn)."""
    executor = agent_file.AgentExecutor()
    problem = _problems()[0]
    turns = _sentences(problem.completion)
    label = _label(problem, env_id, "gated", 0.5, feedback="verdict")
    out, _ = _run(executor, char_tok, problem.prompt, label, turns)
    assert len(out["action_ranges"]) == len(turns) > 1
    assert out["reward"] == pytest.approx(1.0)


@pytest.mark.parametrize("env_id", ["edgegym/Reason-v0", "edgegym:edgegym/Reason-v0"])
def test_reward_func_scores_namespaced_ids(char_tok: Any, env_id: str) -> None:
    reward_file = _load("reward", "reward_func")
    problem = _problems()[1]
    label = _label(problem, env_id, "gated", 0.5)
    query = problem.prompt + _corrupt(problem.completion) + "[EOS]"
    result = reward_file.reward_func([query], [problem.prompt], [label])
    expected = score(problem, _corrupt(problem.completion))
    assert float(result["rewards"][0]) == pytest.approx(expected.score, abs=1e-6)
    assert float(result["extra_logs"]["label_error"][0]) == 0.0


# ---- datasets ------------------------------------------------------------------------------


def _strategy(**data: Any) -> SimpleNamespace:
    fields = {
        "input_key": "prompt",
        "label_key": "label",
        "output_key": None,
        "apply_chat_template": False,
    }
    return SimpleNamespace(
        args=SimpleNamespace(data=SimpleNamespace(**(fields | data)), use_ms=False),
        is_rank_0=lambda: True,
        print=lambda *a, **k: None,
    )


def _corpus(tmp_path: Path, kind: str, **extra: Any) -> Path:
    config = CorpusConfig(kind=kind, ops=op_mixture("2-5"), records=6, shard_size=4, **extra)  # type: ignore[arg-type]
    write_corpus(config, tmp_path / kind)
    return tmp_path / kind


def test_prompt_dataset_reads_our_rl_prompts(tmp_path: Path, char_tok: Any) -> None:
    from openrlhf.datasets import PromptDataset
    from openrlhf.datasets.utils import blending_datasets

    folder = _corpus(tmp_path, "rl")
    strategy = _strategy()
    data = blending_datasets(str(folder), None, strategy, dataset_split="train")
    dataset = PromptDataset(data, char_tok, strategy)
    rows = list(read_corpus(folder))
    assert len(dataset) == len(rows) == 6
    for i, row in enumerate(rows):
        datasource, prompt, label, _ = dataset[i]
        assert (prompt, label, datasource) == (row["prompt"], row["label"], row["datasource"])
        assert json.loads(label)["id"] == row["id"]


def test_sft_dataset_masks_exactly_the_response(tmp_path: Path, char_tok: Any) -> None:
    from openrlhf.datasets import SFTDataset
    from openrlhf.datasets.utils import blending_datasets

    folder = _corpus(tmp_path, "sft")
    strategy = _strategy(output_key="response")
    data = blending_datasets(str(folder), None, strategy, dataset_split="train")
    dataset = SFTDataset(data, char_tok, 8192, strategy, input_template="{}", num_processors=1)
    for i, row in enumerate(read_corpus(folder)):
        input_ids, _, loss_mask = dataset[i]
        text = row["prompt"] + row["response"]
        assert (
            input_ids[0].tolist() == char_tok(text, add_special_tokens=False)["input_ids"]
        )  # no extra EOS
        prompt_len = len(char_tok(row["prompt"], add_special_tokens=False)["input_ids"])
        assert int(loss_mask.sum()) == input_ids.shape[1] - prompt_len  # every response token


def test_sft_dataset_pretrain_mode_reads_our_text(tmp_path: Path, char_tok: Any) -> None:
    from openrlhf.datasets import SFTDataset
    from openrlhf.datasets.utils import blending_datasets

    folder = _corpus(tmp_path, "pretrain")
    strategy = _strategy(input_key="text")
    data = blending_datasets(str(folder), None, strategy, dataset_split="train")
    dataset = SFTDataset(data, char_tok, 8192, strategy, pretrain_mode=True, num_processors=1)
    for i, row in enumerate(read_corpus(folder)):
        input_ids, _, loss_mask = dataset[i]
        assert input_ids.shape[1] == row["n_tokens"]
        assert input_ids[0, -1].item() == char_tok.eos_token_id
        assert int(loss_mask.sum()) == row["n_tokens"] - 1


# ---- curriculum --------------------------------------------------------------------------


def test_curriculum_agent_groups_share_a_problem_and_are_observed(
    tmp_path: Path, char_tok: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from edgegym.agents.corpus import write_curriculum_prompts

    monkeypatch.setenv(STATE_DIR_ENV, str(tmp_path))
    forget()

    curriculum = {
        "name": "test-curriculum",
        "strategy": "frontier",
        "config": {
            "contexts": ["symbolic"],
            "op_min": 2,
            "op_max": 6,
            "task": {"modulus": 10, "distractors": 0},
        },
        "state_path": str(tmp_path / "state.json"),
        "save_every": 1,
    }
    prompts = tmp_path / "slots.jsonl"
    write_curriculum_prompts(prompts, slots=3, group_size=4, curriculum=curriculum)
    rows = [json.loads(line) for line in prompts.read_text().splitlines()]
    executor = _load("curriculum", "agent_module").AgentExecutor()
    assert isinstance(executor, agent_api.AgentExecutorBase)

    async def group(row: dict[str, Any]) -> list[Any]:
        runs = []
        for _ in range(4):  # OpenRLHF gathers n_samples_per_prompt executes of one row
            engine = ScriptedEngine(char_tok, [" no idea[EOS]"])
            runs.append(
                executor.execute(row["prompt"], row["label"], _params(), 8192, char_tok, engine)
            )
        return list(await asyncio.gather(*runs))

    for row in rows:
        outs = asyncio.run(group(row))
        prompts_seen = {
            char_tok.decode(o["observation_tokens"][: o["action_ranges"][0][0]]) for o in outs
        }
        assert len(prompts_seen) == 1  # one problem per group
        assert next(iter(prompts_seen)).startswith("<question>")
        assert all(o["reward"] == 0.0 for o in outs)
    service = local_service("test-curriculum")
    assert service is not None
    state = service.state_dict()
    assert state["observed_groups"] == 3 and state["issued"] == 3  # one problem per group
    saved = json.loads((tmp_path / "state.json").read_text())
    assert saved["observed_groups"] == 3


# ---- the context budget edge -------------------------------------------------------------


def _ids(tok: Any, text: str) -> list[int]:
    return list(tok(text, add_special_tokens=False)["input_ids"])


def _response_text(tok: Any, out: dict[str, Any]) -> str:
    """What the policy wrote: the text of every action range, feedback left out."""
    tokens, ranges = out["observation_tokens"], out["action_ranges"]
    return "".join(tok.decode(tokens[a:b], skip_special_tokens=False) for a, b in ranges)


@pytest.mark.parametrize(("mode", "alpha"), MODES, ids=[m for m, _ in MODES])
def test_budget_spent_right_after_a_step_scores_as_reason_v0(
    agent_file: ModuleType, char_tok: Any, mode: str, alpha: float
) -> None:
    """OpenRLHF stops after step + feedback without ``done``: the sample is closed anyway."""
    problem = _problems()[0]
    label = _label(problem, "edgegym:ReasonStep-v0", mode, alpha, feedback="verdict")
    turns = _sentences(problem.completion)
    budget = len(_ids(char_tok, problem.prompt + turns[0] + " [correct]"))
    out, engine = _run_budget(agent_file.AgentExecutor(), char_tok, problem, label, turns, budget)
    assert len(engine.params) == 1 and len(out["observation_tokens"]) == budget  # the edge
    expected = score(problem, turns[0], mode=mode, alpha=alpha)  # type: ignore[arg-type]
    assert out["reward"] == pytest.approx(expected.score, abs=1e-6)
    assert float(out["scores"]) == pytest.approx(expected.score, abs=1e-6)
    assert float(out["extra_logs"]["outcome"]) == float(expected.outcome)
    if mode == "gated":
        assert out["reward"] == 0.0  # no answer, so no reward: the step's shaping is taken back


def _run_budget(
    executor: Any, tok: Any, problem: Problem, label: str, replies: list[str], budget: int
) -> Any:
    engine = ScriptedEngine(tok, replies)
    out = asyncio.run(executor.execute(problem.prompt, label, _params(), budget, tok, engine))
    return out, engine


@pytest.mark.parametrize("feedback", ["none", "verdict"])
def test_every_budget_gives_the_reason_v0_score_of_the_text(
    agent_file: ModuleType, char_tok: Any, feedback: str
) -> None:
    """A sweep over budgets that stop the episode anywhere in its first steps."""
    reward_file = _load("reward", "reward_func")
    problem = _problems()[1]
    label = _label(problem, "edgegym:ReasonStep-v0", "gated", 0.5, feedback=feedback)
    turns = _sentences(_corrupt(problem.completion))
    start = len(_ids(char_tok, problem.prompt))
    edges = 0
    for budget in range(start + 1, start + 2 * len(turns[0]) + 30):
        out, _ = _run_budget(agent_file.AgentExecutor(), char_tok, problem, label, turns, budget)
        text = _response_text(char_tok, out)
        edges += text.endswith(".") and len(out["observation_tokens"]) >= budget
        query = problem.prompt + text
        expected = reward_file.score_sample(query, problem.prompt, label)["score"]
        assert out["reward"] == pytest.approx(expected, abs=1e-6), budget
        assert float(out["scores"]) == pytest.approx(expected, abs=1e-6), budget
    assert edges >= 1  # some budgets end exactly after a step (and its feedback)


class FillEngine:
    """Writes one junk step that fills the whole remaining budget and ends with a full stop."""

    async def generate(
        self, token_ids: list[int], sampling_params: Any, multi_modal_data: Any = None
    ) -> Any:
        n = sampling_params.max_tokens
        text = " " + "z" * (n - 2) + "."
        ids = list(range(10, 10 + n))  # only their number matters to the loop
        output = SimpleNamespace(token_ids=ids, text=text, finish_reason="stop", logprobs=None)
        return SimpleNamespace(outputs=[output])


def test_curriculum_observes_every_group_cut_at_the_budget_edge(
    tmp_path: Path, char_tok: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from edgegym.agents.corpus import write_curriculum_prompts

    monkeypatch.setenv(STATE_DIR_ENV, str(tmp_path))
    forget()
    curriculum = {
        "name": "edge-curriculum",
        "config": {"contexts": ["symbolic"], "op_min": 2, "op_max": 4},
        "state_path": "edge.json",
    }
    prompts = tmp_path / "slots.jsonl"
    kwargs = {"feedback": "none", "reward": "gated"}
    write_curriculum_prompts(
        prompts,
        slots=5,
        group_size=4,
        curriculum=curriculum,
        env_id="edgegym:ReasonStep-v0",
        env_kwargs=kwargs,
    )
    rows = [json.loads(line) for line in prompts.read_text().splitlines()]
    executor = _load("curriculum", "agent_module").AgentExecutor()

    async def group(row: dict[str, Any]) -> list[Any]:
        runs = [
            executor.execute(row["prompt"], row["label"], _params(), 900, char_tok, FillEngine())
            for _ in range(4)
        ]
        return list(await asyncio.gather(*runs))

    for row in rows:
        for out in asyncio.run(group(row)):
            assert len(out["action_ranges"]) == 1 and out["reward"] == 0.0
            assert float(out["extra_logs"]["label_error"]) == 0.0
            assert "curriculum/observed" in out["extra_logs"]
    service = local_service("edge-curriculum")
    assert service is not None
    metrics = service.metrics()
    assert metrics["curriculum/observed"] == metrics["curriculum/proposed"] == 5
    assert metrics["curriculum/outstanding"] == 0
    service.save()
    assert json.loads((tmp_path / "edge.json").read_text())["observed_groups"] == 5


def test_a_reward_function_that_raises_leaves_the_sample_without_reward(
    tmp_path: Path, char_tok: Any
) -> None:
    """OpenRLHF 0.11 keeps the sample, with ``reward=None`` (its experience maker then fails):
    the reason edgegym's reward function catches bad labels instead of raising."""
    broken = tmp_path / "broken_reward.py"
    broken.write_text("def reward_func(queries, prompts, labels, **kw):\n    raise KeyError(1)\n")
    executor = agent_api.SingleTurnAgentExecutor(str(broken))
    problem = _problems()[0]
    label = _label(problem, "edgegym:Reason-v0", "gated", 0.5)
    out, _ = _run(executor, char_tok, problem.prompt, label, [problem.completion + "[EOS]"])
    assert out["reward"] is None and out["scores"] is None  # kept, not dropped
    out, _ = _run(
        agent_api.SingleTurnAgentExecutor(str(path("reward"))),
        char_tok,
        problem.prompt,
        "not json",
        [problem.completion + "[EOS]"],
    )
    assert float(out["reward"][0]) == 0.0  # ours: a bad label scores 0
