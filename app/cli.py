"""The `needs` command."""

from __future__ import annotations

import typer

app = typer.Typer(help="community-needs: hear what residents need and spend public money on it.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _register_subcommands() -> None:
    """Each package adds its own commands (admin: user, nlp: nlp/train, bot: bot, survey: survey)."""
    import admin.cli
    import bot.cli
    import nlp.cli
    import survey.cli

    for package_cli in (admin.cli, nlp.cli, bot.cli, survey.cli):
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


_register_subcommands()


if __name__ == "__main__":
    app()
