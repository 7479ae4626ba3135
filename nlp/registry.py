"""Which trained model is active: recorded in the database so every process agrees."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from sqlalchemy import literal, union_all
from sqlmodel import Session, col, select

from core.models import Category, ModelVersion
from core.settings import get_settings
from nlp.model import META_FILE, Classifier

log = logging.getLogger(__name__)
_lock = threading.Lock()
_loaded: dict[str, Classifier] = {}  # by the path as recorded or given (nothing resolved per request)


def register(session: Session, path: Path, activate: bool = True) -> ModelVersion:
    meta = json.loads((Path(path) / META_FILE).read_text(encoding="utf-8"))
    row = ModelVersion(version=meta["version"], path=str(Path(path).resolve()),
                       data_hash=meta.get("data_hash", ""), metrics=meta.get("metrics", {}))
    session.add(row)
    session.flush()
    if activate:
        activate_version(session, row.version)
    session.commit()
    session.refresh(row)
    return row


def activate_version(session: Session, version: str) -> ModelVersion:
    target = session.exec(select(ModelVersion).where(ModelVersion.version == version)).first()
    if target is None:
        raise LookupError(f"no model version {version!r}")
    if not Path(target.path).exists():
        raise FileNotFoundError(f"model files for {version!r} are missing at {target.path}")
    for row in session.exec(select(ModelVersion).where(ModelVersion.active)):
        row.active = False
        session.add(row)
    target.active = True
    session.add(target)
    session.commit()
    return target


def rollback(session: Session) -> ModelVersion:
    """Activate the newest version older than the active one."""
    rows = session.exec(select(ModelVersion).order_by(col(ModelVersion.created_at).desc(), col(ModelVersion.id).desc())).all()
    active_idx = next((i for i, r in enumerate(rows) if r.active), None)
    if active_idx is None or active_idx + 1 >= len(rows):
        raise LookupError("there is no earlier model version to roll back to")
    return activate_version(session, rows[active_idx + 1].version)


# What get_classifier needs to know on every request, in one round trip: the active version's path
# ("m") and the retired categories ("r"). Built once.
_MODEL_AND_RETIRED = union_all(
    select(literal("m"), col(ModelVersion.path)).where(col(ModelVersion.active)),
    select(literal("r"), col(Category.code)).where(col(Category.active).is_(False)))


def active_model(session: Session) -> tuple[Path | None, frozenset[str]]:
    """The active model's directory (MODEL_PATH when set) and the retired categories, in one statement."""
    rows = session.connection().execute(_MODEL_AND_RETIRED).all()
    forced = get_settings().model_path
    recorded = next((value for kind, value in rows if kind == "m"), None)
    path = Path(forced) if forced else Path(recorded) if recorded else None
    return path, frozenset(value for kind, value in rows if kind == "r")


def load(path: Path) -> Classifier:
    key = str(path)
    with _lock:
        if key not in _loaded:
            _loaded[key] = Classifier(Path(path))
        return _loaded[key]


def get_classifier(session: Session) -> Classifier | None:
    """The active classifier, loaded once per process; None when no model is trained yet. It never
    predicts a category an admin has retired (admin/categories.py), even before retraining. Every call
    asks the database which version is active and which categories are retired (another process may
    have changed either): one statement; the files are looked at only when a version is first loaded."""
    path, retired = active_model(session)
    if path is None:
        return None
    if str(path) not in _loaded and not (path / META_FILE).exists():
        return None
    classifier = load(path)
    classifier.retired = retired
    return classifier
