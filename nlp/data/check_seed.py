"""Validate the labelled seed data set and print its counts.

Usage:
    python nlp/data/check_seed.py            # checks the files next to this script
    python nlp/data/check_seed.py DATA_DIR

Checks seed_train.jsonl / seed_test.jsonl (keys, allowed labels, unique ids and texts across both
files, at least MIN_TRAIN_PER_CATEGORY per category in train, test share per category), plus the
format of user_dict.txt and stopwords.txt. Standard library only; exits 1 on any violation.
"""
from __future__ import annotations

import collections
import json
import re
import sys
import unicodedata
from pathlib import Path

CATEGORIES = (
    "elderly_care", "child_youth", "disability", "health", "facility_repair", "environment",
    "parking_traffic", "safety", "culture_sports", "employment", "legal_mediation",
    "social_assistance", "property_management", "convenience", "participation", "other",
)
KINDS = ("need", "complaint", "suggestion", "inquiry", "praise")
KEYS = {"id", "text", "category", "kind", "urgent", "style"}
MIN_TRAIN_PER_CATEGORY = 120
MIN_TOTAL = 3000
MIN_PRAISE = 60
URGENT_SHARE = (0.05, 0.08)
TEST_SHARE = (0.15, 0.25)  # per category and overall, over the records split from the same pool
TRAINING_ONLY = "intake"  # style of the x_*.py texts: training data by design, never in the test split
STYLE_RE = re.compile(r"^[a-z][a-z0-9_]{1,30}$")
DICT_LINE_RE = re.compile(r"^(\S+)( \d+)?( [a-z]+)?$")


def load_jsonl(path: Path, errors: list[str]) -> list[dict]:
    rows: list[dict] = []
    if not path.exists():
        errors.append(f"{path.name}: missing")
        return rows
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                errors.append(f"{path.name}:{lineno}: blank line")
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                errors.append(f"{path.name}:{lineno}: invalid JSON ({exc})")
                continue
            if "\\u" in line:
                errors.append(f"{path.name}:{lineno}: escaped unicode; write with ensure_ascii=False")
            row["_where"] = f"{path.name}:{lineno}"
            rows.append(row)
    return rows


def check_row(row: dict, errors: list[str]) -> None:
    where = row["_where"]
    keys = set(row) - {"_where"}
    if keys != KEYS:
        errors.append(f"{where}: keys {sorted(keys)} != {sorted(KEYS)}")
        return
    if not isinstance(row["id"], str) or not row["id"]:
        errors.append(f"{where}: id must be a non-empty string")
    if not isinstance(row["text"], str) or not row["text"].strip():
        errors.append(f"{where}: empty text")
    elif row["text"] != row["text"].strip():
        errors.append(f"{where}: text has leading/trailing whitespace")
    if row["category"] not in CATEGORIES:
        errors.append(f"{where}: unknown category {row['category']!r}")
    if row["kind"] not in KINDS:
        errors.append(f"{where}: unknown kind {row['kind']!r}")
    if not isinstance(row["urgent"], bool):
        errors.append(f"{where}: urgent must be true/false, got {row['urgent']!r}")
    if not isinstance(row["style"], str) or not STYLE_RE.match(row["style"]):
        errors.append(f"{where}: bad style tag {row['style']!r}")


def norm_text(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def table(title: str, counters: dict[str, collections.Counter], order) -> str:
    names = list(counters)
    width = max([len(str(k)) for k in order] + [len(title)])
    lines = [f"{title:<{width}} " + " ".join(f"{n:>7}" for n in names)]
    for key in order:
        lines.append(f"{str(key):<{width}} " + " ".join(f"{counters[n][key]:>7}" for n in names))
    lines.append(f"{'total':<{width}} " + " ".join(f"{sum(counters[n].values()):>7}" for n in names))
    return "\n".join(lines)


def check_wordlists(data_dir: Path, errors: list[str]) -> tuple[int, int]:
    n_dict = n_stop = 0
    path = data_dir / "user_dict.txt"
    if not path.exists():
        errors.append("user_dict.txt: missing")
    else:
        seen = set()
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not DICT_LINE_RE.match(line):
                errors.append(f"user_dict.txt:{lineno}: not 'word [freq] [tag]': {line!r}")
                continue
            word = line.split()[0]
            if word in seen:
                errors.append(f"user_dict.txt:{lineno}: duplicate word {word}")
            seen.add(word)
            n_dict += 1
        if n_dict < 300:
            errors.append(f"user_dict.txt: {n_dict} terms, want at least 300")
    path = data_dir / "stopwords.txt"
    if not path.exists():
        errors.append("stopwords.txt: missing")
    else:
        seen = set()
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line != line.strip() or " " in line:
                errors.append(f"stopwords.txt:{lineno}: one word per line, no spaces: {line!r}")
                continue
            if line in seen:
                errors.append(f"stopwords.txt:{lineno}: duplicate {line}")
            seen.add(line)
            n_stop += 1
    return n_dict, n_stop


def main(argv: list[str]) -> int:
    data_dir = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    errors: list[str] = []
    splits = {name: load_jsonl(data_dir / f"seed_{name}.jsonl", errors) for name in ("train", "test")}
    for rows in splits.values():
        for row in rows:
            check_row(row, errors)

    ids: dict[str, str] = {}
    texts: dict[str, str] = {}
    for rows in splits.values():
        for row in rows:
            if set(row) - {"_where"} != KEYS:
                continue
            if row["id"] in ids:
                errors.append(f"{row['_where']}: duplicate id {row['id']} (first at {ids[row['id']]})")
            ids.setdefault(row["id"], row["_where"])
            key = norm_text(row["text"])
            if key in texts:
                errors.append(f"{row['_where']}: duplicate text (first at {texts[key]}): {row['text'][:40]}")
            texts.setdefault(key, row["_where"])

    valid = {n: [r for r in rows if set(r) - {"_where"} == KEYS] for n, rows in splits.items()}
    cat = {n: collections.Counter(r["category"] for r in rows) for n, rows in valid.items()}
    kind = {n: collections.Counter(r["kind"] for r in rows) for n, rows in valid.items()}
    urgent = {n: collections.Counter(("urgent" if r["urgent"] else "not_urgent") for r in rows)
              for n, rows in valid.items()}
    style = {n: collections.Counter(r["style"] for r in rows) for n, rows in valid.items()}
    urgent_cat = {n: collections.Counter(r["category"] for r in rows if r["urgent"])
                  for n, rows in valid.items()}
    total = len(valid["train"]) + len(valid["test"])

    pooled = collections.Counter(r["category"] for r in valid["train"] if r["style"] != TRAINING_ONLY)
    for c in CATEGORIES:
        if cat["train"][c] < MIN_TRAIN_PER_CATEGORY:
            errors.append(f"train: {c} has {cat['train'][c]} requests, want >= {MIN_TRAIN_PER_CATEGORY}")
        both = pooled[c] + cat["test"][c]
        if both and not TEST_SHARE[0] <= cat["test"][c] / both <= TEST_SHARE[1]:
            errors.append(f"test share of {c} is {cat['test'][c] / both:.2f}, want {TEST_SHARE}")
    for k in KINDS:
        if kind["train"][k] + kind["test"][k] == 0:
            errors.append(f"kind {k} never used")
    if total < MIN_TOTAL:
        errors.append(f"{total} requests in all, want >= {MIN_TOTAL}")
    if total:
        share = (urgent["train"]["urgent"] + urgent["test"]["urgent"]) / total
        if not URGENT_SHARE[0] <= share <= URGENT_SHARE[1]:
            errors.append(f"urgent share {share:.3f} outside {URGENT_SHARE}")
        split_total = sum(pooled.values()) + len(valid["test"])
        if not TEST_SHARE[0] <= len(valid["test"]) / split_total <= TEST_SHARE[1]:
            errors.append(f"test share {len(valid['test']) / split_total:.2f} outside {TEST_SHARE}")
    if kind["train"]["praise"] + kind["test"]["praise"] < MIN_PRAISE:
        errors.append(f"fewer than {MIN_PRAISE} praise requests")
    if urgent["test"]["urgent"] == 0:
        errors.append("no urgent request in test")

    n_dict, n_stop = check_wordlists(data_dir, errors)

    print(f"seed data in {data_dir}: train {len(valid['train'])}, test {len(valid['test'])}, "
          f"total {total}; user_dict {n_dict} terms; stopwords {n_stop}\n")
    print(table("category", cat, CATEGORIES), "\n")
    print(table("kind", kind, KINDS), "\n")
    print(table("urgent", urgent, ("urgent", "not_urgent")), "\n")
    print(table("urgent by category", urgent_cat, [c for c in CATEGORIES
                                                   if urgent_cat["train"][c] + urgent_cat["test"][c]]), "\n")
    styles = sorted(set(style["train"]) | set(style["test"]),
                    key=lambda s: -(style["train"][s] + style["test"][s]))
    print(table("style", style, styles), "\n")

    if errors:
        print(f"FAILED: {len(errors)} problem(s)", file=sys.stderr)
        for e in errors[:50]:
            print("  " + e, file=sys.stderr)
        if len(errors) > 50:
            print(f"  ... and {len(errors) - 50} more", file=sys.stderr)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
