"""Finnish and Arabic in the switch and from the browser's Accept-Language, every catalogue keeping its
placeholders, and English pages with no Swedish left in except a "(term)" and content marked lang="sv"."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from portal import i18n_check
from portal.db import all_municipalities, get_session
from portal.i18n import format_day, format_moment
from portal.providers.models import Provider
from tests.providers.helpers import BRITT, britt_case, citizen


def test_sprak_fi_gives_finnish_pages(client):
    response = client.get("/sprak/fi?next=/tillganglighet")
    assert response.headers["Location"] == "/tillganglighet"
    html = client.get("/tillganglighet").text
    assert '<html lang="fi">' in html
    assert "Saavutettavuusseloste" in html
    start = client.get("/").text
    assert '<html lang="fi">' in start and "Kirjaudu" in start


def test_accept_language_chooses_for_a_new_visitor(client):
    html = client.get("/", headers={"Accept-Language": "fi-FI,fi;q=0.9,en;q=0.5"}).text
    assert '<html lang="fi">' in html and "Kirjaudu" in html
    english = client.get("/", headers={"Accept-Language": "de-DE, en;q=0.7"}).text
    assert '<html lang="en">' in english and "Log in" in english
    # Nothing the portal speaks: Swedish.
    assert '<html lang="sv">' in client.get("/", headers={"Accept-Language": "de-DE"}).text


def test_a_choice_made_in_the_switch_wins_over_the_browser(client):
    client.get("/sprak/sv?next=/")
    html = client.get("/", headers={"Accept-Language": "fi"}).text
    assert '<html lang="sv">' in html


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str | None]] = []
        self._open: dict[str, str | None] | None = None

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        if tag == "a" and dict(attrs).get("hreflang"):
            self._open = dict(attrs) | {"text": ""}
            self.links.append(self._open)

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "a":
            self._open = None

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._open is not None:
            self._open["text"] = (self._open["text"] or "") + data


@pytest.mark.parametrize("page_locale", ["sv", "en", "fi"])
def test_the_switch_names_each_language_in_itself(client, page_locale):
    client.get(f"/sprak/{page_locale}?next=/")
    parser = _Links()
    parser.feed(client.get("/").text)
    offered = {(link["text"] or "").strip(): link for link in parser.links}
    names = {"Svenska": "sv", "English": "en", "Suomi": "fi", "العربية": "ar", "Lättläst": "sv"}
    own = {"sv": "Svenska", "en": "English", "fi": "Suomi"}[page_locale]
    assert set(offered) == set(names) - {own}
    for name, link in offered.items():
        assert link["lang"] == link["hreflang"] == names[name], (
            "a screen reader reads the name in its language"
        )
        assert link["dir"] == ("rtl" if name == "العربية" else "ltr")


def test_every_catalogue_keeps_the_placeholders_of_its_msgids():
    for locale in i18n_check.configured_locales():
        assert i18n_check.placeholder_problems(locale) == []


def test_the_completeness_check_covers_finnish_and_every_configured_locale_but_english():
    required = i18n_check.required_complete()
    assert "sv" in required and "fi" in required and "en" not in required
    assert set(required) | {"en"} | set(i18n_check.TRANSLATION_PENDING) == set(
        i18n_check.configured_locales()
    )


def test_a_lost_placeholder_is_found(tmp_path, monkeypatch):
    po = tmp_path / "xx" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n\nmsgid "Decision of %(date)s"\nmsgstr "Päätös"\n', encoding="utf-8")
    monkeypatch.setattr(i18n_check, "catalogue_path", lambda locale, domain="messages": po)
    assert i18n_check.placeholder_problems("xx")


def test_dates_are_written_one_way_per_language(app):
    moment = dt.datetime(2026, 12, 2, 5, 58, tzinfo=dt.UTC)
    with app.test_request_context():
        with force_locale("en"):
            assert (
                format_day(moment.date(), "short") == format_day(moment.date(), "long") == "December 2, 2026"
            )
            assert format_moment(moment, "short") == "December 2, 2026, 6:58\u202fAM"
        with force_locale("sv"):
            assert format_moment(moment, "short") == "2 december 2026 06:58"
        with force_locale("fi"):
            assert format_day(moment.date()) == "2. joulukuuta 2026"


# Swedish words that must not be left in English text; "(hemtjänst)" after the English term is allowed.
SWEDISH_WORDS = re.compile(
    r"\b(utförare\w*|fullmakt\w*|hemtjänst\w*|ickevalsalternativ\w*|genomförandeplan\w*|kundval\w*|"
    r"handläggare\w*|komplettering\w*|förvaltare\w*|god man|vårdnadshavare\w*|dödsbo\w*|bistånd\w*|"
    r"ärende\w*|beslut\w*|överklag\w*|sambo\w*|ansökan\w*|kvitto\w*|e-tjänst\w*|Mina sidor|förordnande\w*|"
    r"assistansersättning\w*|riksnorm\w*|socialtjänst\w*)",
    re.IGNORECASE,
)


class _EnglishText(HTMLParser):
    """The text a reader meets, without what is marked lang="sv" (content people wrote in Swedish)."""

    VOID = frozenset({"br", "img", "input", "meta", "link", "hr", "source", "wbr", "area", "col", "base"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.parts: list[str] = []
        self.links: list[str] = []
        self.sv_marked: list[str] = []

    def _swedish(self) -> bool:
        return any(sv for _, sv in self.stack)

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        if tag in self.VOID:
            return
        swedish = attributes.get("lang") == "sv" and tag != "a"  # the switch's "Svenska" link is fine
        self.stack.append((tag, swedish or tag in {"script", "style"}))
        if not self._swedish():
            self.parts += [attributes[a] or "" for a in ("aria-label", "title", "alt") if attributes.get(a)]

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag in self.VOID:
            return
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._swedish():
            if self.stack and self.stack[-1][0] not in {"script", "style"}:
                self.sv_marked.append(data)
        else:
            self.parts.append(data)


SKIP = re.compile(
    r"^/(sprak|logga-ut|static|tema\.css)|qr\.svg$|/bilagor/|/dokument/|\.pdf$|/kvitto/|/skriv-under"
)


def _crawl(client, start_pages, limit=60):  # type: ignore[no-untyped-def]
    seen: dict[str, _EnglishText] = {}
    queue = list(start_pages)
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen or SKIP.search(path):
            continue
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        parsed = _EnglishText()
        parsed.feed(response.text)
        seen[path] = parsed
        for href in parsed.links:
            parts = urlsplit(href)
            if not parts.scheme and not parts.netloc and href.startswith("/"):
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


def test_english_pages_have_no_swedish_left_in(app, bankid_simulator):
    case = britt_case(app)
    with app.app_context(), all_municipalities():
        # Names are names: "Exempelstads kommunala hemtjänst" is what the provider is called.
        names = list(get_session().scalars(sa.select(Provider.name)))
    client = citizen(app, bankid_simulator, BRITT)
    start = [
        "/",
        "/mina-sidor",
        "/mina-arenden",
        f"/arenden/{case.id}",
        f"/arenden/{case.id}/utforare",
        "/kundval",
        "/kundval/hemtjanst",
        "/kundval/hemtjanst/jamfor?utforare=1&utforare=2",
        "/fullmakter",
        "/fullmakter/ny",
        "/e-tjanster",
        "/tillganglighet",
    ]
    pages = _crawl(client, start)
    assert len(pages) >= 20, sorted(pages)
    found = {}
    for path, parsed in pages.items():
        text = " ".join(" ".join(parsed.parts).split())
        for name in names:
            text = text.replace(name, "")
        text = re.sub(r"\([^()]*\)", "", text)  # "Home help (hemtjänst)": the Swedish term in parentheses
        words = sorted({m.group(0) for m in SWEDISH_WORDS.finditer(text)})
        dates = re.findall(r"\b\d{1,2}/\d{1,2}/\d{2}\b", text)
        if words or dates:
            found[path] = words + dates
    assert found == {}


def test_swedish_content_on_an_english_page_is_marked_lang_sv(app, bankid_simulator):
    case = britt_case(app)
    client = citizen(app, bankid_simulator, BRITT)
    page = client.get(f"/arenden/{case.id}")
    assert page.status_code == 200
    parsed = _EnglishText()
    parsed.feed(page.text)
    with app.app_context(), all_municipalities():
        from portal.cases.models import Decision

        motivation = get_session().scalar(sa.select(Decision.motivation).where(Decision.case_id == case.id))
    assert motivation
    marked = " ".join(" ".join(parsed.sv_marked).split())
    assert " ".join(motivation.split())[:60] in marked, "the decision's reasons carry lang=sv"
    # In Swedish the page is Swedish throughout: no lang attribute needed on the content.
    client.get("/sprak/sv?next=/")
    assert 'lang="sv">' + motivation.split("\n")[0][:20] not in client.get(f"/arenden/{case.id}").text


def test_lattlast_gives_easy_to_read_guidance_and_ordinary_swedish_elsewhere(client):
    ordinary = client.get("/").text
    assert (
        "Apply for support" not in ordinary and "Du loggar in med BankID. Har du inte BankID?" not in ordinary
    )
    response = client.get("/sprak/lattlast?next=/")
    assert response.headers["Location"] == "/"
    easy = client.get("/").text
    assert '<html lang="sv">' in easy
    assert "Du loggar in med BankID. Har du inte BankID?" in easy
    assert "Här kan du söka hjälp från kommunen." in easy
    assert "Logga in" in easy, "what has no easy-to-read text stays ordinary Swedish"
    # The switch now offers ordinary Swedish, and an error page is easy to read too.
    parser = _Links()
    parser.feed(easy)
    assert "Svenska" in {(link["text"] or "").strip() for link in parser.links}
    missing = client.get("/finns-inte")
    assert (
        missing.status_code == 404
        and "Sidan finns inte" in missing.text
        and "Kolla adressen." in missing.text
    )
    # Choosing a language ends it.
    client.get("/sprak/sv?next=/")
    assert "Här kan du söka hjälp från kommunen." not in client.get("/").text
    client.get("/sprak/lattlast?next=/")
    client.get("/sprak/en?next=/")
    assert "Apply for support" in client.get("/").text


def test_lattlast_appeal_guidance_and_what_happens_next_on_a_decision(app, bankid_simulator):
    case = britt_case(app)
    client = citizen(app, bankid_simulator, BRITT)
    client.get("/sprak/lattlast?next=/")
    page = client.get(f"/arenden/{case.id}").text
    assert "Kommunen har bestämt. Läs beslutet." in page
    assert "Tycker du att beslutet är fel? Då kan du överklaga." in page


def test_every_lattlast_text_belongs_to_a_text_in_use():
    assert i18n_check.easy_read_problems(i18n_check.extract()) == []


def test_a_finnish_browser_at_first_login_gets_finnish_notices(app, client, bankid_simulator):
    from portal.accounts.models import Person
    from portal.outbox.models import OutboxItem
    from tests.auth.login_helpers import log_in
    from tests.cases.test_my_cases import submit_hemtjanst
    from tests.messaging.test_messages import handlaggare_writes, set_contact

    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fi-FI,fi;q=0.9,sv;q=0.5"  # a new visitor, no choice made
    log_in(client, bankid_simulator)
    with app.app_context(), all_municipalities():
        assert (
            get_session().scalar(
                sa.select(Person.preferred_locale).where(Person.personal_number == "191212121212")
            )
            == "fi"
        )
    set_contact(client, email="tolvan@example.se")
    handlaggare_writes(
        app, bankid_simulator, submit_hemtjanst(client, bankid_simulator), "Hej! Vi hörs på tisdag."
    )
    with app.app_context(), all_municipalities():
        notice = (
            get_session()
            .scalars(
                sa.select(OutboxItem)
                .where(OutboxItem.topic == "notification.email")
                .order_by(OutboxItem.id.desc())
            )
            .first()
        )
        assert notice.payload["subject"] == "Asiassasi on uutta"
        assert notice.payload["body"].startswith("Hei,")


class _TextNodes(_EnglishText):
    """The page's text nodes only: attributes and the title cannot carry a language of their own."""

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        before = len(self.parts)
        super().handle_starttag(tag, attrs)
        del self.parts[before:]

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if not any(tag == "title" for tag, _ in self.stack):
            super().handle_data(data)


def test_care_provider_names_on_english_pages_are_marked_swedish(app, bankid_simulator):
    case = britt_case(app)
    with app.app_context(), all_municipalities():
        names = list(get_session().scalars(sa.select(Provider.name)))
    client = citizen(app, bankid_simulator, BRITT)
    pages = [
        "/kundval",
        "/kundval/hemtjanst",
        "/kundval/hemtjanst/jamfor?utforare=1&utforare=2",
        f"/arenden/{case.id}",
    ]
    catalogue = client.get("/kundval/hemtjanst").text
    pages += sorted(set(re.findall(r'href="(/kundval/hemtjanst/utforare/\d+)"', catalogue)))[:2]
    shown = 0
    for path in pages:
        page = client.get(path)
        assert page.status_code == 200, path
        parsed = _TextNodes()
        parsed.feed(page.text)
        unmarked = " ".join(parsed.parts)
        marked = " ".join(parsed.sv_marked)
        for name in names:
            assert name not in unmarked, (path, name)
            shown += marked.count(name)
    assert shown >= len(names)
