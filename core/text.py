"""Resident text as every channel receives it: normalised, or refused with a reason."""

from __future__ import annotations

import unicodedata

from core.i18n import N_, gettext
from core.settings import get_settings

# What each refusal says to the resident.
MESSAGES = {
    "empty_text": N_("The text is empty: please write what you need."),
    "text_too_long": N_("The text is too long (at most {limit} characters): please shorten it."),
    "bad_encoding": N_("The text contains characters that cannot be read: please check and retype it."),
    "unknown_place": N_("Unknown compound: please pick one from the list."),
    "contact_without_consent": N_("Please tick the consent box to leave contact details."),
    "csrf": N_("This page has expired: please reload it and submit again."),
}


class IntakeError(ValueError):
    """Input refused, with a code the channels turn into a message in the resident's language."""

    def __init__(self, code: str, **params):
        self.code = code
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        return gettext(lang)(MESSAGES[self.code]).format(**self.params)


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
    if not text.isprintable():  # printable text holds no control, format or surrogate character: nothing to drop
        text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    text = text.strip()
    if not text:
        raise IntakeError("empty_text")
    if len(text) > limit:
        raise IntakeError("text_too_long", limit=limit)
    return text
