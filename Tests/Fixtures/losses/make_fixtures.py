#!/usr/bin/env python3
"""Reference values for CTKDLossesTests, from independent implementations.

    /work/venv/bin/python Tests/Fixtures/losses/make_fixtures.py Tests/Fixtures/losses

writes
  sinkhorn_pot.json   converged Sinkhorn plans and distances from POT's `ot.sinkhorn`
  losses_torch.json   loss values and gradients from PyTorch autograd in float64

The PyTorch side is written from methods.md §3-4 and docs/losses.md, not from the Swift code: dense
tensors, full sorts, plain-domain Sinkhorn unrolled by autograd, the byte head as matrix products.
Inputs are rounded to float32 first, so both sides see the same numbers. All data is generated
here from fixed seeds (no third-party data).
"""
import json
import math
import os
import sys

import numpy as np
import ot
import torch

torch.set_default_dtype(torch.float64)
END = 256
SYMBOLS = 257


def f32(array):
    return np.asarray(array, dtype=np.float32).astype(np.float64)


def plain(x):
    """JSON-ready lists with 9 significant digits (enough for float32)."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    if isinstance(x, np.ndarray):
        return [float(f"{v:.9g}") for v in x.reshape(-1).tolist()]
    if isinstance(x, float):
        return float(f"{x:.12g}")
    return x


# ---------------------------------------------------------------------------------------------
# Inputs

def separated_logits(rng, rows, vocab, spread=4.0, column_offsets=None):
    """Rows that are permutations of evenly spaced values (no near-ties for the sorting losses)."""
    values = np.linspace(-spread, spread, vocab)
    out = np.stack([rng.permutation(values) for _ in range(rows)])
    if column_offsets is not None:
        out = out + column_offsets[None, :]
    return f32(out)


def random_topk(rng, positions, k, vocab, sharpness=2.0, column_offsets=None):
    """Top-k ids (distinct, shuffled), log-probs and tail mass of random teacher distributions."""
    ids, logps, tails = [], [], []
    for _ in range(positions):
        logits = rng.normal(size=vocab) * sharpness
        if column_offsets is not None:
            logits = logits + column_offsets
        logp = logits - np.logaddexp.reduce(logits)
        top = np.argsort(-logp)[:k]
        top = rng.permutation(top)
        ids.append(top)
        logps.append(f32(logp[top]))
        tails.append(max(0.0, 1.0 - float(np.exp(f32(logp[top])).sum())))
    return np.array(ids, dtype=np.int64), np.array(logps), f32(np.array(tails))


def spans_from_lengths(lengths, eos=False):
    spans, start = [], 0
    for length in lengths:
        spans.append((start, start + length))
        start += length
    if eos:
        spans.append((start, start))
    return spans


def pairs_for(mode, teacher_spans, student_spans, response_length):
    """methods.md §3 as docs/losses.md states it, written independently of the Swift code."""
    if mode == "index":
        n_student = len(student_spans)
        if n_student and student_spans[-1][0] == student_spans[-1][1] == response_length:
            n_student -= 1
        return [(i, i) for i in range(min(len(teacher_spans), n_student))]
    teacher_starts = {s: i for i, (s, e) in enumerate(teacher_spans) if e > s}
    return [(teacher_starts[s], j) for j, (s, e) in enumerate(student_spans) if e > s and s in teacher_starts]


# ---------------------------------------------------------------------------------------------
# Reference losses (sums over positions, as the Swift per-sequence functions return them)

def tempered(logp, tail, temperature):
    """softmax([logp..., log tail] / T): the top-k entries and the tail bucket."""
    values = torch.cat([torch.as_tensor(logp), torch.tensor([math.log(tail) if tail > 0 else -math.inf])])
    p = torch.softmax(values / temperature, dim=0)
    return p[:-1], p[-1]


def cross_entropy(z, targets):
    return torch.nn.functional.cross_entropy(z, torch.as_tensor(targets), reduction="sum", ignore_index=-1)


def sparse_kl(z, ids, logps, tails, pairs, temperature):
    log_s = torch.log_softmax(z / temperature, dim=-1)
    total = z.new_zeros(())
    for i, j in pairs:
        p, bucket = tempered(logps[i], tails[i], temperature)
        ls = log_s[j, torch.as_tensor(ids[i])]
        head = ls.exp().sum()
        total = total + (p * (p.log() - ls)).sum()
        if bucket > 0:
            total = total + bucket * (bucket.log() - torch.log(1 - head))
    return total * temperature ** 2


def sampled_kd(z, offsets, ids, counts, pairs):
    log_s = torch.log_softmax(z, dim=-1)
    total = z.new_zeros(())
    for i, j in pairs:
        sl = slice(offsets[i], offsets[i + 1])
        c = torch.as_tensor(counts[sl], dtype=torch.float64)
        if c.sum() == 0:
            continue
        total = total - (c / c.sum() * log_s[j, torch.as_tensor(ids[sl])]).sum()
    return total


def uld(z, logps, tails, pairs, temperature):
    s = torch.softmax(z / temperature, dim=-1)
    total = z.new_zeros(())
    for i, j in pairs:
        p, bucket = tempered(logps[i], tails[i], temperature)
        k = p.shape[0]
        t_sorted = torch.sort(p, descending=True).values
        s_sorted = torch.sort(s[j], descending=True).values
        head = s_sorted[:k]
        if head.shape[0] < k:
            head = torch.cat([head, head.new_zeros(k - head.shape[0])])
        rest = s_sorted[k:].sum()
        total = total + (t_sorted - head).abs().sum() + (bucket - rest).abs()
    return total


def sinkhorn_plain(cost, lam, iterations):
    """methods.md's plain form: K = exp(-C/lambda), normalise rows then columns N times."""
    plan = torch.exp(-cost / lam)
    for _ in range(iterations):
        plan = plan / plan.sum(dim=1, keepdim=True)
        plan = plan / plan.sum(dim=0, keepdim=True)
    return (plan * cost).sum()


def ranked_columns(z, ids, logps, tails, temperature, columns, vocab_teacher):
    t_dense = torch.zeros(len(ids), vocab_teacher)
    for i in range(len(ids)):
        p, _ = tempered(logps[i], tails[i], temperature)
        t_dense[i, torch.as_tensor(ids[i])] = p
    width = min(columns, z.shape[1])
    teacher_order = torch.sort(-t_dense.sum(0), stable=True).indices[:width]
    s = torch.softmax(z / temperature, dim=-1)
    log_s = torch.log_softmax(z / temperature, dim=-1)
    student_sums = s.detach().sum(0)
    student_order = torch.sort(-student_sums, stable=True).indices[:width]
    # Fixture hygiene: the ranking must not hinge on float32 rounding.
    ranked = torch.sort(student_sums, descending=True).values[:width + 1]
    gaps = ((ranked[:-1] - ranked[1:]) / ranked[:-1]).min().item() if ranked.shape[0] > 1 else 1.0
    assert gaps > 1e-3, f"student column sums too close (relative gap {gaps})"
    return t_dense[:, teacher_order], s[:, student_order], log_s[:, student_order], student_order


def mlot(z, ids, logps, tails, pairs, cfg, vocab_teacher):
    t1, s1, ls1, order1 = ranked_columns(z, ids, logps, tails, cfg["tokenTemperature"], cfg["columns"], vocab_teacher)
    had = z.new_zeros(())
    sl = z.new_zeros(())
    for i, j in pairs:
        had = had + (t1[i] - s1[j]).abs().sum()
        sl = sl - (t1[i] * ls1[j]).sum()
    t2, s2, _, _ = ranked_columns(z, ids, logps, tails, cfg["sequenceTemperature"], cfg["columns"], vocab_teacher)
    cost = (t2[:, None, :] - s2[None, :, :]).abs().sum(-1)
    sd = sinkhorn_plain(cost, cfg["lambda"], cfg["iterations"])
    return had, sl, sd, order1


def bld(hidden, weights, biases, spans, response, q, byte_count):
    ce = hidden.new_zeros(())
    kl = hidden.new_zeros(())
    for j, (start, end) in enumerate(spans):
        if end > start:
            n = min(byte_count, end - start)
        elif start == len(response):
            n = 1
        else:
            n = 0
        for m in range(n):
            offset = start + m
            truth = response[offset] if offset < len(response) else END
            log_h = torch.log_softmax(hidden[j] @ weights[m].T + biases[m], dim=0)
            ce = ce - log_h[truth]
            if offset < q.shape[0]:
                qo = q[offset]
                mask = qo > 0
                kl = kl + (qo[mask] * (qo[mask].log() - log_h[mask])).sum()
    return ce, kl


def head_parameters(byte_count, hidden_size):
    """Deterministic parameters both sides can compute: w[i] = 0.3 sin(0.37 i + 0.11)."""
    count = byte_count * SYMBOLS * (hidden_size + 1)
    flat = f32(0.3 * np.sin(0.37 * np.arange(count) + 0.11))
    weights = torch.tensor(flat[: byte_count * SYMBOLS * hidden_size]).reshape(byte_count, SYMBOLS, hidden_size)
    biases = torch.tensor(flat[byte_count * SYMBOLS * hidden_size:]).reshape(byte_count, SYMBOLS)
    return weights, biases


def byte_distributions(rng, offsets, sparsity=0.8):
    q = rng.dirichlet(np.full(SYMBOLS, 0.3), size=offsets)
    q[rng.random(q.shape) < sparsity] = 0
    q = q / q.sum(1, keepdims=True)
    return f32(q)


# ---------------------------------------------------------------------------------------------
# Cases

def leaf(array):
    return torch.tensor(array, requires_grad=True)


def gradient_of(value, *tensors):
    grads = torch.autograd.grad(value, tensors)
    return [plain(g) for g in grads]


def case_losses(rng):
    cases = []
    T, V = 6, 40

    z = f32(rng.normal(size=(T, V)) * 2)
    targets = [3, 39, -1, 0, 17, 5]
    zt = leaf(z)
    value = cross_entropy(zt, targets)
    cases.append({"name": "ce", "rows": T, "vocab": V, "logits": plain(z), "targets": targets,
                  "value": plain(value.item()), "gradient": gradient_of(value, zt)[0]})

    ids, logps, tails = random_topk(rng, T, 8, V)
    pairs = [(0, 0), (1, 2), (2, 1), (4, 4), (5, 5)]
    for temperature in (1.0, 2.0):
        zt = leaf(z)
        value = sparse_kl(zt, ids, logps, tails, pairs, temperature)
        cases.append({"name": f"kl_T{temperature:g}", "rows": T, "vocab": V, "logits": plain(z),
                      "k": 8, "ids": ids.reshape(-1).tolist(), "logProbs": plain(logps), "tailMass": plain(tails),
                      "pairs": pairs, "temperature": temperature,
                      "value": plain(value.item()), "gradient": gradient_of(value, zt)[0]})

    offsets = [0, 3, 3, 7, 9, 12, 13]
    sampled_ids = rng.integers(0, V, size=13).tolist()
    counts = rng.integers(1, 20, size=13).tolist()
    zt = leaf(z)
    value = sampled_kd(zt, offsets, sampled_ids, counts, pairs)
    cases.append({"name": "sampled", "rows": T, "vocab": V, "logits": plain(z), "offsets": offsets,
                  "ids": sampled_ids, "counts": counts, "pairs": pairs,
                  "value": plain(value.item()), "gradient": gradient_of(value, zt)[0]})

    for temperature, vocab in ((1.0, 40), (2.0, 40), (1.0, 6)):
        zs = separated_logits(rng, T, vocab)
        ids_u, logps_u, tails_u = random_topk(rng, T, 8, 70)
        zt = leaf(zs)
        value = uld(zt, logps_u, tails_u, pairs, temperature)
        cases.append({"name": f"uld_T{temperature:g}_V{vocab}", "rows": T, "vocab": vocab, "logits": plain(zs),
                      "k": 8, "ids": ids_u.reshape(-1).tolist(), "logProbs": plain(logps_u),
                      "tailMass": plain(tails_u), "pairs": pairs, "temperature": temperature,
                      "value": plain(value.item()), "gradient": gradient_of(value, zt)[0]})

    for token_t, sequence_t, columns, vocab, rows, spacing, spread in ((1.0, 2.0, 7, 40, 6, 0.6, 2.0),
                                                                       (1.0, 1.0, 7, 40, 6, 0.6, 2.0),
                                                                       (1.0, 2.0, 50, 120, 8, 0.15, 0.3)):
        offsets_s = rng.permutation(np.arange(vocab) * spacing)
        zs = separated_logits(rng, rows, vocab, spread=spread, column_offsets=offsets_s)
        teacher_vocab = 90
        ids_m, logps_m, tails_m = random_topk(rng, rows - 1, 16, teacher_vocab,
                                              column_offsets=rng.permutation(np.arange(teacher_vocab) * 0.05))
        cfg = {"columns": columns, "tokenTemperature": token_t, "sequenceTemperature": sequence_t,
               "lambda": 0.1, "iterations": 20, "beta": 0.1, "gamma": 0.1}
        mlot_pairs = [(0, 0), (1, 2), (3, 3), (4, rows - 2)]
        zt = leaf(zs)
        had, sl, sd, order = mlot(zt, ids_m, logps_m, tails_m, mlot_pairs, cfg, teacher_vocab)
        total = had + cfg["beta"] * sl + cfg["gamma"] * sd
        cases.append({"name": f"mlot_T{token_t:g}_{sequence_t:g}_k{columns}", "rows": rows, "vocab": vocab,
                      "logits": plain(zs), "k": 16, "ids": ids_m.reshape(-1).tolist(), "logProbs": plain(logps_m),
                      "tailMass": plain(tails_m), "pairs": mlot_pairs, "configuration": cfg,
                      "studentColumns": order.tolist(),
                      "had": plain(had.item()), "sl": plain(sl.item()), "sd": plain(sd.item()),
                      "gradient": gradient_of(total, zt)[0]})

    cost = f32(rng.random((6, 5)) * 1.5)
    ct = leaf(cost)
    value = sinkhorn_plain(ct, 0.1, 20)
    cases.append({"name": "sinkhorn", "rows": 6, "columns": 5, "cost": plain(cost), "lambda": 0.1, "iterations": 20,
                  "value": plain(value.item()), "gradient": gradient_of(value, ct)[0]})

    # BLD: tokens of 3, 1, 12 bytes, a byte-less special token, 2 bytes, then EOS.
    byte_count, hidden_size = 3, 4
    spans = spans_from_lengths([3, 1, 12, 0, 2], eos=True)
    response = rng.integers(0, 256, size=18).tolist()
    q = byte_distributions(rng, 15)
    hidden = f32(rng.normal(size=(len(spans), hidden_size)))
    weights, biases = head_parameters(byte_count, hidden_size)
    ht, wt, bt = leaf(hidden), weights.clone().requires_grad_(), biases.clone().requires_grad_()
    ce, kl = bld(ht, wt, bt, spans, response, torch.tensor(q), byte_count)
    value = 0.7 * ce + 0.3 * kl
    dh, dw, db = gradient_of(value, ht, wt, bt)
    cases.append({"name": "bld", "hiddenSize": hidden_size, "byteCount": byte_count, "spans": spans,
                  "response": response, "byteTargets": plain(q), "hidden": plain(hidden),
                  "byteCrossEntropyScale": 0.7, "klScale": 0.3,
                  "byteCrossEntropy": plain(ce.item()), "kl": plain(kl.item()),
                  "hiddenGradient": dh, "parameterGradient": dw + db})
    return cases


def case_objectives(rng):
    """Two-sequence batches through the whole objective, normalised as docs/losses.md says."""
    V, teacher_vocab, hidden_size = 48, 48, 4
    texts = [
        {"teacher": [2, 3, 1, 4, 2], "student": [2, 1, 2, 1, 3, 3]},
        {"teacher": [4, 4, 1], "student": [1, 3, 4, 1]},
    ]
    methods = {
        "kl": {"method": "kl"},
        "sampled": {"method": "sampled"},
        "uld": {"method": "uld"},
        "uld_index": {"method": "uld", "uld": {"alignment": "index"}},
        "mlot": {"method": "mlot", "mlot": {"columns": 6}},
        "bld": {"method": "bld", "bld": {"byteCount": 3}},
    }
    cases = []
    for name, configuration in methods.items():
        method = configuration["method"]
        same_tokenizer = method in ("kl", "sampled")
        examples, totals = [], {}
        leaves, data = [], []
        for text in texts:
            response = rng.integers(97, 123, size=sum(text["teacher"])).tolist()
            teacher_spans = spans_from_lengths(text["teacher"])
            student_spans = spans_from_lengths(text["teacher"] if same_tokenizer else text["student"], eos=True)
            rows = len(student_spans)
            offsets_s = rng.permutation(np.arange(V) * 0.6)
            z = separated_logits(rng, rows, V, spread=2.0, column_offsets=offsets_s)
            targets = rng.integers(0, V, size=rows).tolist()
            ids, logps, tails = random_topk(rng, len(teacher_spans), 6, teacher_vocab,
                                            column_offsets=rng.permutation(np.arange(teacher_vocab) * 0.05))
            s_offsets = [0]
            s_ids, s_counts = [], []
            for _ in teacher_spans:
                n = int(rng.integers(1, 4))
                s_ids += rng.choice(V, size=n, replace=False).tolist()
                s_counts += rng.integers(1, 10, size=n).tolist()
                s_offsets.append(len(s_ids))
            q = byte_distributions(rng, len(response) + 1)
            hidden = f32(rng.normal(size=(rows, hidden_size)))
            example = {"logits": plain(z), "targets": targets, "response": response,
                       "teacherSpans": teacher_spans, "studentSpans": student_spans}
            if method in ("kl", "uld", "mlot"):
                example.update({"k": 6, "ids": ids.reshape(-1).tolist(), "logProbs": plain(logps),
                                "tailMass": plain(tails)})
            if method == "sampled":
                example.update({"sampledOffsets": s_offsets, "sampledIds": s_ids, "sampledCounts": s_counts})
            if method == "bld":
                example.update({"byteTargets": plain(q), "hidden": plain(hidden)})
            examples.append(example)
            leaves.append((leaf(z), leaf(hidden)))
            data.append((targets, response, teacher_spans, student_spans, ids, logps, tails,
                         s_offsets, s_ids, s_counts, torch.tensor(q)))

        tokens = sum(sum(1 for t in d[0] if t >= 0) for d in data)
        alignment = configuration.get(method, {}).get("alignment", "bytes")
        all_pairs = [pairs_for(alignment, d[2], d[3], len(d[1])) for d in data]
        pair_count = max(1, sum(len(p) for p in all_pairs))
        ce = sum(cross_entropy(lv[0], d[0]) for lv, d in zip(leaves, data)) / tokens
        total = ce
        terms = {"ce": ce}
        weights_b, biases_b = head_parameters(3, hidden_size)
        wt, bt = weights_b.clone().requires_grad_(), biases_b.clone().requires_grad_()
        if method == "kl":
            kl = sum(sparse_kl(lv[0], d[4], d[5], d[6], p, 1.0) for lv, d, p in zip(leaves, data, all_pairs)) / pair_count
            terms["kl"] = kl
            total = total + 1.0 * kl
        elif method == "sampled":
            value = sum(sampled_kd(lv[0], d[7], d[8], d[9], p) for lv, d, p in zip(leaves, data, all_pairs)) / pair_count
            terms["sampled"] = value
            total = total + 1.0 * value
        elif method == "uld":
            value = sum(uld(lv[0], d[5], d[6], p, 1.0) for lv, d, p in zip(leaves, data, all_pairs)) / pair_count
            terms["uld"] = value
            total = total + 1.5 * value
        elif method == "mlot":
            cfg = {"columns": 6, "tokenTemperature": 1.0, "sequenceTemperature": 2.0, "lambda": 0.1,
                   "iterations": 20}
            had = sl = sd = 0
            for lv, d, p in zip(leaves, data, all_pairs):
                h, s, w, _ = mlot(lv[0], d[4], d[5], d[6], p, cfg, teacher_vocab)
                had, sl, sd = had + h, sl + s, sd + w
            had, sl, sd = had / pair_count, sl / pair_count, sd / pair_count
            combined = had + 0.1 * sl + 0.1 * sd
            terms.update({"mlot_had": had, "mlot_sl": sl, "mlot_sd": sd, "mlot": combined})
            total = total + 0.15 * combined
        elif method == "bld":
            ce_sum = kl_sum = 0
            symbols = kl_symbols = 0
            for lv, d in zip(leaves, data):
                c, k = bld(lv[1], wt, bt, d[3], d[1], d[10], 3)
                ce_sum, kl_sum = ce_sum + c, kl_sum + k
                for start, end in d[3]:
                    n = min(3, end - start) if end > start else (1 if start == len(d[1]) else 0)
                    symbols += n
                    kl_symbols += sum(1 for m in range(n) if start + m < d[10].shape[0])
            terms["bld_byte_ce"] = ce_sum / symbols
            terms["bld_kl"] = kl_sum / kl_symbols
            total = total + 1.0 * terms["bld_byte_ce"] + 0.1 * terms["bld_kl"]
        tensors = [lv[0] for lv in leaves] + ([lv[1] for lv in leaves] + [wt, bt] if method == "bld" else [])
        grads = gradient_of(total, *tensors)
        case = {"name": name, "configuration": configuration, "vocab": V, "hiddenSize": hidden_size,
                "examples": examples, "pairs": all_pairs, "total": plain(total.item()),
                "terms": {key: plain(value.item()) for key, value in terms.items()},
                "logitGradients": grads[:len(leaves)]}
        if method == "bld":
            case["hiddenGradients"] = grads[len(leaves):2 * len(leaves)]
            case["parameterGradient"] = grads[-2] + grads[-1]
        cases.append(case)
    return cases


def case_sinkhorn_pot(rng):
    cases = []
    worked = np.array([[0, .2, .5], [.3, .1, .4], [.6, .2, .05]])
    inputs = [("worked", worked, 0.1), ("random5", f32(rng.random((5, 5))), 0.1),
              ("random5_sharp", f32(rng.random((5, 5))), 0.05), ("rect4x6", f32(rng.random((4, 6))), 0.1)]
    for name, cost, lam in inputs:
        n, m = cost.shape
        # The alternating normalisation converges to marginals (m/n)·1 on rows and 1 on columns.
        plan = ot.sinkhorn(np.full(n, m / n), np.ones(m), cost, lam, method="sinkhorn", numItermax=100000,
                           stopThr=1e-13)
        cases.append({"name": name, "rows": n, "columns": m, "cost": plain(cost), "lambda": lam,
                      "plan": plain(plan), "distance": plain(float((plan * cost).sum()))})
    return cases


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    rng = np.random.default_rng(20250101)
    with open(os.path.join(out, "sinkhorn_pot.json"), "w") as f:
        json.dump({"generator": "make_fixtures.py", "pot": ot.__version__, "cases": case_sinkhorn_pot(rng)}, f)
    with open(os.path.join(out, "losses_torch.json"), "w") as f:
        json.dump({"generator": "make_fixtures.py", "torch": torch.__version__,
                   "losses": case_losses(rng), "objectives": case_objectives(rng)}, f)


if __name__ == "__main__":
    main()
