"""`needs nlp ...`: train, evaluate, predict, cluster, rank hot issues, activate and roll back models.

Stable contracts (JSON Lines on stdin and stdout, one output line per input line):

    needs nlp predict  < {"text": ...}          -> {"category", "kind", "urgent", "confidence", "needs_review"}
    needs nlp cluster  < {"id": ..., "text": ...[, "place", "category"]} -> {"id", "cluster"}
    needs nlp evaluate --dataset F --text-col C [--text-col C2] --label-col L --folds 5
                                                 -> last line `macro_f1=0.xxxx accuracy=0.xxxx`
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import typer

nlp_app = typer.Typer(help="Classifier and clusters.", no_args_is_help=True)


@nlp_app.command("train")
def train(activate: bool = typer.Option(True, help="make the new model the active one")) -> None:
    """Train on the seed set plus workers' corrections; record the version in the database."""
    from core.db import session_scope
    from core.settings import get_settings
    from nlp import dataset, registry
    from nlp.train import TrainingDataError
    from nlp.train import train as fit

    with session_scope() as session:
        examples = dataset.merge(dataset.read_jsonl(dataset.SEED_TRAIN), dataset.corrections(session))
        try:
            path = fit(examples, get_settings().models_dir)
        except TrainingDataError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        row = registry.register(session, path, activate=activate)
        typer.echo(f"trained {row.version} on {len(examples)} examples: {json.dumps(row.metrics)}")


@nlp_app.command("rollback")
def rollback() -> None:
    """Activate the previous model version."""
    from core.db import session_scope
    from nlp import registry

    with session_scope() as session:
        try:
            row = registry.rollback(session)
        except LookupError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        typer.echo(f"active model is now {row.version}")


@nlp_app.command("ensure-model")
def ensure_model() -> None:
    """Train a model only if none is active yet (first run, a fresh deployment) or it is of an older format."""
    from core.db import session_scope
    from nlp.model import ModelFormatError
    from nlp.registry import get_classifier

    with session_scope() as session:
        try:
            clf = get_classifier(session)
        except ModelFormatError as exc:
            typer.echo(f"{exc}: training one now")
            clf = None
    if clf is not None:
        typer.echo(f"active model {clf.version}")
        return
    train(activate=True)


@nlp_app.command("evaluate")
def evaluate(
    dataset: Path | None = typer.Option(None, "--dataset", help="labelled .csv, .xlsx or .jsonl; "
                                        "without it: the active model on the seed test split"),
    text_col: list[str] = typer.Option(["text"], "--text-col", help="text column (repeat to join several)"),
    label_col: str = typer.Option("category", "--label-col"),
    folds: int = typer.Option(5, "--folds", min=2, max=20),
    report: Path | None = typer.Option(None, "--report", help="report directory (default var/reports/...)"),
) -> None:
    """Per-class precision/recall/F1, macro-F1, accuracy, confusion matrix, written as a report with a chart."""
    from core.settings import get_settings
    from nlp import evaluate as ev

    stamp = f"{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}"
    if dataset is not None:
        try:
            texts, labels, dupes = ev.load_table(dataset, text_col, label_col)
            rep = ev.cross_validate(texts, labels, folds=folds)
        except ev.DatasetError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        rep.title = f"{dataset.name}: {folds}-fold cross-validation"
        rep.info = {"n": len(texts), "duplicates_dropped": dupes, **rep.info}
        name = f"eval-{dataset.stem}-{stamp}"
    else:
        from core.db import session_scope
        from nlp.dataset import SEED_TEST, read_jsonl
        from nlp.registry import get_classifier

        with session_scope() as session:
            clf = get_classifier(session)
        if clf is None:
            typer.echo("error: no active model: run `needs nlp train` first", err=True)
            raise typer.Exit(2)
        rep = ev.seed_report(clf, read_jsonl(SEED_TEST))
        name = f"eval-seed-{stamp}"
    out = ev.write_report(rep, report or get_settings().var_dir / "reports" / name)
    m = rep.metrics()
    for lab, s in m["per_class"].items():
        typer.echo(f"{lab:24s} P={s['precision']:.3f} R={s['recall']:.3f} F1={s['f1']:.3f} n={s['support']}")
    typer.echo(f"report: {out / 'report.md'}  ({json.dumps(rep.info, ensure_ascii=False)})")
    typer.echo(f"macro_f1={m['macro_f1']:.4f} accuracy={m['accuracy']:.4f}")


def _read_jsonl_stdin(required: tuple[str, ...]):
    """(line number, object or error message) for every non-empty input line."""
    for n, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("not a JSON object")
            for key in required:
                if not isinstance(obj.get(key), str) or not obj[key].strip():
                    raise ValueError(f"missing or empty {key!r}")
            yield n, obj, None
        except ValueError as exc:
            yield n, None, f"line {n}: {exc}"


@nlp_app.command("predict")
def predict(
    model: Path | None = typer.Option(None, "--model", help="model directory (default: the active model)"),
    keywords: bool = typer.Option(False, "--keywords", help="add keywords to each line"),
    batch: int = typer.Option(2000, "--batch", min=1),
) -> None:
    """JSON Lines with a `text` field on stdin -> one JSON line per input on stdout."""
    from nlp.model import Classifier

    if model is None:
        from core.db import session_scope
        from nlp.registry import get_classifier

        with session_scope() as session:
            clf = get_classifier(session)
        if clf is None:
            typer.echo("error: no active model: run `needs nlp train` or pass --model", err=True)
            raise typer.Exit(2)
    else:
        clf = Classifier(model)
    out = sys.stdout
    pending: list[tuple[dict | None, str | None]] = []
    errors = 0

    def flush() -> None:
        texts = [obj["text"] for obj, _ in pending if obj is not None]
        preds = iter(clf.predict(texts, keywords=keywords))
        for obj, err in pending:
            if obj is None:
                out.write(json.dumps({"error": err}, ensure_ascii=False) + "\n")
                continue
            p = next(preds)
            row = {"category": p.category, "kind": p.kind, "urgent": p.urgent, "confidence": p.confidence,
                   "needs_review": p.needs_review}
            if "id" in obj:
                row = {"id": obj["id"], **row}
            if keywords:
                row["keywords"] = p.keywords
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        pending.clear()

    for _, obj, err in _read_jsonl_stdin(("text",)):
        errors += err is not None
        pending.append((obj, err))
        if len(pending) >= batch:
            flush()
    flush()
    if errors:
        typer.echo(f"{errors} input line(s) could not be read", err=True)


@nlp_app.command("cluster")
def cluster(threshold: float | None = typer.Option(None, "--threshold", help="similarity to join"),
            places: Path | None = typer.Option(None, "--places", help="places table (.csv: code, name, kind, "
                                               "parent, aliases separated by |) to resolve `place` and find "
                                               "place names in the text")) -> None:
    """JSON Lines with `id` and `text` (optional `place`, `category`) on stdin -> {"id", "cluster"} per input line.

    Input order is taken as time order; requests with different places never share a cluster.
    With a places table, a request whose place is neither given nor named in its text stays alone.
    """
    from nlp.benchmark import read_places
    from nlp.cluster import PlaceTable, cluster_texts

    table = None
    if places is not None:
        try:
            table = PlaceTable.from_rows(read_places(places))
        except (OSError, KeyError, ValueError) as exc:
            typer.echo(f"error: cannot read the places table {places}: {exc}", err=True)
            raise typer.Exit(2) from exc
    rows, bad = [], []
    for n, obj, err in _read_jsonl_stdin(("text",)):
        if obj is not None and "id" not in obj:
            obj, err = None, f"line {n}: missing 'id'"
        rows.append((obj, err))
        bad += [err] if err else []
    good = [obj for obj, _ in rows if obj is not None]
    labels = iter(cluster_texts([o["text"] for o in good], [_label(o.get("place")) for o in good],
                                threshold=threshold, table=table,
                                categories=[_label(o.get("category")) for o in good]))
    for obj, err in rows:
        line = {"error": err} if obj is None else {"id": obj["id"], "cluster": next(labels)}
        sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
    if bad:
        typer.echo(f"{len(bad)} input line(s) could not be read", err=True)


def _label(value) -> str | None:
    """An optional field as a plain label (a place may come as a number)."""
    return None if value is None or isinstance(value, dict | list) else str(value)


@nlp_app.command("benchmark")
def benchmark(
    split: list[str] = typer.Option(["val", "test"], "--split", help="val or test (repeat for both)"),
    model: Path | None = typer.Option(None, "--model", help="model directory (default: the active model; "
                                      "without one, clusters only)"),
) -> None:
    """Category, kind, urgency and cluster figures on the independent evaluation splits (nlp/data/eval)."""
    from nlp import benchmark as bm
    from nlp.model import Classifier

    bad = [s for s in split if s not in bm.SPLITS]
    if bad:
        typer.echo(f"error: unknown split {bad[0]!r}: one of {', '.join(bm.SPLITS)}", err=True)
        raise typer.Exit(2)
    clf = Classifier(model) if model is not None else None
    if clf is None:
        try:
            from core.db import session_scope
            from nlp.registry import get_classifier

            with session_scope() as session:
                clf = get_classifier(session)
        except Exception as exc:  # no database yet: clusters can still be scored
            typer.echo(f"no active model ({exc.__class__.__name__}): clusters only", err=True)
    results = [bm.run(s, clf) for s in split]
    if clf is not None:
        typer.echo(f"model {clf.version}")
    typer.echo(bm.table(results))
    for r in results:
        typer.echo(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()}))


@nlp_app.command("recluster")
def recluster() -> None:
    """Re-cluster all open requests in batch (requests placed by a worker stay where they are)."""
    from core.db import session_scope
    from nlp.cluster import recluster as run

    with session_scope() as session:
        typer.echo(json.dumps(run(session)))


@nlp_app.command("hot")
def hot(
    limit: int = typer.Option(10, "--limit", min=1, max=200),
    dataset: Path | None = typer.Option(None, "--dataset", help="rank a CSV of messages instead of the database"),
    text_col: list[str] = typer.Option(["title", "detail"], "--text-col"),
    user_col: str = typer.Option("user", "--user-col"),
    time_col: str = typer.Option("time", "--time-col"),
    likes_col: str | None = typer.Option("likes", "--likes-col", help="'' to ignore likes"),
    half_life: float = typer.Option(0.0, "--half-life", help="days; 0: no recency decay (historical data)"),
    members: int = typer.Option(3, "--members", help="messages to show per issue"),
    threshold: float = typer.Option(0.3, "--threshold", help="similarity to join (dataset mode: long letters "
                                    "share more words than one-line requests)"),
) -> None:
    """The hot-issue ranking (heat index in nlp/heat.py)."""
    from nlp import heat

    if dataset is None:
        from core.db import session_scope

        with session_scope() as session:
            for i, h in enumerate(heat.rank(session, limit), 1):
                typer.echo(f"{i:2d}. heat={h.heat:.1f} supporters={h.supporters:g} requests={h.requests} "
                           f"#{h.cluster_id} {h.title} [{', '.join(h.keywords)}]")
        return
    import csv

    with dataset.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    # the first column (a subject line) counts twice: it names the issue more densely than the letter
    texts = ["\n".join([r[text_col[0]], *(r[c] for c in text_col if r.get(c))]) for r in rows]
    times = [dt.datetime.fromisoformat(r[time_col].strip()) for r in rows]
    likes = [int(float(r[likes_col] or 0)) for r in rows] if likes_col else None
    ranked = heat.rank_rows(texts, [r[user_col] for r in rows], times, likes, limit=limit,
                            half_life=half_life or None, threshold=threshold, batch_idf=True)
    for i, h in enumerate(ranked, 1):
        typer.echo(f"{i:2d}. heat={h.heat:.0f} messages={h.requests} supporters={h.supporters:g} "
                   f"last={h.last_at:%Y-%m-%d} [{', '.join(h.keywords)}]")
        for idx in h.members[:members]:
            r = rows[idx]
            typer.echo(f"      {r.get('id', idx)} ({r.get(likes_col, '') if likes_col else ''}) {r[text_col[0]][:60]}")


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `needs` app."""
    app.add_typer(nlp_app, name="nlp")
    app.command("train", help="Train the classifier and make it the active model (same as `needs nlp train`).")(train)
