"""What the two reasoning envs share: arguments, spaces, drawing a problem, provenance, curricula.

:class:`ReasonBase` is not registered itself; :class:`~edgegym.envs.reason.ReasonEnv` and
:class:`~edgegym.envs.reason_step.ReasonStepEnv` subclass it and define ``step``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar

import gymnasium as gym

from edgegym.curricula.arms import GroupResult, SampleOutcome
from edgegym.envs.config import EnvConfig
from edgegym.envs.proposers import Curriculum, sample_spec
from edgegym.envs.spaces import FreeText
from edgegym.rewards import Gold, RewardResult, gold_of, lenient_result, score_parsed
from edgegym.tasks import RECORD_VERSION, DagConfig, Problem, TaskSpec, generate
from edgegym.tasks.chat import chat_messages
from edgegym.tasks.trace import FINAL_TAGS, SOLUTION_OPEN

__all__ = [
    "FINAL_MARKERS",
    "MAX_PROMPT_CHARS",
    "NO_ERROR",
    "OVER_LENGTH",
    "ReasonBase",
    "check_action",
]

MAX_PROMPT_CHARS = 65_536
"""Longest prompt an env serves (op 40, depth 3, 4 distractors per node stays under 25k)."""
OVER_LENGTH = "over_length"
"""Flag set when a response exceeds ``max_response_chars`` and is cut to it before scoring."""
NO_ERROR = -1
"""``info["first_error"]`` of a response with no wrong step (the reward's ``None``)."""
FINAL_MARKERS = FINAL_TAGS
"""A response containing any of these is complete (``ReasonStep-v0`` terminates on it)."""

_SPEC_FIELDS = tuple(f.name for f in dataclasses.fields(TaskSpec))
_SORTED_FLAGS: dict[tuple[frozenset[str], bool], tuple[str, ...]] = {}


_MALFORMED = (TypeError, KeyError, AttributeError, IndexError, OverflowError)
"""What decoding a malformed record or spec can raise besides ``ValueError``."""


def _given_problem(record: object, spec: object) -> Problem:
    """The problem of ``reset(options={"problem": ...})`` or ``{"spec": ...}``.

    Raises:
        ValueError: the record or spec is malformed, whatever its defect.
    """
    if isinstance(record, Problem):
        return record
    if isinstance(spec, TaskSpec):
        return generate(spec)
    what = "problem" if record is not None else "spec"
    try:
        if record is not None:
            problem = Problem.from_record(record)  # type: ignore[arg-type]
            _ = problem.id  # computed lazily from the fields: a bad field fails here
            return problem
        return generate(TaskSpec.from_dict(spec))  # type: ignore[arg-type]
    except _MALFORMED as err:
        raise ValueError(f"options[{what!r}] is malformed: {err!r}") from None


def check_action(env: gym.Env[Any, Any], action: object) -> str:
    """The action as ``str``; anything else raises ``TypeError`` naming the expected type."""
    if not isinstance(action, str):
        raise TypeError(
            f"{type(env).__name__}.step expects the action to be a str (the response text "
            f"after {SOLUTION_OPEN}), got {type(action).__name__}"
        )
    return action


def _chat_text(messages: list[dict[str, str]]) -> str:
    """A chat prompt as one observation: the messages' contents, a blank line apart."""
    return "\n\n".join(m["content"] for m in messages)


class ReasonBase(gym.Env[str, str]):
    """Shared machinery; see the subclasses for the user manual."""

    # Text is rendered on demand, never timed; render_fps is declared only because
    # Gymnasium's checker warns when it is missing.
    metadata: dict[str, Any] = {"render_modes": ["ansi"], "render_fps": 1}  # noqa: RUF012
    config_class: ClassVar[type[EnvConfig]] = EnvConfig
    feedback_chars: ClassVar[int] = 0
    """Most characters an observation adds after the response (verdicts)."""

    def __init__(
        self,
        *,
        curriculum: Curriculum | None = None,
        render_mode: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.config = self.config_class.from_kwargs(kwargs)
        if curriculum is not None and not isinstance(curriculum, Curriculum):
            raise TypeError(
                "curriculum must have propose(n) -> list[TaskSpec] and observe(results), "
                f"got {type(curriculum).__name__}"
            )
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be None or one of {self.metadata['render_modes']}, "
                f"got {render_mode!r}"
            )
        self.curriculum = curriculum
        self.render_mode = render_mode
        limit = self.config.max_response_chars
        self.action_space = FreeText(max_length=limit)
        self.observation_space = FreeText(max_length=MAX_PROMPT_CHARS + limit + self.feedback_chars)
        self.problem: Problem | None = None
        """The current episode's problem (``None`` before the first reset)."""
        self._observation = ""
        self._done = True
        self._steps = 0
        self._from_curriculum = False
        self._generated = False  # the problem was generated here from a spec
        self._problem_id, self._op, self._prompt = "", 0, ""
        # The last spec config seen and its dict: an env's own specs share one config.
        self._config: DagConfig | None = None
        self._config_dict: dict[str, Any] = {}

    # ---- reset ---------------------------------------------------------------------------

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        """Start an episode: draw (or replay) a problem and observe its prompt.

        Args:
            seed: seeds ``np_random``, which draws the problem when no curriculum is set.
            options: ``{"problem": record}`` replays a problem record (or ``Problem``)
                exactly; ``{"spec": spec}`` generates from a ``TaskSpec`` (or its dict).

        Returns:
            The prompt, and the problem's provenance: ``id``, ``spec``, ``op``,
            ``graph_hash``, ``version``.
        """
        super().reset(seed=seed)
        self._flush_unfinished()
        problem = self.problem = self._next_problem(options)
        # Derived values the episode reports more than once, computed once. A generated
        # problem has its spec's op (the generator draws the DAG at exactly that op); a
        # replayed one is counted.
        self._problem_id = problem.id
        self._op = problem.spec.op if self._generated else problem.op
        messages = chat_messages(problem) if self.config.prompt_format == "chat" else None
        self._prompt = problem.prompt if messages is None else _chat_text(messages)
        if len(self._prompt) > MAX_PROMPT_CHARS:
            raise ValueError(
                f"prompt of {len(self._prompt)} characters exceeds "
                f"MAX_PROMPT_CHARS={MAX_PROMPT_CHARS}"
            )
        self._gold: Gold = gold_of(problem)
        self._done = False
        self._steps = 0
        self._observation = self._prompt
        self._start_episode()
        info = self._provenance()
        if messages is not None:
            info["messages"] = messages
        return self._observation, info

    def _start_episode(self) -> None:
        """Subclass hook: reset per-episode state."""

    def _next_problem(self, options: Mapping[str, Any] | None) -> Problem:
        record = spec = None
        if options:
            opts = dict(options)
            record = opts.pop("problem", None)
            spec = opts.pop("spec", None)
            if opts:
                raise ValueError(
                    f"unknown reset option(s) {sorted(opts)}; allowed: ['problem', 'spec']"
                )
            if record is not None and spec is not None:
                raise ValueError("pass at most one of options['problem'] and options['spec']")
        self._from_curriculum = False
        self._generated = record is None
        if record is not None or spec is not None:
            return _given_problem(record, spec)
        if self.curriculum is not None:
            (proposed,) = self.curriculum.propose(1)
            problem = generate(proposed)
            self._from_curriculum = True
        else:
            cfg = self.config
            problem = generate(
                sample_spec(
                    self.np_random,
                    op=cfg.op_range,
                    contexts=cfg.contexts,
                    modes=cfg.modes,
                    split=cfg.split,
                    seed=cfg.seed,
                    dag=cfg.dag,
                )
            )
        return problem

    def _provenance(self) -> dict[str, Any]:
        problem = self._require_problem()
        return {
            "id": self._problem_id,
            "spec": self._spec_dict(problem.spec),
            "op": self._op,
            "graph_hash": problem.graph_hash,
            "version": RECORD_VERSION,
        }

    def _spec_dict(self, spec: TaskSpec) -> dict[str, Any]:
        """``spec.to_dict()``, without its field introspection per call, and its config's
        dict made once per config (configs are frozen; an env's own specs share one)."""
        data = {name: getattr(spec, name) for name in _SPEC_FIELDS}
        config = spec.config
        if config is not self._config:
            self._config, self._config_dict = config, config.to_dict()
        data["config"] = dict(self._config_dict)
        return data

    # ---- step helpers --------------------------------------------------------------------

    def _require_problem(self) -> Problem:
        if self.problem is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        return self.problem

    def _begin_step(self, action: object) -> str:
        """The action as ``str``, once the episode is known to be running."""
        self._require_problem()
        if self._done:
            raise gym.error.ResetNeeded("the episode has ended: call reset() before step()")
        text = check_action(self, action)
        self._steps += 1
        return text

    def _score(self, response: str) -> RewardResult:
        cfg = self.config
        # ``score_parsed`` with the episode's gold is ``edgegym.rewards.score`` minus its
        # argument checks (done once, by the config) and its gold cache lookup.
        if cfg.reads_leniently:
            gold = self._gold
            return lenient_result(
                response, lambda text: score_parsed(text, gold, mode=cfg.reward, alpha=cfg.alpha)
            )
        return score_parsed(response, self._gold, mode=cfg.reward, alpha=cfg.alpha)

    def _cut(self, response: str) -> tuple[str, bool]:
        """The response cut to the budget, and whether it had to be cut."""
        limit = self.config.max_response_chars
        return (response[:limit], True) if len(response) > limit else (response, False)

    def _diagnosis(
        self, result: RewardResult, flags: tuple[str, ...], total: float
    ) -> dict[str, Any]:
        """The step info of a finished episode: provenance plus the full reward diagnosis."""
        return {
            "id": self._problem_id,
            "op": self._op,
            "score": float(total),
            "outcome": float(result.outcome),
            "process": float(result.process),
            "verified": bool(result.verified),
            # Always an int (-1: no wrong step): a vector env merges infos into one array
            # per key, typed by the first env's value, so a key's type must never change.
            "first_error": NO_ERROR if result.first_error is None else int(result.first_error),
            "flags": flags,
            "answer": self._require_problem().answer,
        }

    def _finish(self, result: RewardResult, flags: tuple[str, ...], total: float) -> None:
        """End the episode and report it to the curriculum (if it proposed the problem)."""
        self._done = True
        if self._from_curriculum and self.curriculum is not None:
            problem = self._require_problem()
            sample = SampleOutcome(
                verified=bool(result.verified),
                outcome=bool(result.outcome),
                score=float(total),
                process=float(result.process),
                flags=flags,
            )
            self.curriculum.observe([GroupResult.of(problem.spec, [sample])])
            self._from_curriculum = False

    def _flush_unfinished(self) -> None:
        """An episode abandoned after >= 1 action (e.g. truncated by a step limit) is
        reported to its curriculum as scored on its partial response, flagged ``unfinished``."""
        if self._done or self._steps == 0 or not self._from_curriculum:
            self._from_curriculum = False
            return
        result, flags, total = self._unfinished_result()
        self._finish(result, tuple(sorted({*flags, "unfinished"})), total)

    def _unfinished_result(self) -> tuple[RewardResult, tuple[str, ...], float]:
        """How a partial episode scores; each env class (one step or many) defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define _unfinished_result")

    @staticmethod
    def _flags(result: RewardResult, over_length: bool) -> tuple[str, ...]:
        # Few distinct flag sets occur (and results share theirs): each is sorted once.
        key = (result.flags, over_length)
        flags = _SORTED_FLAGS.get(key)
        if flags is None:
            if len(_SORTED_FLAGS) >= 4096:
                _SORTED_FLAGS.clear()
            both = result.flags | {OVER_LENGTH} if over_length else result.flags
            flags = _SORTED_FLAGS[key] = tuple(sorted(both))
        return flags

    # ---- rendering and closing -----------------------------------------------------------

    def render(self) -> str | None:  # type: ignore[override]
        """With ``render_mode="ansi"``, the current transcript (the last observation)."""
        return self._observation if self.render_mode == "ansi" else None

    def close(self) -> None:
        """Report an unfinished curriculum episode; closing twice is fine."""
        self._flush_unfinished()
        self._done = True
