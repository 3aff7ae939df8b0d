"""Training corpora as sharded JSONL: pre-training, mid-training, SFT pairs, RL prompt sets.

A corpus is a deterministic stream of *slots*. Slot ``i`` draws an op, a context and a
mode from the configured mixtures with its own random stream
(``SeedSequence((seed, kind, i))``), generates that problem, and becomes one record,
unless the leakage guard finds the problem's graph hash in an evaluation suite, in which
case the slot is skipped. A record is therefore a pure function of ``(config, i)``;
shards hold consecutive slot ranges, so any number of worker processes, and any number
of crashes and restarts, write the same bytes.

Layout of a corpus directory (point OpenRLHF's ``--data.dataset`` or
``--data.prompt_dataset`` at the directory, or at one shard)::

    shard-00000.jsonl  shard-00001.jsonl  ...   records, one JSON object a line
    .manifest.json                              config, per-shard counts and SHA-256

Each shard appears under its final name only once complete (written to a hidden
temporary file, fsynced, renamed). The manifest lists the finished prefix of shards and
is rewritten atomically after each; a restarted writer keeps the listed shards and
regenerates the rest, so a crash loses nothing and duplicates nothing.

Records by kind (every record also has ``id``, ``op``, ``context``, ``mode``,
``graph_hash`` and ``n_tokens``, its exact token count under the configured tokenizer):

- ``pretrain`` / ``midtrain``: ``text`` = model text + EOS (OpenRLHF
  ``train_sft --model.pretrain_mode_enable --data.input_key text``).
- ``sft``: ``prompt`` (up to ``<solution>``) and ``response`` (gold completion + EOS).
- ``rl``: ``prompt``, ``label`` (a JSON *string*: ``env_id``, ``seed``, ``kwargs``,
  ``spec``, ``id``, ``graph_hash``, ``answer``; ``gym.make(env_id, **kwargs).reset(seed=seed,
  options={"spec": spec})`` replays the exact problem) and ``datasource``.

Joint op x context mixtures: a context may carry its own op mixture (``context_ops``,
e.g. teacher only at op 2 beside zoo at every op), and context shares may be shares of
*tokens* (``share_of="tokens"``) rather than of records. Such a corpus draws each slot's
context from a golden-ratio (Weyl) sequence over the slot index instead of an
independent uniform, so every prefix of the stream holds each context's record share to
within a few records; under ``share_of="tokens"`` the record shares are calibrated from
the mean token count of each context's problems (:func:`record_shares`, on a fixed
sample), so the token shares hold to within the length noise of the records drawn.
A corpus without either keeps the independent draw (and its bytes).

Budgets are exact token counts (``tokens``: the shortest prefix of the stream with at
least that many tokens) or record counts (``records``).

Modules:
    mixtures: op, context and mode mixtures (presets, band strings) and drawing from them.
    config: ``CorpusConfig``, everything that determines a corpus's bytes.
    slots: each slot's problem spec; the record shares behind token shares.
    tokens: exact token counts (``TokenCounter``).
    records: one record of a problem, by kind.
    manifest: shard names and stats, the manifest written and read back, cleaning.
    write: ``write_corpus``: shards in order, in one process or a pool, resumable.
    read: ``read_corpus``, ``verify_corpus``, ``corpus_rows``.
    pack: ``pack_corpus``: pre-/mid-training text packed into rows of the context length.
    samples: sample texts for tokenizers; curriculum prompt sets.
"""

from edgegym.agents.corpus.config import KINDS, CorpusConfig, Kind
from edgegym.agents.corpus.manifest import FORMAT, MANIFEST, shard_name
from edgegym.agents.corpus.mixtures import (
    ContextMixture,
    context_mixture,
    load_mixtures,
    op_mixture,
    weight_mixture,
)
from edgegym.agents.corpus.pack import pack_corpus
from edgegym.agents.corpus.read import corpus_rows, read_corpus, verify_corpus
from edgegym.agents.corpus.samples import sample_texts, write_curriculum_prompts
from edgegym.agents.corpus.slots import record_shares, slot_spec
from edgegym.agents.corpus.tokens import TokenCounter
from edgegym.agents.corpus.write import check_env_settings, write_corpus

__all__ = [
    "FORMAT",
    "KINDS",
    "MANIFEST",
    "ContextMixture",
    "CorpusConfig",
    "Kind",
    "TokenCounter",
    "check_env_settings",
    "context_mixture",
    "corpus_rows",
    "load_mixtures",
    "op_mixture",
    "pack_corpus",
    "read_corpus",
    "record_shares",
    "sample_texts",
    "shard_name",
    "slot_spec",
    "verify_corpus",
    "weight_mixture",
    "write_corpus",
    "write_curriculum_prompts",
]
