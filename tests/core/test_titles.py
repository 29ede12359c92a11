"""Every page's title tells it apart from every other page (WCAG 2.4.2): a citizen and a handläggare follow
every link from their start pages, and no two different pages may share a title."""

from __future__ import annotations

import re
from collections import deque
from html import unescape

from tests.applications.flow_helpers import HEMTJANST_ANSWERS, fill, start
from tests.auth.login_helpers import log_in
from tests.cases.test_my_cases import submit_hemtjanst
from tests.helpers import csrf_from
from tests.staff.test_workspace import OMAR, staff_log_in

# Links a crawl must not follow: leaving the session or the language, files, and pages that only repeat
# another with a different query.
SKIP = re.compile(r"^/(sprak|static|logga-ut|handlaggare/logga-ut)|\.(pdf|svg|css|js|png|jpg)$")


def crawl(client, starts: list[str], limit: int = 120) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Path -> title of every HTML page (200) reachable by links from ``starts``."""
    titles: dict[str, str] = {}
    queue, seen = deque(starts), set(starts)
    while queue and len(titles) < limit:
        path = queue.popleft()
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.text
        titles[path] = " ".join(unescape(re.search(r"<title>(.*?)</title>", html, re.S).group(1)).split())
        for href in re.findall(r'<a [^>]*href="(/[^"#?]*)"', html):
            if href not in seen and not SKIP.search(href):
                seen.add(href)
                queue.append(href)
    return titles


def shared(titles: dict[str, str]) -> dict[str, list[str]]:
    by_title: dict[str, list[str]] = {}
    for path, title in titles.items():
        by_title.setdefault(title, []).append(path)
    return {title: paths for title, paths in by_title.items() if len(paths) > 1}


def test_no_two_pages_share_a_title(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    submit_hemtjanst(client, bankid_simulator)
    draft = start(client, "hemtjanst")
    fill(client, draft, dict(list(HEMTJANST_ANSWERS.items())[:1]))
    starts = ["/mina-sidor", "/e-tjanster/hemtjanst", draft, f"{draft}/granska", "/tillganglighet"]
    citizen = crawl(client, starts)
    assert len(citizen) > 20
    # The start of an e-service, a draft of it and a case of it are three pages with three titles.
    assert any("/ansokan/" in path for path in citizen) and any("/arenden/" in path for path in citizen)

    staff = app.test_client()
    staff_log_in(staff, bankid_simulator, OMAR)
    handlaggare = crawl(staff, ["/handlaggare/"])
    assert any("/arenden/" in path for path in handlaggare)

    # A public page both reach is one page (the same path); the staff's own pages are under /handlaggare.
    pages = {**handlaggare, **citizen}
    assert not shared(pages), "titles shared by different pages:\n" + "\n".join(
        f"{title!r}: {paths}" for title, paths in shared(pages).items()
    )


def test_review_and_signing_titles_name_the_eservice(client, bankid_simulator):
    log_in(client, bankid_simulator)
    draft = start(client, "hemtjanst")
    fill(client, draft, HEMTJANST_ANSWERS)
    review = client.get(f"{draft}/granska").text
    assert re.search(r"<title>Granska dina svar – Ansök om hemtjänst – ", review)
    client.post(f"{draft}/skriv-under/applicant", data={"csrf_token": csrf_from(review), "device": "other"})
    signing = client.get(f"{draft}/skriv-under/applicant").text
    assert re.search(r"<title>Skriv under med BankID – Ansök om hemtjänst – ", signing)
    # The signing is left undone: cancelled, so BankID holds no pending order after the test.
    assert (
        client.post(
            f"{draft}/skriv-under/applicant/avbryt", data={"csrf_token": csrf_from(signing)}
        ).status_code
        == 302
    )
