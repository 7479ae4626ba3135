"""Settings, read once from the environment and an optional `.env` file."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: str = Field("development", description="development | production | test")
    var_dir: Path = Field(PROJECT_ROOT / "var", description="where the database, secret and models live")
    database_url: str = Field("", description="SQLAlchemy URL; default is an SQLite file in var/")
    database_pool_size: int = Field(40, ge=1, le=1000, description=(
        "PostgreSQL connections each process keeps open: one per web thread (40), so that a busy "
        "server does not open and close one a request, and a quarter more under load; processes × 1.25 × "
        "this must stay below the server's max_connections"))
    secret_key: str = Field("", description="signs sessions and CSRF tokens; generated into var/ if unset")
    model_path: Path | None = Field(None, description="force a model directory instead of the active version")
    log_level: str = "INFO"
    time_zone: str = Field("Asia/Shanghai", description="IANA time zone people read times in (core/localtime.py)")

    telegram_bot_token: str = ""
    telegram_api_base_url: str = "https://api.telegram.org"
    telegram_webhook_secret: str = ""

    max_text_length: int = 2000
    public_base_url: str = Field("http://127.0.0.1:8000", description="the site's public root, for every absolute "
                                 "link, QR code and poster (never taken from the request's Host header)")
    session_cookie_secure: bool = False
    session_hours: int = Field(8, description="a staff session ends this long after login")
    login_max_failures: int = Field(5, description="failed logins per account name before each try waits")
    login_lock_minutes: int = Field(15, description="the longest wait between tries from one client address")
    public_rate_limit: int = Field(30, description="public writes per client address per minute; 0 = off")
    trusted_proxies: str = Field("", description="comma-separated addresses or networks of reverse proxies whose "
                                 "X-Forwarded-For is believed; empty: the peer address is the client")
    max_body_bytes: int = Field(1024 * 1024, description="largest request body")
    max_upload_bytes: int = Field(20 * 1024 * 1024, description="largest file upload on staff pages (multipart)")
    api_docs: bool = Field(True, description="serve /docs and /redoc (from local files)")
    survey_rate_limit: int = Field(60, description="survey submissions per client address per 10 minutes")
    open311_rate_limit: int = Field(60, description="Open311 requests filed per API key per minute; 0 = off")
    open311_jurisdiction_id: str = Field("", description="Open311 jurisdiction_id; default: the street's code")

    @field_validator("var_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(value)
        except (ValueError, KeyError) as exc:  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(f"TIME_ZONE {value!r} is not a time zone name such as Asia/Shanghai") from exc
        return value

    def model_post_init(self, _context: object) -> None:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        if not self.database_url:
            self.database_url = f"sqlite:///{self.var_dir / 'needs.sqlite3'}"
        if not self.secret_key:
            if self.environment == "production":
                raise ValueError("SECRET_KEY must be set in production")
            self.secret_key = _load_or_create_secret(self.var_dir / "secret_key")
        elif self.environment == "production" and len(self.secret_key) < 32:
            raise ValueError("SECRET_KEY must be at least 32 characters in production")

    @property
    def models_dir(self) -> Path:
        return self.var_dir / "models"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _load_or_create_secret(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
