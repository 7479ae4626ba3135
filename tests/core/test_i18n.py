"""Interface text: every message in both catalogues, no English or internal code on a Chinese page."""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import nodes

from core.i18n import LANGUAGES, catalogue_path, translator
from core.labels import label, names

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}  # as `make messages` extracts


def _extracted() -> dict[tuple[str | None, str], str]:
    """(context, msgid) of every message in the code and the templates, as babel.cfg says."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        msgid = message if isinstance(message, str) else message[0]
        found[(context, msgid)] = f"{filename}:{lineno}"
    return found


def _catalogue(lang: str):
    with catalogue_path(lang).open("rb") as f:
        return read_po(f, locale=lang)


@pytest.fixture(scope="module")
def extracted():
    return _extracted()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated_in_the_catalogue(extracted, lang):
    catalog = _catalogue(lang)
    missing = []
    for (context, msgid), where in sorted(extracted.items(), key=lambda kv: kv[1]):
        entry = catalog.get(msgid, context=context)
        strings = [] if entry is None else ([entry.string] if isinstance(entry.string, str) else list(entry.string))
        if entry is None or entry.fuzzy or not all(s.strip() for s in strings):
            missing.append(f"{where}: {msgid!r}" + (f" (context {context!r})" if context else ""))
    assert not missing, f"{len(missing)} message(s) missing or empty in {lang} (run `make messages`):\n" + \
        "\n".join(missing)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_the_placeholders_of_their_message(lang):
    catalog = _catalogue(lang)
    wrong = [f"{m.id!r}: {errors}" for m, errors in catalog.check()]
    braces = [m.id for m in catalog if m.id and isinstance(m.id, str)
              and sorted(re.findall(r"\{\w*\}", m.id)) != sorted(re.findall(r"\{\w*\}", m.string or ""))]
    assert not wrong and not braces, (wrong, braces)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogues_hold_no_message_the_code_no_longer_uses(extracted, lang):
    stale = [(m.context, m.id) for m in _catalogue(lang)
             if m.id and (m.context, m.id if isinstance(m.id, str) else m.id[0]) not in extracted]
    assert not stale, f"stale in {lang} (run `make messages`): {stale}"


def test_a_message_missing_from_the_catalogue_is_logged_and_shown_as_written(caplog):
    with caplog.at_level(logging.WARNING, logger="core.i18n"):
        assert translator("zh").gettext("No such message, surely") == "No such message, surely"
    assert "untranslated message (zh): 'No such message, surely'" in caplog.text
    assert translator("zh").gettext("Community Needs") == "社区需求直通车"
    assert translator("en").ngettext("last %(num)s month", "last %(num)s months", 1) == "last %(num)s month"
    assert translator("zh").ngettext("last %(num)s month", "last %(num)s months", 5) == "近 %(num)s 个月"


def test_every_code_has_a_display_name_in_both_languages():
    from core.models import Channel, EventType, Kind, Role, RoundStage, Status
    from survey.schema import PURPOSES, QUESTION_TYPES

    enums = {"status": Status, "kind": Kind, "channel": Channel, "event": EventType, "role": Role,
             "stage": RoundStage, "survey_purpose": PURPOSES, "question_type": QUESTION_TYPES}
    for kind, codes in enums.items():
        for code in codes:
            zh, en = label("zh", kind, code), label("en", kind, code)
            assert re.search(r"[\u4e00-\u9fff]", zh) or zh == "Telegram", (kind, code, zh)
            assert en and "_" not in en, (kind, code, en)
    assert label("zh", "status", "in_progress") == "办理中" and label("en", "status", "in_progress") == "in progress"
    assert names("zh").keys() == names("en").keys()


# --- templates ------------------------------------------------------------------------------------

ALLOWED_WORDS = {"XLSX", "CSV", "JSON", "QR", "UTC", "IP", "PDF", "Ctrl", "P"}
VISIBLE_ATTRS = {"placeholder", "title", "aria-label", "alt", "label"}
WORD = re.compile(r"(?<![-_\w])[A-Za-z]{2,}(?![-_\w])")  # a word, not part of an id such as q1-help


class _Text(HTMLParser):
    """Visible words of a piece of markup: text and the attributes a person reads or hears."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRS and value:
                self.words += WORD.findall(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.words += WORD.findall(data)


def _templates():
    from core.templating import templates

    env = templates.env
    return env, sorted(name for name in env.list_templates() if name.endswith(".html"))


def test_templates_write_no_text_outside_the_catalogues():
    """Literal words in a template and language tests (`lang == 'en'`) bypass the catalogues."""
    env, names_ = _templates()
    problems = []
    for name in names_:
        source = env.loader.get_source(env, name)[0]
        tree = env.parse(source)
        # markup between the tags: only the allowed abbreviations may be written in it
        # (blocks named *_class hold a CSS class, not text)
        classes = {id(d) for b in tree.find_all(nodes.Block) if b.name.endswith("_class")
                   for d in b.find_all(nodes.TemplateData)}
        parser = _Text()
        for data in tree.find_all(nodes.TemplateData):
            if id(data) not in classes:
                parser.feed(data.data)
        words = sorted(set(parser.words) - ALLOWED_WORDS)
        if words:
            problems.append(f"{name}: literal text {words}")
        for compare in tree.find_all(nodes.Compare):
            if isinstance(compare.expr, nodes.Name) and compare.expr.name == "lang":
                problems.append(f"{name}: chooses text by language (line {compare.lineno})")
    assert not problems, "\n".join(problems)


# --- pages of the demo street, in Chinese -------------------------------------------------------

DEMO_LOGINS = [None, ("admin", "demo-admin-2026"), ("worker_fq", "demo-worker-2026"), ("org_leling", "demo-org-2026")]


def _codes() -> set[str]:
    """Internal codes that a Chinese page must never show."""
    from core.models import Channel, EventType, Kind, RoundStage, Status
    from survey.schema import PURPOSES, QUESTION_TYPES

    codes = {str(c) for e in (Status, Kind, Channel, EventType, RoundStage) for c in e}
    codes |= set(PURPOSES) | set(QUESTION_TYPES) | {"not_open", "draft", "True", "False"}
    return codes - {"import"}


def _english_messages() -> list[re.Pattern]:
    """Each English message of the catalogues whose Chinese differs, as the words a page would show."""
    patterns = []
    zh = _catalogue("zh")
    for m in zh:
        msgid = m.id if isinstance(m.id, str) else (m.id[0] if m.id else "")
        string = m.string if isinstance(m.string, str) else (m.string[0] if m.string else "")
        if not msgid or string == msgid:
            continue
        # the literal stretches between placeholders, the longest first
        parts = sorted((p.strip(" :：·,.") for p in re.split(r"%\(\w+\)s|\{\w*\}|%%|\n", msgid)), key=len, reverse=True)
        part = parts[0] if parts else ""
        if re.search(r"[A-Za-z]", part) and len(part) >= 4 and part not in string:  # "Open311" stays
            patterns.append(re.compile(rf"(?<![\w/.-]){re.escape(part)}(?![\w/.-])"))
    return patterns


class _Page(HTMLParser):
    """Links and visible text of a page; what a textarea holds is the person's own input."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.text: list[str] = []
        self._skip = 0
        self._open: list[str] = []  # skipping elements and <code> elements, innermost last

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        # translate="no" marks an identifier people type elsewhere (a category's code), as HTML means it
        if tag in ("script", "style", "textarea") or (tag == "code" and a.get("translate") == "no"):
            self._skip += 1
            self._open.append(tag)
        elif tag == "code":
            self._open.append("")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        for name in ("placeholder", "title", "aria-label", "alt"):
            if a.get(name):
                self.text.append(a[name])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "textarea", "code") and self._open:
            self._skip -= bool(self._open.pop())

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.text.append(data.strip())


def _shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def _crawl(client, start: list[str], per_shape: int = 2, limit: int = 150):
    """Visit the pages a person reaches by links from `start`, a couple of each URL shape."""
    seen, shapes, queue, pages = set(), {}, list(start), []
    while queue and len(pages) < limit:
        url = queue.pop(0)
        parsed = urlparse(url)
        if parsed.netloc not in ("", "testserver") or url in seen or parsed.path == "/logout" \
                or "lang=" in parsed.query:
            continue
        seen.add(url)
        shape = _shape(parsed.path)
        if shapes.get(shape, 0) >= per_shape:
            continue
        resp = client.get(url)
        if "html" not in resp.headers.get("content-type", ""):
            continue
        shapes[shape] = shapes.get(shape, 0) + 1
        page = _Page()
        page.feed(resp.text)
        pages.append((url, " ".join(page.text)))
        queue += [urljoin("http://testserver" + parsed.path, href).replace("http://testserver", "")
                  for href in page.links]
    return pages


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_chinese_pages_show_no_english_message_nor_internal_code(engine, with_model, caplog, monkeypatch):
    from fastapi.testclient import TestClient

    import app.demo
    from app.main import create_app
    from tests.factories import login

    # residents' own words may be English; the demo here speaks Chinese so that any English is ours
    chinese = [row for row in app.demo.seed_texts() if not re.search(r"[A-Za-z]", row["text"])]
    monkeypatch.setattr(app.demo, "seed_texts", lambda: chinese)
    app.demo.seed_demo(n_requests=120, echo=lambda _: None)
    codes, english = _codes(), _english_messages()
    code_re = re.compile(r"(?<![\w/.-])(" + "|".join(sorted(map(re.escape, codes), key=len, reverse=True)) + r")(?![\w/.-])")
    problems, visited = [], 0
    with caplog.at_level(logging.WARNING, logger="core"):
        for cred in DEMO_LOGINS:
            with TestClient(create_app()) as client:
                if cred:
                    login(client, *cred)
                for url, text in _crawl(client, ["/", "/admin", "/org", "/s", "/chat", "/admin/audit",
                                                  "/admin/surveys", "/admin/surveys/satisfaction"]):
                    visited += 1
                    for hit in sorted(set(code_re.findall(text))):
                        problems.append(f"{cred and cred[0]} {url}: code {hit!r}")
                    for pattern in english:
                        if pattern.search(text):
                            problems.append(f"{cred and cred[0]} {url}: English {pattern.pattern!r}")
    warnings = [r.getMessage() for r in caplog.records if r.name in ("core.i18n", "core.labels")]
    assert visited > 40
    assert not problems and not warnings, "\n".join(problems + warnings)


def test_python_messages_are_written_where_babel_can_extract_them():
    """`gettext(lang)("text")` and `f"{_('text')}"` work, but Babel does not see "text" in them:
    bind `_ = gettext(lang)` first, and translate before the f-string."""
    chained = re.compile(r"\bgettext\([^()\"']*\)\(\s*[\"']")
    in_fstring = re.compile(r"""\bf(["'])[^"']*\{\s*(?:_|\w*\.?gettext|ngettext|pgettext)\(""")
    sources = [p for p in ROOT.rglob("*.py")
               if not {".venv", "tests", "bench", "var"} & set(p.relative_to(ROOT).parts)]
    hits = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}" for p in sources
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if chained.search(line) or in_fstring.search(line)]
    assert not hits, "\n".join(hits)


def test_templates_translate_with_trans_blocks_and_calls_in_the_pages_language():
    from core.templating import _i18n_context, templates

    source = ("{% trans num=n %}last {{ num }} month{% pluralize %}last {{ num }} months{% endtrans %} · "
              "{{ pgettext('nav', 'Requests') }} · {{ label('status', 'in_progress') }} · {{ _('Cluster %(id)s', id=x) }}")
    page = templates.env.from_string(source)
    assert page.render(n=3, x="<b>", **_i18n_context("zh")) == "近 3 个月 · 需求 · 办理中 · 聚类 &lt;b&gt;"
    assert page.render(n=1, x=7, **_i18n_context("en")) == "last 1 month · Requests · in progress · Cluster 7"
