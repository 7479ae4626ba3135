import pytest

from core.settings import Settings


def test_secret_key_is_generated_once_into_var(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    a = Settings(var_dir=tmp_path)
    b = Settings(var_dir=tmp_path)
    assert len(a.secret_key) >= 48 and a.secret_key == b.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert a.database_url == f"sqlite:///{tmp_path / 'needs.sqlite3'}"


def test_production_refuses_a_missing_or_weak_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ValueError, match="SECRET_KEY"):
        Settings(var_dir=tmp_path, environment="production")
    with pytest.raises(ValueError, match="32"):
        Settings(var_dir=tmp_path, environment="production", secret_key="short")


def test_settings_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@db/needs")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    s = Settings(var_dir=tmp_path)
    assert s.database_url.endswith("/needs") and s.telegram_bot_token == "123:abc"
