#!/usr/bin/env bash
# GRPO at the edge of competence, single turn (OpenRLHF 0.11, one node of GPUS GPUs).
#
# The study's RL: op 11-14 prompts, 1024 prompts x 6 rollouts per step, lr 1e-6
# constant, KL loss 1e-3 (k3), clip 0.2, temperature 1.0, prompt and response up to 1024
# tokens each. The reward is edgegym's own (reward_func.py: the Reason-v0 env rebuilt
# from each prompt's label); REWARD picks the mode (gated, strict, outcome, linear).
# Dynamic filtering drops groups whose rewards are all equal (no GRPO gradient).
#
# Variables: WORK, BASE (default $WORK/pretrain), OPS (default edge), PROMPTS (default
# 200k), REWARD (default strict), GPUS, EVAL, RUN.
set -euo pipefail
WORK=${WORK:-runs/study}
BASE=${BASE:-$WORK/pretrain}
OPS=${OPS:-edge}
PROMPTS=${PROMPTS:-200k}
REWARD=${REWARD:-strict}
GPUS=${GPUS:-8}
EVAL=${EVAL:-}
RUN=${RUN:-}
EXCLUDE=()
if [[ -n "$EVAL" ]]; then EXCLUDE=(--exclude "$EVAL"); fi

$RUN edgegym corpus rl --records "$PROMPTS" --ops "$OPS" \
  --contexts zoo --modes forward=0.5,reverse=0.5 --seed 3 --reward "$REWARD" --dag study \
  --tokenizer "$BASE" --out "$WORK/data/rl-$OPS" "${EXCLUDE[@]}"

$RUN python3 -m openrlhf.cli.train_ppo_ray \
  --actor.model_name_or_path "$BASE" \
  --reward.remote_url "$(edgegym openrlhf path reward)" \
  --data.prompt_dataset "$WORK/data/rl-$OPS" \
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
  --ckpt.output_dir "$WORK/grpo-$OPS" \
  --ckpt.save_hf
