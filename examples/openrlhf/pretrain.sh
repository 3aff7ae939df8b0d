#!/usr/bin/env bash
# Pre-train the study's 103M model from scratch with OpenRLHF 0.11 (one node, GPUS GPUs).
#
#   1. a random Llama init + byte-level BPE (~2,200 tokens), saved with save_pretrained
#      (OpenRLHF has no from-scratch flag: it starts from a model directory);
#   2. a pre-training corpus: op 2-10 mixed 20/30/50 (easy/medium/hard), the zoo context
#      with 1% teacher (contextual transfer needs >= 1% exposure) in the study's problem
#      shape (--dag study: DagConfig.study(), as every script here), TOKENS tokens counted
#      with the model's own tokenizer, no problem of the evaluation suite in EVAL;
#   3. the corpus packed into rows of exactly 2,048 tokens (whole problems; a row's last
#      problem is cut at the row's end), ~4.9M rows for 10B tokens, and every row used:
#      --data.max_samples is the packed corpus's row count (OpenRLHF keeps 1,000,000 rows
#      by default, ~20% of them);
#   4. causal-LM training on all tokens (train_sft --model.pretrain_mode_enable), lr 1e-4
#      cosine to 3e-5 after 5% warm-up, weight decay 0.1, as in the study. A step is 256
#      rows x 2,048 tokens = 524,288 tokens: 10B tokens are ~19,000 steps.
#
# Variables (environment): WORK (output root), TOKENS (default 10B, the study's budget),
# GPUS, EVAL (eval suite to exclude, optional), RUN (a command prefix; RUN=echo prints
# the commands instead of running them, with a placeholder for the row count).
set -euo pipefail
WORK=${WORK:-runs/study}
TOKENS=${TOKENS:-10B}
GPUS=${GPUS:-8}
EVAL=${EVAL:-}
RUN=${RUN:-}
EXCLUDE=()
if [[ -n "$EVAL" ]]; then EXCLUDE=(--exclude "$EVAL"); fi
# Rows of a finished corpus (its manifest); a placeholder when RUN=echo wrote nothing.
rows() { if [[ -n "$RUN" && ! -e "$1/.manifest.json" ]]; then echo "ROWS"; else edgegym corpus rows "$1"; fi; }

$RUN edgegym init-model --preset study-100m --out "$WORK/init" --bpe-vocab 2200

$RUN edgegym corpus pretrain --tokens "$TOKENS" --ops pretrain-20-30-50 \
  --contexts zoo+teacher-1 --modes forward=0.5,reverse=0.5 --dag study \
  --tokenizer "$WORK/init" --out "$WORK/data/pretrain-problems" "${EXCLUDE[@]}"
$RUN edgegym corpus pack "$WORK/data/pretrain-problems" --length 2048 --out "$WORK/data/pretrain"

$RUN deepspeed --num_gpus "$GPUS" --module openrlhf.cli.train_sft \
  --model.model_name_or_path "$WORK/init" \
  --model.pretrain_mode_enable \
  --data.dataset "$WORK/data/pretrain" \
  --data.input_key text \
  --data.max_len 2048 \
  --data.max_samples "$(rows "$WORK/data/pretrain")" \
  --ds.packing_samples \
  --train.batch_size 256 \
  --train.micro_batch_size 16 \
  --train.max_epochs 1 \
  --adam.lr 1e-4 \
  --adam.weight_decay 0.1 \
  --lr_scheduler cosine_with_min_lr \
  --lr_warmup_ratio 0.05 \
  --min_lr_ratio 0.3 \
  --ds.zero_stage 2 \
  --ds.param_dtype bf16 \
  --ds.attn_implementation flash_attention_2 \
  --ckpt.output_dir "$WORK/pretrain" \
  --ckpt.save_hf \
  --logger.logging_steps 10
