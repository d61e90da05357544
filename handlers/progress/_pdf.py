"""The certificate as a one-page PDF (reportlab, imported only when one is drawn).

Names are drawn in DejaVu Sans (Latin, Greek, Cyrillic…), the font matplotlib ships, found
without importing matplotlib; without it, the standard Helvetica (Latin-1 only) is used."""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Callable
from pathlib import Path

from models.progress_tables import Certificate

QR_POINTS = 90  # the QR code's side on the page (about 3 cm)
QR_SCALE = 8  # pixels per module of its PNG: sharp when printed at that size
FONT_FILES = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}


COURSE_RULE = "course"  # certificates.rule of certificates that measure the whole plan


def sessions_label(first: int, last: int) -> str:
    return f"session {first}" if first == last else f"sessions {first}-{last}"


def course_label(certificate: Certificate) -> str:
    """The sessions a certificate covers and, for the whole-plan rule, when the course ended
    ("sessions 1-20, ended 19 October 2027")."""
    covered = sessions_label(certificate.first_session, certificate.last_session)
    ended = certificate.course_ended_on
    if certificate.rule != COURSE_RULE or ended is None:
        return covered
    day = f"{ended.day} {ended:%B %Y}"
    if certificate.early:
        return f"{covered}, ending {day}; issued early by an organizer"
    return f"{covered}, ended {day}"


def certificate_pdf(certificate: Certificate, verify_url: str) -> bytes:
    """A landscape A4 certificate with its verification page's URL, printed and as a QR code.
    `invariant` output: the same certificate gives the same bytes every time."""
    from reportlab.lib.colors import HexColor  # type: ignore[import-untyped]
    from reportlab.lib.pagesizes import A4, landscape  # type: ignore[import-untyped]
    from reportlab.lib.utils import ImageReader  # type: ignore[import-untyped]
    from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

    regular, bold, clean = _fonts()
    buffer = io.BytesIO()
    width, height = landscape(A4)
    pdf = Canvas(buffer, pagesize=(width, height), invariant=1)
    pdf.setTitle(f"Certificate of completion - {clean(certificate.name)}")
    pdf.setAuthor("studybot")
    pdf.setStrokeColor(HexColor("#1f4e79"))
    pdf.setLineWidth(4)
    pdf.rect(30, 30, width - 60, height - 60)
    middle = width / 2
    pdf.setFillColor(HexColor("#1f4e79"))
    pdf.setFont(bold, 34)
    pdf.drawCentredString(middle, height - 130, "Certificate of completion")
    pdf.setFillColor(HexColor("#000000"))
    pdf.setFont(regular, 16)
    pdf.drawCentredString(middle, height - 185, "This certifies that")
    pdf.setFont(bold, 30)
    pdf.drawCentredString(middle, height - 235, clean(certificate.name))
    pdf.setFont(regular, 16)
    covered = course_label(certificate)
    lines = [
        f"completed {certificate.share:.0%} of the required work of",
        f"{clean(certificate.cohort_name)}, a Dive into Deep Learning (d2l.ai) study group,",
        f"{covered}.",
    ]
    for i, line in enumerate(lines):
        pdf.drawCentredString(middle, height - 285 - 24 * i, line)
    pdf.setFont(regular, 13)
    issued = certificate.issued_at
    pdf.drawString(70, 95, f"Issued on {issued.day} {issued:%B %Y} (UTC)")
    pdf.drawString(70, 75, f"Verification code: {certificate.code}")
    pdf.setFont(regular, 11)
    pdf.drawRightString(width - 70, 75, f"Verify: {verify_url}")
    qr = ImageReader(io.BytesIO(qr_png(verify_url)))
    pdf.drawImage(qr, width - 70 - QR_POINTS, 95, QR_POINTS, QR_POINTS)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def qr_png(text: str) -> bytes:
    """A QR code of `text` as a PNG (black on white, with the standard quiet zone)."""
    import segno

    out = io.BytesIO()
    segno.make_qr(text, error="m").save(out, kind="png", scale=QR_SCALE, border=4)
    return out.getvalue()


def _fonts() -> tuple[str, str, Callable[[str], str]]:
    """Names of a regular and a bold font, and what text must go through to be drawable."""
    from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
    from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]

    folder = _dejavu_folder()
    if folder is None:
        return "Helvetica", "Helvetica-Bold", _latin1
    names = {}
    for style, file in FONT_FILES.items():
        name = f"StudybotDejaVu-{style}"
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(folder / file)))
        names[style] = name
    return names["regular"], names["bold"], _same


def _dejavu_folder() -> Path | None:
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"
    return folder if all((folder / f).is_file() for f in FONT_FILES.values()) else None


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def _same(text: str) -> str:
    return text
