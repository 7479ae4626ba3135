"""`needs user ...`, `needs places import`, `needs import requests`: staff accounts and the street's own data.

Contracts (scripts rely on them):

    needs places import FILE [--dry-run]
        refused rows as `row N: reason`, last line `created=N updated=N unchanged=N refused=N`
    needs import requests FILE [--dry-run] [--column FIELD=HEADER ...]
        refused rows as `row N: reason`, last line `created=N unchanged=N refused=N`
"""

from __future__ import annotations

from pathlib import Path

import typer

user_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
places_app = typer.Typer(help="The street's communities, compounds and grids.", no_args_is_help=True)
import_app = typer.Typer(help="Bring existing records in.", no_args_is_help=True)


@user_app.command("create")
def create(
    username: str = typer.Option(..., "--username"),
    password: str = typer.Option(..., "--password", prompt=True, hide_input=True, confirmation_prompt=True),
    role: str = typer.Option(..., "--role", help="admin | worker | org"),
    community: list[str] = typer.Option([], "--community", help="community code or name (workers)"),
    org: str | None = typer.Option(None, "--org", help="organization name (org viewers)"),
) -> None:
    """Create a staff account."""
    from core.accounts import create_user
    from core.db import session_scope

    with session_scope() as session:
        try:
            user = create_user(session, username, password, role, communities=community, org=org)
        except ValueError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        typer.echo(f"created {user.role} {user.username!r} (id {user.id})")


def _readable(path: Path) -> Path:
    if not path.is_file():
        typer.echo(f"error: no file {path}", err=True)
        raise typer.Exit(2)
    return path


@places_app.command("import")
def places_import(file: Path = typer.Argument(..., help="CSV or XLSX: kind,name,code,parent_code,aliases"),
                  dry_run: bool = typer.Option(False, "--dry-run", help="check and report; write nothing")) -> None:
    """Add and update places from a file (parents before children, whatever the row order)."""
    from admin.places_import import import_places
    from admin.tabular import TableError
    from core.db import session_scope

    with session_scope() as session:
        session.connection()  # the database is checked before the file is read
        try:
            report = import_places(session, _readable(file), dry_run=dry_run)
        except TableError as exc:
            typer.echo(f"error: {file}: {exc}", err=True)
            raise typer.Exit(2) from exc
    for row, reason in report.reasons("en"):
        typer.echo(f"row {row}: {reason}")
    if dry_run:
        typer.echo("dry run: nothing was written; without --dry-run the import does this:")
    typer.echo(report.summary())


@import_app.command("requests")
def import_requests(
    file: Path = typer.Argument(..., help="CSV or XLSX of existing work orders"),
    dry_run: bool = typer.Option(False, "--dry-run", help="check every row and report; write nothing"),
    column: list[str] = typer.Option([], "--column", help="FIELD=HEADER: text, created_at, place, category, "
                                     "status, reply, contact, external_id (FIELD= leaves a field out)"),
) -> None:
    """Import requests a street already has (ledgers, hotline exports) through the intake service."""
    import gc

    from admin.records_import import ColumnError, parse_columns

    try:
        columns = parse_columns(column)
    except ColumnError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    _readable(file)
    # the clusters' index grows by millions of small objects: collecting garbage as often as usual costs 13%
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        report = _import(file, columns, dry_run)
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
    for refusal in report.refused:
        typer.echo(f"row {refusal.row}: {refusal.message('en')}")
    if report.created:
        span = f" from {report.first:%Y-%m-%d} to {report.last:%Y-%m-%d}" if report.first else ""
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(report.statuses.items()))
        typer.echo(f"{'would create' if dry_run else 'created'} {report.created} requests{span} ({statuses})")
    if dry_run:
        typer.echo("dry run: nothing was written; without --dry-run the import does this:")
    typer.echo(report.summary())


def _import(file: Path, columns: dict[str, str], dry_run: bool):
    from admin.records_import import import_records
    from admin.tabular import TableError
    from core.db import session_scope

    with session_scope() as session:
        session.connection()  # the database is checked before the file is read
        if not dry_run:
            _require_model(session)
        bar = _ProgressBar()
        try:
            report = import_records(session, file, columns=columns, dry_run=dry_run, progress=bar.update,
                                    parallel=True)
        except TableError as exc:
            typer.echo(f"error: {file}: {exc}", err=True)
            raise typer.Exit(2) from exc
        finally:
            bar.close()
    return report


class _ProgressBar:
    """A progress bar on stderr (stdout stays the report, for scripts), shown once rows are read."""

    def __init__(self):
        self.bar = None

    def update(self, done: int, total: int | None) -> None:
        import sys

        if self.bar is None:
            self.bar = typer.progressbar(length=max(total or done, 1), label="rows", file=sys.stderr).__enter__()
        self.bar.length = max(total or done, 1)
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _require_model(session) -> None:
    from core.readiness import ModelMissing
    from nlp.registry import get_classifier

    if get_classifier(session) is None:
        raise ModelMissing()


def supervise(every: int = typer.Option(0, "--every", help="repeat every N seconds (0: once)")) -> None:
    """督办: escalate overdue requests, telling on-duty staff once per missed deadline (idempotent)."""
    import time

    from admin.supervision import escalate
    from core.db import session_scope

    while True:
        total = 0
        with session_scope() as session:
            while n := escalate(session):  # in batches, until none is left
                total += n
        typer.echo(f"escalated {total} overdue request(s)")
        if every <= 0:
            return
        time.sleep(every)


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `needs` app."""
    app.add_typer(user_app, name="user")
    app.command("supervise")(supervise)
    app.add_typer(places_app, name="places")
    app.add_typer(import_app, name="import")
