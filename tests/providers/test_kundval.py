"""Kundval for the citizen: catalogue, filters, compare, and choosing an utförare for a granted insats."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.cases.models import CaseEvent
from portal.db import all_municipalities, get_session
from portal.outbox.delivery import deliver_due
from portal.outbox.models import OutboxItem
from portal.providers.models import Provider, ProviderChoice
from portal.providers.services import today
from tests.cases.test_my_cases import case_path, submit_hemtjanst
from tests.helpers import csrf_from
from tests.providers.helpers import (
    KOMMUNAL,
    STJARNAN,
    TOLVAN,
    TRYGGA,
    VARDAG,
    britt_case,
    choose,
    citizen,
    provider_id,
)

NAMES = {
    KOMMUNAL: "Exempelstads kommunala hemtjänst",
    STJARNAN: "Omsorg Stjärnan AB",
    TRYGGA: "Trygga Händer Hemtjänst AB",
    VARDAG: "Vardagshjälpen ekonomisk förening",
}


def card_titles(html: str) -> list[str]:
    return re.findall(r'<h3 class="card__title"><a href="[^"]+"><bdi lang="sv">([^<]+)</bdi></a>', html)


def test_catalogue_lists_the_providers_with_the_ickevalsalternativ_first_and_explained(app, bankid_simulator):
    client = citizen(app, bankid_simulator)
    page = client.get("/kundval/hemtjanst").text
    titles = card_titles(page)
    assert sorted(titles) == sorted(NAMES.values())
    assert titles[0] == NAMES[KOMMUNAL]
    assert "If you do not want to choose" in page
    assert f'If you do not choose, <bdi lang="sv">{NAMES[KOMMUNAL]}</bdi> helps you' in page
    assert "Showing 4 of 4 care providers." in page


def test_catalogue_filters_by_area_and_language_with_a_get_form(app, bankid_simulator):
    client = citizen(app, bankid_simulator)
    assert sorted(card_titles(client.get("/kundval/hemtjanst?omrade=Östra").text)) == sorted(
        [NAMES[KOMMUNAL], NAMES[VARDAG]]
    )
    persian = client.get("/kundval/hemtjanst?sprak=Persiska").text
    assert card_titles(persian) == [NAMES[STJARNAN]]
    assert '<option value="Persiska" selected>' in persian  # the filter shows what was chosen
    both = client.get("/kundval/hemtjanst?omrade=Södra&sprak=Finska").text
    assert sorted(card_titles(both)) == sorted([NAMES[KOMMUNAL], NAMES[TRYGGA]])
    none = client.get("/kundval/hemtjanst?omrade=Östra&sprak=Persiska").text
    assert card_titles(none) == []
    assert "No care provider matches" in none


def test_compare_two_or_three_side_by_side(app, bankid_simulator):
    client = citizen(app, bankid_simulator)
    ids = [provider_id(app, n) for n in (KOMMUNAL, STJARNAN, TRYGGA)]
    page = client.get("/kundval/hemtjanst/jamfor", query_string={"utforare": ids})
    assert page.status_code == 200
    headers = re.findall(r'<th scope="col"><a href="[^"]+"><bdi lang="sv">([^<]+)</bdi></a></th>', page.text)
    assert headers == [NAMES[KOMMUNAL], NAMES[STJARNAN], NAMES[TRYGGA]]
    row = re.search(
        r'<th scope="row" lang="sv">Nöjda med hemtjänsten som helhet</th>(.*?)</tr>', page.text, re.S
    )
    assert row and [v.strip() for v in re.findall(r"<td>([^<]+)<span", row.group(1))] == [
        "88 %",
        "93 %",
        "90 %",
    ]
    assert 'lang="sv">Socialstyrelsens brukarundersökning (demo)</span>, 2025' in page.text


def test_compare_asks_for_two_or_three_and_keeps_the_ticks(app, bankid_simulator):
    client = citizen(app, bankid_simulator)
    one = provider_id(app, STJARNAN)
    page = client.get("/kundval/hemtjanst/jamfor", query_string={"utforare": [one]})
    assert page.status_code == 400
    assert "Choose two or three care providers to compare." in page.text
    assert 'class="error-summary"' in page.text
    assert re.search(rf'value="{one}" checked', page.text)
    every = [provider_id(app, n) for n in NAMES]
    assert client.get("/kundval/hemtjanst/jamfor", query_string={"utforare": every}).status_code == 400


def test_profile_shows_quality_with_source_and_contact(app, bankid_simulator):
    britt_case(app)
    client = citizen(app, bankid_simulator)
    page = client.get(f"/kundval/hemtjanst/utforare/{provider_id(app, VARDAG)}").text
    # The name is Swedish on an English page: marked, so that a screen reader says it with a Swedish voice.
    assert '<h1><bdi lang="sv">Vardagshjälpen ekonomisk förening</bdi></h1>' in page
    assert (
        'lang="sv">Exempelstads uppföljning (demo)</span>, 2025' in page
    )  # marked: Swedish on an English page
    assert 'href="tel:0123-99930"' not in page and 'href="tel:012399930"' in page
    assert (
        'Choose <bdi lang="sv">Vardagshjälpen ekonomisk förening</bdi>' in page
    )  # Britt has a granted hemtjänst


def test_choosing_validates_and_keeps_what_was_typed(app, bankid_simulator):
    client = citizen(app, bankid_simulator)
    case = britt_case(app)
    form = client.get(f"/arenden/{case.id}/utforare")
    empty = client.post(
        f"/arenden/{case.id}/utforare", data={"csrf_token": csrf_from(form.text), "effective_date": ""}
    )
    assert empty.status_code == 400
    assert "Choose a care provider" in empty.text
    assert "Enter the day the care provider should start" in empty.text
    past = client.post(
        f"/arenden/{case.id}/utforare",
        data={
            "csrf_token": csrf_from(form.text),
            "provider": str(provider_id(app, STJARNAN)),
            "effective_date": "2020-01-01",
        },
    )
    assert past.status_code == 400
    assert "The day cannot be in the past" in past.text
    assert 'value="2020-01-01"' in past.text
    assert re.search(rf'value="{provider_id(app, STJARNAN)}" checked', past.text)
    nonsense = client.post(
        f"/arenden/{case.id}/utforare",
        data={"csrf_token": csrf_from(form.text), "provider": "999999", "effective_date": "snart"},
    )
    assert nonsense.status_code == 400 and 'value="snart"' in nonsense.text
    with app.app_context(), all_municipalities():
        assert get_session().scalar(sa.select(sa.func.count()).select_from(ProviderChoice)) == 1  # the demo's


def test_nothing_is_saved_before_the_confirmation(app, bankid_simulator):
    client = citizen(app, bankid_simulator)
    case = britt_case(app)
    form = client.get(f"/arenden/{case.id}/utforare")
    checked = client.post(
        f"/arenden/{case.id}/utforare",
        data={
            "csrf_token": csrf_from(form.text),
            "provider": str(provider_id(app, STJARNAN)),
            "effective_date": today().isoformat(),
        },
    )
    assert checked.status_code == 200
    assert "Check your choice" in checked.text and "Omsorg Stjärnan AB" in checked.text
    with app.app_context(), all_municipalities():
        assert (
            get_session().scalar(
                sa.select(sa.func.count())
                .select_from(OutboxItem)
                .where(OutboxItem.topic == "provider.chosen")
            )
            == 0
        )


def test_a_choice_reaches_the_case_system_through_the_outbox_with_timeline_and_audit(app, bankid_simulator):
    client = citizen(app, bankid_simulator)
    case = britt_case(app)
    stjarnan = provider_id(app, STJARNAN)
    receipt_path = choose(client, case.id, stjarnan, today())
    receipt = client.get(receipt_path)
    assert receipt.status_code == 200
    assert "Your choice is saved" in receipt.text and "Omsorg Stjärnan AB" in receipt.text
    with app.app_context(), all_municipalities():
        session = get_session()
        item = session.scalar(sa.select(OutboxItem).where(OutboxItem.topic == "provider.chosen"))
        assert item is not None and item.adapter == "embedded"
        assert item.payload["case_number"] == case.case_number
        assert item.payload["provider"]["organisation_number"] == STJARNAN
        assert item.payload["previous_provider"]["name"] == "Exempelstads kommunala hemtjänst"
        assert "personal_number" not in str(item.payload)
        assert (
            session.scalar(
                sa.select(CaseEvent).where(
                    CaseEvent.case_id == case.id,
                    CaseEvent.kind == "provider_chosen",
                    CaseEvent.detail["provider_id"].as_integer() == stjarnan,
                )
            )
            is not None
        )
        assert session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "provider_chosen")) is not None
        deliver_due(app, session)
        session.refresh(item)
        assert item.status == "delivered"
    page = client.get(f"/arenden/{case.id}").text
    assert '<bdi lang="sv">Omsorg Stjärnan AB</bdi> helps you since' in page
    assert 'You chose <bdi lang="sv">Omsorg Stjärnan AB</bdi> as care provider from' in page
    assert 'Messages with the care provider <bdi lang="sv">Omsorg Stjärnan AB</bdi>' in page


def test_a_later_choice_waits_for_its_day_and_replaces_an_earlier_waiting_one(app, bankid_simulator):
    client = citizen(app, bankid_simulator)
    case = britt_case(app)
    choose(client, case.id, provider_id(app, STJARNAN), today() + dt.timedelta(days=14))
    choose(client, case.id, provider_id(app, TRYGGA), today() + dt.timedelta(days=7))
    page = client.get(f"/arenden/{case.id}").text
    assert '<bdi lang="sv">Exempelstads kommunala hemtjänst</bdi> helps you since' in page
    assert "takes over" in page and '<bdi lang="sv">Trygga Händer Hemtjänst AB</bdi> takes over' in page
    from portal.providers.services import current_choice

    with app.app_context(), all_municipalities():
        session = get_session()
        assert current_choice(session, case.id).provider.organisation_number == KOMMUNAL
        in_ten = current_choice(session, case.id, today() + dt.timedelta(days=10))
        in_twenty = current_choice(session, case.id, today() + dt.timedelta(days=20))
        assert in_ten.provider.organisation_number == TRYGGA
        assert in_twenty.provider.organisation_number == TRYGGA  # Stjärnan's waiting choice was replaced


def test_only_a_granted_insats_of_ones_own_can_be_chosen_for(app, bankid_simulator):
    tolvan = citizen(app, bankid_simulator, TOLVAN)
    case = britt_case(app)
    assert tolvan.get(f"/arenden/{case.id}/utforare").status_code == 404
    form = tolvan.get("/kundval/hemtjanst")
    refused = tolvan.post(
        f"/arenden/{case.id}/utforare/bekrafta",
        data={
            "csrf_token": csrf_from(form.text),
            "provider": str(provider_id(app, STJARNAN)),
            "effective_date": today().isoformat(),
        },
    )
    assert refused.status_code == 404
    with app.app_context(), all_municipalities():
        session = get_session()
        denied = session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.action == "access_denied", AuditEvent.object_id == str(case.id)
            )
        ).all()
        assert len(denied) == 2
        assert session.scalar(sa.select(sa.func.count()).select_from(ProviderChoice)) == 1
    # Tolvan's own hemtjänst, sent but not decided, is no insats yet.
    number = submit_hemtjanst(tolvan, bankid_simulator)
    own = case_path(app, number)
    assert tolvan.get(f"{own}/utforare").status_code == 404
    assert "Choose utförare" not in tolvan.get(own).text


def test_mina_sidor_and_the_case_page_link_to_the_choice(app, bankid_simulator):
    client = citizen(app, bankid_simulator)
    case = britt_case(app)
    assert f'href="/arenden/{case.id}/utforare"' in client.get("/mina-sidor").text
    assert f'href="/arenden/{case.id}/utforare"' in client.get(f"/arenden/{case.id}").text
    tolvan = citizen(app, bankid_simulator, TOLVAN)
    assert "/utforare" not in tolvan.get("/mina-sidor").text


def test_a_deactivated_provider_leaves_the_catalogue_and_cannot_be_chosen(app, bankid_simulator):
    client = citizen(app, bankid_simulator)
    vardag = provider_id(app, VARDAG)
    with app.app_context(), all_municipalities():
        session = get_session()
        session.get(Provider, vardag).active = False
        session.commit()
    assert NAMES[VARDAG] not in client.get("/kundval/hemtjanst").text
    assert client.get(f"/kundval/hemtjanst/utforare/{vardag}").status_code == 404
    case = britt_case(app)
    form = client.get(f"/arenden/{case.id}/utforare")
    response = client.post(
        f"/arenden/{case.id}/utforare",
        data={
            "csrf_token": csrf_from(form.text),
            "provider": str(vardag),
            "effective_date": today().isoformat(),
        },
    )
    assert response.status_code == 400


def test_catalogue_queries_do_not_grow_with_providers(app, bankid_simulator, count_queries):
    client = citizen(app, bankid_simulator)

    def queries(url: str) -> int:
        client.get(url)
        count_queries.statements.clear()
        assert client.get(url).status_code == 200
        return count_queries.count

    few = queries("/kundval/hemtjanst"), queries("/kundval/hemtjanst?omrade=Norra")
    with app.app_context(), all_municipalities():
        session = get_session()
        for i in range(30):
            session.add(
                Provider(
                    municipality_id=1,
                    name=f"Extra omsorg {i}",
                    organisation_number=f"55{i:04d}-0000",
                    services=["hemtjanst"],
                    areas=["Norra"],
                    languages=["Svenska"],
                    quality=[{"label": "Nöjda", "value": "90 %", "source": "Demo", "year": 2025}],
                )
            )
        session.commit()
    assert (queries("/kundval/hemtjanst"), queries("/kundval/hemtjanst?omrade=Norra")) == few
    assert len(card_titles(client.get("/kundval/hemtjanst").text)) == 34


def test_the_demo_seed_is_idempotent(app):
    from portal.demo.kundval import seed_granted_case, seed_kundval
    from portal.demo.seed import seed
    from portal.staff.models import StaffUser

    britt_case(app)
    with app.app_context(), all_municipalities():
        session = get_session()

        def counts() -> tuple[int, ...]:
            return tuple(
                session.scalar(sa.select(sa.func.count()).select_from(model))
                for model in (Provider, ProviderChoice, StaffUser, CaseEvent)
            )

        before = counts()
        assert before[0] == 4
        assert seed() is False
        assert seed_kundval(session) is False
        assert seed_granted_case(session) is False
        session.commit()
        assert counts() == before


def test_the_choice_form_starts_with_today(app, bankid_simulator):  # type: ignore[no-untyped-def]
    case = britt_case(app)
    britt = citizen(app, bankid_simulator)
    page = britt.get(f"/arenden/{case.id}/utforare").text
    assert f'value="{today().isoformat()}"' in page
