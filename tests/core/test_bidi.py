"""Bidirectional controls: removed from text citizens, staff and case systems send; names, numbers and
titles are isolated with <bdi> where they are shown."""

import io

import sqlalchemy as sa

from portal.accounts.models import Person
from portal.accounts.personnummer import parse
from portal.accounts.services import person_from_eid
from portal.cases.models import StaffNote
from portal.db import all_municipalities, get_session
from portal.messaging.models import Message
from portal.text import BIDI_CONTROLS, strip_bidi
from tests.auth.login_helpers import log_in
from tests.cases.test_my_cases import case_path, submit_hemtjanst
from tests.helpers import csrf_from
from tests.staff.test_workspace import OMAR, staff_case_path, staff_log_in

RLO, PDF, LRI, PDI, RLM, ALM = "\u202e", "\u202c", "\u2066", "\u2069", "\u200f", "\u061c"


def test_every_direction_control_is_removed_and_nothing_else():
    text = f"Faktura{RLO}fdp.exe{PDF} {LRI}Åsa{PDI}{RLM} مرحبا{ALM} \u202a\u202b\u202d\u200e\u2067\u2068"
    assert strip_bidi(text) == "Fakturafdp.exe Åsa مرحبا "
    assert not BIDI_CONTROLS.search(strip_bidi(text))


def test_a_citizens_message_and_a_staff_note_are_stored_without_controls(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    number = submit_hemtjanst(client, bankid_simulator)
    path = case_path(app, number)
    page = client.get(path).text
    sent = client.post(
        f"{path}/meddelanden",
        data={
            "csrf_token": csrf_from(page),
            "body": f"Hej{RLO} vänd inte{PDF}",
            "attachment": (io.BytesIO(b""), ""),
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302

    staff = app.test_client()
    staff_log_in(staff, bankid_simulator, OMAR)
    staff_path = staff_case_path(app, number)
    staff_page = staff.get(staff_path).text
    staff.post(
        f"{staff_path}/anteckning",
        data={"csrf_token": csrf_from(staff_page), "body": f"Ring{LRI} henne{PDI}"},
    )
    with app.app_context(), all_municipalities():
        session = get_session()
        assert session.scalar(sa.select(Message.body)) == "Hej vänd inte"
        assert session.scalar(sa.select(StaffNote.body)) == "Ring henne"


def test_names_and_case_numbers_are_isolated_where_they_are_shown(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    number = submit_hemtjanst(client, bankid_simulator)
    with app.app_context(), all_municipalities():
        session = get_session()
        tolvan = session.scalar(sa.select(Person).where(Person.personal_number == "191212121212"))
        # A name as an e-ID might give it: the override stays inside its <bdi>.
        tolvan.surname = f"{RLO}nossnavloT"
        session.commit()
    page = client.get(case_path(app, number)).text
    assert f'<li class="site-header__user"><bdi>Tolvan {RLO}nossnavloT</bdi></li>' in page
    assert f'<bdi dir="ltr">{number}</bdi>' in page

    staff = app.test_client()
    staff_log_in(staff, bankid_simulator, OMAR)
    inbox = staff.get("/handlaggare/").text
    assert f"<bdi>Tolvan {RLO}nossnavloT</bdi>" in inbox
    assert f'<bdi dir="ltr">{number}</bdi>' in inbox
    assert "<bdi>19121212-1212</bdi>" in staff.get(staff_case_path(app, number)).text


def test_a_name_from_an_e_id_is_kept_without_controls(app):
    with app.test_request_context():
        person = person_from_eid(parse("191212121212"), f"Tolvan{RLM}", f"{RLO}nossnavloT")
        assert (person.given_name, person.surname) == ("Tolvan", "nossnavloT")
