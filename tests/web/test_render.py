"""Reply text as HTML: escaped, with code, bold, links and times as `<time>` elements."""

from __future__ import annotations

from bot.web._render import rich


def test_reply_text_is_escaped_before_anything_becomes_markup() -> None:
    html = rich("<script>alert(1)</script> **bold** `d2l web` https://d2l.ai/x?a=1&b=2")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<strong>bold</strong>" in html and "<code>d2l web</code>" in html
    assert '<a href="https://d2l.ai/x?a=1&amp;b=2"' in html


def test_time_tokens_become_time_elements_in_the_cohorts_zone() -> None:
    html = rich("due <t:1799049600:F> — late", "Europe/Berlin")
    assert '<time datetime="2027-01-04T08:00:00+00:00">Mon 4 Jan 2027, 09:00 CET</time>' in html
    assert "&lt;t:" not in html


def test_a_form_from_another_site_is_told_apart_from_the_pages_own() -> None:
    from aiohttp.test_utils import make_mocked_request

    from bot.web._security import same_origin

    def post(origin: str | None, host: str = "study.example.org") -> bool:
        headers = {"Host": host} | ({"Origin": origin} if origin else {})
        return same_origin(make_mocked_request("POST", "/", headers=headers))

    assert post("https://study.example.org")  # behind a TLS proxy: the host decides
    assert post(None)  # not a browser: the form token alone decides
    assert not post("https://evil.example")
    assert not post("null")
    assert not post("https://study.example.org.evil.example")
