"""Commands this package adds to `needs` (collected by core.cli)."""

import typer


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `needs` app."""
