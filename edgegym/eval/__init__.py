"""Evaluation: unbiased pass@k, answer-only and process-verified, with intervals.

- :mod:`~edgegym.eval.passk`: the unbiased pass@k estimator, vectorized.
- :mod:`~edgegym.eval.suites`: deterministic test-split suites with a leakage guard.
- :mod:`~edgegym.eval.generations` and :mod:`~edgegym.eval.scoring`: read sampled
  responses and score them (in parallel) into per-problem counts.
- :mod:`~edgegym.eval.aggregate` and :mod:`~edgegym.eval.compare`: pass@k per op,
  band, context and mode with bootstrap intervals; paired run-vs-run differences.
- :mod:`~edgegym.eval.report` and :mod:`~edgegym.eval.plots`: tables and figures.
- :mod:`~edgegym.eval.policies`: reference policies with known pass rates, and
  :mod:`~edgegym.eval.demo`, the demo that scores them on a small suite.
- :mod:`~edgegym.eval.results`: one run's per-problem counts, saved as JSON;
  :mod:`~edgegym.eval.stats`: bootstrap intervals; :mod:`~edgegym.eval.leakage`: graph
  hashes of training data for the leakage guard; :mod:`~edgegym.eval.io`: atomic
  writes and the usable core count.

The command line is ``edgegym eval`` (build-suite, score, report, compare, demo).
"""

from edgegym.eval.aggregate import DEFAULT_BANDS, Band, EvalConfig, Summary, summarize
from edgegym.eval.compare import Comparison, compare
from edgegym.eval.passk import pass_at_k
from edgegym.eval.results import EvalResults, ProblemScore
from edgegym.eval.scoring import ScoreConfig, score_responses, score_suite
from edgegym.eval.suites import Suite, SuiteConfig, build_suite, load_suite, preset, write_suite

__all__ = [
    "DEFAULT_BANDS",
    "Band",
    "Comparison",
    "EvalConfig",
    "EvalResults",
    "ProblemScore",
    "ScoreConfig",
    "Suite",
    "SuiteConfig",
    "Summary",
    "build_suite",
    "compare",
    "load_suite",
    "pass_at_k",
    "preset",
    "score_responses",
    "score_suite",
    "summarize",
    "write_suite",
]
