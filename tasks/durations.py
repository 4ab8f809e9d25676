"""Durations typed by a user (`90d`, `12h`, `30m`, `2w`): one parser for every command."""

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"\s*(\d+)\s*([smhdw]?)\s*")


def parse_duration(text: str) -> timedelta:
    """The duration in `text` (a number and a unit s, m, h, d or w; no unit = seconds).

    Raises ValueError, with a message fit to show the user, when `text` is not one.
    """
    match = _DURATION.fullmatch(text.lower())
    if not match:
        raise ValueError(f"{text!r} is not a duration like 30m, 12h, 90d or 2w")
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2) or "s"])
