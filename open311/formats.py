"""The two response formats of GeoReport v2: JSON, and XML whose element names the specification
gives (services/service, service_requests/request, errors/error, ...)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from fastapi import Response

from core.i18n import gettext

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# the element of one item in each list, by the list's element name
ITEM = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
        "values": "value", "endpoints": "endpoint", "formats": "format"}


class Open311Error(Exception):
    """An answer in the specification's error format, a list of {code, description}; the
    description is a catalogue message (marked with N_) translated when the error is shown."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None, **params):
        self.status, self.message, self.headers, self.params = status, message, headers or {}, params
        super().__init__(message.format(**params))

    def description(self, lang: str) -> str:
        return gettext(lang)(self.message).format(**self.params)


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        for item in value:
            _fill(ET.SubElement(element, ITEM.get(element.tag, "item")), item)
    else:
        element.text = _text(value)


def to_xml(root: str, value) -> bytes:
    element = ET.Element(root)
    _fill(element, value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8")


def answer(fmt: str, root: str, value, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """`value` as JSON, or as XML under the element `root`."""
    if fmt == "xml":
        body = to_xml(root, value)
    else:
        body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, status_code=status, media_type=FORMATS.get(fmt, FORMATS["json"]), headers=headers)


def error(fmt: str, exc: Open311Error, lang: str) -> Response:
    return answer(fmt if fmt in FORMATS else "json", "errors",
                  [{"code": exc.status, "description": exc.description(lang)}], status=exc.status,
                  headers=exc.headers)
