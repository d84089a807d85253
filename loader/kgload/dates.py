"""Resolve the time expressions that news facts carry into day intervals.

A fact reported in an article is dated in words ("on Wednesday", "last January",
"in recent days"), and those words only mean something relative to the article's
publication date. The rules here are our own, deliberately small and predictable,
instead of a general-purpose parser (dateparser, for one, reads "Thursday" in an
article published on a Thursday as the week before). Two principles decide every
ambiguity:

* Anchor on the publication date, never on today's date.
* News reports the past: a bare weekday, "January 3" or "November" is the most
  recent one on or before the publication date, not the next one.

The result is a ``TimeSpan``: the earliest and latest day the fact can have
happened, and how precisely the expression pinned it down.
"""

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

__all__ = ["DateError", "TimeSpan", "narrow", "parse_absolute", "resolve"]


class DateError(ValueError):
    """An expression that cannot be resolved; the message is plain English for a journalist."""


class NoPublicationDate(DateError):
    """A relative expression in an article without a (valid) publication date."""


@dataclass(frozen=True)
class TimeSpan:
    start: date | None  # earliest day the fact can have happened (None = open)
    end: date | None  # latest day (None = open)
    precision: str  # "day" | "month" | "year" | "approximate"
    text: str | None = None  # the expression as written, if any


# English names are spelled out rather than taken from `calendar`, which follows the locale.
# fmt: off
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July",
               "August", "September", "October", "November", "December")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
            "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
# fmt: on
_MONTHS: dict[str, int] = {"sept": 9}
for _number, _name in enumerate(MONTH_NAMES, start=1):
    _MONTHS[_name.lower()] = _MONTHS[_name[:3].lower()] = _number
_WEEKDAYS = {name.lower(): number for number, name in enumerate(WEEKDAY_NAMES)}
_RECENT_DAYS = {"days": 7, "weeks": 28, "months": 90, "recently": 30}

_M = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_D = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_Y = r"(?P<year>\d{4})"
_W = r"(?P<weekday>" + "|".join(_WEEKDAYS) + r")"
_PART_OF_DAY = r"(?: morning| afternoon| evening| night)?"
_ISO = re.compile(r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?")

# Forms that name their year: no publication date needed.
_ABSOLUTE = [
    re.compile(p)
    for p in (
        _M + r" " + _D + r",? " + _Y,  # January 3, 2026
        _D + r" " + _M + r",? " + _Y,  # 3 January 2026
        _M + r",? " + _Y,  # November 2025
    )
]


def _fmt(day: date) -> str:
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def _describe(span: TimeSpan) -> str:
    start = _fmt(span.start) if span.start else "any time"
    end = _fmt(span.end) if span.end else "any time"
    return start if start == end else f"{start} to {end}"


def _make_date(year: int, month: int, day: int, value: str) -> date:
    """Build a date, or explain in words why the calendar has no such day."""
    if year == 0:
        raise DateError(f'cannot read "{value}" as a date: there is no year 0')
    if not 1 <= month <= 12:
        raise DateError(f'cannot read "{value}" as a date: there is no month {month}')
    length = calendar.monthrange(year, month)[1]
    if not 1 <= day <= length:
        raise DateError(
            f'cannot read "{value}" as a date: {MONTH_NAMES[month - 1]} {year} has {length} days'
        )
    return date(year, month, day)


def _month(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _year(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def parse_absolute(value: str) -> TimeSpan:
    """Read an ISO date ("2026-01-07"), month ("2025-11") or year ("2022")."""
    text = value.strip()
    match = _ISO.fullmatch(text)
    if match is None:
        raise DateError(f'cannot read "{text}" as a date: expected YYYY-MM-DD, YYYY-MM or YYYY')
    year = int(match["year"])
    if match["day"] is not None:
        day = _make_date(year, int(match["month"]), int(match["day"]), text)
        return TimeSpan(day, day, "day", text)
    if match["month"] is not None:
        _make_date(year, int(match["month"]), 1, text)
        return TimeSpan(*_month(year, int(match["month"])), "month", text)
    _make_date(year, 1, 1, text)
    return TimeSpan(*_year(year), "year", text)


def _absolute(phrase: str, text: str) -> TimeSpan | None:
    """An ISO form or a written date with its year, or None if the phrase is neither."""
    if _ISO.fullmatch(phrase):
        return replace(parse_absolute(phrase), text=text)
    for pattern in _ABSOLUTE:
        match = pattern.fullmatch(phrase)
        if match:
            year, month = int(match["year"]), _MONTHS[match["month"]]
            if "day" in match.groupdict():
                day = _make_date(year, month, int(match["day"]), text)
                return TimeSpan(day, day, "day", text)
            _make_date(year, month, 1, text)
            return TimeSpan(*_month(year, month), "month", text)
    return None


Resolved = tuple[date, date, str]


def _weekday(m: re.Match[str], pub: date, text: str) -> Resolved:
    back = (pub.weekday() - _WEEKDAYS[m["weekday"]]) % 7
    if m["last"] and back == 0:
        back = 7  # "last Thursday" in a Thursday article is the week before
    day = pub - timedelta(days=back)
    return day, day, "day"


def _month_day(m: re.Match[str], pub: date, text: str) -> Resolved:
    month, day = _MONTHS[m["month"]], int(m["day"])
    year = pub.year if (month, day) <= (pub.month, pub.day) else pub.year - 1
    try:
        found = _make_date(year, month, day, text)
    except DateError as error:
        raise DateError(f"{error} (no year is given, so it is read as {year})") from None
    return found, found, "day"


def _month_name(m: re.Match[str], pub: date, text: str) -> Resolved:
    month = _MONTHS[m["month"]]
    later = month >= pub.month if m["last"] else month > pub.month
    return *_month(pub.year - 1 if later else pub.year, month), "month"


def _this_or_last(m: re.Match[str], pub: date, text: str) -> Resolved:
    unit, last = m["unit"], m["which"] == "last"
    if unit == "year":
        return (*_year(pub.year - 1), "year") if last else (date(pub.year, 1, 1), pub, "year")
    if unit == "month":
        if not last:
            return pub.replace(day=1), pub, "month"
        previous = pub.replace(day=1) - timedelta(days=1)
        return *_month(previous.year, previous.month), "month"
    monday = pub - timedelta(days=pub.weekday())
    if not last:
        return monday, pub, "approximate"
    return monday - timedelta(days=7), monday - timedelta(days=1), "approximate"


def _recent(m: re.Match[str], pub: date, text: str) -> Resolved:
    return pub - timedelta(days=_RECENT_DAYS[m["unit"] or "recently"]), pub, "approximate"


def _ago(m: re.Match[str], pub: date, text: str) -> Resolved:
    count = int(m["count"]) if m["count"].isdigit() else _NUMBERS[m["count"]]
    if m["unit"] == "day":
        day = pub - timedelta(days=count)
        return day, day, "day"
    then = pub - timedelta(days=7 * count)
    monday = then - timedelta(days=then.weekday())
    return monday, monday + timedelta(days=6), "approximate"


def _named_day(m: re.Match[str], pub: date, text: str) -> Resolved:
    day = pub - timedelta(days=1 if m["yesterday"] else 0)
    return day, day, "day"


_RELATIVE = [
    (re.compile(pattern), handler)
    for pattern, handler in (
        (
            r"(?P<yesterday>yesterday" + _PART_OF_DAY + r"|last night)|(?:earlier )?today"
            r"|this (?:morning|afternoon|evening)|tonight",
            _named_day,
        ),
        (r"(?P<last>last )?" + _W + _PART_OF_DAY, _weekday),
        (_M + r" " + _D, _month_day),  # January 3
        (_D + r" " + _M, _month_day),  # 3 January
        (r"(?P<last>last )?" + _M, _month_name),
        (r"(?P<which>this|last) (?P<unit>year|month|week)", _this_or_last),
        (
            r"(?:over )?(?:recent|the (?:past|last) few) (?P<unit>days|weeks|months)|recently",
            _recent,
        ),
        (r"(?P<count>\d{1,4}|" + "|".join(_NUMBERS) + r") (?P<unit>day|week)s? ago", _ago),
    )
]


def _no_publication(text: str) -> DateError:
    return NoPublicationDate(
        f'"{text}" is relative to the publication date, but the article has no publication date'
    )


def _resolve(phrase: str, text: str, published: date | None) -> TimeSpan:
    phrase = re.sub(r"^(?:on|in|during) ", "", phrase)
    absolute = _absolute(phrase, text)
    if absolute is not None:
        return absolute
    for pattern, handler in _RELATIVE:
        match = pattern.fullmatch(phrase)
        if match:
            if published is None:
                raise _no_publication(text)
            try:
                start, end, precision = handler(match, published, text)
            except DateError:
                raise
            except (OverflowError, ValueError):  # arithmetic past year 1 or 9999
                raise DateError(f'"{text}" reaches back before the calendar begins') from None
            return TimeSpan(start, end, precision, text)
    raise DateError(f'cannot read "{text}" as a date or a time relative to the publication date')


def resolve(text: str, published: date | None) -> TimeSpan:
    """Resolve a time expression as written in an article published on `published`."""
    written = text.strip()
    phrase = " ".join(written.lower().split()).rstrip(",;.")
    if not phrase:
        raise DateError("the time expression is empty")
    if not phrase.startswith("since "):
        return _resolve(phrase, written, published)
    origin = _resolve(phrase.removeprefix("since "), written, published)
    if published is None:
        raise _no_publication(written)
    if origin.start is None or origin.start > published:
        raise DateError(f'"{written}" starts after the article was published ({_fmt(published)})')
    return TimeSpan(origin.start, published, origin.precision, written)


def narrow(span: TimeSpan, *, after: date | None = None, before: date | None = None) -> TimeSpan:
    """Intersect `span` with a known window: on or after `after`, on or before `before`."""
    if after is not None and before is not None and after > before:
        raise DateError(f"the known window is empty: {_fmt(after)} is later than {_fmt(before)}")
    start, end = span.start, span.end
    if after is not None:
        start = after if start is None else max(start, after)
    if before is not None:
        end = before if end is None else min(end, before)
    if start is not None and end is not None and start > end:
        said = f'"{span.text}"' if span.text else "the date given"
        known = []
        if after is not None:
            known.append(f"on or after {_fmt(after)}")
        if before is not None:
            known.append(f"on or before {_fmt(before)}")
        raise DateError(
            f"{said} means {_describe(span)}, but the fact must also be "
            f"{' and '.join(known)}; these cannot both be true"
        )
    precision = "day" if start is not None and start == end else span.precision
    return TimeSpan(start, end, precision, span.text)
