"""Rewards: pure functions of (problem, response) with exact, ungameable checks.

``score(problem, response, mode="gated", alpha=0.5) -> RewardResult`` is the entry
point; :class:`Reward` is the same as a picklable callable for trainers. Parsing
(:mod:`.answer`, :mod:`.parse` over :mod:`.steps`, :mod:`.segments`, :mod:`.arith`)
is separate from checking (:mod:`.outcome`, :mod:`.process`); the gold graph comes
from :mod:`.gold`; :mod:`.combined` joins outcome and process into the four reward
modes (controlled corruptions for tests and benchmarks: :mod:`edgegym.tasks.mutate`). Model
text is data and is never evaluated as code. The grammar's text (tags, fixed
phrases, the writer) belongs to :mod:`edgegym.tasks.trace`; :mod:`.lenient` reads chat-style replies
(``lenient=True``) before the unchanged scorer.
"""

from edgegym.rewards.answer import answer_value, parse_answer, parse_number
from edgegym.rewards.combined import (
    MODES,
    Reward,
    RewardMode,
    RewardResult,
    lenient_result,
    score,
    score_parsed,
    shared_reward,
)
from edgegym.rewards.gold import (
    Gold,
    GoldNode,
    gold_from_problem,
    gold_from_record,
    gold_from_study_record,
    gold_of,
)
from edgegym.rewards.outcome import answer_of, outcome, outcome_reward
from edgegym.rewards.parse import ParsedResponse, Step, parse, parse_trace
from edgegym.rewards.process import ProcessResult, check_process

__all__ = [
    "MODES",
    "Gold",
    "GoldNode",
    "ParsedResponse",
    "ProcessResult",
    "Reward",
    "RewardMode",
    "RewardResult",
    "Step",
    "answer_of",
    "answer_value",
    "check_process",
    "gold_from_problem",
    "gold_from_record",
    "gold_from_study_record",
    "gold_of",
    "lenient_result",
    "outcome",
    "outcome_reward",
    "parse",
    "parse_answer",
    "parse_number",
    "parse_trace",
    "score",
    "score_parsed",
    "shared_reward",
]
