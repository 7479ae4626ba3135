"""Training examples: the seed set shipped in nlp/data plus workers' corrections from the database."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
SEED_TRAIN = DATA / "seed_train.jsonl"
SEED_TEST = DATA / "seed_test.jsonl"


@dataclass(frozen=True)
class Example:
    text: str
    category: str
    kind: str
    urgent: bool
    source: str = "seed"


def read_jsonl(path: Path) -> list[Example]:
    out = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                out.append(Example(row["text"], row["category"], row["kind"], bool(row["urgent"])))
    return out


def corrections(session) -> list[Example]:
    """Requests whose category or urgent flag a worker corrected (core.training): their labels are training data."""
    from sqlmodel import col, select

    from core.models import ServiceRequest
    from core.training import corrected_requests

    stmt = (
        select(ServiceRequest)
        .where(col(ServiceRequest.id).in_(corrected_requests()))
        .where(col(ServiceRequest.category_code).is_not(None))
    )
    return [
        Example(r.text, r.category_code, r.kind or "need", r.urgent, source="correction")
        for r in session.exec(stmt)
    ]


def merge(seed: list[Example], corrected: list[Example]) -> list[Example]:
    """A worker's correction outranks the seed label for the same text."""
    by_text = {e.text: e for e in seed}
    by_text.update({e.text: e for e in corrected})
    return list(by_text.values())


def data_hash(examples: list[Example]) -> str:
    h = hashlib.sha256()
    for e in sorted(examples, key=lambda e: e.text):
        h.update(f"{e.text}\t{e.category}\t{e.kind}\t{int(e.urgent)}\n".encode())
    return h.hexdigest()
