#!/usr/bin/env python3
"""Cuts a small slice of the official SQuAD v1.1 dev set and writes, independently of ctkd, the
normalised examples the SQuAD adapter must produce from it (the reference for CTKDDataTests).

Rerun from the repository root:
    /work/venv/bin/python Tests/Fixtures/data/make_squad_slice.py /work/shared/data/squad/dev-v1.1.json Tests/Fixtures/data

Rules (docs/data.md): one example per question; prompt = "Context: {context}\\nQuestion:
{question stripped}\\nAnswer:"; response = " " + first answer stripped; references = every
answers[].text verbatim, duplicates kept, in order; task = "qa".
"""
import json
import sys

source, out_dir = sys.argv[1], sys.argv[2]
dev = json.load(open(source, encoding="utf-8"))

# Paragraphs chosen for their cases: varied answer lists, non-ASCII text, questions with
# surrounding white space, five or more answers.
def first(predicate):
    for a_index, article in enumerate(dev["data"]):
        for p_index, paragraph in enumerate(article["paragraphs"]):
            if predicate(paragraph):
                return (a_index, p_index)

wanted = [(0, 0), (1, 1)]
wanted.append(first(lambda p: any(q["question"] != q["question"].strip() for q in p["qas"])))
wanted.append(first(lambda p: len(p["context"]) < 700 and any(len(q["answers"]) >= 5 for q in p["qas"])))
wanted = sorted(set(wanted))

articles = {}
for a_index, p_index in wanted:
    article = dev["data"][a_index]
    articles.setdefault(a_index, {"title": article["title"], "paragraphs": []})
    articles[a_index]["paragraphs"].append(article["paragraphs"][p_index])
slice_ = {"data": [articles[k] for k in sorted(articles)], "version": dev["version"]}

with open(f"{out_dir}/squad-dev-v1.1.slice.json", "w", encoding="utf-8") as f:
    json.dump(slice_, f, ensure_ascii=False)

with open(f"{out_dir}/squad-dev-v1.1.slice.expected.jsonl", "w", encoding="utf-8") as f:
    for article in slice_["data"]:
        for paragraph in article["paragraphs"]:
            for q in paragraph["qas"]:
                record = {
                    "id": q["id"],
                    "prompt": f"Context: {paragraph['context']}\nQuestion: {q['question'].strip()}\nAnswer:",
                    "response": " " + q["answers"][0]["text"].strip(),
                    "references": [a["text"] for a in q["answers"]],
                    "task": "qa",
                }
                f.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
print("paragraphs", wanted)
