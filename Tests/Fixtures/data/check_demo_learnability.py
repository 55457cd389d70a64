#!/usr/bin/env python3
"""Checks, with PyTorch, that the demo dataset is learnable at the demo's scale: a small GPT
teacher trained from scratch, then same-size students trained with SFT and with distillation
(CE + full-vocabulary KL to the teacher on response positions). Not run by the tests; its
numbers are reported in docs/data.md. 2 CPU threads, like the demo machine.

    .build/release/ctkd data demo --seed 1 --out /tmp/demo-data
    /work/venv/bin/python Tests/Fixtures/data/check_demo_learnability.py /tmp/demo-data \
        --teacher-steps 800 --student-steps 600 --json /tmp/learnability.json
"""
import argparse
import json
import math
import re
import string
import time
from collections import Counter

import torch
import torch.nn as nn
import torch.nn.functional as F
from rouge_score import rouge_scorer
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

EOS = "<|endoftext|>"


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def train_tokenizer(examples, vocab_size):
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[EOS],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator((e["prompt"] + e["response"] for e in examples), trainer)
    return tokenizer


def encode(tokenizer, examples):
    eos = tokenizer.token_to_id(EOS)
    out = []
    for e in examples:
        prompt = tokenizer.encode(e["prompt"]).ids
        response = tokenizer.encode(e["response"]).ids + [eos]
        out.append((prompt, response))
    return out


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(approximate="tanh"), nn.Linear(4 * d, d))
        self.heads = heads

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, self.heads, C // self.heads).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, C)
        x = x + self.proj(y)
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, vocab, layers, d, heads, context):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, d), nn.Embedding(context, d)
        self.blocks = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln = nn.LayerNorm(d)
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)

    def forward(self, ids):
        x = self.wte(ids) + self.wpe(torch.arange(ids.shape[1]))
        for block in self.blocks:
            x = block(x)
        return self.ln(x) @ self.wte.weight.T


def batch(encoded, indices, pad):
    seqs = [encoded[i][0] + encoded[i][1] for i in indices]
    T = max(map(len, seqs))
    ids = torch.full((len(seqs), T), pad)
    response_mask = torch.zeros((len(seqs), T), dtype=torch.bool)
    for row, i in enumerate(indices):
        prompt, response = encoded[i]
        ids[row, :len(prompt) + len(response)] = torch.tensor(prompt + response)
        response_mask[row, len(prompt) - 1:len(prompt) + len(response) - 1] = True  # positions predicting response
    lengths = torch.tensor([len(s) for s in seqs])
    any_mask = torch.arange(T)[None, :] < (lengths[:, None] - 1)
    return ids, response_mask, any_mask


def train(model, encoded, steps, batch_size, lr, pad, loss_on, teacher=None, kd_weight=1.0, seed=0, log=""):
    """Trains and prints, every 50 steps, the loss and the accuracy of the first response token
    on the batches drawn (mostly examples not seen before: a cheap learning curve)."""
    torch.manual_seed(seed)
    hits, seen = 0, 0
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0, betas=(0.9, 0.95))
    generator = torch.Generator().manual_seed(seed)
    start = time.time()
    for step in range(steps):
        warm = max(1, steps // 20)
        for group in opt.param_groups:
            group["lr"] = lr * min(1.0, (step + 1) / warm) * 0.5 * (1 + math.cos(math.pi * step / steps))
        indices = torch.randint(len(encoded), (batch_size,), generator=generator).tolist()
        ids, response_mask, any_mask = batch(encoded, indices, pad)
        logits = model(ids[:, :-1])
        targets = ids[:, 1:]
        with torch.no_grad():
            first = response_mask[:, :-1].float().argmax(1)  # the position predicting the first response token
            rows = torch.arange(len(indices))
            hits += int((logits[rows, first].argmax(-1) == targets[rows, first]).sum())
            seen += len(indices)
        mask = (response_mask if loss_on == "response" else any_mask)[:, :-1]
        ce = F.cross_entropy(logits[mask], targets[mask])
        loss = ce
        if teacher is not None:
            with torch.no_grad():
                teacher_logp = F.log_softmax(teacher(ids[:, :-1])[response_mask[:, :-1]], -1)
            student_logp = F.log_softmax(logits[response_mask[:, :-1]], -1)
            kl = (teacher_logp.exp() * (teacher_logp - student_logp)).sum(-1).mean()
            loss = ce + kd_weight * kl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if (step + 1) % 50 == 0 or step == steps - 1:
            print(f"{log} step {step + 1} loss {loss.item():.3f} first-token accuracy {100 * hits / max(1, seen):.1f}% "
                  f"({time.time() - start:.0f}s)", flush=True)
            hits, seen = 0, 0
    return time.time() - start


def normalize(s):
    s = "".join(ch for ch in s.lower() if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def f1(pred, gold):
    p, g = normalize(pred).split(), normalize(gold).split()
    common = sum((Counter(p) & Counter(g)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


@torch.no_grad()
def evaluate(model, tokenizer, examples, max_new_tokens=40):
    eos = tokenizer.token_to_id(EOS)
    scorer = rouge_scorer.RougeScorer(["rougeL"])
    qa_em, qa_f1, rouge = [], [], []
    for e in examples:
        ids = tokenizer.encode(e["prompt"]).ids
        out = []
        for _ in range(max_new_tokens):
            next_id = int(model(torch.tensor([ids + out]))[0, -1].argmax())
            if next_id == eos:
                break
            out.append(next_id)
        text = tokenizer.decode(out).strip().split("\n")[0]
        refs = e["references"]
        if e["task"] == "qa":
            qa_em.append(max(float(normalize(text) == normalize(r)) for r in refs))
            qa_f1.append(max(f1(text, r) for r in refs))
        else:
            rouge.append(max(scorer.score(r, text)["rougeL"].fmeasure for r in refs))
    mean = lambda xs: 100 * sum(xs) / max(1, len(xs))
    return {"qa_em": mean(qa_em), "qa_f1": mean(qa_f1), "summary_rougeL": mean(rouge), "qa": len(qa_em), "summary": len(rouge)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--vocab", type=int, default=1024)
    ap.add_argument("--teacher-steps", type=int, default=800)
    ap.add_argument("--student-steps", type=int, default=600)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--teacher-loss-on", choices=["all", "response"], default="all")
    ap.add_argument("--teacher-lr", type=float, default=1e-3)
    ap.add_argument("--teacher-size", default="4,256,8", help="layers,d_model,heads")
    ap.add_argument("--student-size", default="2,128,4", help="layers,d_model,heads")
    ap.add_argument("--student-lr", type=float, default=2e-3)
    ap.add_argument("--eval", type=int, default=200)
    ap.add_argument("--json")
    args = ap.parse_args()
    torch.set_num_threads(2)

    train_set, test_set = load(f"{args.data}/train.jsonl"), load(f"{args.data}/test.jsonl")[:args.eval]
    tokenizer = train_tokenizer(train_set, args.vocab)
    encoded = encode(tokenizer, train_set)
    pad = tokenizer.token_to_id(EOS)
    context = max(len(p) + len(r) for p, r in encoded) + 8
    tokens = sum(len(p) + len(r) for p, r in encoded)
    print(f"train {len(encoded)} examples, {tokens / len(encoded):.1f} tokens each, context {context}")
    results = {"tokens_per_example": tokens / len(encoded)}

    layers, d_model, heads = map(int, args.teacher_size.split(","))
    teacher = GPT(tokenizer.get_vocab_size(), layers, d_model, heads, context)
    seconds = train(teacher, encoded, args.teacher_steps, args.batch, args.teacher_lr, pad, args.teacher_loss_on, log="teacher")
    results["teacher"] = {"seconds": seconds, **evaluate(teacher, tokenizer, test_set)}
    print("teacher", results["teacher"], flush=True)
    teacher.eval()

    for name, kd in [("student_sft", None), ("student_kd", teacher)] if args.student_steps > 0 else []:
        layers, d_model, heads = map(int, args.student_size.split(","))
        student = GPT(tokenizer.get_vocab_size(), layers, d_model, heads, context)
        seconds = train(student, encoded, args.student_steps, args.batch, args.student_lr, pad, "response",
                        teacher=kd, log=name, seed=1)
        results[name] = {"seconds": seconds, **evaluate(student, tokenizer, test_set)}
        print(name, results[name], flush=True)
    if args.json:
        json.dump(results, open(args.json, "w"), indent=2)


if __name__ == "__main__":
    main()
