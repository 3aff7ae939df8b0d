#!/usr/bin/env bash
# GRPO with process supervision as a multi-turn MDP: ReasonStep-v0 (OpenRLHF 0.11).
#
# The agent (agent.py, via --train.agent_func_path) runs OpenRLHF's own multi-turn loop:
# the model writes one trace step per turn (generation stops after each sentence), the
# env rewards each step by the change of its process potential and, with
# feedback=verdict, appends " [correct]" or " [wrong]" (masked out of the loss). The
# turns' rewards sum to the single-turn score of the whole response (a sample that the
# 2048-token budget ends before its answer is closed and scored like one that stopped).
#
# OpenRLHF 0.11 sums the turns' rewards into one reward per sample before group_norm, so
# the per-step shaping does not change the gradient: this is single-turn GRPO on the
# REWARD score plus the verdict text in the context, not per-step credit assignment.
# --rollout.max_new_tokens does not cap a multi-turn response (each turn may use what
# is left of --data.max_len).
#
# Variables: WORK, BASE, OPS (default edge), PROMPTS (default 200k), REWARD (default
# gated), GPUS, EVAL, RUN.
set -euo pipefail
WORK=${WORK:-runs/study}
BASE=${BASE:-$WORK/pretrain}
OPS=${OPS:-edge}
PROMPTS=${PROMPTS:-200k}
REWARD=${REWARD:-gated}
GPUS=${GPUS:-8}
EVAL=${EVAL:-}
RUN=${RUN:-}
EXCLUDE=()
if [[ -n "$EVAL" ]]; then EXCLUDE=(--exclude "$EVAL"); fi

$RUN edgegym corpus rl --records "$PROMPTS" --ops "$OPS" \
  --contexts zoo --modes forward=0.5,reverse=0.5 --seed 4 --reward "$REWARD" --dag study \
  --env-id edgegym:ReasonStep-v0 --env-kwargs '{"feedback": "verdict"}' \
  --tokenizer "$BASE" --out "$WORK/data/rl-step-$OPS" "${EXCLUDE[@]}"

$RUN python3 -m openrlhf.cli.train_ppo_ray \
  --actor.model_name_or_path "$BASE" \
  --train.agent_func_path "$(edgegym openrlhf path agent)" \
  --data.prompt_dataset "$WORK/data/rl-step-$OPS" \
  --data.input_key prompt \
  --data.label_key label \
  --data.max_len 2048 \
  --rollout.max_new_tokens 1024 \
  --algo.advantage.estimator group_norm \
  --rollout.n_samples_per_prompt 6 \
  --rollout.batch_size 1024 \
  --rollout.micro_batch_size 16 \
  --rollout.temperature 1.0 \
  --train.batch_size 6144 \
  --train.micro_batch_size 16 \
  --train.max_epochs 1 \
  --train.num_episodes 1 \
  --algo.dynamic_filtering_enable \
  --algo.dynamic_filtering_range 0 1 \
  --algo.kl.use_loss \
  --algo.kl.estimator k3 \
  --algo.kl.init_coef 1e-3 \
  --actor.eps_clip 0.2 \
  --actor.adam.lr 1e-6 \
  --actor.lr_scheduler constant \
  --actor.num_nodes 1 \
  --actor.num_gpus_per_node "$GPUS" \
  --ref.num_nodes 1 \
  --ref.num_gpus_per_node "$GPUS" \
  --vllm.num_engines "$GPUS" \
  --vllm.tensor_parallel_size 1 \
  --vllm.gpu_memory_utilization 0.5 \
  --train.colocate_all \
  --vllm.enable_sleep \
  --ds.enable_sleep \
  --ds.zero_stage 2 \
  --ds.param_dtype bf16 \
  --ds.attn_implementation flash_attention_2 \
  --ckpt.output_dir "$WORK/grpo-step-$OPS" \
  --ckpt.save_hf
