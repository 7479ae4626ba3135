"""The `needs` command.

Every command that needs the database or the model says in one line what is wrong and what to run
(exit status 2) when the database is missing, unreachable or not migrated, or no model is active:
the checks are in core/readiness.py, applied here once for all commands.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer
from typer.core import TyperGroup

# These create or migrate the database themselves: no schema check before them.
SETS_UP_DATABASE = {"db", "setup", "demo"}


class NeedsGroup(TyperGroup):
    """The top-level group: a command stopped by the database or the model ends with one line, not a traceback."""

    def invoke(self, ctx):
        from sqlalchemy.exc import DBAPIError

        from core.readiness import NotReady
        from nlp.model import ModelFormatError

        try:
            return super().invoke(ctx)
        except NotReady as exc:
            _fail(str(exc))
        except ModelFormatError as exc:
            _fail(f"{exc}")
        except DBAPIError as exc:
            problem = _database_problem(exc)
            if problem is None:
                raise
            _fail(str(problem))


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _database_problem(exc: Exception):
    """A database error as the person should read it (unreachable, not migrated); None for any other."""
    from core.db import get_engine
    from core.readiness import NotReady, check_database, is_database_error

    if not is_database_error(exc):
        return None
    try:
        check_database(get_engine())
    except NotReady as problem:
        return problem
    return None


app = typer.Typer(cls=NeedsGroup, help="community-needs: hear what residents need and spend public money on it.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.callback()
def _check_first(ctx: typer.Context) -> None:
    """community-needs: hear what residents need and spend public money on it."""
    if ctx.invoked_subcommand not in SETS_UP_DATABASE:
        from core.db import get_engine
        from core.readiness import watch

        watch(get_engine())  # checked on the first connection: commands without a database run as before


def _register_subcommands() -> None:
    """Each package adds its own commands (admin: user, nlp: nlp/train, bot: bot, survey: survey)."""
    import admin.cli
    import bot.cli
    import nlp.cli
    import open311.cli
    import survey.cli

    for package_cli in (admin.cli, nlp.cli, bot.cli, survey.cli, open311.cli):
        package_cli.register(app)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("heads")) -> None:
    """Apply migrations and load the default categories."""
    from core.db import get_engine, session_scope
    from core.migrate import upgrade
    from core.taxonomy import sync_categories

    upgrade(get_engine(), revision)
    with session_scope() as session:
        added = sync_categories(session)
    typer.echo(f"database at {get_engine().url.render_as_string(hide_password=True)} is up to date"
               f" ({added} categories added)")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="target revision, e.g. base or -1")) -> None:
    """Revert migrations."""
    from core.db import get_engine
    from core.migrate import downgrade

    downgrade(get_engine(), revision)
    typer.echo(f"downgraded to {revision}")


@db_app.command("current")
def db_current() -> None:
    """Show the applied revision(s)."""
    from core.db import get_engine
    from core.migrate import current_heads, script_heads

    typer.echo(f"applied: {sorted(current_heads(get_engine()))}  latest: {sorted(script_heads())}")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          reload: bool = typer.Option(False, help="restart on code changes (development)")) -> None:
    """Run the web app (public form, API, admin)."""
    import uvicorn

    from core.db import get_engine
    from core.readiness import check_database

    check_database(get_engine())  # refuse to start on a database that is missing or not migrated

    # the app reads X-Forwarded-For itself, from TRUSTED_PROXIES only (core.deps.client_ip): uvicorn's
    # own rewriting would trust any client on 127.0.0.1
    uvicorn.run("app.main:create_app", factory=True, host=host, port=port, workers=workers,
                reload=reload, proxy_headers=False)


@app.command()
def demo(requests: int = typer.Option(3000, help="how many demo requests to create"),
         seed: int = typer.Option(7, help="random seed")) -> None:
    """Seed a fictional street with communities, staff, organizations and six months of requests."""
    from app.demo import seed_demo

    summary = seed_demo(n_requests=requests, seed=seed, echo=typer.echo)
    typer.echo(summary)


PASSWORD_ENV = "NEEDS_ADMIN_PASSWORD"  # noqa: S105 (the name of a variable, not a password)


@app.command()
def setup(
    admin: str | None = typer.Option(None, "--admin", help="the first administrator's username"),
    password_file: Path | None = typer.Option(None, "--password-file", help=f"read the admin's password from "
                                              f"this file (or set {PASSWORD_ENV}); else it is asked twice"),
    street: str | None = typer.Option(None, "--street", help="the street's name, e.g. 青枫街道"),
    street_code: str | None = typer.Option(None, "--street-code", help="its code, the parent_code of its "
                                           "communities in a places file (default ST)"),
    time_zone: str | None = typer.Option(None, "--time-zone", help="IANA time zone (default Asia/Shanghai)"),
    yes: bool = typer.Option(False, "--yes", "-y", help="ask nothing: every answer comes from the options"),
) -> None:
    """First run of a real deployment: migrate, make sure a model is active, create the first admin,
    name the street and its time zone. Running it again changes nothing."""
    from app import first_run

    plan = first_run.Plan(admin=admin, street=street, street_code=street_code, time_zone=time_zone)
    try:
        state = first_run.inspect()
        plan.fill_defaults(state)
        if not yes:
            plan.ask(state, typer.prompt)
        plan.password = None if state.admin_exists(plan.admin) else _password(password_file, yes)
        plan.check()
        if not yes:
            typer.echo(plan.describe(state))
            typer.confirm("Set up now?", default=True, abort=True)
        for line in first_run.run(plan):
            typer.echo(line)
    except first_run.SetupError as exc:
        _fail(str(exc))


def _password(path: Path | None, yes: bool) -> str:
    """From a file, the environment, or typed twice without echo."""
    from app.first_run import SetupError

    if path is not None:
        try:
            return path.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise SetupError(f"cannot read the password file {path}: {exc.strerror}") from exc
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if yes:
        raise SetupError(f"--yes needs the admin's password: --password-file FILE or {PASSWORD_ENV}")
    return typer.prompt("Password for the admin (at least 8 characters)", hide_input=True,
                        confirmation_prompt=True)


_register_subcommands()


if __name__ == "__main__":
    app()
