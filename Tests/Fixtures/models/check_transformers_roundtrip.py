#!/usr/bin/env python3
"""Round trip ctkd -> safetensors -> transformers: models trained and saved by ctkd load in
transformers and give the same logits as ctkd.

For GPT-2 (tied head) and Llama (GQA, untied head, RoPE theta 5e5), this trains a small new model
for a few steps with `ctkd train` on random token ids (so no weight is at its initial value), loads
OUT/model with AutoModelForCausalLM, and compares its float32 logits with `ctkd model forward` on
the same ids. Prints one JSON line per architecture and exits non-zero if a difference exceeds 1e-4.

  swift build -c release --product ctkd
  /work/venv/bin/python Tests/Fixtures/models/check_transformers_roundtrip.py .build/release/ctkd
"""
import json
import os
import random
import subprocess
import sys
import tempfile

import torch
from transformers import AutoModelForCausalLM

ARCHITECTURES = {
    "gpt2": ["--architecture", "gpt2", "--layers", "2", "--dim", "48", "--heads", "4"],
    "llama": ["--architecture", "llama", "--layers", "2", "--dim", "48", "--heads", "6", "--kv-heads", "2",
              "--ffn-dim", "80", "--untied-embeddings", "--rope-theta", "500000"],
}


def main():
    ctkd = os.path.abspath(sys.argv[1])
    rng = random.Random(0)
    failed = False
    with tempfile.TemporaryDirectory() as work:
        data = os.path.join(work, "data.jsonl")
        with open(data, "w") as f:
            for _ in range(20):
                f.write(json.dumps({"ids": [rng.randrange(100) for _ in range(40)]}) + "\n")
        ids = [rng.randrange(100) for _ in range(24)]
        for name, shape in ARCHITECTURES.items():
            out = os.path.join(work, name)
            subprocess.run([ctkd, "train", "--data", data, "--out", out, "--vocab-size", "100", "--seq-len", "32",
                            "--batch-size", "4", "--steps", "5", "--warmup", "1", "--lr", "1e-2"] + shape,
                           check=True, capture_output=True)
            printed = subprocess.run([ctkd, "model", "forward", "--model", out + "/model", "--ids", ",".join(map(str, ids))],
                                     check=True, capture_output=True, text=True).stdout
            ours = torch.tensor(json.loads(printed)["logits"])
            model = AutoModelForCausalLM.from_pretrained(out + "/model", dtype=torch.float32).eval()
            with torch.no_grad():
                theirs = model(torch.tensor([ids])).logits[0]
            diff = float((ours - theirs).abs().max())
            failed |= not diff < 1e-4
            print(json.dumps({"architecture": name, "class": type(model).__name__, "max_abs_logit_diff": diff,
                              "logits_abs_max": float(theirs.abs().max())}))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
