"""Data: adapters on the real SQuAD/DialogSum dev files against a Python reference converter that
applies the same rules (and must write the same bytes), demo generation, pipeline planning."""
import json
import os

NAME = "Data adapters, demo dataset, pipeline planning"

REFERENCE = r'''
import json, sys
fmt, source, out = sys.argv[1:4]
def line(record):
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
with open(out, "w", encoding="utf-8") as f:
    if fmt == "squad":
        for article in json.load(open(source, encoding="utf-8"))["data"]:
            for p in article["paragraphs"]:
                for q in p["qas"]:
                    answers = [a["text"] for a in q["answers"]]
                    f.write(line({"id": q["id"], "prompt": f"Context: {p['context']}\nQuestion: {q['question'].strip()}\nAnswer:",
                                  "response": " " + answers[0].strip(), "references": answers, "task": "qa"}))
    else:
        for raw in open(source, encoding="utf-8"):
            if raw.strip():
                r = json.loads(raw)
                refs = [r["summary"]]
                f.write(line({"id": r["fname"], "prompt": f"Dialogue:\n{r['dialogue']}\nSummary:",
                              "response": " " + refs[0].strip(), "references": refs, "task": "summary"}))
'''


def run(ctx):
    work = os.path.join(ctx.work, "data")
    os.makedirs(work, exist_ok=True)
    reference = os.path.join(work, "reference_convert.py")
    with open(reference, "w") as f:
        f.write(REFERENCE)
    metrics, rows = {}, []
    sources = [("squad", os.path.join(ctx.shared, "data/squad/dev-v1.1.json")),
               ("dialogsum", os.path.join(ctx.shared, "data/dialogsum/dialogsum.dev.jsonl"))]
    for fmt, source in sources:
        ours, theirs = os.path.join(work, f"{fmt}.ctkd.jsonl"), os.path.join(work, f"{fmt}.py.jsonl")
        ctkd_s = ctx.best_of(3, [ctx.ctkd, "data", "import", "--format", fmt, source, "--out", ours])
        python_s = ctx.best_of(3, [ctx.python, reference, fmt, source, theirs])
        identical = open(ours, "rb").read() == open(theirs, "rb").read()
        examples = sum(1 for _ in open(ours, encoding="utf-8"))
        metrics[f"{fmt}_import_seconds"] = ctkd_s
        metrics[f"{fmt}_python_seconds"] = python_s
        metrics[f"{fmt}_speed_ratio"] = python_s / ctkd_s
        metrics[f"{fmt}_identical"] = identical
        rows.append(f"| import {fmt} dev ({examples:,} examples) | {ctkd_s:.2f} s | {python_s:.2f} s | "
                    f"{python_s / ctkd_s:.2f}× | {'yes' if identical else 'NO'} |")

    demo = os.path.join(work, "demo")
    demo_s = ctx.best_of(3, [ctx.ctkd, "data", "demo", "--seed", "1", "--out", demo])
    metrics["demo_seconds"] = demo_s
    metrics["demo_examples_per_second"] = 6800 / demo_s
    plan_s = ctx.best_of(3, [ctx.ctkd, "pipeline", "plan", os.path.join(ctx.root, "pipelines/demo.yaml"),
                             "--output", os.path.join(work, "plan-out")])
    metrics["plan_seconds"] = plan_s
    markdown = "\n".join([
        "| what | ctkd | Python reference | speed-up | same bytes |",
        "|---|---|---|---|---|",
        *rows,
        f"| `ctkd data demo` (6,800 examples, 3 files + stats) | {demo_s:.2f} s | — | — | — |",
        f"| `ctkd pipeline plan pipelines/demo.yaml` (17 steps) | {plan_s:.2f} s | — | — | — |",
        "",
        "Best of 3 process runs each (start-up included). Noisy: measured on a shared machine.",
    ])
    return {"metrics": metrics, "markdown": markdown}
