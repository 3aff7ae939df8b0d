#!/usr/bin/env bash
# Mid-train the pre-trained model at the edge of competence (OpenRLHF 0.11).
#
# The study's mid-training: continued causal-LM training on 20% op 2-10 (replay) + 80% op
# 11-14 (the edge), packed into rows of exactly 2,048 tokens, every row used
# (--data.max_samples is the packed corpus's row count). A step is 256 rows x 2,048
# tokens = 524,288 tokens. For compute matching against RL: one step of
# grpo_single_turn.sh is 1024 prompts x 6 samples, each about one problem long (prompt +
# response, ~575 BPE tokens at this mixture), ~3.5M tokens, so ~7 mid-training steps;
# TOKENS (default 400M) is ~760 steps, as many tokens as ~110 RL steps.
#
# Variables: WORK, TOKENS (default 400M), GPUS, EVAL, RUN (see pretrain.sh).
set -euo pipefail
WORK=${WORK:-runs/study}
TOKENS=${TOKENS:-400M}
GPUS=${GPUS:-8}
EVAL=${EVAL:-}
RUN=${RUN:-}
EXCLUDE=()
if [[ -n "$EVAL" ]]; then EXCLUDE=(--exclude "$EVAL"); fi
# Rows of a finished corpus (its manifest); a placeholder when RUN=echo wrote nothing.
rows() { if [[ -n "$RUN" && ! -e "$1/.manifest.json" ]]; then echo "ROWS"; else edgegym corpus rows "$1"; fi; }

$RUN edgegym corpus midtrain --tokens "$TOKENS" --ops midtrain-20-80 \
  --contexts zoo+teacher-1 --modes forward=0.5,reverse=0.5 --seed 1 --dag study \
  --tokenizer "$WORK/pretrain" --out "$WORK/data/midtrain-problems" "${EXCLUDE[@]}"
$RUN edgegym corpus pack "$WORK/data/midtrain-problems" --length 2048 --out "$WORK/data/midtrain"

$RUN deepspeed --num_gpus "$GPUS" --module openrlhf.cli.train_sft \
  --model.model_name_or_path "$WORK/pretrain" \
  --model.pretrain_mode_enable \
  --data.dataset "$WORK/data/midtrain" \
  --data.input_key text \
  --data.max_len 2048 \
  --data.max_samples "$(rows "$WORK/data/midtrain")" \
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
