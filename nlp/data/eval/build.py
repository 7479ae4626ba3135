"""Build the independent evaluation splits from their hand-written sources (standard library only).

    python3 nlp/data/eval/build.py          # writes val.jsonl and test.jsonl, prints the data card's tables
    python3 nlp/data/eval/build.py --check  # only checks that the written files match the sources

Each line of `source/<split>_*.txt` is one message:

    category kind urgent cluster place note | text

with short codes (`fac` = facility_repair, `c` = complaint, `U` = urgent, `-` = none). The
rows are shuffled with a fixed seed (file order is writing order, not time order) and numbered.
The build stops on any problem: an unknown code or place, a cluster outside 3–12 messages, a
duplicate text, or a text too close (character-trigram Jaccard > 0.6) to one of the other split
or of the training data.
"""

from __future__ import annotations

import csv
import json
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parent
SPLITS = {"val": ("v", 12), "test": ("t", 13)}  # id prefix, shuffle seed
CATEGORIES = {
    "eld": "elderly_care", "chi": "child_youth", "dis": "disability", "hea": "health",
    "fac": "facility_repair", "env": "environment", "par": "parking_traffic", "saf": "safety",
    "cul": "culture_sports", "emp": "employment", "leg": "legal_mediation", "soc": "social_assistance",
    "pro": "property_management", "con": "convenience", "pat": "participation", "oth": "other",
}
KINDS = {"n": "need", "c": "complaint", "s": "suggestion", "i": "inquiry", "p": "praise"}
NOTES = {"near", "past", "hypo", "praise", "drill", "ji", "en", "trad", "typo", "elder", "young", "voice"}
CLUSTER_SIZE = (3, 12)
MAX_JACCARD = 0.6
_PUNCT = re.compile(r"[\W_]+")


def places(split: str) -> dict[str, dict]:
    with (HERE / f"places_{split}.csv").open(encoding="utf-8", newline="") as f:
        return {r["code"]: r for r in csv.DictReader(f)}


def parse(split: str) -> list[dict]:
    known = places(split)
    rows, errors = [], []
    for path in sorted((HERE / "source").glob(f"{split}_*.txt")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            where = f"{path.name}:{n}"
            head, sep, text = line.partition(" | ")
            fields = head.split()
            if not sep or len(fields) != 6 or not text.strip():
                errors.append(f"{where}: expected 'category kind urgent cluster place note | text'")
                continue
            cat, kind, urgent, cluster, place, note = fields
            if cat not in CATEGORIES or kind not in KINDS or urgent not in ("U", "-"):
                errors.append(f"{where}: unknown category, kind or urgent flag: {head}")
            if place != "-" and place not in known:
                errors.append(f"{where}: unknown place {place}")
            if note != "-" and note not in NOTES:
                errors.append(f"{where}: unknown note {note}")
            row = {"text": text.strip(), "category": CATEGORIES.get(cat), "kind": KINDS.get(kind),
                   "urgent": urgent == "U", "cluster": None if cluster == "-" else cluster}
            if place != "-":
                row["place"] = place
            if note != "-":
                row["note"] = note
            rows.append(row)
    if errors:
        sys.exit("\n".join(errors))
    return rows


def trigrams(text: str) -> set[str]:
    s = _PUNCT.sub("", text.lower())
    return {s[i:i + 3] for i in range(max(len(s) - 2, 1))}


def too_close(rows: list[dict], others: list[str]) -> list[str]:
    """Texts of `rows` whose trigram Jaccard with any of `others` exceeds MAX_JACCARD."""
    index: dict[str, list[int]] = defaultdict(list)
    grams = [trigrams(t) for t in others]
    for i, g in enumerate(grams):
        for t in g:
            index[t].append(i)
    out = []
    for r in rows:
        mine = trigrams(r["text"])
        shared = Counter(i for t in mine for i in index.get(t, ()))
        for i, k in shared.items():
            if k / len(mine | grams[i]) > MAX_JACCARD:
                out.append(f"{r['text']}  ~  {others[i]}")
                break
    return out


def check(split: str, rows: list[dict], other_texts: list[str]) -> None:
    problems = []
    sizes = Counter(r["cluster"] for r in rows if r["cluster"])
    problems += [f"cluster {c} has {n} messages" for c, n in sizes.items()
                 if not CLUSTER_SIZE[0] <= n <= CLUSTER_SIZE[1]]
    seen: dict[str, str] = {}
    for r in rows:
        key = _PUNCT.sub("", r["text"].lower())
        if key in seen:
            problems.append(f"duplicate text: {r['text']}")
        seen[key] = r["text"]
    problems += [f"too close to another split or the training data: {p}" for p in too_close(rows, other_texts)]
    if problems:
        sys.exit(f"{split}:\n" + "\n".join(problems))


def english(text: str) -> bool:
    letters = sum(ch.isascii() and ch.isalpha() for ch in text)
    return letters > 0.6 * len(_PUNCT.sub("", text))


def build(split: str, other_texts: list[str]) -> list[dict]:
    prefix, seed = SPLITS[split]
    rows = parse(split)
    check(split, rows, other_texts)
    random.Random(seed).shuffle(rows)  # noqa: S311 (a reproducible order, not a secret)
    return [{"id": f"{prefix}{i:04d}", **r} for i, r in enumerate(rows, 1)]


def stats(split: str, rows: list[dict]) -> str:
    n = len(rows)
    clustered = [r for r in rows if r["cluster"]]
    sizes = Counter(r["cluster"] for r in clustered)
    placed = Counter("compound" if places(split)[r["place"]]["kind"] == "compound" else "community"
                     for r in rows if "place" in r)
    lines = [f"## {split}: {n} messages",
             f"clustered {len(clustered)} ({len(clustered) / n:.1%}) in {len(sizes)} clusters of "
             f"{min(sizes.values())}-{max(sizes.values())} (sizes {sorted(sizes.values(), reverse=True)}); "
             f"gold pairs {sum(k * (k - 1) // 2 for k in sizes.values())}",
             f"urgent {sum(r['urgent'] for r in rows)} ({sum(r['urgent'] for r in rows) / n:.1%}); "
             f"english {sum(english(r['text']) for r in rows)}; place field: compound {placed['compound']}, "
             f"community {placed['community']}, none {n - sum(placed.values())}",
             "category: " + ", ".join(f"{c} {k}" for c, k in Counter(r["category"] for r in rows).most_common()),
             "kind: " + ", ".join(f"{c} {k}" for c, k in Counter(r["kind"] for r in rows).most_common()),
             "notes: " + ", ".join(f"{c} {k}" for c, k in Counter(r.get("note", "-") for r in rows).most_common())]
    return "\n".join(lines)


def seed_texts() -> list[str]:
    out = []
    for name in ("seed_train.jsonl", "seed_test.jsonl", "cluster_eval.jsonl"):
        path = DATA / name
        if path.exists():
            out += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


def main() -> None:
    only_check = "--check" in sys.argv[1:]
    seed = seed_texts()
    sources = {s: [r["text"] for r in parse(s)] for s in SPLITS}
    for split in SPLITS:
        others = seed + [t for s, texts in sources.items() if s != split for t in texts]
        rows = build(split, others)
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        path = HERE / f"{split}.jsonl"
        if only_check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                sys.exit(f"{path.name} does not match its sources: run python3 nlp/data/eval/build.py")
        else:
            path.write_text(text, encoding="utf-8")
        print(stats(split, rows))


if __name__ == "__main__":
    main()
