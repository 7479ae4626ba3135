"""`needs user ...`: staff accounts."""

from __future__ import annotations

import typer

user_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)


@user_app.command("create")
def create(
    username: str = typer.Option(..., "--username"),
    password: str = typer.Option(..., "--password", prompt=True, hide_input=True),
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


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `needs` app."""
    app.add_typer(user_app, name="user")
