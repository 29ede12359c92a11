"""completionData of a finished simulated order: the user, the device, a made-up signature XML and
OCSP response, shaped as BankID's RP API v6.0 returns them."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import date, datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

from portal.bankid_simulator.orders import SimOrder

_XMLDSIG = "http://www.w3.org/2000/09/xmldsig#"
_BANKID_TYPES = "http://www.bankid.com/signature/v1.0.0/types"


def completion_data(order: SimOrder, digits12: str, given_name: str, surname: str, now: float) -> dict:
    person_hash = hashlib.sha256(f"bankid-simulator:{digits12}".encode()).digest()
    # Stable per person, like a real BankID's issue date and the user's device.
    issue_date = date(2019, 1, 1) + timedelta(days=int.from_bytes(person_hash[:2], "big") % 1800)
    uhi = base64.urlsafe_b64encode(person_hash[2:22]).decode().rstrip("=")
    data: dict[str, Any] = {
        "user": {
            "personalNumber": digits12,
            "name": f"{given_name} {surname}",
            "givenName": given_name,
            "surname": surname,
        },
        "device": {"ipAddress": order.end_user_ip, "uhi": uhi},
        "bankIdIssueDate": issue_date.isoformat(),
        "signature": base64.b64encode(_signature_xml(order, digits12, now)).decode("ascii"),
        "ocspResponse": base64.b64encode(_ocsp_response_der()).decode("ascii"),
    }
    if order.requirement.get("mrtd"):
        data["stepUp"] = {"mrtd": True}
    if order.return_risk:
        data["risk"] = "low"
    return data


def _signature_xml(order: SimOrder, digits12: str, now: float) -> bytes:
    """An XML-DSig document shaped like BankID's: the signed data (what the user saw and the hidden data)
    and key info, with random bytes where a real signature and certificate would be. Nothing verifies."""
    ET.register_namespace("", _XMLDSIG)
    root = ET.Element(f"{{{_XMLDSIG}}}Signature")
    signed_data = ET.Element(f"{{{_BANKID_TYPES}}}bankIdSignedData", {"Id": "bidSignedData"})
    if order.user_visible_data_b64:
        visible = ET.SubElement(
            signed_data, f"{{{_BANKID_TYPES}}}usrVisibleData", {"charset": "UTF-8", "visible": "wysiwys"}
        )
        visible.text = order.user_visible_data_b64
    if order.user_non_visible_data_b64:
        ET.SubElement(
            signed_data, f"{{{_BANKID_TYPES}}}usrNonVisibleData"
        ).text = order.user_non_visible_data_b64
    server_info = ET.SubElement(signed_data, f"{{{_BANKID_TYPES}}}srvInfo")
    ET.SubElement(server_info, f"{{{_BANKID_TYPES}}}name").text = base64.b64encode(
        b"Medborgarvy BankID simulator"
    ).decode()
    ET.SubElement(server_info, f"{{{_BANKID_TYPES}}}nonce").text = base64.b64encode(
        secrets.token_bytes(20)
    ).decode()
    ET.SubElement(server_info, f"{{{_BANKID_TYPES}}}displayName").text = base64.b64encode(
        b"Medborgarvy (simulator)"
    ).decode()
    ET.SubElement(server_info, f"{{{_BANKID_TYPES}}}orderRef").text = order.order_ref
    ET.SubElement(server_info, f"{{{_BANKID_TYPES}}}timestamp").text = (
        datetime.fromtimestamp(now).astimezone().isoformat(timespec="seconds")
    )
    ET.SubElement(signed_data, f"{{{_BANKID_TYPES}}}clientInfo", {"pno": digits12})

    key_info = ET.Element(f"{{{_XMLDSIG}}}KeyInfo", {"Id": "bidKeyInfo"})
    x509 = ET.SubElement(key_info, f"{{{_XMLDSIG}}}X509Data")
    for _ in range(3):  # user, bank and BankID CA certificates in a real signature
        ET.SubElement(x509, f"{{{_XMLDSIG}}}X509Certificate").text = base64.b64encode(
            secrets.token_bytes(900)
        ).decode()

    signed_info = ET.SubElement(root, f"{{{_XMLDSIG}}}SignedInfo")
    ET.SubElement(
        signed_info,
        f"{{{_XMLDSIG}}}CanonicalizationMethod",
        {"Algorithm": "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"},
    )
    ET.SubElement(
        signed_info,
        f"{{{_XMLDSIG}}}SignatureMethod",
        {"Algorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"},
    )
    for uri, element, ref_type in (
        ("#bidSignedData", signed_data, _BANKID_TYPES),
        ("#bidKeyInfo", key_info, None),
    ):
        attributes = {"URI": uri}
        if ref_type:
            attributes["Type"] = ref_type
        reference = ET.SubElement(signed_info, f"{{{_XMLDSIG}}}Reference", attributes)
        transforms = ET.SubElement(reference, f"{{{_XMLDSIG}}}Transforms")
        ET.SubElement(
            transforms,
            f"{{{_XMLDSIG}}}Transform",
            {"Algorithm": "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"},
        )
        ET.SubElement(
            reference, f"{{{_XMLDSIG}}}DigestMethod", {"Algorithm": "http://www.w3.org/2001/04/xmlenc#sha256"}
        )
        ET.SubElement(reference, f"{{{_XMLDSIG}}}DigestValue").text = base64.b64encode(
            hashlib.sha256(ET.tostring(element)).digest()
        ).decode()
    ET.SubElement(root, f"{{{_XMLDSIG}}}SignatureValue").text = base64.b64encode(
        secrets.token_bytes(256)
    ).decode()
    root.append(key_info)
    obj = ET.SubElement(root, f"{{{_XMLDSIG}}}Object")
    obj.append(signed_data)
    return b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>' + ET.tostring(
        root, encoding="utf-8", xml_declaration=False
    )


def _der(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        encoded_length = bytes([length])
    else:
        size = (length.bit_length() + 7) // 8
        encoded_length = bytes([0x80 | size]) + length.to_bytes(size, "big")
    return bytes([tag]) + encoded_length + content


def _ocsp_response_der() -> bytes:
    """DER for OCSPResponse { successful, id-pkix-ocsp-basic, <random bytes> }: parses as the outer
    structure of an OCSP response; the inner BasicOCSPResponse is made up."""
    ocsp_basic_oid = bytes.fromhex("2b0601050507300101")  # 1.3.6.1.5.5.7.48.1.1
    response_bytes = _der(0x30, _der(0x06, ocsp_basic_oid) + _der(0x04, secrets.token_bytes(1200)))
    return _der(0x30, _der(0x0A, b"\x00") + _der(0xA0, response_bytes))
