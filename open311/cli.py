"""`needs api-key ...`: keys of the Open311 API's client applications."""

from __future__ import annotations

import typer

key_app = typer.Typer(help="API keys of Open311 client applications.", no_args_is_help=True)


@key_app.command("create")
def create(name: str = typer.Option(..., "--name", help="the client application, e.g. city-app")) -> None:
    """Create a key; it is printed once, alone on the last line, and never shown again."""
    from core.db import session_scope
    from open311.keys import ApiKeyError, create_key

    with session_scope() as session:
        try:
            key, raw = create_key(session, name)
        except ApiKeyError as exc:
            typer.echo(f"error: {exc.code.replace('_', ' ')} {exc.params.get('name', '')}".rstrip(), err=True)
            raise typer.Exit(2) from exc
        typer.echo(f"created API key {key.name!r} (begins {key.prefix}); it is shown only this once:")
        typer.echo(raw)


@key_app.command("list")
def list_() -> None:
    """Every key: name, first characters, created, last used, revoked."""
    from core.db import session_scope
    from core.localtime import format_local
    from open311.keys import list_keys

    def when(value) -> str:
        return format_local(value) or "-"

    with session_scope() as session:
        rows = list_keys(session)
        if not rows:
            typer.echo("no API keys")
        for k in rows:
            state = f"revoked {when(k.revoked_at)}" if k.revoked_at else "active"
            typer.echo(f"{k.name}\t{k.prefix}…\tcreated {when(k.created_at)}\tlast used {when(k.last_used_at)}\t{state}")


@key_app.command("revoke")
def revoke(name: str = typer.Argument(..., help="the key's name")) -> None:
    """Revoke a key at once."""
    from core.db import session_scope
    from open311.keys import ApiKeyError, key_by_name, revoke_key

    with session_scope() as session:
        try:
            key = revoke_key(session, key_by_name(session, name))
        except ApiKeyError as exc:
            typer.echo(f"error: {exc.code.replace('_', ' ')}: {name}", err=True)
            raise typer.Exit(2) from exc
        typer.echo(f"revoked API key {key.name!r}")


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `needs` app."""
    app.add_typer(key_app, name="api-key")
