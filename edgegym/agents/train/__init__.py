"""The local training path: pre-train, mid-train, RL at the edge and evaluate on one machine.

This is the study in miniature for a laptop CPU or one GPU. OpenRLHF
(:mod:`edgegym.agents.openrlhf`) is the path for clusters; this one is small enough
to read. Engines were chosen by measurement: a plain torch loop for language-model
training and a hand-written GRPO loop for RL, both on Hugging Face ``LlamaForCausalLM``
models from :mod:`edgegym.agents.model`.

Modules:
    config: frozen configs of every stage and the pipeline preset (data files in
        ``presets/``).
    runtime: devices, torch threads and seeded torch generators.
    data: problems -> token ids, loss masks and padded batches.
    sampling: batched KV-cache sampling and completion log-probabilities.
    lm: the language-model loop (pre-training and mid-training).
    grpo: group advantages, the policy-gradient loss and the GRPO loop.
    rl: the GRPO loop with the curriculum in it (propose, sample, score, observe, update).
    checkpoint: atomic checkpoints and exact resume.
    compute: FLOPs of every stage (6ND for language-model steps, rollouts, RL updates).
    metrics: JSONL metrics and the rich live view.
    evaluate: pass@k per op, verified and answer-only, tables and plots.
    pipeline: the stages (init, pretrain, midtrain, rl, evaluate) and their chaining.
    study: RL arms from one base at equal budget, evaluated paired (the examples).

Presets (``presets/*.json``): ``micro`` (tests), ``tiny-cpu`` (``edgegym demo``; it
ships its pre-trained base, ``presets/tiny-cpu-base``, rebuilt by
``edgegym stage base --preset tiny-cpu``), ``small-gpu`` and ``study-100m``.

torch and transformers are imported by the modules that need them; importing this
package alone imports neither.
"""
