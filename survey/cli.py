"""`needs survey ...`: import, export, publish and close surveys; personal links."""

from __future__ import annotations

import json
from pathlib import Path

import typer

survey_app = typer.Typer(help="Web surveys.", no_args_is_help=True)


def _find(session, slug: str):
    from sqlmodel import select

    from core.models import Survey

    survey = session.exec(select(Survey).where(Survey.slug == slug)).first()
    if survey is None:
        typer.echo(f"error: no survey {slug!r}", err=True)
        raise typer.Exit(2)
    return survey


@survey_app.command("import")
def import_(file: Path = typer.Argument(..., exists=True, dir_okay=False, help="definition file (.json)"),
            publish: bool = typer.Option(False, "--publish", help="open it at once"),
            replace: bool = typer.Option(False, "--replace", help="replace the definition of a survey of the same slug")
            ) -> None:
    """Create (or replace) a survey from a definition file."""
    from sqlmodel import select

    from core.db import session_scope
    from core.models import Survey
    from survey.io import apply_definition, parse_definition
    from survey.service import SurveyError

    with session_scope() as session:
        try:
            definition = parse_definition(file.read_bytes())
            existing = session.exec(select(Survey).where(Survey.slug == definition.slug)).first()
            survey = apply_definition(session, definition, existing if replace else None)
        except SurveyError as exc:
            typer.echo(f"error: {exc.message('en')}", err=True)
            raise typer.Exit(2) from exc
        if publish:
            survey.status = "open"
        session.add(survey)
        session.commit()
        typer.echo(f"survey {survey.slug!r} (id {survey.id}) {survey.status}, {len(survey.questions)} questions")


@survey_app.command("export")
def export(slug: str, output: Path | None = typer.Option(None, "-o", "--output", help="file (default: stdout)")) -> None:
    """Write a survey's definition as JSON."""
    from core.db import session_scope
    from survey.io import export_definition

    with session_scope() as session:
        text = json.dumps(export_definition(session, _find(session, slug)), ensure_ascii=False, indent=2) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}")
    else:
        typer.echo(text, nl=False)


@survey_app.command("publish")
def publish(slug: str | None = typer.Argument(None),
            templates: bool = typer.Option(False, "--templates", help="publish the three ready templates")) -> None:
    """Open a survey for answers (or publish the ready templates)."""
    from core.db import session_scope
    from survey.io import publish_templates

    with session_scope() as session:
        if templates:
            for s in publish_templates(session):
                typer.echo(f"{s.slug}: {s.status} (id {s.id})")
            return
        if not slug:
            typer.echo("error: give a survey slug or --templates", err=True)
            raise typer.Exit(2)
        survey = _find(session, slug)
        survey.status = "open"
        session.add(survey)
        session.commit()
        typer.echo(f"{survey.slug}: open")


@survey_app.command("close")
def close(slug: str) -> None:
    """Stop taking answers."""
    from core.db import session_scope

    with session_scope() as session:
        survey = _find(session, slug)
        survey.status = "closed"
        session.add(survey)
        session.commit()
        typer.echo(f"{survey.slug}: closed")


@survey_app.command("links")
def links(slug: str, base_url: str = typer.Option(..., help="public root, e.g. https://needs.example.org"),
          start: int = typer.Option(1, min=1), count: int = typer.Option(100, min=1, max=100_000)) -> None:
    """Personal one-response links (CSV) for a one-response-per-resident survey."""
    from urllib.parse import urlencode

    from core.db import session_scope
    from survey.io import make_token

    with session_scope() as session:
        survey = _find(session, slug)
        typer.echo("number,url")
        for n in range(start, start + count):
            typer.echo(f"{n},{base_url.rstrip('/')}/s/{survey.slug}?{urlencode({'t': make_token(survey.id, n)})}")


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `needs` app."""
    app.add_typer(survey_app, name="survey")
