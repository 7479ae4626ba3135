"""The Open311 project's published JSON schemas of GeoReport v2, for validating our answers.

They are not part of this repository (docs/open311.md says where they come from): the tests read
them from OPEN311_SCHEMA_DIR, by default ../shared/data/open311/georeport-v2 beside the work tree.
Where they are absent, `validate` checks nothing and the tests' own assertions still run;
test_services.py::test_the_published_schemas_are_there says so as a skip.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = Path(os.environ.get("OPEN311_SCHEMA_DIR", ROOT.parent / "shared" / "data" / "open311" / "georeport-v2"))
FILES = ("request.json", "requests.json", "service.json", "services.json", "service-definition.json",
         "swagger.json")


@lru_cache
def _registry():
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    resources = []
    for name in FILES[:-1]:
        contents = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
        resources.append((name, Resource.from_contents(contents, default_specification=DRAFT4)))
    return Registry().with_resources(resources)


def _format_checker():
    from jsonschema import FormatChecker

    checker = FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value) -> bool:  # RFC 3339: a zone is required
        return not isinstance(value, str) or dt.datetime.fromisoformat(value).tzinfo is not None

    @checker.checks("uri")
    def _uri(value) -> bool:
        return not isinstance(value, str) or bool(urlparse(value).scheme)

    return checker


def available() -> bool:
    return all((SCHEMA_DIR / name).exists() for name in FILES)


def validate(instance, schema_name: str) -> None:
    """Validate against one of the schema files, or against a definition of swagger.json
    ("swagger#RequestResponse"); fails the test on the first error."""
    if not available():
        return
    from jsonschema import Draft4Validator

    if schema_name.startswith("swagger#"):
        swagger = json.loads((SCHEMA_DIR / "swagger.json").read_text(encoding="utf-8"))
        schema = {"type": "array", "items": swagger["definitions"][schema_name.split("#", 1)[1]]}
    else:
        schema = {"$ref": schema_name}
    Draft4Validator(schema, registry=_registry(), format_checker=_format_checker()).validate(instance)
