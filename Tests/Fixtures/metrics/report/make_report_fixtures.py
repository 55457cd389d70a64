#!/usr/bin/env python3
"""Inputs for report tests and the example report: three students ("sft", "bld", "mlot") with
training metrics logs and predictions on 300 questions of the SQuAD dev slice in ../squad.

    /work/venv/bin/python Tests/Fixtures/metrics/report/make_report_fixtures.py

- <student>.metrics.jsonl: synthetic training logs in the handbook's format (step, loss, lr,
  tokens_per_second, elapsed_seconds and per-term keys), 160 logged steps. The bld log contains a
  resume: steps 1000-1100 are logged twice (the interrupted run's tail, then the resumed run's),
  which the report must show once, as the resumed run logged them.
- <student>.predictions.jsonl: {id, prediction, references} for the first 300 slice questions:
  sft answers like the logistic-regression baseline (empty where it has no answer), bld like
  Match-LSTM, mlot like Match-LSTM on even and logistic regression on odd questions.
  (SQuAD text: CC BY-SA 4.0, see ../README.md.)
- manifest.yaml: the report manifest; it expects <student>.scores.jsonl and <student>.scores.json
  next to it (`ctkd score X.predictions.jsonl --metrics squad,rouge --per-example X.scores.jsonl
  --json X.scores.json`), which tests produce in a temporary copy of this folder.
"""
import json
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
SQUAD = os.path.join(os.path.dirname(HERE), "squad")


def curve(rng, step, start, floor, scale, noise):
    return floor + (start - floor) * math.exp(-step / scale) + rng.gauss(0, noise)


def training_log(rng, terms, steps=160, every=10, resume_at=None):
    rows = []
    def row(step, rng):
        values = {name: max(0.01, curve(rng, step, *shape)) for name, (weight, shape) in terms.items()}
        loss = sum(terms[name][0] * value for name, value in values.items())
        lr = 3e-4 * min(1.0, step / 200) * (0.5 * (1 + math.cos(math.pi * step / (steps * every))))
        return {"step": step, "loss": loss, "lr": lr, "tokens_per_second": 5200 + rng.gauss(0, 150),
                "elapsed_seconds": step * 0.8, **values}
    for index in range(steps + 1):
        step = index * every
        rows.append(row(step, rng))
        if resume_at is not None and step == resume_at + 100:
            # The run was killed here; the resumed run restarts from the checkpoint at resume_at.
            shifted = random.Random(7)
            for again in range(resume_at, step + 1, every):
                rows.append(row(again, shifted))
    return rows


def main():
    rng = random.Random(20240607)
    logs = {
        "sft": {"ce": (1.0, (4.2, 2.10, 450, 0.04))},
        "bld": {"ce": (1.0, (4.2, 1.95, 420, 0.04)), "bld_byte_ce": (0.5, (2.8, 1.20, 380, 0.03)),
                "bld_kl": (0.5, (1.6, 0.35, 300, 0.02))},
        "mlot": {"ce": (1.0, (4.2, 2.00, 430, 0.04)), "mlot": (0.3, (1.2, 0.45, 350, 0.02))},
    }
    for name, terms in logs.items():
        rows = training_log(rng, terms, resume_at=1000 if name == "bld" else None)
        with open(os.path.join(HERE, f"{name}.metrics.jsonl"), "w") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")

    with open(os.path.join(SQUAD, "dev-slice.json"), encoding="utf-8") as f:
        dev = json.load(f)
    predictions = {}
    for system in ("match-lstm", "logistic-regression"):
        with open(os.path.join(SQUAD, f"pred-{system}.json"), encoding="utf-8") as f:
            predictions[system] = json.load(f)
    questions = [qa for a in dev["data"] for p in a["paragraphs"] for qa in p["qas"]][:300]
    choose = {
        "sft": lambda i: "logistic-regression",
        "bld": lambda i: "match-lstm",
        "mlot": lambda i: "match-lstm" if i % 2 == 0 else "logistic-regression",
    }
    for name, pick in choose.items():
        with open(os.path.join(HERE, f"{name}.predictions.jsonl"), "w", encoding="utf-8") as f:
            for i, qa in enumerate(questions):
                answer = predictions[pick(i)].get(qa["id"], "")
                f.write(json.dumps({"id": qa["id"], "prediction": answer,
                                    "references": [a["text"] for a in qa["answers"]]}, ensure_ascii=False) + "\n")

    with open(os.path.join(HERE, "manifest.yaml"), "w") as f:
        f.write("""# Report on the fixture students (see make_report_fixtures.py).
title: "Fixture students on 300 SQuAD dev questions"
baseline: sft
metrics: [em, f1, rouge1, rougeLsum]
resamples: 1000
seed: 0
students:
  - name: sft
    metrics_log: sft.metrics.jsonl
    per_example: sft.scores.jsonl
    scores: sft.scores.json
    notes: {tokenizer: "GPT-2 BPE 50k", loss: "CE", size: "12M"}
  - name: bld
    metrics_log: bld.metrics.jsonl
    per_example: bld.scores.jsonl
    scores: bld.scores.json
    notes: {tokenizer: "byte-level 8k", loss: "CE + BLD", size: "12M"}
  - name: mlot
    metrics_log: mlot.metrics.jsonl
    per_example: mlot.scores.jsonl
    scores: mlot.scores.json
    notes: {tokenizer: "Unigram 16k", loss: "CE + MultiLevelOT", size: "14M"}
""")


if __name__ == "__main__":
    main()
