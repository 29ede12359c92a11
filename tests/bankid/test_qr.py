"""The animated QR code: BankID's published example and the SVG the portal shows."""

from xml.etree import ElementTree as ET

import pytest

from portal.auth.bankid.qr import qr_data, qr_svg

# BankID's worked example (developers.bankid.com, "QR code"): these tokens, and for time 0 this qrAuthCode.
TOKEN = "67df3917-fa0d-44e5-b327-edcc928297f8"
SECRET = "d28db9a7-4cde-429e-a983-359be676944c"


@pytest.mark.parametrize(
    ("seconds", "auth_code"),
    [
        (0, "dc69358e712458a66a7525beef148ae8526b1c71610eff2c16cdffb4cdac9bf8"),
        (1, "949d559bf23403952a94d103e67743126381eda00f0b3cbddbf7c96b1adcbce2"),
        (2, "a9e5ec59cb4eee4ef4117150abc58fad7a85439a6a96ccbecc3668b41795b3f3"),
    ],
)
def test_qr_data_matches_bankids_example(seconds, auth_code):
    assert qr_data(TOKEN, SECRET, seconds) == f"bankid.{TOKEN}.{seconds}.{auth_code}"


def test_qr_data_for_time_zero_is_bankids_published_string():
    assert qr_data(TOKEN, SECRET, 0) == (
        "bankid.67df3917-fa0d-44e5-b327-edcc928297f8.0."
        "dc69358e712458a66a7525beef148ae8526b1c71610eff2c16cdffb4cdac9bf8"
    )


def test_qr_data_changes_every_second():
    codes = {qr_data(TOKEN, SECRET, second) for second in range(30)}
    assert len(codes) == 30


@pytest.mark.parametrize("seconds", [-1, 1.5, True, "3"])
def test_qr_data_refuses_anything_but_whole_non_negative_seconds(seconds):
    with pytest.raises(ValueError):
        qr_data(TOKEN, SECRET, seconds)


def test_qr_svg_is_embeddable_svg():
    svg = qr_svg(qr_data(TOKEN, SECRET, 0))
    assert svg.startswith("<svg ")
    assert "<?xml" not in svg
    root = ET.fromstring(svg)  # well-formed, so it also works as an <img> source
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    # The data needs a version 6 symbol (41 modules) plus a four-module quiet zone on each side.
    assert root.get("viewBox") == "0 0 49 49"
    assert int(root.get("width")) == int(root.get("height")) >= 250
    assert root.find("{http://www.w3.org/2000/svg}title").text == "BankID QR code"


def test_qr_svg_has_a_white_background_for_the_quiet_zone():
    svg = qr_svg("bankid.x.0.y")
    root = ET.fromstring(svg)
    background = root.find("{http://www.w3.org/2000/svg}path")
    assert background.get("fill") == "#fff"


def test_qr_svg_title_is_escaped():
    svg = qr_svg("bankid.x.0.y", title='QR-kod <för> "BankID" & mer')
    root = ET.fromstring(svg)
    assert root.find("{http://www.w3.org/2000/svg}title").text == 'QR-kod <för> "BankID" & mer'


def test_qr_svg_differs_per_second():
    assert qr_svg(qr_data(TOKEN, SECRET, 0)) != qr_svg(qr_data(TOKEN, SECRET, 1))
