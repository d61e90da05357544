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


_DURATION = re.compile(r"(\d+)\s*(w|d|h|m)", re.IGNORECASE)
_UNITS = {"w": 7 * 24 * 60, "d": 24 * 60, "h": 60, "m": 1}


def parse_duration(text: str) -> dt.timedelta | None:
    """'2d', '3h', '15m', '1d12h' → a timedelta; None if it isn't one."""
    compact = text.strip().lower().replace(" ", "")
    if not compact or _DURATION.sub("", compact):
        return None
    minutes = sum(int(n) * _UNITS[unit.lower()] for n, unit in _DURATION.findall(compact))
    return dt.timedelta(minutes=minutes) if minutes > 0 else None


def format_offset(minutes: int) -> str:
    """1440 → '24h', 90 → '1h30m', 2880 → '48h'."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h{rest}m" if rest else f"{hours}h"


def parse_local_datetime(words: list[str], timezone: str, default_time: dt.time) -> dt.datetime:
    """'2027-01-20' or '2027-01-20 18:00' (or 2027-01-20T18:00) in the cohort's zone → UTC.

    Raises ValueError with a message for people.
    """
    text = " ".join(words).replace("T", " ").strip()
    date_part, _, time_part = text.partition(" ")
    try:
        day = dt.date.fromisoformat(date_part)
    except ValueError:
        raise ValueError(f"`{date_part}` is not a date; write it as YYYY-MM-DD.") from None
    try:
        at = dt.time.fromisoformat(time_part.strip()) if time_part.strip() else default_time
    except ValueError:
        raise ValueError(f"`{time_part}` is not a time of day; write it as HH:MM.") from None
    local = dt.datetime.combine(day, at, tzinfo=ZoneInfo(timezone))
    return local.astimezone(dt.UTC)
