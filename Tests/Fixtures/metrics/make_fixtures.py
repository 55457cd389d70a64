#!/usr/bin/env python3
"""Builds the metric fixtures in this folder from the reference implementations.

    /work/venv/bin/python Tests/Fixtures/metrics/make_fixtures.py \
        --shared /work/shared [--official /path/to/evaluate-v1.1.py]

Needs rouge-score 0.1.2 and nltk 3.10.4 (the versions metrics-rules.md was checked with).
Writes (all deterministic, seeded):

- pairs.jsonl            {"id", "prediction", "references"}: 1,500+ pairs: real SQuAD dev answers
                         with two leaderboard systems' predictions, texts built from Unicode edge
                         cases (final sigma, Turkish İ, ß, accents, CJK, emoji, NBSP and other
                         spaces, zero-width space, punctuation, articles, digits, empty strings),
                         multi-line texts (ROUGE-Lsum), multi-reference and stemmer-heavy pairs.
- expected.jsonl         `ref_metrics.py pairs.jsonl expected.jsonl` (SQuAD v1.1/v2 EM/F1 and
                         rouge-score F-measures, with and without the stemmer), run as a program.
- expected_pr.jsonl      {"id", "precision": [...], "recall": [...]} from rouge-score's
                         RougeScorer.score_multi directly (ref_metrics.py writes only F-measures),
                         in the order rouge1, rouge2, rougeL, rougeLsum, then the same stemmed.
- stemmer.tsv            word<TAB>stem from nltk's PorterStemmer() (NLTK_EXTENSIONS) for SQuAD dev
                         words sampled by suffix, synthetic words built from every rule's suffix,
                         the irregular forms, y-runs, digits and a few non-ASCII words.
- unicode.jsonl          {"text", "lower", "squad", "rouge", "rouge_stem"}: Python's str.lower(),
                         SQuAD normalize_answer(...).split() and rouge-score's tokenizer output.
- squad/dev-slice.json   five articles of SQuAD v1.1 dev (697 questions), CC BY-SA 4.0.
- squad/pred-*.json      the two leaderboard prediction files restricted to the slice's ids, plus
                         the logistic-regression file's ids that are not in dev (ignored by the rules).
- squad/expected.json    the official evaluate-v1.1.py scores on the slice (computed by
                         ref_metrics' normalisation with the official evaluate() loop, and
                         cross-checked against the official script when --official is given).
"""
import argparse
import collections
import importlib.util
import json
import os
import random
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SLICE_TITLES = ["Normans", "Computational_complexity_theory", "Packet_switching", "Pharmacy", "Prime_number"]


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ----------------------------------------------------------------------------------------------
# Text material
# ----------------------------------------------------------------------------------------------
ATOMS = [
    # articles and punctuation
    "the", "The", "THE", "a", "A", "an", "An", "AN", "the.", "(the)", "the-end", "a.b", "an,", "_the_",
    "thé", "the\u0301", "x\u2019the\u2019y", "Levi\u2019s", "Levi's", "don't", "U.S.A.", "#Person1#:",
    "\u2014", "\u2013", "\u2026", "\u00ab", "\u00bb", "\u201cquoted\u201d", "\uff0c", "\u3002", "!?", "...",
    "[x]", "{y}", "@home", "50%", "$3", "a+b=c", "C++", "e-mail", "co-operate", "x_y",
    # digits
    "3.14", "1,000", "2019", "1990s", "42nd", "0", "007", "10km", "\u0663\u0664", "\u00bd", "\u2460",
    # Greek final sigma and friends
    "\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3", "\u0391\u03a3.", "\u03a3", "'\u03a3'", "\u0391\u03a3'",
    "\u0391\u03a3\u0391", "\u03a3\u0391", "\u0391\u03a3\u0301", "\u0391.\u03a3", "\u03c3\u03bf\u03c6\u03af\u03b1",
    # Turkish dotted I, German sharp s, accents, ligatures, Kelvin sign
    "\u0130stanbul", "\u0130", "D\u0130YARBAKIR", "\u0131", "Stra\u00dfe", "STRASSE", "\u1e9e", "\u00df",
    "caf\u00e9", "CAF\u00c9", "cafe\u0301", "na\u00efve", "R\u00f6ntgen", "\u00c5ngstr\u00f6m", "\u0152uvre",
    "\ufb01le", "\u212aelvin", "\u212a", "\u01c4", "\u01c5", "\u00c6sir", "\u0110\u00e0 N\u1eb5ng",
    # CJK, emoji, other scripts
    "\u65e5\u672c\u8a9e", "\u6771\u4eac", "\ud55c\uad6d\uc5b4", "\u0645\u0631\u062d\u0628\u0627",
    "\u05e9\u05dc\u05d5\u05dd", "\u043f\u0440\u0438\u0432\u0435\u0442", "\u041c\u041e\u0421\u041a\u0412\u0410",
    "\U0001f600", "\U0001f44d\U0001f3fd", "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\u2603",
    "\uff21\uff22\uff23", "\U0001d400\U0001d401",
    # spaces that split (str.split) and characters that do not
    "\u00a0", "\u2009", "\u3000", "\u2028", "\u0085", "\x1c", "\x1f", "\t", "\u202f", "\u1680",
    "\u200b", "\ufeff", "\u200d", "word\u00a0word", "zero\u200bwidth", "soft\u00adhyphen",
    # plain words with stemmer material
    "running", "runs", "ran", "flies", "dies", "agreed", "hopping", "happily", "generously",
    "relational", "conditional", "national", "organization", "electricity", "hopefulness",
    "skies", "dying", "innings", "news", "proceed", "succeeded", "caresses", "ponies", "cats",
]
SEPARATORS = [" ", " ", " ", "  ", "", "\n", ", ", ". ", "\u00a0", " - ", "\t", "\r\n", "\n\n", ";"]
WORDS = ("cat dog sat mat ran quick brown fox jumps over lazy river bank money stadium team game "
         "played scored points season history science theory proof number prime complex").split()


def random_text(rng, atoms, low=1, high=10):
    parts = [rng.choice(atoms) for _ in range(rng.randint(low, high))]
    out = parts[0]
    for part in parts[1:]:
        out += rng.choice(SEPARATORS) + part
    return out


def perturb_words(rng, text):
    words = text.split(" ")
    out = []
    for word in words:
        r = rng.random()
        if r < 0.08:
            continue
        if r < 0.14:
            out.append(word.upper())
        elif r < 0.2:
            out.append(word + rng.choice(["s", "ing", "ed", "ly", "ness", "ation", "ful"]))
        elif r < 0.25:
            out.extend([word, word])
        elif r < 0.3:
            out.append(rng.choice(WORDS))
        else:
            out.append(word)
    if len(out) > 2 and rng.random() < 0.3:
        i, j = rng.randrange(len(out)), rng.randrange(len(out))
        out[i], out[j] = out[j], out[i]
    return " ".join(out)


def sentences(context):
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", context) if s.strip()]


# ----------------------------------------------------------------------------------------------
# Pairs
# ----------------------------------------------------------------------------------------------
def squad_pairs(rng, articles, predictions, count):
    qas = [qa for a in articles for p in a["paragraphs"] for qa in p["qas"]]
    rng.shuffle(qas)
    out = []
    for qa in qas:
        for name, preds in predictions.items():
            if qa["id"] in preds and len(out) < count:
                out.append({"id": f"squad-{name}-{qa['id']}", "prediction": preds[qa["id"]],
                            "references": [a["text"] for a in qa["answers"]]})
    return out


def unicode_pairs(rng, count):
    out = []
    for i in range(count):
        reference = random_text(rng, ATOMS)
        mode = rng.random()
        if mode < 0.4:
            atoms = reference.split(" ") + ATOMS[:10]
            prediction = random_text(rng, atoms, 1, 8)
        elif mode < 0.7:
            prediction = perturb_words(rng, reference)
        elif mode < 0.8:
            prediction = reference.upper() if rng.random() < 0.5 else reference.lower()
        else:
            prediction = random_text(rng, ATOMS)
        refs = [reference] if rng.random() < 0.7 else [reference, random_text(rng, ATOMS, 1, 4)]
        out.append({"id": f"unicode-{i}", "prediction": prediction, "references": refs})
    return out


def multiline_pairs(rng, contexts, count):
    out = []
    for i in range(count):
        sents = sentences(rng.choice(contexts))
        start = rng.randrange(len(sents))
        chosen = sents[start:start + rng.randint(1, 4)]
        reference = "\n".join(chosen)
        mode = rng.randrange(7)
        if mode == 0:
            pred_sents = chosen[:]
            rng.shuffle(pred_sents)
            prediction = "\n".join(pred_sents)
        elif mode == 1:
            prediction = "\n".join(perturb_words(rng, s) for s in chosen)
        elif mode == 2:
            prediction = " ".join(perturb_words(rng, s) for s in chosen)          # one line
        elif mode == 3:
            prediction = "\n\n" + "\n...\n".join(chosen) + "\n"                 # blank and punctuation lines
        elif mode == 4:
            prediction = "\r\n".join(perturb_words(rng, s) for s in reversed(chosen))
        elif mode == 5:
            other = sentences(rng.choice(contexts))
            prediction = "\n".join(perturb_words(rng, s) for s in other[:rng.randint(1, 5)])
        else:
            prediction = "\n".join(perturb_words(rng, s) for s in chosen + chosen[:1])
        refs = [reference]
        if rng.random() < 0.25:
            refs.append("\n".join(perturb_words(rng, s) for s in chosen))
        out.append({"id": f"multiline-{i}", "prediction": prediction, "references": refs})
    return out


def tie_pairs(rng, count):
    """Small vocabularies and many lines: repeated tokens, many equal-length LCSs (tie-breaks)."""
    out = []
    for i in range(count):
        vocabulary = rng.sample(["a1", "b2", "c3", "d4", "cat", "cats", "run", "running"], rng.randint(2, 4))

        def text():
            lines = [" ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 7)))
                     for _ in range(rng.randint(1, 5))]
            return "\n".join(lines)

        refs = [text() for _ in range(rng.randint(1, 3))]
        out.append({"id": f"ties-{i}", "prediction": text(), "references": refs})
    return out


def stemmer_pairs(rng, stem_words, count):
    out = []
    for i in range(count):
        words = rng.sample(stem_words, rng.randint(3, 12))
        reference = " ".join(words)
        prediction = " ".join(w + rng.choice(["", "s", "es", "ed", "ing", "ly", "er", "ness", "ation", "ational", "ful"])
                              for w in rng.sample(words, max(1, len(words) - rng.randint(0, 3))))
        out.append({"id": f"stem-{i}", "prediction": prediction, "references": [reference]})
    return out


def edge_pairs():
    cases = [
        ("", [""]), ("", ["the"]), ("the", [""]), ("", ["."]), (".", ["."]), ("a", ["an"]), ("the", ["the"]),
        (" ", ["\u00a0"]), ("\u200b", ["\u200b"]), ("\u200b", [""]), ("", ["", ""]), ("x", ["", "x"]),
        ("Denver Broncos", ["Denver Broncos", "the Denver Broncos", "Broncos"]),
        ("the the the", ["the"]), ("cat cat cat", ["cat"]), ("cat", ["cat cat cat"]),
        ("\n\n", ["\n"]), ("a\n\nb", ["a\nb"]), ("...\nword", ["word\n..."]), ("x\ry", ["x y"]),
        ("\u0391\u03a3", ["\u03b1\u03c2"]), ("\u0391\u03a3", ["\u03b1\u03c3"]), ("\u0130", ["i\u0307"]),
        ("\u212a", ["k"]), ("Stra\u00dfe", ["strasse"]), ("caf\u00e9", ["cafe\u0301"]), ("caf\u00e9", ["caf"]),
        ("one two", ["two one"]), ("a b c d", ["d c b a"]), ("1 2 3", ["1,2,3"]), ("3.14", ["314"]),
        ("Levi\u2019s", ["Levi's"]), ("Levis", ["Levi's"]), ("x\u2019the\u2019y", ["x\u2019 \u2019y"]),
        ("the-end", ["theend"]), ("an apple", ["apple"]), ("An Apple", ["apple", "an apple"]),
        ("#Person1#: hi", ["person1 hi"]), ("U.S.A.", ["usa"]), ("U.S.A.", ["u s a"]),
        ("\U0001f600", ["\U0001f600"]), ("\u65e5\u672c", ["\u65e5\u672c"]), ("\u65e5\u672c", ["\u65e5 \u672c"]),
        ("ran running runs", ["run"]), ("dying lying tying", ["die lie tie"]), ("skies sky", ["sky"]),
        ("generalizations", ["generalize"]), ("relational", ["relate"]), ("y", ["yy"]), ("yyyyyy", ["yyyyy"]),
    ]
    return [{"id": f"edge-{i}", "prediction": p, "references": r} for i, (p, r) in enumerate(cases)]


# ----------------------------------------------------------------------------------------------
# Stemmer words
# ----------------------------------------------------------------------------------------------
SUFFIXES = ("s es ies sses ss ed ied eed ing at ate bl ble iz ize y ational tional enci anci izer bli "
            "alli entli eli ousli ization ation ator alism iveness fulness ousness aliti iviti biliti fulli "
            "logi logy icate ative alize iciti ical ful ness al ance ence er ic able ible ant ement ment ent "
            "sion tion ion ou ism iti ous ive e ll ly ally ically fully ations ingly edly ers ings ies "
            "alities ousnesses izations ationally lessness").split()
STEMS = ("c b tr gen cond rel hop fil fail agr sky y yy ay oy by bey conf ab geo theo arch phil contr sens "
         "form electr val hes dig rad vil analog viet pred oper feud decis hope call triplic good adjust "
         "depend adopt homolog commun activ angular effect bowdler prob rat ceas controll roll hiss fizz "
         "tann conflat troubl siz motor plaster bled feed sing spi di ti li fl tri fall hopp "
         "sayy yyy toy syzyg ivy oat tree troubl privat orrer 1990 2nd x9 ion at").split()


def stemmer_words(rng, vocabulary):
    by_suffix = collections.defaultdict(list)
    for word in sorted(vocabulary):
        if len(word) > 3 and word.isalpha():
            by_suffix[word[-3:]].append(word)
    real = []
    for suffix in sorted(by_suffix):
        words = by_suffix[suffix]
        real.extend(rng.sample(words, min(len(words), 6)))
    rng.shuffle(real)
    real = sorted(real[:4000])
    synthetic = sorted({stem + suffix for stem in STEMS for suffix in SUFFIXES})
    synthetic = sorted(rng.sample(synthetic, 2500))
    special = ["sky", "skies", "dying", "lying", "tying", "news", "innings", "inning", "outings", "outing",
               "cannings", "canning", "howe", "proceed", "exceed", "succeed", "dies", "flies", "died", "spied",
               "ties", "tied", "yyyy", "yyyyy", "yyyying", "sayyyying", "a", "ab", "abc", "ies", "ied",
               "1990s", "2000s", "42nd", "a1b2ing", "abcdefghijklmnopqrstuvwxyzations", "eing", "ying",
               "bowdlerize", "generalizations", "oscillators", "feudalism", "sensibiliti", "conformabli",
               "radicalli", "differentli", "vileli", "analogousli", "hopefulli", "archaeologi", "geologi",
               "theologi", "Running", "CAFES", "Caf\u00e9s", "na\u00efvely", "\u0130nnings", "\u03a3\u0391\u03a3",
               "STRASSE", "ab*ded", "a*ding"]
    return real, synthetic, special


def squad_vocabulary(dataset):
    vocabulary = set()
    for article in dataset["data"]:
        for paragraph in article["paragraphs"]:
            vocabulary.update(re.findall(r"[a-z0-9]+", paragraph["context"].lower()))
    return vocabulary


# ----------------------------------------------------------------------------------------------
# SQuAD slice
# ----------------------------------------------------------------------------------------------
def official_evaluate(official, dataset, predictions):
    """evaluate-v1.1.py's evaluate(): missing predictions score 0, extra ids are ignored."""
    f1 = exact_match = total = 0
    missing = 0
    for article in dataset:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                total += 1
                if qa["id"] not in predictions:
                    missing += 1
                    continue
                ground_truths = [x["text"] for x in qa["answers"]]
                prediction = predictions[qa["id"]]
                exact_match += max(official.squad_em(prediction, g) for g in ground_truths)
                f1 += max(official.squad_f1(prediction, g) for g in ground_truths)
    return {"exact_match": 100.0 * exact_match / total, "f1": 100.0 * f1 / total,
            "questions": total, "missing": missing}


def write_squad_slice(args, ref, dev, all_ids):
    out_dir = os.path.join(HERE, "squad")
    os.makedirs(out_dir, exist_ok=True)
    articles = [a for a in dev["data"] if a["title"] in SLICE_TITLES]
    slice_json = {"data": articles, "version": dev["version"]}
    with open(os.path.join(out_dir, "dev-slice.json"), "w", encoding="utf-8") as f:
        json.dump(slice_json, f, ensure_ascii=False)
    ids = {qa["id"] for a in articles for p in a["paragraphs"] for qa in p["qas"]}
    expected = {}
    for name in ("match-lstm", "logistic-regression"):
        with open(os.path.join(args.shared, "data/squad", f"pred-{name}.json"), encoding="utf-8") as f:
            full = json.load(f)
        sliced = {k: v for k, v in full.items() if k in ids or k not in all_ids}
        with open(os.path.join(out_dir, f"pred-{name}.json"), "w", encoding="utf-8") as f:
            json.dump(sliced, f, ensure_ascii=False, indent=0)
        expected[name] = official_evaluate(ref, articles, sliced)
        expected[name]["extra_ids"] = len([k for k in sliced if k not in ids])
        if args.official:
            official = load_module(args.official, "squad_official")
            check = official.evaluate(articles, sliced)
            assert check["exact_match"] == expected[name]["exact_match"] and check["f1"] == expected[name]["f1"], check
    with open(os.path.join(out_dir, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2)
    return articles


# ----------------------------------------------------------------------------------------------
def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", default="/work/shared")
    parser.add_argument("--official", default=None, help="a copy of evaluate-v1.1.py to cross-check with")
    parser.add_argument("--seed", type=int, default=20240607)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    ref_path = os.path.join(args.shared, "reference/ref_metrics.py")
    ref = load_module(ref_path, "ref_metrics")

    with open(os.path.join(args.shared, "data/squad/dev-v1.1.json"), encoding="utf-8") as f:
        dev = json.load(f)
    all_ids = {qa["id"] for a in dev["data"] for p in a["paragraphs"] for qa in p["qas"]}
    articles = write_squad_slice(args, ref, dev, all_ids)
    predictions = {}
    for name in ("match-lstm", "logistic-regression"):
        with open(os.path.join(HERE, "squad", f"pred-{name}.json"), encoding="utf-8") as f:
            predictions[name] = json.load(f)

    # Stemmer fixture
    from nltk.stem import porter
    stemmer = porter.PorterStemmer()
    real, synthetic, special = stemmer_words(rng, squad_vocabulary(dev))
    with open(os.path.join(HERE, "stemmer.tsv"), "w", encoding="utf-8") as f:
        f.write("# word\tnltk 3.10.4 PorterStemmer().stem(word) (NLTK_EXTENSIONS); see make_fixtures.py\n")
        for word in special + real + synthetic:
            f.write(f"{word}\t{stemmer.stem(word)}\n")

    # Pairs
    contexts = [p["context"] for a in articles for p in a["paragraphs"]]
    stem_words = real + [w for w in synthetic if w.isalpha()]
    pairs = (edge_pairs() + squad_pairs(rng, articles, predictions, 400) + unicode_pairs(rng, 450)
             + multiline_pairs(rng, contexts, 300) + tie_pairs(rng, 200) + stemmer_pairs(rng, stem_words, 200))
    pairs_path = os.path.join(HERE, "pairs.jsonl")
    with open(pairs_path, "w", encoding="utf-8") as f:
        for pair in pairs:
            f.write(json.dumps(pair, ensure_ascii=False) + "\n")
    command = [sys.executable, ref_path, pairs_path, os.path.join(HERE, "expected.jsonl")]
    if args.official:
        command += ["--crosscheck-official", args.official]
    subprocess.run(command, check=True)

    # Precision and recall straight from rouge-score
    from rouge_score import rouge_scorer
    types = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
    scorers = [rouge_scorer.RougeScorer(types, use_stemmer=s) for s in (False, True)]
    with open(os.path.join(HERE, "expected_pr.jsonl"), "w") as f:
        for pair in pairs:
            precision, recall = [], []
            for scorer in scorers:
                scores = scorer.score_multi(pair["references"], pair["prediction"])
                precision += [scores[t].precision for t in types]
                recall += [scores[t].recall for t in types]
            f.write(json.dumps({"id": pair["id"], "precision": precision, "recall": recall}) + "\n")

    # Unicode normalisation fixture
    from rouge_score import tokenize
    texts = ATOMS + [random_text(rng, ATOMS, 2, 8) for _ in range(250)]
    with open(os.path.join(HERE, "unicode.jsonl"), "w", encoding="utf-8") as f:
        for text in texts:
            f.write(json.dumps({"text": text, "lower": text.lower(), "squad": ref.squad_normalize(text).split(),
                                "rouge": tokenize.tokenize(text, None), "rouge_stem": tokenize.tokenize(text, stemmer)},
                               ensure_ascii=False) + "\n")

    for name in sorted(os.listdir(HERE)) + ["squad/" + n for n in sorted(os.listdir(os.path.join(HERE, "squad")))]:
        path = os.path.join(HERE, name)
        if os.path.isfile(path):
            print(f"{os.path.getsize(path):>9}  {name}")
    print(f"{len(pairs)} pairs, {len(special) + len(real) + len(synthetic)} stemmer words, {len(texts)} unicode texts")


if __name__ == "__main__":
    main()
