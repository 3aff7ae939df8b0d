#!/usr/bin/env bash
# A few steps of every stage on ONE GPU where OpenRLHF 0.11 is installed: a smoke test of
# the whole chain (init -> pre-train -> SFT -> GRPO single-turn -> GRPO multi-turn step
# env -> GRPO with the curriculum), on a ~4M model with the character tokenizer and the
# compact symbolic context. Each stage starts its own Ray/vLLM/DeepSpeed; expect minutes.
#
# Variables: WORK (default runs/smoke), RUN (RUN=echo prints the commands).
set -euo pipefail
WORK=${WORK:-runs/smoke}
RUN=${RUN:-}
DAG='{"modulus": 10, "distractors": 0}'
mkdir -p "$WORK"
export EDGEGYM_CURRICULUM_DIR=${EDGEGYM_CURRICULUM_DIR:-$(cd "$WORK" && pwd)}

# -- model and corpora ------------------------------------------------------------------
$RUN edgegym init-model --preset small --out "$WORK/init" --overwrite
$RUN edgegym corpus pretrain --tokens 2M --ops tiny --contexts symbolic --dag "$DAG" \
  --out "$WORK/data/pretrain"
$RUN edgegym corpus sft --records 2k --ops tiny --contexts symbolic --dag "$DAG" \
  --out "$WORK/data/sft"
$RUN edgegym corpus rl --records 256 --ops 4-6 --contexts symbolic --dag "$DAG" \
  --out "$WORK/data/rl"
$RUN edgegym corpus rl --records 256 --ops 4-6 --contexts symbolic --dag "$DAG" \
  --env-id edgegym:ReasonStep-v0 --env-kwargs '{"feedback": "verdict"}' \
  --out "$WORK/data/rl-step"
$RUN edgegym openrlhf curriculum-prompts --out "$WORK/data/curriculum-slots.jsonl" \
  --slots 256 --group-size 4 --name edgegym-smoke --state curriculum.json \
  --config '{"contexts": ["symbolic"], "op_min": 2, "op_max": 8, "task": {"modulus": 10, "distractors": 0}}'

# -- pre-training and SFT ---------------------------------------------------------------
$RUN deepspeed --num_gpus 1 --module openrlhf.cli.train_sft \
  --model.model_name_or_path "$WORK/init" --model.pretrain_mode_enable \
  --data.dataset "$WORK/data/pretrain" --data.input_key text --data.max_len 1024 \
  --data.max_samples 2048 --train.batch_size 64 --train.micro_batch_size 16 \
  --train.max_epochs 1 --adam.lr 1e-3 --ds.zero_stage 2 --ds.param_dtype bf16 \
  --ds.attn_implementation sdpa --ckpt.output_dir "$WORK/pretrain" --ckpt.save_hf
$RUN deepspeed --num_gpus 1 --module openrlhf.cli.train_sft \
  --model.model_name_or_path "$WORK/pretrain" \
  --data.dataset "$WORK/data/sft" --data.input_key prompt --data.output_key response \
  --data.input_template '{}' --data.max_len 1024 --data.max_samples 512 \
  --train.batch_size 64 --train.micro_batch_size 16 --train.max_epochs 1 --adam.lr 5e-4 \
  --ds.zero_stage 2 --ds.param_dtype bf16 --ds.attn_implementation sdpa \
  --ckpt.output_dir "$WORK/sft" --ckpt.save_hf

# -- GRPO: single turn, multi-turn step env, curriculum --------------------------------
GRPO=(--data.input_key prompt --data.label_key label --data.max_len 1024
  --data.max_samples 16 --rollout.max_new_tokens 256 --algo.advantage.estimator group_norm
  --rollout.n_samples_per_prompt 4 --rollout.batch_size 8 --rollout.micro_batch_size 8
  --train.batch_size 32 --train.micro_batch_size 8 --train.max_epochs 1
  --train.num_episodes 1 --algo.kl.use_loss --algo.kl.estimator k3 --algo.kl.init_coef 1e-3
  --actor.adam.lr 1e-5 --actor.num_nodes 1 --actor.num_gpus_per_node 1 --ref.num_nodes 1
  --ref.num_gpus_per_node 1 --vllm.num_engines 1 --vllm.tensor_parallel_size 1
  --vllm.gpu_memory_utilization 0.3 --vllm.enforce_eager --train.colocate_all
  --vllm.enable_sleep --ds.enable_sleep --ds.zero_stage 2 --ds.param_dtype bf16
  --ds.attn_implementation sdpa --ckpt.save_hf)
$RUN python3 -m openrlhf.cli.train_ppo_ray --actor.model_name_or_path "$WORK/sft" \
  --reward.remote_url "$(edgegym openrlhf path reward)" \
  --data.prompt_dataset "$WORK/data/rl" --ckpt.output_dir "$WORK/grpo" "${GRPO[@]}"
$RUN python3 -m openrlhf.cli.train_ppo_ray --actor.model_name_or_path "$WORK/sft" \
  --train.agent_func_path "$(edgegym openrlhf path agent)" \
  --data.prompt_dataset "$WORK/data/rl-step" --ckpt.output_dir "$WORK/grpo-step" "${GRPO[@]}"
$RUN python3 -m openrlhf.cli.train_ppo_ray --actor.model_name_or_path "$WORK/sft" \
  --train.agent_func_path "$(edgegym openrlhf path curriculum)" \
  --data.prompt_dataset "$WORK/data/curriculum-slots.jsonl" \
  --ckpt.output_dir "$WORK/grpo-curriculum" "${GRPO[@]}"
echo "smoke run complete: $WORK"
