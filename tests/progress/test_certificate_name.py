"""The name on the certificate (`d2l name`), in any script, and the issue date in the
cohort's zone, on the PDF, the chart and in chat (issue 21)."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader

from bot.clock import FakeClock
from handlers.progress._chart import progress_chart
from handlers.progress._pdf import FALLBACK_FONTS, _runs
from tests.conftest import Chat

NAME = "Jürgen Müller 李小龙 🎓"
# 23:30 UTC on 5 January is already 6 January in the test cohort's Berlin.
LATE_EVENING = dt.datetime(2027, 1, 5, 23, 30, tzinfo=dt.UTC)


def _fonts_of(pdf: bytes) -> set[str]:
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    fonts = page["/Resources"]["/Font"]  # type: ignore[index]
    return {str(fonts[key].get_object()["/BaseFont"]) for key in fonts}  # type: ignore[index]


async def test_a_member_sets_the_name_on_the_certificate_in_any_script(
    chat: Chat, clock: FakeClock
) -> None:
    assert "will read: bob" in await chat.text("name", as_="bob")
    assert f"will read: {NAME}" in await chat.text(f'name "{NAME}"', as_="bob")
    assert "one line of at most 100" in await chat.text("name " + "x" * 101, as_="bob")
    await chat.text("join", as_="olga")
    clock.set(LATE_EVENING)
    [issued] = await chat.say("admin certificate @bob", as_="olga")
    assert NAME in issued.text
    [mine] = await chat.say("certificate", as_="bob")
    fields = {f.name: f.value for f in mine.fields}
    assert fields["Name"] == NAME
    assert fields["Issued"] == "6 January 2027"  # Berlin's date, as on the PDF
    pdf = mine.files[0].content
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Jürgen Müller" in text and "李小龙" in text
    assert "Issued on 6 January 2027" in text and "UTC" not in text
    assert "`" not in text
    fonts = _fonts_of(pdf)
    assert any("DejaVu" in f for f in fonts)
    assert any("DroidSansFallback" in f for f in fonts), fonts  # the CJK characters
    assert any("Symbola" in f for f in fonts), fonts  # 🎓, in black and white


def test_every_character_goes_to_a_font_that_has_it_and_the_rest_are_left_out() -> None:
    assert all(p.is_file() for p in FALLBACK_FONTS), "make system-deps installs them"
    from handlers.progress._pdf import _fonts

    regular, _bold, _clean, fallbacks = _fonts()
    runs = _runs("Müller 李 🎓 \U000f0000", regular, fallbacks)
    assert [run for _font, run in runs] == ["Müller ", "李", " ", "🎓", " "]
    assert [font for font, _run in runs][1] != regular


def test_the_chart_draws_names_in_any_script_without_missing_glyphs() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)"
        png = progress_chart([1, 2], [0.5, 1.0], [0.4, 0.6], [0.5, 1.0], 0.8, NAME)
    assert png.startswith(b"\x89PNG")
