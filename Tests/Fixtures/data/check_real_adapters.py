#!/usr/bin/env python3
"""Checks `ctkd data import` on the real SQuAD v1.1 dev and DialogSum dev files against Python's
own reading of them (not run by the tests: they must not read /work/shared).

    swift build -c release --product ctkd
    /work/venv/bin/python Tests/Fixtures/data/check_real_adapters.py --ctkd .build/release/ctkd \
        --squad /work/shared/data/squad/dev-v1.1.json --dialogsum /work/shared/data/dialogsum/dialogsum.dev.jsonl

Exits non-zero on the first difference; prints the counts otherwise.
"""
import argparse
import json
import re
import subprocess
import sys
import tempfile


def run_import(ctkd, fmt, source, out):
    subprocess.run([ctkd, "data", "import", "--format", fmt, source, "--out", out],
                   check=True, stdout=subprocess.DEVNULL)
    with open(out, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def check_squad(ctkd, path, work):
    examples = run_import(ctkd, "squad", path, f"{work}/squad.jsonl")
    expected = []
    for article in json.load(open(path, encoding="utf-8"))["data"]:
        for paragraph in article["paragraphs"]:
            for q in paragraph["qas"]:
                expected.append((q["id"], paragraph["context"], q["question"].strip(),
                                 [a["text"] for a in q["answers"]]))
    if len(examples) != len(expected):
        fail(f"squad: {len(examples)} examples, expected {len(expected)}")
    for got, (qid, context, question, answers) in zip(examples, expected):
        if got["id"] != qid or got["references"] != answers or got["task"] != "qa":
            fail(f"squad {qid}: {got}")
        if got["response"] != " " + answers[0].strip():
            fail(f"squad {qid}: response {got['response']!r}")
        if got["prompt"] != f"Context: {context}\nQuestion: {question}\nAnswer:":
            fail(f"squad {qid}: prompt")
    answers = sum(len(e["references"]) for e in examples)
    print(f"squad: {len(examples)} examples, {answers} reference answers, all equal to the official lists")


def check_dialogsum(ctkd, path, work):
    examples = run_import(ctkd, "dialogsum", path, f"{work}/dialogsum.jsonl")
    records = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    if len(examples) != len(records):
        fail(f"dialogsum: {len(examples)} examples, expected {len(records)}")
    for got, record in zip(examples, records):
        numbered = sorted((int(k[7:]), v) for k, v in record.items() if re.fullmatch(r"summary[1-9][0-9]*", k))
        references = ([record["summary"]] if "summary" in record else []) + [v for _, v in numbered]
        if got["id"] != record["fname"] or got["references"] != references or got["task"] != "summary":
            fail(f"dialogsum {record['fname']}: {got}")
        if got["response"] != " " + references[0].strip():
            fail(f"dialogsum {record['fname']}: response {got['response']!r}")
        if got["prompt"] != f"Dialogue:\n{record['dialogue']}\nSummary:":
            fail(f"dialogsum {record['fname']}: prompt")
    print(f"dialogsum: {len(examples)} examples, each with its {len(examples[0]['references'])} summary as reference")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ctkd", required=True)
    parser.add_argument("--squad", required=True)
    parser.add_argument("--dialogsum", required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        check_squad(args.ctkd, args.squad, work)
        check_dialogsum(args.ctkd, args.dialogsum, work)


if __name__ == "__main__":
    main()
