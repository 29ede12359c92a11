"""Filling in e-services through the test client, the way a browser posts the pages."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.auth.login_helpers import newest_order_ref
from tests.helpers import csrf_from

HEMTJANST_ANSWERS = {
    "contact": {"phone": "070-123 45 67", "email": "tolvan@example.se", "interpreter": "no"},
    "need": {"needs": ["cleaning", "shopping"], "description": "Jag klarar inte att städa och handla själv."},
    "situation": {"housing": "apartment", "lives_alone": "yes", "recent_hospital_stay": "no"},
    "provider": {"has_wish": "no"},
}


def start(client: FlaskClient, eservice_id: str) -> str:
    """Start an application; returns its task-list path."""
    page = client.get(f"/e-tjanster/{eservice_id}")
    assert page.status_code == 200
    response = client.post(f"/e-tjanster/{eservice_id}/starta", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 302
    return response.headers["Location"]


def post_step(
    client: FlaskClient, draft_path: str, step_id: str, data: dict, action: str = "continue", **extra
):
    page = client.get(f"{draft_path}/steg/{step_id}")
    assert page.status_code == 200, page.text
    form = {"csrf_token": csrf_from(page.text), "action": action, **data}
    return client.post(f"{draft_path}/steg/{step_id}", data=form, **extra)


def fill(client: FlaskClient, draft_path: str, answers: dict) -> None:
    for step_id, data in answers.items():
        response = post_step(client, draft_path, step_id, data)
        assert response.status_code == 302, (
            step_id,
            re.findall(r'class="field-error"[^>]*>(.*?)</p>', response.text),
        )


def sign(client: FlaskClient, simulator, draft_path: str, personal_number: str, role: str = "applicant"):  # type: ignore[no-untyped-def]
    source = f"{draft_path}/granska" if role == "applicant" else f"{draft_path}/medsokande"
    page = client.get(source)
    assert page.status_code == 200
    response = client.post(
        f"{draft_path}/skriv-under/{role}", data={"csrf_token": csrf_from(page.text), "device": "other"}
    )
    assert response.status_code == 302, response.text
    simulator.approve(newest_order_ref(simulator), personal_number)
    return client.get(f"{draft_path}/skriv-under/{role}")


def form_data(step_raw):  # type: ignore[no-untyped-def]
    """A step's raw answers as the browser posts them (repeating groups as items-N-field)."""
    if isinstance(step_raw, list):
        return {f"items-{i}-{key}": value for i, item in enumerate(step_raw) for key, value in item.items()}
    return dict(step_raw)


def small_pdf() -> bytes:
    import datetime as dt

    from fpdf import FPDF

    pdf = FPDF()
    # A fixed creation date: two calls give the same bytes, even across a second's boundary.
    pdf.set_creation_date(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Kontoutdrag")
    return bytes(pdf.output())


def upload(client: FlaskClient, draft_path: str, step_id: str, slot: str, filename: str, content: bytes):
    import io

    page = client.get(f"{draft_path}/steg/{step_id}")
    data = {
        "csrf_token": csrf_from(page.text),
        "action": "upload",
        "slot": slot,
        "file": (io.BytesIO(content), filename),
    }
    return client.post(f"{draft_path}/steg/{step_id}", data=data, content_type="multipart/form-data")
