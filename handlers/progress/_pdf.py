"""The certificate as a one-page PDF (reportlab, imported only when one is drawn).

Text is drawn in DejaVu Sans (Latin, Greek, Cyrillic…), the font matplotlib ships, found
without importing matplotlib; without it, the standard Helvetica (Latin-1 only) is used. A
character DejaVu lacks is drawn in the first fallback font that has it: Droid Sans Fallback
for Chinese, Japanese and Korean, Symbola for emoji (in black and white), both installed by
`make` (Debian's fonts-droid-fallback and fonts-symbola). One no font has is left out, never
drawn as a box (issue 21)."""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from models.progress_tables import Certificate

QR_POINTS = 90  # the QR code's side on the page (about 3 cm)
QR_SCALE = 8  # pixels per module of its PNG: sharp when printed at that size
FONT_FILES = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}
# For what DejaVu lacks, in order; reportlab reads TrueType outlines only (not Noto CJK's CFF).
FALLBACK_FONTS = (
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    Path("/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf"),
)


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


def issued_on(certificate: Certificate, timezone: str) -> str:
    """The day it was issued in the cohort's zone ("7 December 2026"), in chat and PDF."""
    local = certificate.issued_at.astimezone(ZoneInfo(timezone))
    return f"{local.day} {local:%B %Y}"


def certificate_pdf(certificate: Certificate, verify_url: str, timezone: str = "UTC") -> bytes:
    """A landscape A4 certificate with its verification page's URL, printed and as a QR code.
    `invariant` output: the same certificate gives the same bytes every time."""
    from reportlab.lib.colors import HexColor  # type: ignore[import-untyped]
    from reportlab.lib.pagesizes import A4, landscape  # type: ignore[import-untyped]
    from reportlab.lib.utils import ImageReader  # type: ignore[import-untyped]
    from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

    regular, bold, clean, fallbacks = _fonts()
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
    _draw_centred(pdf, middle, height - 235, clean(certificate.name), bold, 30, fallbacks)
    pdf.setFont(regular, 16)
    covered = course_label(certificate)
    lines = [
        f"completed {certificate.share:.0%} of the required work of",
        f"{clean(certificate.cohort_name)}, a Dive into Deep Learning (d2l.ai) study group,",
        f"{covered}.",
    ]
    for i, line in enumerate(lines):
        _draw_centred(pdf, middle, height - 285 - 24 * i, line, regular, 16, fallbacks)
    pdf.setFont(regular, 13)
    pdf.drawString(70, 95, f"Issued on {issued_on(certificate, timezone)}")
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


Fallback = tuple[str, frozenset[int]]  # a registered font's name and the characters it has


def _fonts() -> tuple[str, str, Callable[[str], str], Sequence[Fallback]]:
    """Names of a regular and a bold font, what text must go through to be drawable, and the
    fallback fonts with what they cover."""
    folder = _dejavu_folder()
    if folder is None:
        return "Helvetica", "Helvetica-Bold", _latin1, ()
    names = {
        style: _register(f"StudybotDejaVu-{style}", folder / file)[0]
        for style, file in FONT_FILES.items()
    }
    fallbacks = [_register(f"StudybotFallback-{p.stem}", p) for p in FALLBACK_FONTS if p.is_file()]
    return names["regular"], names["bold"], _same, fallbacks


def _register(name: str, path: Path) -> Fallback:
    from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
    from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]

    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, str(path)))
    font = pdfmetrics.getFont(name)
    return name, frozenset(font.face.charToGlyph)


def _draw_centred(
    pdf: Any, x: float, y: float, text: str, font: str, size: float, fallbacks: Sequence[Fallback]
) -> None:
    """`text` centred on x, each character in the first font that has it (see the module)."""
    from reportlab.pdfbase import pdfmetrics

    text = text.replace("`", "")  # a hint's code span reads as plain words on paper
    runs = _runs(text, font, fallbacks)
    widths = [pdfmetrics.stringWidth(run, name, size) for name, run in runs]
    left = x - sum(widths) / 2
    for (name, run), width in zip(runs, widths, strict=True):
        pdf.setFont(name, size)
        pdf.drawString(left, y, run)
        left += width


def _runs(text: str, font: str, fallbacks: Sequence[Fallback]) -> list[tuple[str, str]]:
    """`text` split into (font, piece) runs; characters no font has are left out."""
    if not fallbacks:
        return [(font, text)]
    from reportlab.pdfbase import pdfmetrics

    main = frozenset(pdfmetrics.getFont(font).face.charToGlyph)
    runs: list[tuple[str, str]] = []
    for char in text:
        code = ord(char)
        if code in main or char.isspace():
            name = font
        else:
            name = next((n for n, has in fallbacks if code in has), "")
            if not name:
                continue
        if runs and runs[-1][0] == name:
            runs[-1] = (name, runs[-1][1] + char)
        else:
            runs.append((name, char))
    return runs


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
