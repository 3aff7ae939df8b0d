#!/usr/bin/env bash
# Supervised fine-tuning on gold traces (OpenRLHF 0.11): loss on the response only.
#
# Prompts end at "<solution>"; responses are the gold trace, "</solution> <answer> N
# </answer>" and the EOS token. --data.input_template '{}' keeps the prompt as is
# (OpenRLHF's SFT default wraps it in "User: ...\nAssistant: ", which RL would not).
#
# Variables: WORK, BASE (default $WORK/pretrain), RECORDS (default 200k), GPUS, EVAL, RUN.
set -euo pipefail
WORK=${WORK:-runs/study}
BASE=${BASE:-$WORK/pretrain}
RECORDS=${RECORDS:-200k}
GPUS=${GPUS:-8}
EVAL=${EVAL:-}
RUN=${RUN:-}
EXCLUDE=()
if [[ -n "$EVAL" ]]; then EXCLUDE=(--exclude "$EVAL"); fi

$RUN edgegym corpus sft --records "$RECORDS" --ops pretrain-uniform \
  --contexts zoo --modes forward=0.5,reverse=0.5 --seed 2 --dag study \
  --tokenizer "$BASE" --out "$WORK/data/sft" "${EXCLUDE[@]}"

$RUN deepspeed --num_gpus "$GPUS" --module openrlhf.cli.train_sft \
  --model.model_name_or_path "$BASE" \
  --data.dataset "$WORK/data/sft" \
  --data.input_key prompt \
  --data.output_key response \
  --data.input_template '{}' \
  --data.max_len 2048 \
  --train.batch_size 256 \
  --train.micro_batch_size 16 \
  --train.max_epochs 1 \
  --adam.lr 3e-5 \
  --ds.zero_stage 2 \
  --ds.param_dtype bf16 \
  --ds.attn_implementation flash_attention_2 \
  --ckpt.output_dir "$WORK/sft" \
  --ckpt.save_hf
