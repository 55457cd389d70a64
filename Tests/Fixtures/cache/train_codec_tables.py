"""Trains the default rANS frequency tables of cache codec version 2 on real teacher rows and
writes them as Swift source (Sources/CTKDCache/Codec/CodecTables+Default.swift).

The rows: SmolLM2-135M-Instruct (Apache-2.0; /work/shared/reference/make_smollm2_hf.py) over
SQuAD dev (30 "Context/Question/Answer" texts, every position) and DialogSum dev (60 dialogues
+ summaries, summary positions), top-64 log-probs and N = 50 samples per position. Token ranks
use each dataset's token-frequency order (the token order a cache stores). The symbol layout and
contexts mirror schemas/README.md ("codec version 2"); the script also reports the coded size of
each dataset under tables trained on the other one (robustness across domains).

    /work/venv/bin/python Tests/Fixtures/cache/train_codec_tables.py /work/tmp/smol/hf /work/tmp/cachework \\
        > Sources/CTKDCache/Codec/CodecTables+Default.swift
"""
import json, math, os, sys
from collections import Counter
import numpy as np
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

model_dir, work = sys.argv[1], sys.argv[2]
V = 49152
K = 64
N = 50

# ---- the quantiser (LogProbQuantizer, codec version 2) ----
TOP_STEP, GROWTH, CAP = 1 / 20, 0.35, 16.0
def compand(d): return (1 - math.exp(-GROWTH * d)) / (GROWTH * TOP_STEP)
FINITE = int(math.floor(compand(CAP) + 0.5)) + 1
ZERO = FINITE
def code(d):
    if not math.isfinite(d): return ZERO
    return min(FINITE - 1, int(math.floor(compand(max(d, 0.0)) + 0.5)))

# ---- binarised integers ----
def integer_symbol(v):
    if v < 16: return v, 0
    b = int(v).bit_length()
    return 16 + 2 * (b - 5) + ((v >> (b - 2)) & 1), b - 2
INTEGER_ALPHABET = 72
def rank_context(previous_rank): return min((previous_rank + 1).bit_length(), 15)
def tail_code(t):
    if t <= 0: return 4095
    return min(4094, max(0, int(math.floor(-math.log(t) * 64 + 0.5))))

# ---- rows ----
def load_rows():
    cache = os.path.join(work, "codec_rows.npz")
    if os.path.exists(cache):
        z = np.load(cache, allow_pickle=True)
        return list(z["squad"]), list(z["dialogsum"]), z["squad_counts"].item(), z["dialogsum_counts"].item()
    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    def run(text_pairs, whole):
        out = []
        with torch.no_grad():
            for prompt, response in text_pairs:
                p = tok(prompt, add_special_tokens=False).input_ids[-160:]
                r = tok(response, add_special_tokens=False).input_ids + [tok.eos_token_id]
                ids = p + r[:-1] if not whole else (p + r[:-1])[:512]
                lp = torch.log_softmax(model(torch.tensor([ids])).logits[0].double(), -1)
                first = 0 if whole else len(p) - 1
                lp = lp[first:]
                targets = (ids[1:] + [r[-1]]) if whole else r
                top = torch.topk(lp, K, -1)
                tail = (1 - top.values.exp().sum(-1)).clamp(min=0)
                samples = torch.multinomial(lp.exp(), N, replacement=True)
                lengths = [len(tok.decode([t]).encode()) if t != tok.eos_token_id else 0 for t in targets]
                out.append(dict(top_ids=top.indices.numpy(), top_lp=top.values.numpy(), tail=tail.numpy(),
                                samples=samples.numpy(), tokens=np.array(targets), lengths=np.array(lengths)))
        return out
    squad = json.load(open("/work/shared/data/squad/dev-v1.1.json"))
    squad_counts, pairs = Counter(), []
    for article in squad["data"]:
        for paragraph in article["paragraphs"]:
            squad_counts.update(tok(paragraph["context"], add_special_tokens=False).input_ids)
            for qa in paragraph["qas"]:
                squad_counts.update(tok(qa["question"], add_special_tokens=False).input_ids)
                squad_counts.update(tok(" " + qa["answers"][0]["text"], add_special_tokens=False).input_ids)
                if len(pairs) < 30 and qa is paragraph["qas"][0]:
                    pairs.append((f"Context: {paragraph['context']}\nQuestion: {qa['question']}\nAnswer:", " " + qa["answers"][0]["text"]))
    squad_rows = run(pairs, whole=True)
    dialogsum_counts, pairs = Counter(), []
    for line in open("/work/shared/data/dialogsum/dialogsum.dev.jsonl"):
        record = json.loads(line)
        prompt, response = record["dialogue"] + "\nSummary:", " " + record["summary"]
        dialogsum_counts.update(tok(prompt, add_special_tokens=False).input_ids + tok(response, add_special_tokens=False).input_ids)
        if len(pairs) < 60: pairs.append((prompt, response))
    dialogsum_rows = run(pairs, whole=False)
    np.savez(cache, squad=np.array(squad_rows, dtype=object), dialogsum=np.array(dialogsum_rows, dtype=object),
             squad_counts=np.array(dict(squad_counts), dtype=object), dialogsum_counts=np.array(dict(dialogsum_counts), dtype=object))
    return squad_rows, dialogsum_rows, dict(squad_counts), dict(dialogsum_counts)

def token_order(counts):
    """Rank of each id: by count descending, then id; ids never seen follow in id order."""
    seen = sorted(counts, key=lambda t: (-counts[t], t))
    rank = np.empty(V, np.int64)
    rank[seen] = np.arange(len(seen))
    rest = np.setdiff1d(np.arange(V), np.array(seen, dtype=np.int64))
    rank[rest] = len(seen) + np.arange(len(rest))
    return rank

# ---- symbol streams: (table name, context, symbol, raw bits) ----
def topk_symbols(row, rank):
    out = []
    for ids, lp, tail in zip(row["top_ids"], row["top_lp"], row["tail"]):
        ranks = rank[ids]; order = np.argsort(ranks, kind="stable")
        top = lp.max()
        codes = [code(top - lp[j]) for j in order]
        floor = max(codes)
        out.append(("topk.floor", 0, floor, 0))
        t = tail_code(float(tail))
        out.append(("topk.tail", 0, t >> 6, 6))
        previous = -1
        for j, c in zip(order, codes):
            s, raw = integer_symbol(int(ranks[j]) - previous - 1)
            out.append(("topk.gap", rank_context(previous), s, raw))
            out.append(("topk.code", floor, c, 0))
            previous = int(ranks[j])
    return out
def sampled_symbols(row, rank):
    out = []
    for draw in row["samples"]:
        ids, counts = np.unique(rank[draw], return_counts=True)
        s, raw = integer_symbol(len(ids) - 1); out.append(("sampled.unique", 0, s, raw))
        previous = -1
        for r in ids.tolist():
            s, raw = integer_symbol(r - previous - 1); out.append(("sampled.gap", rank_context(previous), s, raw)); previous = r
        remaining, left = N, len(ids)
        for c in counts.tolist()[:-1]:
            s, raw = integer_symbol(c - 1); out.append(("sampled.count", min((remaining // left).bit_length(), 7), s, raw))
            remaining -= c; left -= 1
    return out
def token_symbols(row, rank):
    out = []
    for t, length in zip(row["tokens"].tolist(), row["lengths"].tolist()):
        s, raw = integer_symbol(int(rank[t])); out.append(("tokens.rank", 0, s, raw))
        s, raw = integer_symbol(int(length)); out.append(("tokens.length", 0, s, raw))
    return out

TABLES = {  # name: (contexts, alphabet)
    "topk.floor": (1, FINITE + 1), "topk.tail": (1, 64), "topk.gap": (16, INTEGER_ALPHABET), "topk.code": (FINITE + 1, FINITE + 1),
    "sampled.unique": (1, INTEGER_ALPHABET), "sampled.gap": (16, INTEGER_ALPHABET), "sampled.count": (8, INTEGER_ALPHABET),
    "tokens.rank": (1, INTEGER_ALPHABET), "tokens.length": (1, INTEGER_ALPHABET),
}
def count(streams):
    counts = {name: np.zeros(shape) for name, shape in TABLES.items()}
    for table, context, symbol, raw in streams: counts[table][context, symbol] += 1
    return counts
def normalised(c):
    """rANS frequencies as RANSTable(counts:) builds them (each >= 1, sum 4096)."""
    free = 4096 - len(c); total = c.sum()
    f = 1 + (np.floor(free * c / total) if total > 0 else np.zeros(len(c)))
    missing = 4096 - int(f.sum())
    order = sorted(range(len(c)), key=lambda s: (-c[s], s))
    for i in range(missing): f[order[i % len(order)]] += 1
    return f / 4096
def coded_bytes(streams, counts, positions):
    bits = {}
    for table, context, symbol, raw in streams:
        p = normalised(counts[table][context])[symbol]
        part = table.split(".")[0]
        bits[part] = bits.get(part, 0) + raw - math.log2(p)
    return {part: b / 8 / positions for part, b in bits.items()}

squad, dialogsum, squad_counts, dialogsum_counts = load_rows()
def streams(rows, counts):
    rank = token_order(counts); out = []
    for row in rows: out += topk_symbols(row, rank) + sampled_symbols(row, rank) + token_symbols(row, rank)
    return out
squad_streams, dialogsum_streams = streams(squad, squad_counts), streams(dialogsum, dialogsum_counts)
squad_positions = sum(len(r["tail"]) for r in squad); dialogsum_positions = sum(len(r["tail"]) for r in dialogsum)
report = [
    ("SQuAD under DialogSum tables", coded_bytes(squad_streams, count(dialogsum_streams), squad_positions)),
    ("DialogSum under SQuAD tables", coded_bytes(dialogsum_streams, count(squad_streams), dialogsum_positions)),
    ("SQuAD under own tables", coded_bytes(squad_streams, count(squad_streams), squad_positions)),
    ("DialogSum under own tables", coded_bytes(dialogsum_streams, count(dialogsum_streams), dialogsum_positions)),
]
final = count(squad_streams + dialogsum_streams)

print("// Generated by Tests/Fixtures/cache/train_codec_tables.py — do not edit; rerun the script (its")
print("// docstring has the command). Symbol counts of SmolLM2-135M-Instruct rows: SQuAD dev")
print(f"// ({squad_positions} positions) and DialogSum dev ({dialogsum_positions} positions), top-64 and N = 50.")
print("// Coded bytes per position by part (top-k / sampled / tokens, rANS payload only):")
for name, sizes in report:
    print(f"//   {name}: " + ", ".join(f"{part} {size:.1f}" for part, size in sorted(sizes.items())))
print("extension CodecTables {")
print("    /// Symbol counts per table, one row per context (`CodecTables.default1`).")
print("    static let default1Counts: [String: [[Double]]] = [")
for name in TABLES:
    print(f"        \"{name}\": [")
    for row in final[name]:
        print("            [" + ", ".join(str(int(v)) for v in row) + "],")
    print("        ],")
print("    ]")
print("}")
