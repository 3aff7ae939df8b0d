"""Adapters from edgegym to trainers: tokenizers, model initialisation, corpora, OpenRLHF.

Everything here that needs torch, transformers, tokenizers or OpenRLHF imports it
lazily, inside the function that uses it, and raises an ``ImportError`` naming the
extra to install (``edgegym[train]`` or ``edgegym[openrlhf]``) when it is missing.
(The OpenRLHF agent files import OpenRLHF at the top: only OpenRLHF loads them; the
verl adapter takes its sampler base class from verl, or torch, where either is installed;
the hub adapters ``reasoning_gym`` and ``verifiers_env`` import their hub at the top,
raising an ``ImportError`` naming ``edgegym[reasoning-gym]`` / ``edgegym[verifiers]``.)
Only :mod:`edgegym.studies` and :mod:`edgegym.cli` import this subpackage.

Modules:
    tokenizer: exact character-level and byte-level BPE Hugging Face tokenizers.
    model: Llama model size presets, random initialisation, ``save_pretrained`` export.
    corpus: sharded, deterministic, resumable JSONL corpora (pre-training, mid-training,
        SFT, RL prompt sets).
    openrlhf: OpenRLHF's reward function and agent executor files.
    packing: tokenized problems packed into rows of the context length.
    export: problem sets for verl (parquet), Hugging Face ``datasets`` and JSONL.
    verl: verl's reward function, a tag-keeping reward manager, a curriculum sampler.
    train: the local trainer (pre-training, mid-training, GRPO) for one machine.
    trl: problem sets, curriculum datasets and rewards for TRL's ``GRPOTrainer``.
    reasoning_gym: the reasoning-gym dataset ``"edgegym"``.
    verifiers_env: the verifiers (v1) taskset, rubric and harness of ``edgegym-reason``.
"""
