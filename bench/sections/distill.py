"""Student stage: step time of each loss relative to SFT on the same student, and cache reading.

One `ctkd distill` run trains four identical students (sft, uld, mlot, bld; GPT-2 4 layers,
C = 256, a 1,000-token BPE tokenizer that is not the teacher's) from one cache made by the
built-in toy teacher (top-64, byte distributions). The run's metrics log holds each student's
step seconds and the seconds spent reading each step's batch from the cache (read once for all
students), so the ratios come from the same steps on the same batches.
"""
import json
import os
import statistics

NAME = "distill"


def run(ctx):
    work = os.path.join(ctx.work, "distill")
    os.makedirs(work, exist_ok=True)
    data = os.path.join(work, "data.jsonl")
    with open(data, "w") as f:
        for i in range(256):
            prompt = f"Question {i}: what did the report say about item {i % 17}?"
            response = f" The report says item {i % 17} rose by {i * 7 % 31} percent in {1990 + i % 30}, as expected."
            f.write(json.dumps({"id": f"q{i}", "prompt": prompt, "response": response}) + "\n")
    cache = os.path.join(work, "cache")
    if not os.path.exists(os.path.join(cache, "shard-0-of-1.sqlite")):
        ctx.run([ctx.ctkd, "teach", "--toy-teacher", "english:1", "--data", data, "--out", cache, "--top-k", "64",
                 "--byte-dist"])
    tokenizer = os.path.join(ctx.root, "Tests/Fixtures/tokenizers/trained_bytelevel_1000/tokenizer.json")
    students = os.path.join(work, "students.yaml")
    losses = ["sft", "uld", "mlot", "bld"]
    with open(students, "w") as f:
        for loss in losses:
            f.write(f"- {{name: {loss}, tokenizer: {tokenizer}, model: {{layers: 4, dim: 256, heads: 4}}, "
                    f"loss: {{method: {loss}}}, seed: 1}}\n")
    out = os.path.join(work, "run")
    if os.path.exists(out):
        import shutil
        shutil.rmtree(out)
    steps = 30
    seconds, _ = ctx.run([ctx.ctkd, "distill", "--cache", cache, "--students", students, "--out", out,
                          "--steps", str(steps), "--batch-size", "8", "--seq-len", "128", "--warmup", "0",
                          "--checkpoint-every", "1000"])
    with open(os.path.join(out, "metrics.jsonl")) as f:
        lines = [json.loads(line) for line in f][3:]   # skip warm-up steps
    step = {loss: statistics.median(line[f"{loss}.seconds"] for line in lines) for loss in losses}
    read = [line["read_seconds"] for line in lines]
    total = [sum(line[f"{loss}.seconds"] for loss in losses) + line["read_seconds"] for line in lines]
    metrics = {f"{loss}_step_seconds": step[loss] for loss in losses}
    for loss in losses[1:]:
        metrics[f"{loss}_over_sft"] = step[loss] / step["sft"]
    metrics["read_seconds_median"] = statistics.median(read)
    metrics["read_seconds_max"] = max(read)
    metrics["read_fraction_of_step"] = sum(read) / sum(total)
    metrics["run_seconds"] = seconds
    rows = "\n".join(f"| {loss} | {step[loss] * 1000:.0f} ms | {step[loss] / step['sft']:.2f} |" for loss in losses)
    markdown = (
        f"Four students (GPT-2 4×256, BPE 1k, batch 8 × 128) trained together from one toy-teacher cache "
        f"(top-64 + byte distributions), median over steps 4–{steps}:\n\n"
        f"| loss | step | / SFT |\n|---|---|---|\n{rows}\n\n"
        f"Cache reading (once per step for all students): median {metrics['read_seconds_median'] * 1000:.1f} ms, "
        f"max {metrics['read_seconds_max'] * 1000:.1f} ms, {metrics['read_fraction_of_step'] * 100:.1f}% of the step.\n")
    return {"metrics": metrics, "markdown": markdown}
