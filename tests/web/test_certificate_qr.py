"""The certificate PDF carries its verification page: printed, and as a QR code that decodes
to the same URL (decoded with zxing-cpp from the image embedded in the PDF)."""

from __future__ import annotations

import io

import pypdf
import zxingcpp
from PIL import Image

from bot.app import App
from tests.web.conftest import say


async def test_the_pdf_prints_the_verify_url_and_its_qr_code_decodes_to_it(app: App) -> None:
    await say(app, "olga", "join")
    await say(app, "bob", "join")
    issued = await say(app, "olga", "admin certificate @bob")
    code = issued[0].text.split("certificate ")[1].split(" ")[0]
    reply = (await say(app, "bob", "certificate"))[0]
    pdf = next(f for f in reply.files if f.mime == "application/pdf")
    url = f"http://localhost:3000/verify/{code}"  # STUDYBOT_PUBLIC_URL unset: this machine
    assert url in reply.text

    page = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0]
    assert url in page.extract_text().replace("\n", " ")
    images = list(page.images)
    assert len(images) == 1
    picture = Image.open(io.BytesIO(images[0].data))
    decoded = [r.text for r in zxingcpp.read_barcodes(picture)]
    assert decoded == [url]
