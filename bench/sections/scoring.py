"""ctkd score against the reference metrics, on the same inputs in the same run.

1. Official SQuAD v1.1 reproduction: `ctkd score --squad dev-v1.1.json --predictions pred-*.json`
   must give the leaderboard files' official EM/F1 (shared/data/README.md) to 1e-9.
2. Identity and speed on all of SQuAD dev (Match-LSTM predictions against the gold answers) and on
   DialogSum dev (each summary as the reference, its own dialogue as the prediction): every
   per-example value of `ref_metrics.py` (SQuAD v1.1/v2 rules and rouge-score with and without the
   stemmer) must equal ctkd's to 1e-6. Speed is reported two ways:
   - end to end: `ref_metrics.py` as a program vs `ctkd score` as a program (all metrics);
   - against rouge-score alone: only the `RougeScorer.score_multi` calls (both stemmer settings,
     timed inside Python, no interpreter start or I/O) vs the whole `ctkd score --metrics
     rouge,rouge-stem` process (start, JSON parsing and writing included).
"""
import json
import os

NAME = "Scoring: EM/F1 and ROUGE vs ref_metrics.py and rouge-score"

OFFICIAL = {  # shared/data/README.md: evaluate-v1.1.py on dev-v1.1.json
    "match-lstm": (67.63481551561021, 76.75556184979695),
    "logistic-regression": (40.14191106906339, 50.98153647324461),
}
TOLERANCE = 1e-6
CTKD_REPEATS = 5

ROUGE_TIMER = r"""
import json, sys, time
from rouge_score import rouge_scorer
types = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
scorers = [rouge_scorer.RougeScorer(types, use_stemmer=s) for s in (False, True)]
start = time.perf_counter()
for row in rows:
    refs = row["references"] if isinstance(row["references"], list) else [row["references"]]
    for scorer in scorers:
        scorer.score_multi(refs, row["prediction"]) if len(refs) > 1 else scorer.score(refs[0], row["prediction"])
print(time.perf_counter() - start)
"""


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def squad_rows(shared):
    with open(os.path.join(shared, "data/squad/dev-v1.1.json"), encoding="utf-8") as f:
        dev = json.load(f)
    with open(os.path.join(shared, "data/squad/pred-match-lstm.json"), encoding="utf-8") as f:
        predictions = json.load(f)
    return [{"id": qa["id"], "prediction": predictions[qa["id"]], "references": [a["text"] for a in qa["answers"]]}
            for article in dev["data"] for paragraph in article["paragraphs"] for qa in paragraph["qas"]]


def dialogsum_rows(shared):
    rows = []
    with open(os.path.join(shared, "data/dialogsum/dialogsum.dev.jsonl"), encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            rows.append({"id": d["fname"], "prediction": d["dialogue"], "references": [d["summary"]]})
    return rows


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def official_reproduction(ctx, work):
    results = {}
    for name, (em, f1) in OFFICIAL.items():
        out = os.path.join(work, f"official-{name}.json")
        ctx.run([ctx.ctkd, "score", "--squad", os.path.join(ctx.shared, "data/squad/dev-v1.1.json"),
                 "--predictions", os.path.join(ctx.shared, f"data/squad/pred-{name}.json"),
                 "--metrics", "squad", "--resamples", "0", "--json", out])
        with open(out) as f:
            scores = json.load(f)["scores"]
        got = (scores["em"]["mean"], scores["f1"]["mean"])
        diff = max(abs(got[0] - em), abs(got[1] - f1))
        if diff > 1e-9:
            raise RuntimeError(f"official SQuAD scores of {name} not reproduced: {got} vs {(em, f1)}")
        results[name] = {"exact_match": got[0], "f1": got[1], "official_exact_match": em, "official_f1": f1,
                         "max_abs_diff": diff}
    return results


def compare_dataset(ctx, work, name, rows):
    path = os.path.join(work, f"{name}.jsonl")
    write_jsonl(path, rows)
    ref_out = os.path.join(work, f"{name}.ref.jsonl")
    ctkd_out = os.path.join(work, f"{name}.ctkd.jsonl")
    ref_script = os.path.join(ctx.shared, "reference/ref_metrics.py")

    ref_seconds, _ = ctx.run([ctx.python, ref_script, path, ref_out])
    _, timer = ctx.run([ctx.python, "-c", ROUGE_TIMER, path])
    rouge_seconds = float(timer.stdout.strip())
    ctkd_all = ctx.best_of(CTKD_REPEATS, [ctx.ctkd, "score", path, "--per-example", ctkd_out, "--resamples", "0"])
    ctkd_rouge = ctx.best_of(CTKD_REPEATS, [ctx.ctkd, "score", path, "--metrics", "rouge,rouge-stem",
                                            "--per-example", os.path.join(work, f"{name}.rouge.jsonl"), "--resamples", "0"])
    ctkd_bootstrap = ctx.best_of(CTKD_REPEATS, [ctx.ctkd, "score", path, "--json", os.path.join(work, f"{name}.json")])

    reference, ours = read_jsonl(ref_out), read_jsonl(ctkd_out)
    if len(reference) != len(ours):
        raise RuntimeError(f"{name}: {len(reference)} reference rows, {len(ours)} ctkd rows")
    max_diff, worst = 0.0, None
    for ref_row, row in zip(reference, ours):
        if ref_row["id"] != row["id"]:
            raise RuntimeError(f"{name}: row order differs at {ref_row['id']} / {row['id']}")
        for key, value in ref_row.items():
            if key == "id":
                continue
            diff = abs(value - row[key])
            if diff > max_diff:
                max_diff, worst = diff, (row["id"], key, value, row[key])
    if max_diff > TOLERANCE:
        raise RuntimeError(f"{name}: ctkd differs from ref_metrics.py by {max_diff} at {worst}")
    return {
        "examples": len(rows), "values_compared": len(rows) * (len(reference[0]) - 1), "max_abs_diff": max_diff,
        "ref_metrics_seconds": ref_seconds, "rouge_score_seconds": rouge_seconds,
        "ctkd_seconds": ctkd_all, "ctkd_rouge_seconds": ctkd_rouge, "ctkd_with_bootstrap_seconds": ctkd_bootstrap,
        "speedup_end_to_end": ref_seconds / ctkd_all, "speedup_vs_rouge_score": rouge_seconds / ctkd_rouge,
    }


def run(ctx):
    work = os.path.join(ctx.work, "scoring")
    os.makedirs(work, exist_ok=True)
    official = official_reproduction(ctx, work)
    datasets = {"squad-dev": compare_dataset(ctx, work, "squad-dev", squad_rows(ctx.shared)),
                "dialogsum-dev": compare_dataset(ctx, work, "dialogsum-dev", dialogsum_rows(ctx.shared))}

    lines = ["Official SQuAD v1.1 (evaluate-v1.1.py rules) on all of dev-v1.1.json:", "",
             "| predictions | ctkd EM | official EM | ctkd F1 | official F1 |", "|---|---:|---:|---:|---:|"]
    for name, r in official.items():
        lines.append(f"| {name} | {r['exact_match']!r} | {r['official_exact_match']!r} | {r['f1']!r} | {r['official_f1']!r} |")
    lines += ["", f"Per-example identity with ref_metrics.py (all 12 metric keys; tolerance {TOLERANCE}) and speed "
              f"(ctkd: best of {CTKD_REPEATS}, no bootstrap unless stated):", "",
              "| input | examples | max abs diff | ref_metrics.py | ctkd (all) | end-to-end ratio | rouge-score calls only "
              "| ctkd rouge+stem | ratio vs rouge-score | ctkd all + 1000-resample CIs |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, r in datasets.items():
        lines.append(f"| {name} | {r['examples']} | {r['max_abs_diff']:.1e} | {r['ref_metrics_seconds']:.2f} s | "
                     f"{r['ctkd_seconds']:.3f} s | {r['speedup_end_to_end']:.0f}x | {r['rouge_score_seconds']:.2f} s | "
                     f"{r['ctkd_rouge_seconds']:.3f} s | {r['speedup_vs_rouge_score']:.0f}x | {r['ctkd_with_bootstrap_seconds']:.3f} s |")
    metrics = {"official": official, **{f"{n}": r for n, r in datasets.items()}}
    return {"metrics": metrics, "markdown": "\n".join(lines)}
