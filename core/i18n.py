"""Interface text in Chinese (default) and English, from gettext catalogues (core/locale).

Messages are written in English in the code and the templates; the catalogues give the Chinese
for every one, and the English too, so that wording can change without touching code:

    _ = gettext(lang)                        # bind it first: Babel extracts `_("...")` calls only
    _("Ticket {ticket}").format(ticket=t)
    translator(lang).ngettext("{n} request", "{n} requests", n).format(n=n)
    MESSAGES = {"closed": N_("This survey has closed.")}   # marked here, translated where shown

Templates use `{% trans %}`, `_()`, `ngettext()` and `pgettext()` (core/templating.py). Each catalogue
is compiled from its .po file in memory the first time a language is used (about 0.1 s), so a fresh
clone needs no build step. `make messages` extracts new messages (babel.cfg) and merges them into
the catalogues; tests/core/test_i18n.py fails while one is missing or empty in either language.
"""

from __future__ import annotations

import gettext as _gettext
import io
import logging
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
# Each language's name in itself, for the switch between them.
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
HTML_LANG = {"zh": "zh-CN", "en": "en"}
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"

log = logging.getLogger(__name__)


def N_(message: str) -> str:
    """Mark a message for extraction where it is defined; it is translated where it is shown."""
    return message


def normalize_language(lang: str | None) -> str:
    lang = (lang or "").lower()[:2]
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


class _Untranslated(_gettext.NullTranslations):
    """The last fallback: a message missing from a catalogue is logged, then shown as written."""

    def __init__(self, lang: str):
        super().__init__()
        self.lang = lang

    def gettext(self, message):
        log.warning("untranslated message (%s): %r", self.lang, message)
        return message

    def ngettext(self, msgid1, msgid2, n):
        return self.gettext(msgid1 if n == 1 else msgid2)

    def pgettext(self, context, message):
        return self.gettext(message)

    def npgettext(self, context, msgid1, msgid2, n):
        return self.gettext(msgid1 if n == 1 else msgid2)


def catalogue_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def translator(lang: str | None) -> _gettext.GNUTranslations:
    """The translations of one language: `.gettext`, `.ngettext`, `.pgettext`, `.npgettext`."""
    return _load(normalize_language(lang))


@cache
def _load(lang: str) -> _gettext.GNUTranslations:
    with catalogue_path(lang).open("rb") as f:
        catalog = read_po(f, locale=lang)
    mo = io.BytesIO()
    write_mo(mo, catalog)  # no compiled file to keep in step with the .po
    mo.seek(0)
    translations = _gettext.GNUTranslations(mo)
    translations.add_fallback(_Untranslated(lang))
    return translations


def gettext(lang: str | None):
    """`_` for one language: `_ = gettext(lang)`, then `_("Ticket {ticket}").format(ticket=...)`."""
    return translator(lang).gettext
