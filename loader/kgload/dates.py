"""Resolve the time expressions that news facts carry into day intervals.

A fact reported in an article is dated in words ("on Wednesday", "last January",
"in recent days", "three years ago"), and those words only mean something relative to
the article's publication date. The rules here are our own, deliberately small and
predictable, instead of a general-purpose parser (dateparser, for one, reads "Thursday"
in an article published on a Thursday as the week before). These principles decide
every ambiguity:

* Anchor on the publication date, never on today's date.
* News reports the past: a bare weekday, "January 3" or "November" is the most
  recent one on or before the publication date, not the next one...
* ...except for what the article reports as still to come. When the caller says the
  fact looks ahead (``ahead=True``; kgload's check does so for the statuses planned,
  committed, requested, ordered and hypothetical), the same words mean the coming one,
  on or after the publication date: a trip planned "on Thursday" in a Wednesday article
  is the next day. So do "this week/month/year" (from publication to the end),
  "overnight" (the coming night) and "by the end of August" (the coming August).
* Words that carry their own direction ("last Thursday", "next week", "three years
  ago", "tomorrow", "soon") mean the same whatever the status.
* A vague expression gets a window wide enough to hold what a reporter means by it,
  marked "approximate", rather than a precise guess: "three years ago" is the year
  centred on the publication date three years back, "soon" the 30 days after it.

The result is a ``TimeSpan``: the earliest and latest day the fact can have happened
(or will happen), and how precisely the expression pinned it down. docs/time-rules.md
lists every rule with its window, its precision and an example.
"""

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

__all__ = [
    "DateError",
    "NoPublicationDate",
    "TimeSpan",
    "UnreadableTime",
    "narrow",
    "parse_absolute",
    "resolve",
]


class DateError(ValueError):
    """An expression that cannot be resolved; the message is plain English for a journalist."""


class NoPublicationDate(DateError):
    """A relative expression in an article without a (valid) publication date."""


class UnreadableTime(DateError):
    """An expression no rule reads (as opposed to one that reads as an impossible date)."""


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
            "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
            "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
            "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
# fmt: on
_MONTHS: dict[str, int] = {"sept": 9}
for _number, _name in enumerate(MONTH_NAMES, start=1):
    _MONTHS[_name.lower()] = _MONTHS[_name[:3].lower()] = _number
_WEEKDAYS = {name.lower(): number for number, name in enumerate(WEEKDAY_NAMES)}
# Vague windows, in days: "in recent weeks" reaches 28 days back, "in the coming weeks" 28
# days ahead; "recently" and "soon" are a month either way.
_VAGUE_DAYS = {"days": 7, "weeks": 28, "months": 90, None: 30}
# Half the width of the window around "N months/years ago" (and "in N months/years"):
# a reporter rounds to the unit, so the window is one unit wide, centred on the point.
_HALF_WINDOW = {"month": 15, "year": 182}

_M = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_D = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_Y = r"(?P<year>\d{4})"
_W = r"(?P<weekday>" + "|".join(_WEEKDAYS) + r")"
_PART_OF_DAY = r"(?: morning| afternoon| evening| night)?"
_SMALL = "|".join(sorted(_NUMBERS, key=len, reverse=True))
_DIGIT_WORDS = "one|two|three|four|five|six|seven|eight|nine"
_TEN_WORDS = "|".join(_TENS)
_COUNT = rf"(?P<count>[1-9]\d{{0,3}}|(?:{_TEN_WORDS})(?:[- ](?:{_DIGIT_WORDS}))?|{_SMALL})"
_UNIT = r"(?P<unit>day|week|month|year)s?"
_ISO = re.compile(r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?")
# A preposition that adds nothing ("on Wednesday", "in November"). Rules whose preposition
# carries meaning ("in two days") are tried on the phrase as written first.
_PREPOSITION = re.compile(r"^(?:on|in|during) ")

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


# --- calendar arithmetic ---------------------------------------------------------------------


def _count(m: re.Match[str]) -> int:
    """The number a rule's ``count`` group spells: "15", "three", "twenty-one"; none is 1."""
    written = m["count"]
    if written is None:
        return 1
    if written.isdigit():
        return int(written)
    return sum(_TENS.get(word) or _NUMBERS[word] for word in re.split(r"[- ]", written))


def _shift(day: date, unit: str, count: int) -> date:
    """`day` moved by `count` units (negative: back); a month later than January 31 is
    February's last day."""
    if unit in ("day", "week"):
        return day + timedelta(days=count * (7 if unit == "week" else 1))
    months = day.year * 12 + day.month - 1 + count * (12 if unit == "year" else 1)
    year, month = divmod(months, 12)
    if not 1 <= year <= 9999:
        raise OverflowError(year)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _calendar_unit(day: date, unit: str) -> tuple[date, date]:
    """The Monday-to-Sunday week, the month or the year that holds `day`."""
    if unit == "week":
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    if unit == "month":
        return _month(day.year, day.month)
    return _year(day.year)


_UNIT_PRECISION = {"week": "approximate", "month": "month", "year": "year"}

Resolved = tuple[date | None, date | None, str]


def _around(point: date, unit: str) -> Resolved:
    """The window meant by "N units ago" or "in N units", whose exact day is `point`.

    Days are exact. Weeks are the Monday-to-Sunday week holding the day. Months and years
    are one unit wide, centred on the day: a reporter rounds to the unit either way.
    """
    if unit == "day":
        return point, point, "day"
    if unit == "week":
        return *_calendar_unit(point, "week"), "approximate"
    half = timedelta(days=_HALF_WINDOW[unit])
    return point - half, point + half, "approximate"


# --- the rules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Anchor:
    """What a rule reads its match against."""

    published: date
    ahead: bool  # the fact is still to come at publication (see the module docstring)
    text: str  # the expression as written, for error messages


def _days_from(offset: int) -> Callable[[re.Match[str], _Anchor], Resolved]:
    """A rule for a day named by its distance from publication ("yesterday", "tomorrow")."""

    def rule(m: re.Match[str], at: _Anchor) -> Resolved:
        day = at.published + timedelta(days=offset)
        return day, day, "day"

    return rule


def _overnight(m: re.Match[str], at: _Anchor) -> Resolved:
    # the night before publication, or the coming one for a fact still to come
    pub, night = at.published, timedelta(days=1)
    return (pub, pub + night, "approximate") if at.ahead else (pub - night, pub, "approximate")


def _weekday(m: re.Match[str], at: _Anchor) -> Resolved:
    pub, wanted, which = at.published, _WEEKDAYS[m["weekday"]], m["which"]
    if which == "next" or (which is None and at.ahead):
        forward = (wanted - pub.weekday()) % 7
        if which == "next" and forward == 0:
            forward = 7  # "next Thursday" in a Thursday article is the week after
        day = pub + timedelta(days=forward)
    else:
        back = (pub.weekday() - wanted) % 7
        if which == "last" and back == 0:
            back = 7  # "last Thursday" in a Thursday article is the week before
        day = pub - timedelta(days=back)
    return day, day, "day"


def _month_day(m: re.Match[str], at: _Anchor) -> Resolved:
    pub, month, day = at.published, _MONTHS[m["month"]], int(m["day"])
    if at.ahead:
        year = pub.year if (month, day) >= (pub.month, pub.day) else pub.year + 1
    else:
        year = pub.year if (month, day) <= (pub.month, pub.day) else pub.year - 1
    try:
        found = _make_date(year, month, day, at.text)
    except DateError as error:
        raise DateError(f"{error} (no year is given, so it is read as {year})") from None
    return found, found, "day"


def _month_year(month: int, which: str | None, at: _Anchor) -> int:
    """The year of a month named without one: last/next, else by the fact's direction."""
    pub = at.published
    if which == "last":  # strictly before the publication month
        return pub.year - 1 if month >= pub.month else pub.year
    if which == "next":  # strictly after it
        return pub.year + 1 if month <= pub.month else pub.year
    if at.ahead:  # the publication month or a later one
        return pub.year + 1 if month < pub.month else pub.year
    return pub.year - 1 if month > pub.month else pub.year


def _month_name(m: re.Match[str], at: _Anchor) -> Resolved:
    month = _MONTHS[m["month"]]
    return *_month(_month_year(month, m["which"], at), month), "month"


def _calendar(m: re.Match[str], at: _Anchor) -> Resolved:
    """last/this/next week, month or year; earlier/later this week, month or year."""
    pub, unit, which = at.published, m["unit"], m["which"]
    first, last = _calendar_unit(pub, unit)
    precision = _UNIT_PRECISION[unit]
    if which == "last":
        return *_calendar_unit(first - timedelta(days=1), unit), precision
    if which == "next":
        return *_calendar_unit(last + timedelta(days=1), unit), precision
    if which == "later" or (which == "this" and at.ahead):
        return pub, last, precision
    return first, pub, precision  # "this" (looking back) and "earlier this"


def _by_the_end(m: re.Match[str], at: _Anchor) -> Resolved:
    """The last day of the month, week or year named; a start only for a fact still to come.

    Looking back ("by the end of August, 300 had died"), the fact can be any time before.
    """
    pub = at.published
    if m["unit"]:
        last = _calendar_unit(pub, m["unit"])[1]
        if m["which"] == "next":
            last = _calendar_unit(last + timedelta(days=1), m["unit"])[1]
    elif m["month"]:
        month = _MONTHS[m["month"]]
        year = int(m["year"]) if m["year"] else _month_year(month, None, at)
        last = _month(year, month)[1]
    else:
        last = date(int(m["alone"]), 12, 31)
    return (pub if at.ahead and pub <= last else None), last, "approximate"


def _ago(m: re.Match[str], at: _Anchor) -> Resolved:
    return _around(_shift(at.published, m["unit"], -_count(m)), m["unit"])


def _in(m: re.Match[str], at: _Anchor) -> Resolved:
    return _around(_shift(at.published, m["unit"], _count(m)), m["unit"])


def _more_than_ago(m: re.Match[str], at: _Anchor) -> Resolved:
    return None, _shift(at.published, m["unit"], -_count(m)), "approximate"


def _less_than_ago(m: re.Match[str], at: _Anchor) -> Resolved:
    return _shift(at.published, m["unit"], -_count(m)), at.published, "approximate"


def _the_past(m: re.Match[str], at: _Anchor) -> Resolved:
    unit = m["unit"] or m["single"]
    return _shift(at.published, unit, -_count(m)), at.published, "approximate"


def _the_next(m: re.Match[str], at: _Anchor) -> Resolved:
    unit = m["unit"] or m["single"]
    return at.published, _shift(at.published, unit, _count(m)), "approximate"


def _recent(m: re.Match[str], at: _Anchor) -> Resolved:
    pub = at.published
    return pub - timedelta(days=_VAGUE_DAYS[m["unit"]]), pub, "approximate"


def _coming(m: re.Match[str], at: _Anchor) -> Resolved:
    pub = at.published
    return pub, pub + timedelta(days=_VAGUE_DAYS[m["unit"]]), "approximate"


_WHICH = r"(?:(?P<which>last|next) )?"
# "the past year" (one unit), "the past two years" (a count): not "the past days"
_SPAN_UNIT = r"(?:" + _COUNT + r" " + _UNIT + r"|(?P<single>day|week|month|year))"

# Tried in order on the whole (lower-cased) phrase; docs/time-rules.md describes each.
_RELATIVE: list[tuple[re.Pattern[str], Callable[[re.Match[str], _Anchor], Resolved]]] = [
    (re.compile(pattern), rule)
    for pattern, rule in (
        (r"the day before yesterday", _days_from(-2)),
        (r"yesterday" + _PART_OF_DAY + r"|last night", _days_from(-1)),
        (r"(?:earlier |later )?today|this (?:morning|afternoon|evening)|tonight", _days_from(0)),
        (r"tomorrow" + _PART_OF_DAY, _days_from(1)),
        (r"the day after tomorrow", _days_from(2)),
        (r"overnight", _overnight),
        (_WHICH + _W + _PART_OF_DAY, _weekday),
        (_M + r" " + _D, _month_day),  # January 3
        (_D + r" " + _M, _month_day),  # 3 January
        (_WHICH + _M, _month_name),
        (r"(?P<which>this|last|next) (?P<unit>week|month|year)", _calendar),
        (r"(?P<which>earlier|later) this (?P<unit>week|month|year)", _calendar),
        (
            r"by the end of (?:(?:this|the|(?P<which>next)) (?P<unit>week|month|year)"
            rf"|{_M}(?:,? {_Y})?|(?P<alone>\d{{4}}))",
            _by_the_end,
        ),
        (_COUNT + r" " + _UNIT + r" ago", _ago),
        (r"(?:the|" + _COUNT + r") " + _UNIT + r" (?:before|earlier)", _ago),
        (r"(?:over|more than) " + _COUNT + r" " + _UNIT + r" ago", _more_than_ago),
        (r"less than " + _COUNT + r" " + _UNIT + r" ago", _less_than_ago),
        (r"in " + _COUNT + r" " + _UNIT, _in),  # in two days
        (
            r"(?:over )?(?:recent|the (?:past|last) few) (?P<unit>days|weeks|months)|recently",
            _recent,
        ),
        (
            r"(?:over )?the (?:coming|next few|coming few) (?P<unit>days|weeks|months)"
            r"|(?:very )?soon|the near future",
            _coming,
        ),
        (r"(?:over )?the (?:past|last) " + _SPAN_UNIT, _the_past),
        (r"(?:over )?the (?:next|coming) " + _SPAN_UNIT, _the_next),
    )
]


def _no_publication(text: str) -> DateError:
    return NoPublicationDate(
        f'"{text}" is relative to the publication date, but the article has no publication date'
    )


def _resolve(phrase: str, text: str, published: date | None, ahead: bool) -> TimeSpan:
    # the phrase as written first ("in two days"), then without a preposition ("in November")
    for candidate in dict.fromkeys((phrase, _PREPOSITION.sub("", phrase))):
        absolute = _absolute(candidate, text)
        if absolute is not None:
            return absolute
        for pattern, rule in _RELATIVE:
            match = pattern.fullmatch(candidate)
            if match is None:
                continue
            if published is None:
                raise _no_publication(text)
            try:
                resolved = rule(match, _Anchor(published, ahead, text))
            except DateError:
                raise
            except (OverflowError, ValueError):  # arithmetic past year 1 or 9999
                raise DateError(f'"{text}" falls outside the calendar (years 1 to 9999)') from None
            return TimeSpan(*resolved, text)
    raise UnreadableTime(
        f'cannot read "{text}" as a date or a time relative to the publication date'
    )


def resolve(text: str, published: date | None, *, ahead: bool = False) -> TimeSpan:
    """Resolve a time expression as written in an article published on `published`.

    ``ahead`` says the fact is still to come at publication (planned, ordered...): then a
    bare weekday, date or month is the coming one rather than the most recent.

    >>> resolve("Thursday", date(2026, 1, 7), ahead=True).start
    datetime.date(2026, 1, 8)
    """
    written = text.strip()
    phrase = " ".join(written.lower().split()).rstrip(",;.")
    if not phrase:
        raise DateError("the time expression is empty")
    if not phrase.startswith("since "):
        return _resolve(phrase, written, published, ahead)
    # "since" looks back whatever the status: "since Monday" is the Monday before
    origin = _resolve(phrase.removeprefix("since "), written, published, False)
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
