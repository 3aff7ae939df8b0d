#!/usr/bin/env bash
# Mid-train the pre-trained model at the edge of competence (OpenRLHF 0.11).
#
# The study's mid-training: continued causal-LM training on 20% op 2-10 (replay) + 80% op
# 11-14 (the edge), compute-matched against RL: one RL step (1024 prompts x 6 rollouts)
# is ~20M tokens, ~40 mid-training steps of 256 x 2048 tokens. TOKENS sets that budget.
#
# Variables: WORK, TOKENS (default 400M, ~20 RL steps' worth), GPUS, EVAL, RUN (see
# pretrain.sh).
set -euo pipefail
WORK=${WORK:-runs/study}
TOKENS=${TOKENS:-400M}
GPUS=${GPUS:-8}
EVAL=${EVAL:-}
RUN=${RUN:-}
EXCLUDE=()
if [[ -n "$EVAL" ]]; then EXCLUDE=(--exclude "$EVAL"); fi

$RUN edgegym corpus midtrain --tokens "$TOKENS" --ops midtrain-20-80 \
  --contexts zoo+teacher-1 --modes forward=0.5,reverse=0.5 --seed 1 \
  --tokenizer "$WORK/pretrain" --out "$WORK/data/midtrain" "${EXCLUDE[@]}"

$RUN deepspeed --num_gpus "$GPUS" --module openrlhf.cli.train_sft \
  --model.model_name_or_path "$WORK/pretrain" \
  --model.pretrain_mode_enable \
  --data.dataset "$WORK/data/midtrain" \
  --data.input_key text \
  --data.max_len 2048 \
  --ds.packing_samples \
  --train.batch_size 256 \
  --train.micro_batch_size 16 \
  --train.max_epochs 1 \
  --adam.lr 3e-5 \
  --adam.weight_decay 0.1 \
  --lr_scheduler constant_with_warmup \
  --lr_warmup_ratio 0.05 \
  --ds.zero_stage 2 \
  --ds.param_dtype bf16 \
  --ds.attn_implementation flash_attention_2 \
  --ckpt.output_dir "$WORK/midtrain" \
  --ckpt.save_hf \
  --logger.logging_steps 10
