#!/usr/bin/env python3
"""Reference gradients and optimizer steps for ctkd's engine tests (PyTorch, float64 -> float32).

For each tiny model written by make_tiny_hf_fixture.py (gpt2/, llama/) this writes
  DIR/gradients.safetensors   d(loss)/d(parameter) for every tensor in model.safetensors (Hugging
                              Face names and layouts), loss = HF's mean next-token cross-entropy
                              with labels = input_ids from expected.json, computed in float64.
and, once, adamw.json: torch.optim.AdamW (two parameter groups, weight decay on one) with
clip_grad_norm_ over three steps of given gradients and learning rates.

Rerun (from the repository root; needs torch, transformers, safetensors; offline):
  /work/venv/bin/python Tests/Fixtures/models/make_tiny_hf_fixture.py Tests/Fixtures/models --vocab 256
  /work/venv/bin/python Tests/Fixtures/models/make_gradient_fixture.py Tests/Fixtures/models
"""
import json
import os
import sys

import torch
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM


def gradients(model_dir):
    expected = json.load(open(os.path.join(model_dir, "expected.json")))
    model = AutoModelForCausalLM.from_pretrained(model_dir).to(torch.float64)
    model.train(False)
    ids = torch.tensor(expected["input_ids"])
    loss = model(ids, labels=ids).loss
    loss.backward()
    grads = {}
    for name, p in model.named_parameters():
        if p.grad is not None:
            grads[name] = p.grad.detach().to(torch.float32).contiguous()
    # A tied lm_head shares the embedding's tensor and gradient; safetensors stores it once.
    if model.config.tie_word_embeddings:
        grads.pop("lm_head.weight", None)
    save_file(grads, os.path.join(model_dir, "gradients.safetensors"), metadata={"loss": repr(float(loss))})
    return float(loss), len(grads)


def adamw(out_path):
    g = torch.Generator().manual_seed(7)
    decayed = torch.randn(37, generator=g, dtype=torch.float64)
    plain = torch.randn(11, generator=g, dtype=torch.float64)
    start = {"decayed": decayed.tolist(), "plain": plain.tolist()}
    pd, pp = torch.nn.Parameter(decayed.clone()), torch.nn.Parameter(plain.clone())
    opt = torch.optim.AdamW([{"params": [pd], "weight_decay": 0.1}, {"params": [pp], "weight_decay": 0.0}],
                            lr=1e-2, betas=(0.9, 0.95), eps=1e-8)
    steps = []
    for step, lr in enumerate([3e-2, 2e-2, 1e-2]):
        gd = torch.randn(37, generator=g, dtype=torch.float64) * (3.0 if step == 0 else 0.3)
        gp = torch.randn(11, generator=g, dtype=torch.float64) * 0.3
        pd.grad, pp.grad = gd.clone(), gp.clone()
        norm = float(torch.nn.utils.clip_grad_norm_([pd, pp], 1.0))
        for group in opt.param_groups:
            group["lr"] = lr
        opt.step()
        steps.append({"lr": lr, "grad_decayed": gd.tolist(), "grad_plain": gp.tolist(), "grad_norm": norm,
                      "after_decayed": pd.detach().tolist(), "after_plain": pp.detach().tolist()})
    json.dump({"betas": [0.9, 0.95], "eps": 1e-8, "weight_decay": 0.1, "clip": 1.0,
               "start": start, "steps": steps}, open(out_path, "w"))


def main():
    root = sys.argv[1]
    torch.set_num_threads(2)
    for kind in ("gpt2", "llama"):
        loss, count = gradients(os.path.join(root, kind))
        print(f"{kind}: loss {loss:.6f}, {count} gradient tensors")
    adamw(os.path.join(root, "adamw.json"))
    print("adamw.json written")


if __name__ == "__main__":
    main()
