#!/usr/bin/env bash
# GRPO with an adaptive curriculum that follows the edge of competence (OpenRLHF 0.11).
#
# The prompt set holds curriculum *slots*, not problems. The agent (curriculum_agent.py)
# leases each slot's problem from one curriculum shared by every rollout worker (a Ray
# actor named NAME in the namespace of this Ray job, created on first use, living as long
# as the rollout worker that created it): the n_samples_per_prompt samples of a slot get
# the same problem (one GRPO group) and the curriculum observes every finished group. Its
# counters go to the logs as curriculum/* (extra_logs). Its state is saved to
# $EDGEGYM_CURRICULUM_DIR/curriculum.json (atomically, every 16 groups and every 60 s) and
# reloaded by the next run or by the actor if Ray restarts it. Labels may only name state
# files under EDGEGYM_CURRICULUM_DIR (default: $WORK, made absolute); the rollout workers
# inherit it from this shell on a single node (on a multi-node cluster, pass it with
# `ray job submit --runtime-env-json` and put it on a shared file system). GROUP must
# equal --rollout.n_samples_per_prompt.
#
# Variables: WORK, BASE, STRATEGY (default frontier), SLOTS (default 200k), GROUP
# (default 6), REWARD (default strict), NAME, GPUS, RUN.
set -euo pipefail
WORK=${WORK:-runs/study}
BASE=${BASE:-$WORK/pretrain}
STRATEGY=${STRATEGY:-frontier}
SLOTS=${SLOTS:-200k}
GROUP=${GROUP:-6}
REWARD=${REWARD:-strict}
NAME=${NAME:-edgegym-curriculum}
GPUS=${GPUS:-8}
RUN=${RUN:-}
mkdir -p "$WORK"
export EDGEGYM_CURRICULUM_DIR=${EDGEGYM_CURRICULUM_DIR:-$(cd "$WORK" && pwd)}

$RUN edgegym openrlhf curriculum-prompts --out "$WORK/data/curriculum-slots.jsonl" \
  --slots "$SLOTS" --group-size "$GROUP" --strategy "$STRATEGY" \
  --config '{"contexts": ["zoo"], "modes": ["forward", "reverse"], "op_min": 2, "op_max": 20, "task": "study"}' \
  --name "$NAME" --state curriculum.json --reward "$REWARD"

$RUN python3 -m openrlhf.cli.train_ppo_ray \
  --actor.model_name_or_path "$BASE" \
  --train.agent_func_path "$(edgegym openrlhf path curriculum)" \
  --data.prompt_dataset "$WORK/data/curriculum-slots.jsonl" \
  --data.input_key prompt \
  --data.label_key label \
  --data.max_len 2048 \
  --rollout.max_new_tokens 1024 \
  --algo.advantage.estimator group_norm \
  --rollout.n_samples_per_prompt "$GROUP" \
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
  --ckpt.output_dir "$WORK/grpo-curriculum" \
  --ckpt.save_hf
