"""Resident text as every channel receives it: normalised, or refused with a reason."""

from __future__ import annotations

import unicodedata

from core.i18n import t
from core.settings import get_settings


class IntakeError(ValueError):
    """Input refused, with a code the channels turn into a message in the resident's language."""

    def __init__(self, code: str, **params):
        self.code = code
        self.params = params
        super().__init__(t("en", f"error_{code}", **params))

    def message(self, lang: str) -> str:
        return t(lang, f"error_{self.code}", **self.params)


def clean_text(text: str, limit: int | None = None) -> str:
    """Normalise resident text; refuse what is empty, too long or not valid Unicode."""
    limit = limit or get_settings().max_text_length
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates from a broken client
        raise IntakeError("bad_encoding") from exc
    if "\ufffd" in text:  # a decoder already replaced bytes it could not read
        raise IntakeError("bad_encoding")
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    text = text.strip()
    if not text:
        raise IntakeError("empty_text")
    if len(text) > limit:
        raise IntakeError("text_too_long", limit=limit)
    return text
