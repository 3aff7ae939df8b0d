"""``Reason-v0``: one episode is one problem, one action is the whole response."""

from __future__ import annotations

from typing import Any

from edgegym.envs.base import ReasonBase

__all__ = ["ReasonEnv"]


class ReasonEnv(ReasonBase):
    """Solve one synthetic reasoning problem in a single response.

    ## Description
    Each episode draws a dependency-graph word problem of an exact difficulty ``op`` (the
    number of edges of its necessary DAG; see ``edgegym.tasks``) and asks for the whole
    solution at once: the step-by-step trace, ``</solution>``, and the answer. The reward
    comes from ``edgegym.rewards.score``, which checks the answer and every step of the trace
    against the problem's gold graph. This is the setting of the study "On the Interplay of
    Pre-Training, Mid-Training, and RL on Reasoning Language Models" (arXiv 2512.07783).

    ## Observation
    Text (:class:`~edgegym.envs.spaces.FreeText`: any ``str`` up to
    ``MAX_PROMPT_CHARS + max_response_chars`` characters). After ``reset`` it is the prompt,
    the model text format up to and including ``<solution>``::

        <question> {problem} {question} </question> <solution>

    After the step it is the prompt followed by the response as scored (cut to the budget).

    ## Action
    Text (``FreeText(max_length=max_response_chars)``): the model's continuation after
    ``<solution>``, e.g. ``" Define A as a; so a = 5. ... </solution> <answer> 12 </answer>"``.
    A non-``str`` action raises ``TypeError``. A longer action is accepted, cut to its first
    ``max_response_chars`` characters, flagged ``over_length`` and scored: the same reward a
    generator stopped at that budget would get.

    ## Reward
    ``r = score(problem, action[:max_response_chars], mode=reward, alpha=alpha).score`` in
    [0, 1], where, with ``o`` = outcome (1 iff exactly one final answer, in a closed
    ``<answer>`` tag, equal to the gold answer) and ``p`` = process accuracy in [0, 1] (the
    fraction of gold steps present with the right parents and a value recomputed right, less
    penalties for extra, duplicate or re-defined steps):

    - ``gated`` (default): ``o * (alpha + (1 - alpha) * p)``
    - ``strict``: 1 iff verified (``o = 1`` and every gold step right), else 0
    - ``outcome``: ``o``
    - ``linear``: ``alpha * o + (1 - alpha) * p`` (explicit opt-in: pays for a wrong answer)

    ## Starting State
    A problem drawn uniformly from the arguments: op in ``op`` (inclusive range), a context
    of ``contexts``, a mode of ``modes``, split ``split``, task seed ``seed``, and a fresh
    63-bit index, all from ``np_random``; or the next spec of ``curriculum``; or the problem
    given as ``reset(options={"problem": record})`` (replayed exactly; the record's id is
    checked) or ``reset(options={"spec": spec})``. The reset ``info`` holds the provenance:
    ``id``, ``spec`` (dict), ``op``, ``graph_hash``, ``version``.

    ## Episode End
    Terminated after the one step. Never truncated. The step ``info`` holds the diagnosis:
    ``id``, ``op``, ``score``, ``outcome``, ``process``, ``verified``, ``first_error``
    (index of the first wrong step, ``-1`` when there is none: each info key keeps one
    type, as vector envs need), ``flags`` (sorted tuple), ``answer`` (gold).
    A further ``step`` before ``reset`` raises ``gymnasium.error.ResetNeeded``.

    ## Arguments
    ``gym.make("edgegym:Reason-v0", **kwargs)``; every argument but ``curriculum`` is JSON:

    - ``op`` (int or ``[lo, hi]``, default ``[2, 10]``): difficulty, within [2, 40].
    - ``contexts`` (list of names, default ``["zoo", "teacher", "movie"]``).
    - ``modes`` (list, default ``["forward", "reverse"]``).
    - ``split`` (``"train"``, ``"val"`` or ``"test"``, default ``"train"``).
    - ``seed`` (int, default 0): the task seed; ``reset(seed=...)`` picks problems within it.
    - ``dag`` (dict of ``DagConfig`` fields, default ``{}``), e.g.
      ``{"modulus": 10, "distractors": 0}`` for tiny models.
    - ``reward`` (``"gated"``, ``"strict"``, ``"outcome"``, ``"linear"``; default ``"gated"``).
    - ``alpha`` (float in [0, 1], default 0.5).
    - ``max_response_chars`` (int, default 8192).
    - ``curriculum`` (object with ``propose(n)`` and ``observe(results)``, default ``None``):
      see ``edgegym.envs.proposers`` and ``edgegym.curricula``. After each episode it
      proposed, it observes a one-sample ``GroupResult``. Sync vector envs share the one
      object; each async worker holds its own copy (share one through a service).
    - ``render_mode`` (``None`` or ``"ansi"``: ``render()`` returns the transcript).

    Vectorized: ``gym.make_vec("edgegym:Reason-v0", num_envs=8, vectorization_mode=...)``
    works with ``"sync"`` and ``"async"`` with Gymnasium's defaults (``FreeText`` brings
    its own shared-memory codec); observations come back as a tuple of str.

    ## Version History
    - v0: initial version.
    """

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        """Score the response; the episode ends. See the class docstring."""
        text = self._begin_step(action)
        response, over_length = self._cut(text)
        result = self._score(response)
        flags = self._flags(result, over_length)
        reward = float(result.score)
        info = self._diagnosis(result, flags, reward)
        self._observation = self._prompt + response
        self._finish(result, flags, reward)
        return self._observation, reward, True, False, info
