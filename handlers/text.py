"""Small text helpers shared by handlers and adapters."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

TIME_TOKEN = re.compile(r"<t:(-?\d{1,12}):([tTdDfFR])>")


def when(moment: dt.datetime, style: str = "F") -> str:
    """A time token that each adapter shows in the reader's own zone (Discord syntax)."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def format_local(moment: dt.datetime, timezone: str, style: str = "F") -> str:
    """Spell a time out in a given zone: the console's and the fallback rendering."""
    local = moment.astimezone(ZoneInfo(timezone))
    zone = local.tzname() or timezone
    if style in ("d", "D"):
        return local.strftime("%a %d %b %Y").replace(" 0", " ")
    if style in ("t", "T"):
        return f"{local:%H:%M} {zone}"
    return f"{local.strftime('%a %d %b %Y').replace(' 0', ' ')}, {local:%H:%M} {zone}"


def localise_tokens(text: str, timezone: str) -> str:
    """Replace every time token by the time spelled out in `timezone`."""

    def spell(match: re.Match[str]) -> str:
        moment = dt.datetime.fromtimestamp(int(match.group(1)), tz=dt.UTC)
        return format_local(moment, timezone, match.group(2))

    return TIME_TOKEN.sub(spell, text)


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"
