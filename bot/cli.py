"""Commands this package adds to `needs` (collected by app.cli).

Usage:
    needs bot --framework aiogram                  # long polling + outbox delivery
    needs bot --framework ptb --deliver-only       # webhook deployments: only deliver notifications
    needs bot --framework ptb --set-webhook https://needs.example.org/telegram/webhook/ptb
"""

from __future__ import annotations

import asyncio
import logging
import signal

import typer

log = logging.getLogger(__name__)


def register(app: typer.Typer) -> None:
    """Add this package's commands to the `needs` app."""

    @app.command("bot")
    def bot_command(
        framework: str = typer.Option("aiogram", help="aiogram | ptb"),
        set_webhook: str = typer.Option("", help="register this webhook URL (with TELEGRAM_WEBHOOK_SECRET) and exit"),
        deliver_only: bool = typer.Option(False, help="no polling (webhook mode): only deliver queued messages"),
        poll_timeout: int = typer.Option(25, help="seconds a getUpdates long poll may wait"),
        outbox_interval: float = typer.Option(2.0, help="seconds between outbox checks"),
    ) -> None:
        """Run the Telegram bot by long polling (TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL)."""
        from bot.telegram import make_adapter
        from core.settings import get_settings

        settings = get_settings()
        logging.basicConfig(level=settings.log_level)
        if framework not in ("aiogram", "ptb"):
            raise typer.BadParameter("use aiogram or ptb", param_hint="--framework")
        if not settings.telegram_bot_token:
            typer.echo("TELEGRAM_BOT_TOKEN is not set", err=True)
            raise typer.Exit(2)

        async def main() -> None:
            adapter = make_adapter(framework)
            if set_webhook:
                if not settings.telegram_webhook_secret:
                    typer.echo("TELEGRAM_WEBHOOK_SECRET is not set: a webhook without it would accept forged updates",
                               err=True)
                    raise typer.Exit(2)
                try:
                    await adapter.set_webhook(set_webhook, settings.telegram_webhook_secret)
                finally:
                    await adapter.close()
                typer.echo(f"webhook set to {set_webhook}")
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            typer.echo(f"bot running on {framework} against {adapter.api_base}"
                       f" ({'delivery only' if deliver_only else 'long polling'})")
            await adapter.run(stop, poll_timeout=poll_timeout, outbox_interval=outbox_interval,
                              polling=not deliver_only)

        asyncio.run(main())
