"""The layering rule of docs/architecture.md, checked on every import in the source tree.

Imports inside functions count too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# package -> the project packages it may import (besides itself)
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "nlp": {"core"},
    "intake": {"core", "nlp"},
    "survey": {"core", "intake", "nlp"},
    "bot": {"core", "intake", "nlp", "survey"},
    "admin": {"core", "intake", "nlp"},
    "open311": {"core", "intake", "nlp"},
    "app": {"core", "intake", "nlp", "survey", "bot", "admin", "open311"},
}
PACKAGES = set(ALLOWED)


def imports_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def violations(allowed: dict[str, set[str]] = ALLOWED) -> list[str]:
    bad = []
    for package in allowed:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts and package == "core" and path.name != "env.py":
                continue  # generated revisions import only sqlalchemy/alembic, but need not be read
            for line, top in imports_of(path):
                if top in PACKAGES and top != package and top not in allowed[package]:
                    bad.append(f"{path.relative_to(ROOT)}:{line} imports {top}")
    return bad


def test_every_import_follows_the_layering_rule():
    assert violations() == []


def test_the_rule_check_sees_imports_that_a_stricter_rule_forbids():
    # the same check with a stricter rule must complain: intake imports nlp inside the package
    assert any("intake/" in v and "imports nlp" in v for v in violations({**ALLOWED, "intake": {"core"}}))
    assert any("app/" in v for v in violations({**ALLOWED, "app": {"core"}}))

