"""API keys, one per client application: created and revoked by admins, stored as SHA-256 only.

A key is 256 random bits; a hash of it is all the database holds, so a leaked database leaks no
usable key. Requests filed with a key carry its id in their external id, which is also what the
per-key rate limit counts (no table of hits needed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
import unicodedata

from sqlmodel import Session, col, func, select

from core.audit import audit
from core.models import ApiKey, Channel, ServiceRequest, StaffUser, utcnow
from core.settings import get_settings

KEY_PREFIX = "o311_"
SHOWN_CHARS = 12  # "o311_" and 7 random characters: enough to tell keys apart, useless to guess with
RATE_WINDOW = dt.timedelta(minutes=1)
TOUCH_EVERY = dt.timedelta(minutes=1)  # last_used_at is written at most this often (reads stay reads)


class ApiKeyError(ValueError):
    """A key operation refused; `code` names the reason (open311/i18n.py: key_error_<code>)."""

    def __init__(self, code: str, **params):
        self.code = code
        self.params = params
        super().__init__(f"{code}: {params}" if params else code)


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def clean_name(name: str) -> str:
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name or len(name) > 80 or any(unicodedata.category(ch).startswith("C") for ch in name):
        raise ApiKeyError("bad_name")
    return name


def create_key(session: Session, name: str, created_by: StaffUser | None = None, ip: str = "") -> tuple[ApiKey, str]:
    """A new key for a client application; the raw key is returned once and never stored."""
    name = clean_name(name)
    if session.exec(select(ApiKey).where(ApiKey.name == name)).first() is not None:
        raise ApiKeyError("name_taken", name=name)
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, key_hash=hash_key(raw), prefix=raw[:SHOWN_CHARS],
                 created_by_id=created_by.id if created_by else None)
    session.add(key)
    session.flush()
    audit(session, created_by, "open311.key_created", "apikey", key.id, ip=ip, key=name)
    session.commit()
    session.refresh(key)
    return key, raw


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.exec(select(ApiKey).order_by(col(ApiKey.revoked_at).is_not(None), col(ApiKey.name))))


def revoke_key(session: Session, key: ApiKey | None, by: StaffUser | None = None, ip: str = "") -> ApiKey:
    """Revoke a key at once; its name stays taken so the audit log keeps meaning something."""
    if key is None:
        raise ApiKeyError("no_such_key")
    if key.revoked_at is not None:
        raise ApiKeyError("already_revoked", name=key.name)
    key.revoked_at = utcnow()
    session.add(key)
    audit(session, by, "open311.key_revoked", "apikey", key.id, ip=ip, key=key.name)
    session.commit()
    return key


def key_by_name(session: Session, name: str) -> ApiKey | None:
    return session.exec(select(ApiKey).where(ApiKey.name == name.strip())).first()


def verify_key(session: Session, raw: str | None) -> ApiKey | None:
    """The active key for a raw key, or None; marks it used (at most once a minute)."""
    if not raw or not raw.startswith(KEY_PREFIX) or len(raw) > 100:
        return None
    key = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(raw))).first()
    if key is None or key.revoked_at is not None:
        return None
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= TOUCH_EVERY:
        key.last_used_at = now
        session.add(key)
        session.commit()
        session.refresh(key)
    return key


def external_id(key: ApiKey, token: str) -> str:
    """The intake idempotency key of a client's request: scoped by key, so clients never collide."""
    return f"{key.id}:{token}"


def filed_by(key: ApiKey):
    """A condition on requests: those this key filed."""
    return (col(ServiceRequest.channel) == Channel.open311) & col(ServiceRequest.external_id).startswith(f"{key.id}:", autoescape=True)


def retry_after(session: Session, key: ApiKey) -> int | None:
    """Seconds to wait when the key has filed its share for the current window, else None."""
    limit = get_settings().open311_rate_limit
    if limit <= 0:
        return None
    since = utcnow() - RATE_WINDOW
    recent = select(ServiceRequest.created_at).where(filed_by(key), ServiceRequest.created_at >= since)
    count = session.exec(select(func.count()).select_from(recent.subquery())).one()
    if count < limit:
        return None
    oldest = session.exec(recent.order_by(col(ServiceRequest.created_at)).limit(1)).first()
    wait = (oldest + RATE_WINDOW - utcnow()).total_seconds() if oldest else RATE_WINDOW.total_seconds()
    return max(1, math.ceil(wait))
