"""Losses: forward + backward of each training objective (CE + one distillation loss) per response
position, next to plain cross-entropy over the same logits, and against PyTorch in the same run.

ctkd side: the hidden `ctkd bench-losses` (Sources/ctkd/BenchLosses.swift, LossBenchmark.swift):
one sequence of T = 256 student positions, teacher top-64, sampled N = 50, BLD head M = 10 on
C = 576, student V = 8192 and 49152. PyTorch side: the same objectives written the usual way in
torch (float32, autograd, 2 threads): full softmax, `torch.sort` over V for ULD, dense column sums
and a plain Sinkhorn loop for MultiLevelOT, all M byte maps on every position for BLD.
"""
import json
import time

NAME = "Losses (forward + backward per position, vs CE)"

POSITIONS, TOP_K, DRAWS, BYTES, HIDDEN = 256, 64, 50, 10, 576
METHODS = ["sft", "kl", "sampled", "uld", "mlot", "mlot_envelope", "bld"]


def torch_objectives(V):
    import torch
    import torch.nn.functional as F

    torch.manual_seed(0)
    T = POSITIONS
    logits0 = torch.randn(T, V) * 2
    targets = torch.randint(0, V, (T,))
    top_ids = torch.stack([torch.randperm(V)[:TOP_K] for _ in range(T)])
    harmonic = sum(1 / r for r in range(1, TOP_K + 1))
    top_logp = torch.log(0.9 / (torch.arange(1, TOP_K + 1) * harmonic)).expand(T, TOP_K)
    tail = torch.full((T,), 0.1)
    sample_ids = torch.randint(0, 64, (T, DRAWS))
    hidden0 = torch.randn(T, HIDDEN)
    head = torch.nn.Linear(HIDDEN, BYTES * 257)
    byte_targets = torch.softmax(torch.randn(T, BYTES, 257) * 3, -1)
    true_bytes = torch.randint(0, 257, (T, BYTES))
    lengths = torch.randint(1, 9, (T,))
    byte_mask = (torch.arange(BYTES)[None, :] < lengths[:, None]).float()

    def ce(z):
        return F.cross_entropy(z, targets)

    def kl(z):
        log_s = torch.log_softmax(z, -1)
        p = top_logp.exp()
        ls = log_s.gather(1, top_ids)
        rest = 1 - ls.exp().sum(-1)
        return ((p * (top_logp - ls)).sum(-1) + tail * (tail.log() - rest.log())).mean()

    def sampled(z):
        log_s = torch.log_softmax(z, -1)
        return -(log_s.gather(1, sample_ids)).mean(-1).mean()

    def uld(z):
        s = torch.softmax(z, -1).sort(-1, descending=True).values
        t = top_logp.exp()
        return ((t - s[:, :TOP_K]).abs().sum(-1) + (tail - s[:, TOP_K:].sum(-1)).abs()).mean()

    def mlot(z, unrolled=True):
        def level(temperature):
            t = torch.zeros(T, V).scatter_(1, top_ids, torch.softmax(
                torch.cat([top_logp, tail.log()[:, None]], -1) / temperature, -1)[:, :TOP_K])
            s = torch.softmax(z / temperature, -1)
            t_cols = t.sum(0).topk(50).indices
            s_cols = s.detach().sum(0).topk(50).indices
            return t[:, t_cols], s[:, s_cols], torch.log_softmax(z / temperature, -1)[:, s_cols]
        t1, s1, ls1 = level(1.0)
        had = (t1 - s1).abs().sum()
        sl = -(t1 * ls1).sum()
        t2, s2, _ = level(2.0)
        cost = torch.cdist(t2, s2, p=1)
        plan = torch.exp(-cost / 0.1)
        if not unrolled:
            with torch.no_grad():
                for _ in range(20):
                    plan = plan / plan.sum(1, keepdim=True)
                    plan = plan / plan.sum(0, keepdim=True)
        else:
            for _ in range(20):
                plan = plan / plan.sum(1, keepdim=True)
                plan = plan / plan.sum(0, keepdim=True)
        sd = (plan * cost).sum()
        return 0.15 * (had + 0.1 * sl + 0.1 * sd) / T

    def bld(hidden):
        out = head(hidden).view(T, BYTES, 257)
        log_h = torch.log_softmax(out, -1)
        byte_ce = -(log_h.gather(2, true_bytes[..., None])[..., 0] * byte_mask).sum() / byte_mask.sum()
        byte_kl = ((byte_targets * (byte_targets.clamp_min(1e-30).log() - log_h)).sum(-1) * byte_mask).sum() / byte_mask.sum()
        return byte_ce + 0.1 * byte_kl

    objectives = {
        "sft": lambda z, h: ce(z),
        "kl": lambda z, h: ce(z) + kl(z),
        "sampled": lambda z, h: ce(z) + sampled(z),
        "uld": lambda z, h: ce(z) + 1.5 * uld(z),
        "mlot": lambda z, h: ce(z) + mlot(z),
        "mlot_envelope": lambda z, h: ce(z) + mlot(z, unrolled=False),
        "bld": lambda z, h: ce(z) + bld(h),
    }
    results = {}
    for name, objective in objectives.items():
        best = float("inf")
        for repeat in range(4):
            z = logits0.clone().requires_grad_()
            h = hidden0.clone().requires_grad_()
            start = time.perf_counter()
            objective(z, h).backward()
            if repeat:
                best = min(best, time.perf_counter() - start)
        results[name] = best * 1e6 / T
    return results


def run(ctx):
    import torch
    torch.set_num_threads(2)
    metrics = {}
    lines = ["Per response position, T = 256, teacher top-64, BLD M = 10 on C = 576; fastest of the "
             "repeats. *× CE* is the objective's time over plain CE on the same logits (CPU time, the "
             "steadier figure on a shared machine); *added* is what the distillation term costs on top.",
             ""]
    for V in (8192, 49152):
        _, result = ctx.run([ctx.ctkd, "bench-losses", "--vocabulary-size", str(V), "--positions", str(POSITIONS),
                             "--top-k", str(TOP_K), "--byte-count", str(BYTES), "--hidden-size", str(HIDDEN),
                             "--repeats", "5"])
        ctkd = {m["name"]: m for m in json.loads(result.stdout)}
        reference = torch_objectives(V)
        ce_cpu = ctkd["sft"]["cpuMicrosecondsPerPosition"]
        ce_wall = ctkd["sft"]["microsecondsPerPosition"]
        lines += [f"**V = {V}**", "",
                  "| objective | ctkd µs/pos (wall) | ctkd CPU µs/pos | × CE | added over CE, wall µs/pos "
                  "| PyTorch µs/pos | PyTorch / ctkd |",
                  "|---|---|---|---|---|---|---|"]
        for name in METHODS:
            m = ctkd[name]
            ratio = m["cpuMicrosecondsPerPosition"] / ce_cpu
            speedup = reference[name] / m["microsecondsPerPosition"]
            metrics[f"V{V}_{name}"] = {
                "ctkd_us_per_position": m["microsecondsPerPosition"],
                "ctkd_cpu_us_per_position": m["cpuMicrosecondsPerPosition"],
                "times_ce": ratio,
                "torch_us_per_position": reference[name],
                "torch_over_ctkd": speedup,
            }
            added = m["microsecondsPerPosition"] - ce_wall
            lines.append(f"| {name} | {m['microsecondsPerPosition']:.1f} | {m['cpuMicrosecondsPerPosition']:.1f} | "
                         f"{ratio:.2f} | {'—' if name == 'sft' else f'{added:.1f}'} | {reference[name]:.1f} | "
                         f"{speedup:.2f} |")
        lines.append("")
    return {"metrics": metrics, "markdown": "\n".join(lines)}
