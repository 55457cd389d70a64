#!/usr/bin/env python3
"""transformers on a Hugging Face model directory, for the engine benchmark (float32, 2 threads):
logits of a prompt, greedy ids (HF generate, stops at EOS), and prefill / KV-cached greedy decode
throughput with the same protocol as `ctkd model bench` (random ids, medians).

  python bench/engine_hf_reference.py MODEL_DIR --ids 1,2,3 --out result.json
"""
import argparse
import json
import statistics
import time

import torch
from transformers import AutoModelForCausalLM


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--ids", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--new_tokens", type=int, default=20)
    ap.add_argument("--prefill_len", type=int, default=128)
    ap.add_argument("--prompt_len", type=int, default=16)
    ap.add_argument("--decode_tokens", type=int, default=64)
    ap.add_argument("--decode_batches", default="1,8")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32).eval()
    vocab = model.config.vocab_size
    ids = [int(x) for x in args.ids.split(",")]
    out = {}
    with torch.inference_mode():
        out["logits"] = model(torch.tensor([ids])).logits[0].tolist()
        greedy = model.generate(torch.tensor([ids]), max_new_tokens=args.new_tokens, do_sample=False)[0, len(ids):].tolist()
        eos = model.config.eos_token_id
        eos = set(eos if isinstance(eos, list) else [eos])
        out["greedy"] = [t for t in greedy if t not in eos]
        g = torch.Generator().manual_seed(1)
        times = []
        for step in range(4):
            x = torch.randint(0, vocab, (1, args.prefill_len), generator=g)
            t0 = time.perf_counter()
            model(x)
            if step > 0:
                times.append(time.perf_counter() - t0)
        out["prefill_tokens_per_s"] = args.prefill_len / statistics.median(times)
        for batch in [int(b) for b in args.decode_batches.split(",")]:
            prompt = torch.randint(0, vocab, (batch, args.prompt_len), generator=g)
            runs = []
            for repeat in range(3):
                result = model(prompt, use_cache=True)
                past, nxt = result.past_key_values, result.logits[:, -1].argmax(-1, keepdim=True)
                t0 = time.perf_counter()
                for _ in range(args.decode_tokens - 1):
                    result = model(nxt, past_key_values=past, use_cache=True)
                    past, nxt = result.past_key_values, result.logits[:, -1].argmax(-1, keepdim=True)
                if repeat > 0:
                    runs.append(time.perf_counter() - t0)
            out[f"decode_tokens_per_s_b{batch}"] = batch * (args.decode_tokens - 1) / statistics.median(runs)
    with open(args.out, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
