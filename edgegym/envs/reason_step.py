"""``ReasonStep-v0``: process supervision as a multi-turn MDP, one reasoning step per action.

The env splits nothing: the agent sends one step per action and the env joins the actions
into a response exactly as :func:`join_steps` does. Per-step rewards are potential-based,
so an episode's rewards sum to the score ``Reason-v0`` gives the joined response.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

from edgegym.envs.base import FINAL_MARKERS, ReasonBase
from edgegym.envs.config import EnvConfig, StepEnvConfig
from edgegym.rewards import ProcessResult, RewardResult, check_process, parse
from edgegym.tasks import Problem
from edgegym.tasks.trace import SOLVE_HEAD, STEP_HEAD, response_end, trace_body

__all__ = ["VERDICTS", "ReasonStepEnv", "gold_steps", "join_steps"]

VERDICTS = ("correct", "wrong")
_MARKER_SPAN = max(len(m) for m in FINAL_MARKERS)
_STEP_START = re.compile(f" (?={re.escape(STEP_HEAD)}|{re.escape(SOLVE_HEAD)})")


def join_steps(actions: Sequence[str]) -> str:
    """The response an episode's actions make: each action preceded by one space.

    ``join_steps(["Define A as a; so a = 5.", "</solution> <answer> 5 </answer>"])`` is
    ``" Define A as a; so a = 5. </solution> <answer> 5 </answer>"``, the model text format.
    """
    return "".join(" " + a for a in actions)


def gold_steps(problem: Problem) -> list[str]:
    """The gold response as actions: one per trace step, then the final answer action.

    Steps are the ``Define ...`` steps (in reverse mode also the opening sentence and the
    closing ``We know ...`` equation block); ``join_steps(gold_steps(p)) == p.completion``.
    """
    return [*_STEP_START.split(trace_body(problem.solution)), response_end(problem.answer)]


class ReasonStepEnv(ReasonBase):
    """Solve one synthetic reasoning problem one step at a time, rewarded per step.

    ## Description
    The problem is that of ``Reason-v0`` (see :class:`~edgegym.envs.reason.ReasonEnv`), but
    each action is one step of the solution trace, e.g. ``"Define adult owl in Hamilton Farm
    as m; so m = 18."``, and the last action is the answer, ``"</solution> <answer> 18
    </answer>"``. Each step earns the change it makes to a process potential, so process
    supervision is available to any RL algorithm, and the rewards of an episode still sum to
    the single-turn score of the whole response.

    ## Observation
    Text (``FreeText``). After ``reset``: the prompt, ``<question> ... </question>
    <solution>``. After step ``t``: the prompt followed by the response so far ``R_t``
    (the transcript in the model text format, so a language model continues it directly);
    with ``feedback="verdict"`` it ends with `` [correct]`` or `` [wrong]``, the verdict on
    step ``t`` (only the latest verdict is shown; ``R_t`` itself never contains verdicts).

    ## Action
    Text (``FreeText(max_length=max_response_chars)``): one step, or the final answer. The
    response after ``t`` actions is ``R_t = join_steps(a_1, ..., a_t)``: each action preceded
    by one space, nothing else added or removed. A non-``str`` action raises ``TypeError``.

    ## Reward
    With ``P`` the problem and ``S(R) = score(P, R, mode=reward, alpha=alpha)`` (the
    ``Reason-v0`` reward of response ``R``), the potential of step ``t`` is::

        Phi_0 = 0
        Phi_t = S(R_t).score                  if step t ends the episode
        Phi_t = w * S(R_t).process            otherwise (a prefix without an answer)

    and the reward is ``r_t = Phi_t - Phi_(t-1)``. The sum over a terminated episode
    telescopes to ``S(R_T).score``, the ``Reason-v0`` reward of ``join_steps`` of its
    actions (up to float rounding). ``w = shaping`` if given, else the process weight of
    the reward mode: ``1 - alpha`` for ``gated`` and ``linear``, 0 for ``outcome`` and
    ``strict`` (all reward at the end). With ``w > 0`` a step that makes a gold node right
    earns a positive reward, a wrong, extra or repeated step a non-positive one, and a wrong
    final answer takes back what the steps earned. (``S(R_t).process`` of a prefix is
    computed by the same process check, ``right / (|V| + penalties)``: gold nodes not yet
    written are simply not right.)

    A verdict says whether step ``t`` added an error: ``correct`` iff the number of gold
    nodes right did not drop and the penalties plus the parsed steps judged other than
    ``ok`` did not grow (so the reverse-mode preamble and the closing equation block are
    ``correct``; a wrong value, wrong parents, a repeat, an extra step or junk text are
    ``wrong``); for the final step, ``correct`` iff the answer is right.

    ## Starting State
    As ``Reason-v0``: drawn from the arguments, the curriculum, or ``reset`` options
    ``{"problem": record}`` / ``{"spec": spec}``; the reset ``info`` holds the provenance.

    ## Episode End
    Terminated at the first step after which ``R_t`` contains ``</solution>``, ``<answer>``
    or ``</answer>`` (the response is complete), or exceeds ``max_response_chars`` (it is cut
    to the budget and flagged ``over_length``, as ``Reason-v0`` does). Truncated by
    Gymnasium's ``TimeLimit`` wrapper at ``max_episode_steps`` (registered: 64; the env has
    no step counter of its own); a truncated episode keeps the shaping it earned. Each step's
    ``info`` holds ``step``, ``potential``, ``process`` and ``verdict``; the final step's also
    the diagnosis of ``Reason-v0`` (``score`` = the episode's reward sum).

    ## Arguments
    Those of ``Reason-v0``, plus:

    - ``feedback`` (``"none"`` or ``"verdict"``, default ``"none"``).
    - ``shaping`` (float in [0, 1] or ``None``, default ``None``): the weight ``w`` above.
    - ``max_episode_steps`` (a ``gym.make`` argument, default 64): the ``TimeLimit``.

    ## Version History
    - v0: initial version.
    """

    config_class: ClassVar[type[EnvConfig]] = StepEnvConfig
    feedback_chars: ClassVar[int] = max(len(f" [{v}]") for v in VERDICTS)
    config: StepEnvConfig

    def _start_episode(self) -> None:
        self._response = ""
        self._potential = 0.0
        self._check = self._process_check("")

    def _process_check(self, response: str) -> ProcessResult:
        gold = self._gold
        return check_process(parse(response, mode=gold.mode, modulus=gold.modulus), gold)

    @staticmethod
    def _errors(check: ProcessResult) -> int:
        """Penalties plus steps judged other than ``ok``: what a verdict watches grow."""
        return check.penalties + sum(v != "ok" for v in check.verdicts)

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        """Append one step to the response and reward its change of potential."""
        text = self._begin_step(action)
        before = len(self._response)
        response, over_length = self._cut(self._response + " " + text)
        tail = response[max(0, before - _MARKER_SPAN + 1) :]
        final = over_length or any(marker in tail for marker in FINAL_MARKERS)
        info: dict[str, Any] = {"step": self._steps}
        if final:
            result = self._score(response)
            potential, process = float(result.score), float(result.process)
            correct = result.outcome == 1.0
        else:
            check, previous = self._process_check(response), self._check
            potential, process = self.config.potential_weight * check.process, check.process
            correct = check.right >= previous.right and self._errors(check) <= self._errors(
                previous
            )
            self._check = check
        verdict = VERDICTS[0] if correct else VERDICTS[1]
        reward = potential - self._potential
        self._potential, self._response = potential, response
        info |= {"potential": potential, "process": process, "verdict": verdict}
        if final:
            flags = self._flags(result, over_length)
            info |= self._diagnosis(result, flags, potential)
            self._finish(result, flags, potential)
        suffix = f" [{verdict}]" if self.config.feedback == "verdict" else ""
        self._observation = self._prompt + response + suffix
        return self._observation, reward, final, False, info

    def _unfinished_result(self) -> tuple[RewardResult, tuple[str, ...], float]:
        result = self._score(self._response)
        return result, self._flags(result, False), self._potential
