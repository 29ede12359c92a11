"""The utförare's side: only the cases where their provider is the current choice, and on those only the
utförare thread and the genomförandeplan. A change of provider moves the thread at once."""

from __future__ import annotations

import datetime as dt
import io
import re

import sqlalchemy as sa

from portal.actor import Actor
from portal.audit.models import AuditEvent
from portal.cases.models import Case, Document
from portal.db import all_municipalities, get_session, unit_of_work
from portal.messaging import services as messaging
from portal.municipalities.models import Municipality
from portal.providers.models import Provider, ProviderChoice
from portal.providers.services import today
from portal.staff.models import StaffUser
from tests.applications.flow_helpers import small_pdf
from tests.helpers import csrf_from
from tests.providers.helpers import (
    OMAR,
    SAMIR,
    STJARNAN,
    ULLA,
    britt_case,
    choose,
    citizen,
    provider_id,
    staff,
)


def denied_for(app, actor_id: int, object_id: str) -> int:  # type: ignore[no-untyped-def]
    with app.app_context(), all_municipalities():
        return get_session().scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == "access_denied",
                AuditEvent.actor_type == "staff",
                AuditEvent.actor_id == actor_id,
                AuditEvent.object_id == object_id,
            )
        )


def staff_id(app, personal_number: str) -> int:  # type: ignore[no-untyped-def]
    with app.app_context(), all_municipalities():
        return get_session().scalar(
            sa.select(StaffUser.id).where(StaffUser.personal_number == personal_number)
        )


def test_utforare_land_on_their_own_case_list(app, bankid_simulator):
    client = staff(app, bankid_simulator, ULLA)
    case = britt_case(app)
    listing = client.get("/handlaggare/utforare/")
    assert listing.status_code == 200
    assert case.case_number in listing.text and "Britt Lindqvist" in listing.text
    assert client.get("/handlaggare/").headers["Location"] == "/handlaggare/utforare/"
    samir = staff(app, bankid_simulator, SAMIR)
    assert case.case_number not in samir.get("/handlaggare/utforare/").text
    assert samir.get(f"/handlaggare/utforare/arenden/{case.id}").status_code == 404
    assert denied_for(app, staff_id(app, SAMIR), str(case.id)) == 1


def test_utforare_never_see_the_handlaggare_thread_notes_or_other_documents(app, bankid_simulator):
    case = britt_case(app)
    omar = staff(app, bankid_simulator, OMAR)
    page = omar.get(f"/handlaggare/arenden/{case.id}").text
    omar.post(
        f"/handlaggare/arenden/{case.id}/meddelanden",
        data={"csrf_token": csrf_from(page), "body": "Hemligt till handläggaren: om din ekonomi."},
    )
    omar.post(
        f"/handlaggare/arenden/{case.id}/anteckning",
        data={"csrf_token": csrf_from(page), "body": "Anteckning bara för handläggare."},
    )
    ulla = staff(app, bankid_simulator, ULLA)
    own = ulla.get(f"/handlaggare/utforare/arenden/{case.id}")
    assert own.status_code == 200
    assert "Hemligt till handläggaren" not in own.text
    assert "Anteckning bara" not in own.text
    assert "Beslut" not in own.text  # the decision is not the utförare's
    # Nor through the handläggare's pages (not her role: refused and logged), nor the decision by its id.
    assert ulla.get(f"/handlaggare/arenden/{case.id}").status_code == 403
    assert ulla.get(f"/handlaggare/arenden/{case.id}/logg").status_code == 403
    with app.app_context(), all_municipalities():
        decision_doc = get_session().scalar(
            sa.select(Document.id).where(Document.case_id == case.id, Document.kind == "beslut")
        )
    assert ulla.get(f"/handlaggare/utforare/dokument/{decision_doc}").status_code == 404
    assert ulla.get(f"/handlaggare/dokument/{decision_doc}").status_code == 403
    assert denied_for(app, staff_id(app, ULLA), "staff.case") == 1
    assert denied_for(app, staff_id(app, ULLA), "staff.audit_log") == 1
    assert denied_for(app, staff_id(app, ULLA), str(decision_doc)) == 1
    # The handläggare thread's attachment, by its id: refused too.
    with app.app_context(), all_municipalities(), unit_of_work() as session:
        messaging.post(
            session,
            session.get(Case, case.id),
            body="Bilaga",
            upload=("intyg.pdf", small_pdf()),
            author=Actor("staff", staff_id(app, OMAR)),
        )
        from portal.messaging.models import MessageAttachment

        attachment = session.scalar(sa.select(MessageAttachment.id))
    assert ulla.get(f"/handlaggare/utforare/meddelanden/bilagor/{attachment}").status_code == 404
    assert ulla.get(f"/handlaggare/meddelanden/bilagor/{attachment}").status_code == 403


def test_the_utforare_thread_works_both_ways_and_moves_with_a_change_of_provider(app, bankid_simulator):
    case = britt_case(app)
    britt = citizen(app, bankid_simulator)
    page = britt.get(f"/arenden/{case.id}").text
    assert 'Messages with the care provider <bdi lang="sv">Exempelstads kommunala hemtjänst</bdi>' in page
    sent = britt.post(
        f"/arenden/{case.id}/meddelanden/utforare",
        data={"csrf_token": csrf_from(page), "body": "Kan ni komma en halvtimme senare på fredag?"},
    )
    assert sent.status_code == 302
    ulla = staff(app, bankid_simulator, ULLA)
    listing = ulla.get("/handlaggare/utforare/").text
    assert re.search(r"<td><strong>1</strong></td>", listing)  # one unread message
    ulla_page = ulla.get(f"/handlaggare/utforare/arenden/{case.id}").text
    assert "Kan ni komma en halvtimme senare på fredag?" in ulla_page
    answered = ulla.post(
        f"/handlaggare/utforare/arenden/{case.id}/meddelanden",
        data={"csrf_token": csrf_from(ulla_page), "body": "Det går bra, vi kommer klockan elva."},
    )
    assert answered.status_code == 302
    page = britt.get(f"/arenden/{case.id}").text
    assert "Det går bra, vi kommer klockan elva." in page
    assert "Read by the care provider" in page

    # The handläggare sees that the thread exists, not what it says.
    omar = staff(app, bankid_simulator, OMAR)
    omar_page = omar.get(f"/handlaggare/arenden/{case.id}").text
    assert "thread between the applicant and the care provider with 2 messages" in omar_page
    assert "halvtimme" not in omar_page

    # Britt changes to Omsorg Stjärnan from today: Samir gets the thread, Ulla loses it at once.
    choose(britt, case.id, provider_id(app, STJARNAN), today())
    assert ulla.get(f"/handlaggare/utforare/arenden/{case.id}").status_code == 404
    assert case.case_number not in ulla.get("/handlaggare/utforare/").text
    refused = ulla.post(
        f"/handlaggare/utforare/arenden/{case.id}/meddelanden",
        data={"csrf_token": csrf_from(ulla_page), "body": "Hej igen"},
    )
    assert refused.status_code == 404
    samir = staff(app, bankid_simulator, SAMIR)
    samir_page = samir.get(f"/handlaggare/utforare/arenden/{case.id}").text
    # The thread goes on with Samir, but what Britt and Ulla wrote to each other stays theirs.
    assert "Kan ni komma en halvtimme senare på fredag?" not in samir_page
    assert "Det går bra, vi kommer klockan elva." not in samir_page
    samir.post(
        f"/handlaggare/utforare/arenden/{case.id}/meddelanden",
        data={"csrf_token": csrf_from(samir_page), "body": "Hej Britt, vi på Stjärnan hälsar välkommen."},
    )
    page = britt.get(f"/arenden/{case.id}").text
    assert 'Messages with the care provider <bdi lang="sv">Omsorg Stjärnan AB</bdi>' in page
    # Each message keeps the name of the provider that wrote it.
    assert re.search(r"<strong><bdi>Exempelstads kommunala hemtjänst</bdi></strong>,", page)
    assert re.search(r"<strong><bdi>Omsorg Stjärnan AB</bdi></strong>,", page)


def test_a_future_change_keeps_the_current_utforare_until_its_day(app, bankid_simulator):
    case = britt_case(app)
    britt = citizen(app, bankid_simulator)
    choose(britt, case.id, provider_id(app, STJARNAN), today() + dt.timedelta(days=3))
    ulla = staff(app, bankid_simulator, ULLA)
    samir = staff(app, bankid_simulator, SAMIR)
    assert ulla.get(f"/handlaggare/utforare/arenden/{case.id}").status_code == 200
    assert samir.get(f"/handlaggare/utforare/arenden/{case.id}").status_code == 404
    # On the day, the change takes effect (the choice's date moved to today stands in for waiting).
    with app.app_context(), all_municipalities():
        session = get_session()
        newest = session.scalar(sa.select(ProviderChoice).order_by(ProviderChoice.chosen_at.desc()).limit(1))
        newest.effective_date = today()
        session.commit()
    assert ulla.get(f"/handlaggare/utforare/arenden/{case.id}").status_code == 404
    assert samir.get(f"/handlaggare/utforare/arenden/{case.id}").status_code == 200


def test_utforare_publish_a_genomforandeplan_as_a_pdf_that_the_citizen_reads(app, bankid_simulator):
    case = britt_case(app)
    ulla = staff(app, bankid_simulator, ULLA)
    page = ulla.get(f"/handlaggare/utforare/arenden/{case.id}").text
    wrong = ulla.post(
        f"/handlaggare/utforare/arenden/{case.id}/genomforandeplan",
        data={"csrf_token": csrf_from(page), "document": (io.BytesIO(b"not a pdf at all"), "plan.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "must be a readable PDF" in wrong.text
    done = ulla.post(
        f"/handlaggare/utforare/arenden/{case.id}/genomforandeplan",
        data={"csrf_token": csrf_from(page), "document": (io.BytesIO(small_pdf()), "plan.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "The implementation plan is published" in done.text
    with app.app_context(), all_municipalities():
        plan = get_session().scalar(sa.select(Document).where(Document.kind == "genomforandeplan"))
    assert ulla.get(f"/handlaggare/utforare/dokument/{plan.id}").status_code == 200
    britt = citizen(app, bankid_simulator)
    # Named in the page's language (English here), not by its stored Swedish title.
    assert "Implementation plan of " in britt.get(f"/arenden/{case.id}").text
    # Without the CSRF token nothing is published.
    assert ulla.post(f"/handlaggare/utforare/arenden/{case.id}/genomforandeplan").status_code == 400


def test_utforare_of_another_municipality_cannot_open_the_case(app, bankid_simulator):
    case = britt_case(app)
    with app.app_context(), all_municipalities():
        session = get_session()
        norrby = session.scalar(sa.select(Municipality).where(Municipality.slug == "norrby"))
        provider = Provider(
            municipality_id=norrby.id,
            name="Norrby omsorg",
            organisation_number="556111-2222",
            services=["hemtjanst"],
        )
        session.add(provider)
        session.flush()
        # Even a (wrong) choice of a Norrby provider on an Exempelstad case opens nothing in Norrby.
        session.add(
            ProviderChoice(
                case_id=case.id,
                person_id=case.subject_id,
                provider_id=provider.id,
                effective_date=today(),
                chosen_by_id=case.subject_id,
            )
        )
        session.add(
            StaffUser(
                municipality_id=norrby.id,
                personal_number=ULLA,
                name="Ulla i Norrby",
                roles=["utforare"],
                provider_id=provider.id,
            )
        )
        session.commit()
    norrby_staff = staff(app, bankid_simulator, ULLA, prefix="/k/norrby")
    assert case.case_number not in norrby_staff.get("/k/norrby/handlaggare/utforare/").text
    assert norrby_staff.get(f"/k/norrby/handlaggare/utforare/arenden/{case.id}").status_code == 404


def test_handlaggare_and_citizens_cannot_use_the_utforare_pages(app, bankid_simulator):
    case = britt_case(app)
    omar = staff(app, bankid_simulator, OMAR)
    assert omar.get("/handlaggare/utforare/").status_code == 403
    assert omar.get(f"/handlaggare/utforare/arenden/{case.id}").status_code == 403
    britt = citizen(app, bankid_simulator)
    assert britt.get("/handlaggare/utforare/").headers["Location"] == "/handlaggare/logga-in"


def test_utforare_case_list_queries_do_not_grow_with_cases(app, bankid_simulator, count_queries):
    ulla = staff(app, bankid_simulator, ULLA)

    def queries() -> int:
        ulla.get("/handlaggare/utforare/")
        count_queries.statements.clear()
        assert ulla.get("/handlaggare/utforare/").status_code == 200
        return count_queries.count

    case = britt_case(app)
    few = queries()
    kommunal = provider_id(app, "212000-0001")
    with app.app_context(), all_municipalities():
        session = get_session()
        for i in range(20):
            extra = Case(
                case_number=f"UTF-{i:04d}",
                municipality_id=case.municipality_id,
                subject_id=case.subject_id,
                applicant_id=case.subject_id,
                eservice_id="hemtjanst",
                eservice_version=1,
                case_type="hemtjanst_sol",
                payload={},
            )
            session.add(extra)
            session.flush()
            for day in (5, 1):
                session.add(
                    ProviderChoice(
                        case_id=extra.id,
                        person_id=case.subject_id,
                        provider_id=kommunal,
                        effective_date=today() - dt.timedelta(days=day),
                        chosen_by_id=case.subject_id,
                    )
                )
            messaging.post(
                session,
                extra,
                body="Hej",
                upload=None,
                author=Actor("person", case.subject_id),
                audience="utforare",
            )
        session.commit()
    assert queries() == few
    assert ulla.get("/handlaggare/utforare/").text.count("UTF-") == 20  # each case once, however many choices


def test_the_citizen_sees_that_the_utforare_read_the_case(app, bankid_simulator):
    case = britt_case(app)
    ulla = staff(app, bankid_simulator, ULLA)
    assert ulla.get(f"/handlaggare/utforare/arenden/{case.id}").status_code == 200
    britt = citizen(app, bankid_simulator)
    page = britt.get("/mina-sidor/vem-har-last").text
    assert re.search(r"<td>Care provider</td>", page)


def test_a_new_utforare_does_not_read_what_was_written_to_the_previous_one(app, bankid_simulator):  # type: ignore[no-untyped-def]
    """The thread goes on, but each provider reads only the messages of its own time."""
    case = britt_case(app)
    britt = citizen(app, bankid_simulator)
    page = britt.get(f"/arenden/{case.id}")
    britt.post(
        f"/arenden/{case.id}/meddelanden/utforare",
        data={
            "csrf_token": csrf_from(page.text),
            "body": "Till den gamla utföraren: nyckeln ligger hos grannen",
        },
    )
    with app.app_context(), all_municipalities():
        # The message was written yesterday, before the change takes effect today.
        from portal.messaging.models import Message

        session = get_session()
        for message in session.scalars(sa.select(Message)):
            message.created_at -= dt.timedelta(days=1)
        session.commit()
    choose(britt, case.id, provider_id(app, STJARNAN), dt.date.today())
    samir = staff(app, bankid_simulator, SAMIR)
    own = samir.get(f"/handlaggare/utforare/arenden/{case.id}")
    assert own.status_code == 200
    assert "nyckeln ligger hos grannen" not in own.text
    assert "not shown" in own.text


def test_a_message_written_earlier_the_same_day_stays_with_the_previous_utforare(app, bankid_simulator):  # type: ignore[no-untyped-def]
    """The choice takes effect today, but the message was written before it was made."""
    case = britt_case(app)
    britt = citizen(app, bankid_simulator)
    page = britt.get(f"/arenden/{case.id}")
    britt.post(
        f"/arenden/{case.id}/meddelanden/utforare",
        data={"csrf_token": csrf_from(page.text), "body": "Till den gamla utföraren i morse"},
    )
    choose(britt, case.id, provider_id(app, STJARNAN), dt.date.today())
    samir = staff(app, bankid_simulator, SAMIR)
    assert (
        "Till den gamla utföraren i morse" not in samir.get(f"/handlaggare/utforare/arenden/{case.id}").text
    )
