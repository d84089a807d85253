"""Tests for kgload.dates: our own rules for dating news facts against the publication date."""

from dataclasses import FrozenInstanceError
from datetime import date

import pytest

from kgload.dates import DateError, TimeSpan, narrow, parse_absolute, resolve

PUB = date(2026, 1, 8)  # a Thursday


def span(start: date | None, end: date | None, precision: str, text: str | None) -> TimeSpan:
    return TimeSpan(start, end, precision, text)


def day(y: int, m: int, d: int, text: str) -> TimeSpan:
    return TimeSpan(date(y, m, d), date(y, m, d), "day", text)


# --- the examples from the brief -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end", "precision"),
    [
        ("Wednesday", date(2026, 1, 7), date(2026, 1, 7), "day"),
        ("Thursday", date(2026, 1, 8), date(2026, 1, 8), "day"),
        ("last Thursday", date(2026, 1, 1), date(2026, 1, 1), "day"),
        ("January 3", date(2026, 1, 3), date(2026, 1, 3), "day"),
        ("In November", date(2025, 11, 1), date(2025, 11, 30), "month"),
        ("last January", date(2025, 1, 1), date(2025, 1, 31), "month"),
        ("in recent days", date(2026, 1, 1), date(2026, 1, 8), "approximate"),
        ("2022", date(2022, 1, 1), date(2022, 12, 31), "year"),
        ("in 2022", date(2022, 1, 1), date(2022, 12, 31), "year"),
        ("since January 2025", date(2025, 1, 1), date(2026, 1, 8), "month"),
        ("December 30", date(2025, 12, 30), date(2025, 12, 30), "day"),
    ],
)
def test_brief_examples(text: str, start: date, end: date, precision: str) -> None:
    assert resolve(text, PUB) == TimeSpan(start, end, precision, text)


def test_brief_narrow_example() -> None:
    narrowed = narrow(
        resolve("in recent days", PUB), after=date(2026, 1, 3), before=date(2026, 1, 7)
    )
    assert narrowed == span(date(2026, 1, 3), date(2026, 1, 7), "approximate", "in recent days")


# --- parse_absolute ---------------------------------------------------------------------------


def test_iso_day() -> None:
    assert parse_absolute("2026-01-07") == day(2026, 1, 7, "2026-01-07")


def test_iso_month() -> None:
    assert parse_absolute("2025-11") == span(
        date(2025, 11, 1), date(2025, 11, 30), "month", "2025-11"
    )


def test_iso_year() -> None:
    assert parse_absolute("2022") == span(date(2022, 1, 1), date(2022, 12, 31), "year", "2022")


def test_iso_strips_whitespace() -> None:
    assert parse_absolute("  2026-01-07\n") == day(2026, 1, 7, "2026-01-07")


@pytest.mark.parametrize(
    ("value", "last_day"),
    [
        ("2024-02", 29),
        ("2025-02", 28),
        ("2000-02", 29),
        ("1900-02", 28),
        ("2025-04", 30),
        ("2025-12", 31),
        ("2025-01", 31),
        ("2025-06", 30),
    ],
)
def test_month_ends(value: str, last_day: int) -> None:
    result = parse_absolute(value)
    assert result.start is not None and result.start.day == 1
    assert result.end is not None and result.end.day == last_day


def test_leap_day_accepted() -> None:
    assert parse_absolute("2024-02-29") == day(2024, 2, 29, "2024-02-29")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2025-02-29", 'cannot read "2025-02-29" as a date: February 2025 has 28 days'),
        ("2026-02-30", 'cannot read "2026-02-30" as a date: February 2026 has 28 days'),
        ("2024-02-30", 'cannot read "2024-02-30" as a date: February 2024 has 29 days'),
        ("2025-04-31", 'cannot read "2025-04-31" as a date: April 2025 has 30 days'),
        ("2025-01-00", 'cannot read "2025-01-00" as a date: January 2025 has 31 days'),
        ("2026-13", 'cannot read "2026-13" as a date: there is no month 13'),
        ("2026-00", 'cannot read "2026-00" as a date: there is no month 0'),
        ("2026-13-01", 'cannot read "2026-13-01" as a date: there is no month 13'),
        ("0000", 'cannot read "0000" as a date: there is no year 0'),
    ],
)
def test_impossible_dates(value: str, message: str) -> None:
    with pytest.raises(DateError) as raised:
        parse_absolute(value)
    assert str(raised.value) == message


@pytest.mark.parametrize("value", ["Wednesday", "2026/01/07", "07-01-2026", "2026-1-7", "26", ""])
def test_not_iso(value: str) -> None:
    with pytest.raises(DateError, match="expected YYYY-MM-DD, YYYY-MM or YYYY"):
        parse_absolute(value)


def test_date_error_is_a_value_error() -> None:
    assert issubclass(DateError, ValueError)


def test_timespan_is_frozen() -> None:
    result = parse_absolute("2022")
    with pytest.raises(FrozenInstanceError):
        result.start = date(2023, 1, 1)  # type: ignore[misc]


def test_timespan_text_defaults_to_none() -> None:
    assert TimeSpan(None, None, "approximate").text is None


# --- resolve: absolute forms ------------------------------------------------------------------


@pytest.mark.parametrize("published", [PUB, None])
def test_absolute_forms_need_no_publication_date(published: date | None) -> None:
    assert resolve("2026-01-07", published) == day(2026, 1, 7, "2026-01-07")
    assert resolve("in 2022", published).precision == "year"
    assert resolve("2025-11", published).end == date(2025, 11, 30)
    assert resolve("January 3, 2026", published) == day(2026, 1, 3, "January 3, 2026")
    assert resolve("November 2025", published) == span(
        date(2025, 11, 1), date(2025, 11, 30), "month", "November 2025"
    )


@pytest.mark.parametrize(
    "text",
    [
        "January 3, 2024",
        "january 3 2024",
        "Jan. 3, 2024",
        "Jan 3rd, 2024",
        "3 January 2024",
        "3 Jan. 2024",
        "on January 3, 2024",
        "  ON  January 3,  2024 ",
    ],
)
def test_written_day_with_year(text: str) -> None:
    assert resolve(text, PUB) == day(2024, 1, 3, text.strip())


def test_written_day_with_year_in_the_future_is_kept() -> None:
    # an explicit year is taken as written, even after publication (a scheduled vote, say)
    assert resolve("March 15, 2026", PUB) == day(2026, 3, 15, "March 15, 2026")


@pytest.mark.parametrize(
    "text", ["November 2025", "in November 2025", "Nov. 2025", "November, 2025"]
)
def test_month_with_year(text: str) -> None:
    assert resolve(text, PUB) == span(date(2025, 11, 1), date(2025, 11, 30), "month", text)


def test_written_leap_day() -> None:
    assert resolve("February 29, 2024", None) == day(2024, 2, 29, "February 29, 2024")
    with pytest.raises(DateError, match="February 2025 has 28 days"):
        resolve("February 29, 2025", None)


def test_impossible_iso_through_resolve() -> None:
    with pytest.raises(DateError, match=r'"2026-02-30" as a date: February 2026 has 28 days'):
        resolve("2026-02-30", PUB)
    with pytest.raises(DateError, match="there is no month 13"):
        resolve("in 2026-13", PUB)


# --- resolve: today, yesterday ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "today",
        "Today",
        "earlier today",
        "this morning",
        "this afternoon",
        "this evening",
        "tonight",
        "on Thursday",
        "Thursday",
    ],
)
def test_publication_day(text: str) -> None:
    assert resolve(text, PUB) == day(2026, 1, 8, text)


@pytest.mark.parametrize("text", ["yesterday", "Yesterday", "yesterday morning", "last night"])
def test_yesterday(text: str) -> None:
    assert resolve(text, PUB) == day(2026, 1, 7, text)


def test_yesterday_across_year_boundary() -> None:
    assert resolve("yesterday", date(2026, 1, 1)) == day(2025, 12, 31, "yesterday")


def test_yesterday_across_leap_day() -> None:
    assert resolve("yesterday", date(2024, 3, 1)) == day(2024, 2, 29, "yesterday")


# --- resolve: weekdays ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Monday", date(2026, 1, 5)),
        ("Tuesday", date(2026, 1, 6)),
        ("Wednesday", date(2026, 1, 7)),
        ("Thursday", date(2026, 1, 8)),
        ("Friday", date(2026, 1, 2)),
        ("Saturday", date(2026, 1, 3)),
        ("Sunday", date(2026, 1, 4)),
        ("on Wednesday", date(2026, 1, 7)),
        ("WEDNESDAY", date(2026, 1, 7)),
        ("Wednesday night", date(2026, 1, 7)),
        ("on Friday morning", date(2026, 1, 2)),
        ("on Wednesday.", date(2026, 1, 7)),
    ],
)
def test_bare_weekday_is_on_or_before_publication(text: str, expected: date) -> None:
    assert resolve(text, PUB) == TimeSpan(expected, expected, "day", text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("last Thursday", date(2026, 1, 1)),
        ("last Wednesday", date(2026, 1, 7)),
        ("last Friday", date(2026, 1, 2)),
        ("on last Monday", date(2026, 1, 5)),
    ],
)
def test_last_weekday_is_strictly_before_publication(text: str, expected: date) -> None:
    assert resolve(text, PUB) == TimeSpan(expected, expected, "day", text)


def test_weekday_across_year_boundary() -> None:
    # 2026-01-01 is a Thursday; the Wednesday before it is in 2025
    assert resolve("Wednesday", date(2026, 1, 1)) == day(2025, 12, 31, "Wednesday")


# --- resolve: month and day without a year ----------------------------------------------------


@pytest.mark.parametrize(
    "text", ["January 3", "3 January", "Jan. 3", "Jan 3", "on January 3", "January 3rd", "3rd Jan"]
)
def test_month_day_forms(text: str) -> None:
    assert resolve(text, PUB) == day(2026, 1, 3, text)


def test_month_day_on_publication_day_is_this_year() -> None:
    assert resolve("January 8", PUB) == day(2026, 1, 8, "January 8")


def test_month_day_after_publication_is_previous_year() -> None:
    assert resolve("January 9", PUB) == day(2025, 1, 9, "January 9")
    assert resolve("December 30", PUB) == day(2025, 12, 30, "December 30")
    assert resolve("Sept. 5", PUB) == day(2025, 9, 5, "Sept. 5")


def test_month_day_leap_day() -> None:
    assert resolve("February 29", date(2024, 3, 1)) == day(2024, 2, 29, "February 29")
    with pytest.raises(DateError) as raised:
        resolve("February 29", date(2026, 3, 1))
    assert str(raised.value) == (
        'cannot read "February 29" as a date: February 2026 has 28 days '
        "(no year is given, so it is read as 2026)"
    )


def test_month_day_impossible() -> None:
    with pytest.raises(DateError, match="April 2025 has 30 days"):
        resolve("April 31", PUB)


# --- resolve: month names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "year", "month", "last_day"),
    [
        ("In November", 2025, 11, 30),
        ("November", 2025, 11, 30),
        ("Nov.", 2025, 11, 30),
        ("in December", 2025, 12, 31),
        ("in February", 2025, 2, 28),
        ("January", 2026, 1, 31),  # the publication month itself
        ("last January", 2025, 1, 31),
        ("last December", 2025, 12, 31),
    ],
)
def test_month_names(text: str, year: int, month: int, last_day: int) -> None:
    assert resolve(text, PUB) == TimeSpan(
        date(year, month, 1), date(year, month, last_day), "month", text
    )


def test_month_name_leap_february() -> None:
    result = resolve("in February", date(2024, 6, 1))
    assert (result.start, result.end) == (date(2024, 2, 1), date(2024, 2, 29))


def test_month_name_in_publication_month_and_last() -> None:
    pub = date(2025, 11, 20)
    assert resolve("In November", pub).start == date(2025, 11, 1)
    assert resolve("last November", pub).start == date(2024, 11, 1)
    assert resolve("last October", pub).start == date(2025, 10, 1)


# --- resolve: years, this/last month/week -----------------------------------------------------


def test_years() -> None:
    assert resolve("last year", PUB) == span(
        date(2025, 1, 1), date(2025, 12, 31), "year", "last year"
    )
    assert resolve("this year", PUB) == span(date(2026, 1, 1), PUB, "year", "this year")


def test_months() -> None:
    assert resolve("this month", PUB) == span(date(2026, 1, 1), PUB, "month", "this month")
    assert resolve("last month", PUB) == span(
        date(2025, 12, 1), date(2025, 12, 31), "month", "last month"
    )
    assert resolve("last month", date(2024, 3, 31)).end == date(2024, 2, 29)


def test_weeks() -> None:
    assert resolve("this week", PUB) == span(date(2026, 1, 5), PUB, "approximate", "this week")
    assert resolve("last week", PUB) == span(
        date(2025, 12, 29), date(2026, 1, 4), "approximate", "last week"
    )


def test_this_week_on_a_monday() -> None:
    monday = date(2026, 1, 5)
    assert resolve("this week", monday) == span(monday, monday, "approximate", "this week")
    assert resolve("last week", monday).end == date(2026, 1, 4)


# --- resolve: fuzzy windows -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("in recent days", date(2026, 1, 1)),
        ("recent days", date(2026, 1, 1)),
        ("in the past few days", date(2026, 1, 1)),
        ("over the past few days", date(2026, 1, 1)),
        ("in the last few days", date(2026, 1, 1)),
        ("in recent weeks", date(2025, 12, 11)),
        ("in the past few weeks", date(2025, 12, 11)),
        ("recently", date(2025, 12, 9)),
        ("in recent months", date(2025, 10, 10)),
    ],
)
def test_recent_windows(text: str, start: date) -> None:
    assert resolve(text, PUB) == TimeSpan(start, PUB, "approximate", text)


# --- resolve: N days / weeks ago --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("two days ago", date(2026, 1, 6)),
        ("2 days ago", date(2026, 1, 6)),
        ("a day ago", date(2026, 1, 7)),
        ("one day ago", date(2026, 1, 7)),
        ("ten days ago", date(2025, 12, 29)),
        ("Three Days Ago", date(2026, 1, 5)),
    ],
)
def test_days_ago(text: str, expected: date) -> None:
    assert resolve(text, PUB) == TimeSpan(expected, expected, "day", text)


@pytest.mark.parametrize(
    ("text", "monday"),
    [
        ("a week ago", date(2025, 12, 29)),
        ("one week ago", date(2025, 12, 29)),
        ("two weeks ago", date(2025, 12, 22)),
        ("3 weeks ago", date(2025, 12, 15)),
    ],
)
def test_weeks_ago_is_a_monday_to_sunday_week(text: str, monday: date) -> None:
    result = resolve(text, PUB)
    assert result == TimeSpan(monday, date.fromordinal(monday.toordinal() + 6), "approximate", text)
    assert result.start is not None and result.start.weekday() == 0


# --- resolve: since ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "precision"),
    [
        ("since January 2025", date(2025, 1, 1), "month"),
        ("since 2022", date(2022, 1, 1), "year"),
        ("since yesterday", date(2026, 1, 7), "day"),
        ("since Monday", date(2026, 1, 5), "day"),
        ("since last Thursday", date(2026, 1, 1), "day"),
        ("since November", date(2025, 11, 1), "month"),
        ("since December 30", date(2025, 12, 30), "day"),
        ("since last year", date(2025, 1, 1), "year"),
        ("Since 2025-11-03", date(2025, 11, 3), "day"),
        ("since recently", date(2025, 12, 9), "approximate"),
    ],
)
def test_since(text: str, start: date, precision: str) -> None:
    assert resolve(text, PUB) == TimeSpan(start, PUB, precision, text)


def test_since_a_future_date_is_rejected() -> None:
    with pytest.raises(DateError) as raised:
        resolve("since 2027", PUB)
    assert (
        str(raised.value) == '"since 2027" starts after the article was published (8 January 2026)'
    )


def test_since_needs_publication_date_even_for_absolute() -> None:
    with pytest.raises(DateError) as raised:
        resolve("since 2022", None)
    assert str(raised.value) == (
        '"since 2022" is relative to the publication date, but the article has no publication date'
    )


def test_since_unreadable() -> None:
    with pytest.raises(DateError, match='cannot read "since Blursday"'):
        resolve("since Blursday", PUB)


# --- resolve: text, whitespace, errors --------------------------------------------------------


def test_text_is_the_stripped_original() -> None:
    assert resolve("  On   Wednesday \n", PUB).text == "On   Wednesday"
    assert resolve(" 2022 ", None).text == "2022"


@pytest.mark.parametrize(
    "text",
    [
        "Wednesday",
        "on Wednesday",
        "yesterday",
        "today",
        "January 3",
        "In November",
        "last year",
        "in recent days",
        "two days ago",
        "this week",
    ],
)
def test_relative_without_publication_date(text: str) -> None:
    with pytest.raises(DateError) as raised:
        resolve(text, None)
    assert str(raised.value) == (
        f'"{text}" is relative to the publication date, but the article has no publication date'
    )


@pytest.mark.parametrize(
    "text",
    [
        "Blursday",
        "next Blursday",
        "the 7th",
        "decades ago",
        "a few days ago",
        "0 days ago",
        "twenty-eleven days ago",
        "in two",
        "the past days",
        "this Thursday",
        "Wednesday 2026",
        "2026-01-07T10:00",
        "January 3 to 5",
    ],
)
def test_unreadable(text: str) -> None:
    with pytest.raises(DateError) as raised:
        resolve(text, PUB)
    assert str(raised.value) == (
        f'cannot read "{text}" as a date or a time relative to the publication date'
    )


def test_unreadable_without_publication_date_says_unreadable() -> None:
    with pytest.raises(DateError, match='cannot read "Blursday"'):
        resolve("Blursday", None)


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty(text: str) -> None:
    with pytest.raises(DateError, match="the time expression is empty"):
        resolve(text, PUB)


@pytest.mark.parametrize(
    ("text", "published"),
    [
        ("9999 days ago", date(5, 1, 1)),
        ("9999 years ago", PUB),
        ("in 20 years", date(9990, 1, 1)),
        ("next year", date(9999, 6, 1)),
        ("by the end of 0000", PUB),
    ],
)
def test_outside_the_calendar(text: str, published: date) -> None:
    with pytest.raises(DateError) as raised:
        resolve(text, published)
    assert str(raised.value) == f'"{text}" falls outside the calendar (years 1 to 9999)'


# --- narrow -----------------------------------------------------------------------------------


def test_narrow_without_bounds_is_identity() -> None:
    original = resolve("in recent days", PUB)
    assert narrow(original) == original


def test_narrow_only_after() -> None:
    result = narrow(resolve("in recent days", PUB), after=date(2026, 1, 5))
    assert result == span(date(2026, 1, 5), PUB, "approximate", "in recent days")


def test_narrow_only_before() -> None:
    result = narrow(resolve("last month", PUB), before=date(2025, 12, 15))
    assert result == span(date(2025, 12, 1), date(2025, 12, 15), "month", "last month")


def test_narrow_bounds_outside_span_change_nothing() -> None:
    original = resolve("last month", PUB)
    assert narrow(original, after=date(2025, 1, 1), before=date(2026, 6, 1)) == original


def test_narrow_open_span() -> None:
    open_span = TimeSpan(None, None, "approximate")
    assert narrow(open_span, after=date(2022, 5, 3)) == TimeSpan(
        date(2022, 5, 3), None, "approximate"
    )
    assert narrow(open_span, before=date(2022, 5, 3)) == TimeSpan(
        None, date(2022, 5, 3), "approximate"
    )


def test_narrow_to_a_single_day_becomes_day_precision() -> None:
    result = narrow(resolve("2022", None), after=date(2022, 5, 3), before=date(2022, 5, 3))
    assert result == day(2022, 5, 3, "2022")


def test_narrow_contradiction_after() -> None:
    with pytest.raises(DateError) as raised:
        narrow(resolve("in recent days", PUB), after=date(2026, 1, 10))
    assert str(raised.value) == (
        '"in recent days" means 1 January 2026 to 8 January 2026, but the fact must also be '
        "on or after 10 January 2026; these cannot both be true"
    )


def test_narrow_contradiction_before() -> None:
    with pytest.raises(DateError) as raised:
        narrow(resolve("Wednesday", PUB), before=date(2026, 1, 6))
    assert str(raised.value) == (
        '"Wednesday" means 7 January 2026, but the fact must also be '
        "on or before 6 January 2026; these cannot both be true"
    )


def test_narrow_contradiction_both_and_no_text() -> None:
    with pytest.raises(DateError) as raised:
        narrow(
            TimeSpan(date(2025, 1, 1), None, "year"),
            after=date(2024, 1, 1),
            before=date(2024, 6, 1),
        )
    assert str(raised.value) == (
        "the date given means 1 January 2025 to any time, but the fact must also be "
        "on or after 1 January 2024 and on or before 1 June 2024; these cannot both be true"
    )


def test_narrow_window_itself_empty() -> None:
    with pytest.raises(DateError) as raised:
        narrow(resolve("2022", None), after=date(2022, 5, 3), before=date(2022, 5, 1))
    assert str(raised.value) == "the known window is empty: 3 May 2022 is later than 1 May 2022"
