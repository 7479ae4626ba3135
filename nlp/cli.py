"""`needs nlp ...`: train, activate and roll back models."""

from __future__ import annotations

import json

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
    """Train a model only if none is active yet (first run, a fresh deployment)."""
    from core.db import session_scope
    from nlp.registry import get_classifier

    with session_scope() as session:
        clf = get_classifier(session)
    if clf is not None:
        typer.echo(f"active model {clf.version}")
        return
    train(activate=True)


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `needs` app."""
    app.add_typer(nlp_app, name="nlp")
    app.command("train", help="Train the classifier and make it the active model (same as `needs nlp train`).")(train)
