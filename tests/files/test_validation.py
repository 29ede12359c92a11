"""Tests for portal.files.validation: every file is made here (fpdf2, pypdf, Pillow, hand-built boxes), so
the suite needs no sample files and each test shows exactly what its bytes are."""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zipfile
import zlib

import pytest
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import Link
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from portal.files.validation import (
    MAX_FILENAME_LENGTH,
    UploadRejected,
    ValidatedFile,
    check_total,
    safe_filename,
    validate_upload,
)

MAX = 5 * 1024 * 1024


def make_pdf(pages: int = 1) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for number in range(pages):
        pdf.add_page()
        pdf.multi_cell(0, text=f"Kontoutdrag sida {number + 1}. " * 20)
    return bytes(pdf.output())


def encrypt(pdf: bytes, user_password: str, owner_password: str | None = None) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password, owner_password=owner_password, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_image(fmt: str, size: tuple[int, int] = (320, 240)) -> bytes:
    image = Image.new("RGB", size, (180, 40, 60))
    for x in range(0, size[0], 7):  # some detail, so the compressed data is not trivially short
        image.putpixel((x, x % size[1]), (x % 256, 90, 200))
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def box(box_type: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + box_type + payload


def make_heic(*, major: bytes = b"heic", hdlr: bytes = b"pict", mdat: bytes = b"\x00" * 64) -> bytes:
    """ftyp + meta(hdlr) + mdat, the skeleton of an iPhone photo."""
    ftyp = box(b"ftyp", major + b"\x00\x00\x00\x00" + b"mif1" + b"heic")
    hdlr_box = box(b"hdlr", b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00" + hdlr + b"\x00" * 12 + b"\x00")
    meta = box(b"meta", b"\x00\x00\x00\x00" + hdlr_box)
    return ftyp + meta + box(b"mdat", mdat)


def rejected(filename: str, content: bytes, max_bytes: int = MAX) -> str:
    with pytest.raises(UploadRejected) as excinfo:
        validate_upload(filename, content, max_bytes=max_bytes)
    return excinfo.value.reason


class TestPdf:
    def test_real_pdf(self) -> None:
        content = make_pdf()
        result = validate_upload("kontoutdrag.pdf", content, max_bytes=MAX)
        assert result == ValidatedFile(
            media_type="application/pdf",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            safe_filename="kontoutdrag.pdf",
        )

    def test_pdf_named_jpg_is_accepted_as_pdf(self) -> None:
        result = validate_upload("scan.jpg", make_pdf(pages=3), max_bytes=MAX)
        assert result.media_type == "application/pdf"
        assert result.safe_filename == "scan.pdf"

    @pytest.mark.parametrize("keep", [0.5, 0.9, 0.98])
    def test_truncated_pdf(self, keep: float) -> None:
        content = make_pdf()
        assert rejected("a.pdf", content[: int(len(content) * keep)]) == "corrupt"

    def test_truncated_pdf_with_an_end_marker_added(self) -> None:
        content = make_pdf()
        assert rejected("a.pdf", content[: len(content) // 2] + b"\n%%EOF\n") == "corrupt"

    def test_garbage_after_header(self) -> None:
        assert rejected("a.pdf", b"%PDF-1.7\n" + b"\x13\x37 garbage " * 300 + b"\n%%EOF\n") == "corrupt"

    def test_pdf_without_pages(self) -> None:
        writer = PdfWriter()
        out = io.BytesIO()
        writer.write(out)
        assert rejected("empty-doc.pdf", out.getvalue()) == "corrupt"

    def test_password_protected_pdf(self) -> None:
        assert rejected("a.pdf", encrypt(make_pdf(), "hemligt")) == "encrypted"

    def test_owner_password_only_pdf_opens_and_is_accepted(self) -> None:
        # Bank statements often restrict printing with an owner password; every viewer opens them.
        content = encrypt(make_pdf(), "", owner_password="banken")
        assert PdfReader(io.BytesIO(content)).is_encrypted
        assert validate_upload("kontoutdrag.pdf", content, max_bytes=MAX).media_type == "application/pdf"

    def test_html_named_pdf(self) -> None:
        assert rejected("faktura.pdf", b"<!DOCTYPE html><html><body>%PDF-1.4</body></html>") == "type"

    def test_pdf_header_not_at_the_start(self) -> None:
        assert rejected("a.pdf", b"<html>" + make_pdf()) == "type"


def rewrite(pdf: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    """``pdf`` opened with pypdf, changed by ``change(writer)`` and written again."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _action(kind: str, **entries: object) -> DictionaryObject:
    action = DictionaryObject(
        {NameObject("/Type"): NameObject("/Action"), NameObject("/S"): NameObject(kind)}
    )
    for key, value in entries.items():
        action[NameObject(f"/{key}")] = value  # type: ignore[assignment]
    return action


def _open_action(kind: str, **entries: object):  # type: ignore[no-untyped-def]
    def change(writer: PdfWriter) -> None:
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(_action(kind, **entries))

    return change


def _document_javascript(writer: PdfWriter) -> None:
    """A document-level script in the /Names /JavaScript name tree, run when the file opens."""
    script = writer._add_object(_action("/JavaScript", JS=TextStringObject("app.alert('hej')")))
    tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("start"), script])})
    writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})


def _page_additional_action(writer: PdfWriter) -> None:
    open_page = _action("/JavaScript", JS=TextStringObject("app.alert(1)"))
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): open_page})


def _link_with_script_on_a_later_page(writer: PdfWriter) -> None:
    link = Link(rect=(50, 50, 200, 80), url="https://example.se")
    annotation = writer.add_annotation(page_number=2, annotation=link)
    annotation.get_object()[NameObject("/A")] = _action(
        "/JavaScript", JS=TextStringObject("this.exportDataObject()")
    )


def _xfa_form(writer: PdfWriter) -> None:
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject(), NameObject("/XFA"): TextStringObject("<xdp:xdp/>")}
    )


def _rich_media(writer: PdfWriter) -> None:
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/RichMedia"),
            NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])


class TestActivePdf:
    """PDFs that can do more than show pages: scripts, launch actions, embedded files, XFA."""

    @pytest.mark.parametrize(
        "change",
        [
            pytest.param(_document_javascript, id="document-javascript"),
            pytest.param(
                _open_action("/JavaScript", JS=TextStringObject("app.launchURL('x')")), id="open-action-js"
            ),
            pytest.param(_open_action("/Launch", F=TextStringObject("cmd.exe")), id="launch"),
            pytest.param(lambda w: w.add_attachment("faktura.exe", b"MZ\x90\x00"), id="embedded-file"),
            pytest.param(_page_additional_action, id="page-additional-action"),
            pytest.param(_link_with_script_on_a_later_page, id="annotation-js"),
            pytest.param(_xfa_form, id="xfa"),
            pytest.param(_rich_media, id="rich-media"),
        ],
    )
    def test_refused(self, change) -> None:  # type: ignore[no-untyped-def]
        assert rejected("kontoutdrag.pdf", rewrite(make_pdf(pages=3), change)) == "active"

    def test_a_name_written_with_hex_escapes_is_still_found(self) -> None:
        content = rewrite(make_pdf(), _document_javascript)
        assert b"/JavaScript" in content
        disguised = content.replace(b"/JavaScript", b"/J#61vaScript")
        assert rejected("a.pdf", disguised) == "active"

    def test_links_and_go_to_page_actions_are_fine(self) -> None:
        def change(writer: PdfWriter) -> None:
            writer.add_annotation(
                page_number=0, annotation=Link(rect=(50, 50, 200, 80), url="https://exempelstad.se")
            )
            first = ArrayObject([writer.pages[0].indirect_reference, NameObject("/Fit")])
            writer._root_object[NameObject("/OpenAction")] = writer._add_object(_action("/GoTo", D=first))

        content = rewrite(make_pdf(pages=2), change)
        assert validate_upload("a.pdf", content, max_bytes=MAX).media_type == "application/pdf"


class TestImages:
    @pytest.mark.parametrize(
        ("fmt", "media_type", "ext"), [("JPEG", "image/jpeg", ".jpg"), ("PNG", "image/png", ".png")]
    )
    def test_real_images(self, fmt: str, media_type: str, ext: str) -> None:
        content = make_image(fmt)
        result = validate_upload("Foto från mobilen.jpeg", content, max_bytes=MAX)
        assert result.media_type == media_type
        assert result.safe_filename == f"Foto från mobilen{ext}"
        assert result.size == len(content)

    def test_truncated_png(self) -> None:
        content = make_image("PNG")
        assert rejected("a.png", content[: len(content) - 20]) == "corrupt"
        assert rejected("a.png", content[: len(content) // 2]) == "corrupt"

    def test_truncated_jpeg(self) -> None:
        content = make_image("JPEG")
        assert rejected("a.jpg", content[: len(content) // 2]) == "corrupt"

    def test_png_signature_with_nothing_behind_it(self) -> None:
        assert rejected("a.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64) == "corrupt"

    def test_png_with_a_damaged_chunk(self) -> None:
        content = bytearray(make_image("PNG"))
        idat = content.index(b"IDAT")
        content[idat + 20 : idat + 30] = b"\xff" * 10  # the chunk's CRC no longer matches
        assert rejected("a.png", bytes(content)) == "corrupt"

    def test_jpeg_with_data_after_the_end_marker_is_accepted(self) -> None:
        # Phones put metadata and motion-photo videos after the JPEG's end.
        content = make_image("JPEG") + b"MotionPhoto_Data" + b"\x00" * 200
        assert validate_upload("a.jpg", content, max_bytes=MAX).media_type == "image/jpeg"

    def test_decompression_bomb(self) -> None:
        # A PNG that declares far more pixels than Pillow's limit; the IHDR is made by hand.
        def chunk(kind: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

        ihdr = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
        content = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")
        assert rejected("bomb.png", content) == "corrupt"


class TestHeic:
    def test_minimal_heic(self) -> None:
        result = validate_upload("IMG_0042.HEIC", make_heic(), max_bytes=MAX)
        assert result.media_type == "image/heic"
        assert result.safe_filename == "IMG_0042.heic"

    @pytest.mark.parametrize(
        ("brand", "media_type", "ext"),
        [
            (b"heix", "image/heic", ".heic"),
            (b"hevc", "image/heic-sequence", ".heic"),
            (b"mif1", "image/heif", ".heif"),
            (b"msf1", "image/heif-sequence", ".heif"),
        ],
    )
    def test_other_heif_brands(self, brand: bytes, media_type: str, ext: str) -> None:
        result = validate_upload("bild", make_heic(major=brand), max_bytes=MAX)
        assert (result.media_type, result.safe_filename) == (media_type, f"bild{ext}")

    def test_mp4_and_avif_are_not_heic(self) -> None:
        assert rejected("film.heic", make_heic(major=b"isom")) == "type"
        assert rejected("bild.heic", make_heic(major=b"avif")) == "type"

    def test_truncated_heic(self) -> None:
        content = make_heic()
        assert rejected("a.heic", content[:-10]) == "corrupt"
        assert rejected("a.heic", content[:30]) == "corrupt"

    def test_trailing_bytes_after_the_last_box(self) -> None:
        assert rejected("a.heic", make_heic() + b"\x00\x00\x00") == "corrupt"

    def test_last_box_may_run_to_the_end(self) -> None:
        content = make_heic(mdat=b"")
        # mdat with size 0 "extends to end of file", followed by its data
        content = content[:-8] + struct.pack(">I", 0) + b"mdat" + b"\x01" * 50
        assert validate_upload("a.heic", content, max_bytes=MAX).media_type == "image/heic"

    def test_64_bit_box_size(self) -> None:
        content = make_heic(mdat=b"")[:-8]
        content += struct.pack(">I", 1) + b"mdat" + struct.pack(">Q", 16 + 40) + b"\x02" * 40
        assert validate_upload("a.heic", content, max_bytes=MAX).media_type == "image/heic"

    def test_heic_without_meta(self) -> None:
        ftyp = box(b"ftyp", b"heic\x00\x00\x00\x00mif1")
        assert rejected("a.heic", ftyp + box(b"mdat", b"\x00" * 32)) == "corrupt"

    def test_heic_meta_without_picture_handler(self) -> None:
        assert rejected("a.heic", make_heic(hdlr=b"vide")) == "corrupt"

    def test_box_size_larger_than_the_file(self) -> None:
        content = make_heic()
        broken = content[:-72] + struct.pack(">I", 10_000) + content[-68:]
        assert rejected("a.heic", broken) == "corrupt"


class TestNotAccepted:
    def test_renamed_windows_executable(self) -> None:
        pe = (
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
            + b"\x00" * 48
            + b"PE\x00\x00"
            + b"\x00" * 200
        )
        assert rejected("intyg.pdf", pe) == "type"

    def test_renamed_elf_executable(self) -> None:
        elf = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
        assert rejected("foto.jpg", elf) == "type"

    def test_zip(self) -> None:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("kontoutdrag.pdf", make_pdf())
        assert rejected("bilagor.zip", out.getvalue()) == "type"

    def test_docx_is_a_zip_too(self) -> None:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
        assert rejected("intyg.docx", out.getvalue()) == "type"

    def test_plain_text(self) -> None:
        assert rejected("a.pdf", "Hej, här är mitt intyg".encode()) == "type"

    def test_empty_file(self) -> None:
        assert rejected("a.pdf", b"") == "empty"

    def test_oversized_file(self) -> None:
        content = make_pdf()
        assert rejected("a.pdf", content, max_bytes=len(content) - 1) == "too_large"
        assert validate_upload("a.pdf", content, max_bytes=len(content)).size == len(content)

    def test_oversized_is_decided_before_the_content_is_looked_at(self) -> None:
        assert rejected("a.exe", b"MZ" + b"\x00" * 100, max_bytes=10) == "too_large"

    def test_rejection_message_does_not_carry_the_name(self) -> None:
        with pytest.raises(UploadRejected) as excinfo:
            validate_upload("Anna Andersson sjukintyg.exe", b"MZ\x00", max_bytes=MAX)
        assert "Anna" not in str(excinfo.value) and excinfo.value.reason == "type"


class TestTotal:
    def test_check_total(self) -> None:
        check_total([1000, 2000], 3000)
        check_total([], 0)
        with pytest.raises(UploadRejected) as excinfo:
            check_total([1000, 2001], 3000)
        assert excinfo.value.reason == "total_too_large"


class TestSafeFilename:
    def test_path_traversal(self) -> None:
        result = validate_upload("../../etc/passwd.pdf", make_pdf(), max_bytes=MAX)
        assert result.safe_filename == "passwd.pdf"
        assert safe_filename("..\\..\\Windows\\system32\\intyg.pdf", ".pdf") == "intyg.pdf"
        assert safe_filename("../..", ".pdf") == "bilaga.pdf"
        assert safe_filename("C:\\Users\\anna\\Skrivbord\\lön.pdf", ".pdf") == "lön.pdf"

    def test_swedish_and_other_letters_are_kept_and_nfc(self) -> None:
        decomposed = "Lo\u0308nespecifikation a\u030agust.pdf"  # as macOS sends it
        assert safe_filename(decomposed, ".pdf") == "Lönespecifikation ågust.pdf"
        assert safe_filename("Łukasz Żółć – intyg.pdf", ".pdf") == "Łukasz Żółć _ intyg.pdf"

    def test_control_and_bidi_characters_are_removed(self) -> None:
        assert safe_filename("intyg\x00\x1b[31m\r\n.pdf", ".pdf") == "intyg_31m.pdf"
        # U+202E would show "intyg\u202egpj.exe" as "intygexe.jpg"
        assert safe_filename("intyg\u202egpj.exe", ".pdf") == "intyggpj.pdf"

    def test_unsafe_characters_are_replaced(self) -> None:
        assert safe_filename('a<b>c:"d|e?f*g.pdf', ".pdf") == "a_b_c__d_e_f_g.pdf"
        assert safe_filename("  many    spaces  .pdf", ".pdf") == "many spaces.pdf"

    def test_extension_is_set_to_the_real_type(self) -> None:
        assert safe_filename("scan.JPG", ".pdf") == "scan.pdf"
        assert safe_filename("utan-ändelse", ".png") == "utan-ändelse.png"
        assert safe_filename("Kvitto 12.03.2024", ".pdf") == "Kvitto 12.03.2024.pdf"
        assert safe_filename("kontoutdrag.2024.pdf", ".pdf") == "kontoutdrag.2024.pdf"
        assert safe_filename(".pdf", ".pdf") == "bilaga.pdf"
        assert safe_filename("", ".jpg") == "bilaga.jpg"

    def test_hidden_and_reserved_names(self) -> None:
        assert safe_filename(".htaccess", ".png") == "htaccess.png"
        assert safe_filename("CON.pdf", ".pdf") == "_CON.pdf"
        assert safe_filename("nul", ".pdf") == "_nul.pdf"

    def test_length_is_capped_with_the_extension_kept(self) -> None:
        name = safe_filename("å" * 500 + ".pdf", ".pdf")
        assert len(name) == MAX_FILENAME_LENGTH
        assert name.endswith("å.pdf")
        heic = safe_filename("x" * 300, ".heic")
        assert len(heic) == MAX_FILENAME_LENGTH and heic.endswith(".heic")

    def test_no_surprises_on_random_names(self) -> None:
        for name in ["a/b\\c", "\u200b\u200bx", "😀 bild.png", "....", "a" * 119 + " .pdf"]:
            result = safe_filename(name, ".png")
            assert result.endswith(".png")
            assert "/" not in result and "\\" not in result
            assert not result.startswith(".")
            assert len(result) <= MAX_FILENAME_LENGTH
            assert re.fullmatch(r"[\w ().,+\-]+\.png", result), result
