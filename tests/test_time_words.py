"""The time words of issue 11 (docs/time-rules.md), with the publication weekday varied.

Each rule is checked on seven publication days, Monday 29 December 2025 to Sunday
4 January 2026, so that every weekday and a year's end are crossed; fixed examples pin the
exact windows the docs promise.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rdflib import Literal

from kgload.check import FORWARD_STATUSES, CheckedFacts, check_facts, resolve_time
from kgload.dates import _RELATIVE, DateError, TimeSpan, UnreadableTime, resolve
from kgload.errors import InputRejected
from kgload.facts import parse_bytes
from kgload.iris import Iris
from kgload.mapping import map_article
from kgload.registry import load_registry
from kgload.vocab import KG

WEEK = [date(2025, 12, 29) + timedelta(days=i) for i in range(7)]  # Monday .. Sunday
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
DAY = timedelta(days=1)
WEDNESDAY = date(2026, 1, 7)

every_weekday = pytest.mark.parametrize("pub", WEEK, ids=WEEKDAYS)


def on(day: date, text: str) -> TimeSpan:
    return TimeSpan(day, day, "day", text)


# --- days -----------------------------------------------------------------------------------


@every_weekday
@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("three days ago", 3),
        ("15 days ago", 15),
        ("eleven days ago", 11),
        ("twenty-one days ago", 21),
        ("a day before", 1),
        ("the day before", 1),
        ("two days earlier", 2),
        ("the day before yesterday", 2),
    ],
)
def test_days_back(pub: date, text: str, count: int) -> None:
    assert resolve(text, pub) == on(pub - count * DAY, text)


@every_weekday
@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("tomorrow", 1),
        ("tomorrow morning", 1),
        ("the day after tomorrow", 2),
        ("in two days", 2),
        ("in 10 days", 10),
        ("in a day", 1),
    ],
)
def test_days_ahead(pub: date, text: str, count: int) -> None:
    assert resolve(text, pub) == on(pub + count * DAY, text)


@every_weekday
def test_later_today_is_the_publication_day(pub: date) -> None:
    assert resolve("later today", pub) == on(pub, "later today")


@every_weekday
def test_overnight_is_the_night_before_publication(pub: date) -> None:
    assert resolve("overnight", pub) == TimeSpan(pub - DAY, pub, "approximate", "overnight")


@every_weekday
@pytest.mark.parametrize("status", sorted(FORWARD_STATUSES))
def test_overnight_still_to_come_is_the_coming_night(pub: date, status: str) -> None:
    assert resolve_time("overnight", pub, status=status) == TimeSpan(
        pub, pub + DAY, "approximate", "overnight"
    )


# --- weekdays -------------------------------------------------------------------------------


@every_weekday
@pytest.mark.parametrize("weekday", range(7), ids=WEEKDAYS)
def test_next_weekday_is_strictly_after_publication(pub: date, weekday: int) -> None:
    text = f"next {WEEKDAYS[weekday].title()}"
    found = resolve(text, pub)
    assert found.precision == "day" and found.start == found.end and found.start is not None
    assert found.start.weekday() == weekday
    assert 1 <= (found.start - pub).days <= 7


@pytest.mark.parametrize(
    ("pub", "text", "expected"),
    [
        (WEDNESDAY, "next Thursday", date(2026, 1, 8)),  # the issue's example
        (WEDNESDAY, "next Wednesday", date(2026, 1, 14)),
        (WEDNESDAY, "next Tuesday", date(2026, 1, 13)),
        (date(2026, 1, 8), "next Thursday", date(2026, 1, 15)),
        (date(2025, 12, 31), "next Monday", date(2026, 1, 5)),
        (WEDNESDAY, "next Friday evening", date(2026, 1, 9)),
    ],
)
def test_next_weekday_examples(pub: date, text: str, expected: date) -> None:
    assert resolve(text, pub) == on(expected, text)


# --- weeks ----------------------------------------------------------------------------------


@every_weekday
@pytest.mark.parametrize("count", [1, 2, 3, 10])
def test_weeks_ago_hold_the_day_that_many_weeks_back(pub: date, count: int) -> None:
    found = resolve(f"{count} weeks ago", pub)
    assert found.start is not None and found.end is not None
    assert found.start.weekday() == 0 and found.end - found.start == 6 * DAY
    assert found.start <= pub - 7 * count * DAY <= found.end
    assert found.precision == "approximate"


@every_weekday
@pytest.mark.parametrize("count", [1, 2, 3])
def test_in_weeks_hold_the_day_that_many_weeks_ahead(pub: date, count: int) -> None:
    found = resolve(f"in {count} weeks", pub)
    assert found.start is not None and found.end is not None
    assert found.start.weekday() == 0 and found.end - found.start == 6 * DAY
    assert found.start <= pub + 7 * count * DAY <= found.end


@every_weekday
def test_last_this_next_week(pub: date) -> None:
    monday = pub - pub.weekday() * DAY
    sunday = monday + 6 * DAY
    assert resolve("last week", pub) == TimeSpan(
        monday - 7 * DAY, monday - DAY, "approximate", "last week"
    )
    assert resolve("this week", pub) == TimeSpan(monday, pub, "approximate", "this week")
    assert resolve("earlier this week", pub) == TimeSpan(
        monday, pub, "approximate", "earlier this week"
    )
    assert resolve("later this week", pub) == TimeSpan(
        pub, sunday, "approximate", "later this week"
    )
    assert resolve("next week", pub) == TimeSpan(
        sunday + DAY, sunday + 7 * DAY, "approximate", "next week"
    )
    assert resolve_time("this week", pub, status="planned") == TimeSpan(
        pub, sunday, "approximate", "this week"
    )


def test_week_examples() -> None:
    assert resolve("next week", WEDNESDAY) == TimeSpan(
        date(2026, 1, 12), date(2026, 1, 18), "approximate", "next week"
    )
    assert resolve("two weeks ago", WEDNESDAY) == TimeSpan(
        date(2025, 12, 22), date(2025, 12, 28), "approximate", "two weeks ago"
    )
    assert resolve("in the next two weeks", WEDNESDAY) == TimeSpan(
        WEDNESDAY, date(2026, 1, 21), "approximate", "in the next two weeks"
    )


# --- months ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pub", "text", "start", "end"),
    [
        # the window is a month wide, centred on the same day that many months back
        (WEDNESDAY, "15 months ago", date(2024, 9, 22), date(2024, 10, 22)),
        (WEDNESDAY, "fifteen months ago", date(2024, 9, 22), date(2024, 10, 22)),
        (WEDNESDAY, "a month ago", date(2025, 11, 22), date(2025, 12, 22)),
        (WEDNESDAY, "three months ago", date(2025, 9, 22), date(2025, 10, 22)),
        # 31 March, a month back, is 28 February (the month's last day), then +/- 15 days
        (date(2026, 3, 31), "a month ago", date(2026, 2, 13), date(2026, 3, 15)),
        (WEDNESDAY, "in two months", date(2026, 2, 20), date(2026, 3, 22)),
    ],
)
def test_months_from_publication(pub: date, text: str, start: date, end: date) -> None:
    assert resolve(text, pub) == TimeSpan(start, end, "approximate", text)


@every_weekday
def test_earlier_and_later_this_month(pub: date) -> None:
    first = pub.replace(day=1)
    last = (first + 32 * DAY).replace(day=1) - DAY
    assert resolve("earlier this month", pub) == TimeSpan(first, pub, "month", "earlier this month")
    assert resolve("later this month", pub) == TimeSpan(pub, last, "month", "later this month")


@pytest.mark.parametrize(
    ("pub", "start", "end"),
    [
        (WEDNESDAY, date(2026, 2, 1), date(2026, 2, 28)),
        (date(2025, 12, 31), date(2026, 1, 1), date(2026, 1, 31)),
        (date(2024, 1, 31), date(2024, 2, 1), date(2024, 2, 29)),
    ],
)
def test_next_month(pub: date, start: date, end: date) -> None:
    assert resolve("next month", pub) == TimeSpan(start, end, "month", "next month")


@pytest.mark.parametrize(
    ("pub", "text", "start", "end"),
    [
        (WEDNESDAY, "next January", date(2027, 1, 1), date(2027, 1, 31)),
        (WEDNESDAY, "next March", date(2026, 3, 1), date(2026, 3, 31)),
        (date(2026, 11, 20), "next November", date(2027, 11, 1), date(2027, 11, 30)),
    ],
)
def test_next_month_name_is_strictly_after_the_publication_month(
    pub: date, text: str, start: date, end: date
) -> None:
    assert resolve(text, pub) == TimeSpan(start, end, "month", text)


# --- years ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pub", "text", "start", "end"),
    [
        # a year wide (182 days either side), centred on the same day that many years back
        (WEDNESDAY, "three years ago", date(2022, 7, 9), date(2023, 7, 8)),
        (WEDNESDAY, "a year ago", date(2024, 7, 9), date(2025, 7, 8)),
        (date(2024, 2, 29), "a year ago", date(2022, 8, 30), date(2023, 8, 29)),
        (WEDNESDAY, "in two years", date(2027, 7, 9), date(2028, 7, 7)),
    ],
)
def test_years_from_publication(pub: date, text: str, start: date, end: date) -> None:
    assert resolve(text, pub) == TimeSpan(start, end, "approximate", text)


@every_weekday
def test_next_year_and_later_this_year(pub: date) -> None:
    year = pub.year
    assert resolve("next year", pub) == TimeSpan(
        date(year + 1, 1, 1), date(year + 1, 12, 31), "year", "next year"
    )
    assert resolve("later this year", pub) == TimeSpan(
        pub, date(year, 12, 31), "year", "later this year"
    )
    assert resolve("earlier this year", pub) == TimeSpan(
        date(year, 1, 1), pub, "year", "earlier this year"
    )


@pytest.mark.parametrize(
    ("pub", "text", "start", "end"),
    [
        (WEDNESDAY, "the past year", date(2025, 1, 7), WEDNESDAY),
        (WEDNESDAY, "over the past two years", date(2024, 1, 7), WEDNESDAY),
        (WEDNESDAY, "in the last week", date(2025, 12, 31), WEDNESDAY),
        (WEDNESDAY, "less than a year ago", date(2025, 1, 7), WEDNESDAY),
        (WEDNESDAY, "over the next three months", WEDNESDAY, date(2026, 4, 7)),
    ],
)
def test_spans_reaching_to_or_from_publication(
    pub: date, text: str, start: date, end: date
) -> None:
    assert resolve(text, pub) == TimeSpan(start, end, "approximate", text)


# --- more than / over N ago: an end, no start ------------------------------------------------


@every_weekday
@pytest.mark.parametrize(
    ("text", "years", "days"),
    [
        ("over a year ago", 1, 0),
        ("more than two years ago", 2, 0),
        ("more than 10 days ago", 0, 10),
        ("over three weeks ago", 0, 21),
    ],
)
def test_more_than_ago_ends_that_long_before_publication(
    pub: date, text: str, years: int, days: int
) -> None:
    end = pub.replace(year=pub.year - years) - days * DAY  # no 29 February among WEEK
    assert resolve(text, pub) == TimeSpan(None, end, "approximate", text)


def test_over_a_year_ago_example() -> None:
    assert resolve("over a year ago", WEDNESDAY) == TimeSpan(
        None, date(2025, 1, 7), "approximate", "over a year ago"
    )
    # from a leap day, a year back is the last day of February
    assert resolve("over a year ago", date(2024, 2, 29)).end == date(2023, 2, 28)


# --- soon, the coming days ----------------------------------------------------------------------


@every_weekday
@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("soon", 30),
        ("very soon", 30),
        ("in the near future", 30),
        ("in the coming days", 7),
        ("in the next few days", 7),
        ("in the coming weeks", 28),
        ("over the coming months", 90),
    ],
)
def test_vague_windows_ahead(pub: date, text: str, days: int) -> None:
    assert resolve(text, pub) == TimeSpan(pub, pub + days * DAY, "approximate", text)


# --- by the end of ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pub", "status", "start", "end"),
    [
        # still to come: from publication to the coming August's last day
        (WEDNESDAY, "planned", WEDNESDAY, date(2026, 8, 31)),
        (date(2026, 8, 15), "committed", date(2026, 8, 15), date(2026, 8, 31)),
        (date(2026, 9, 1), "planned", date(2026, 9, 1), date(2027, 8, 31)),
        # looking back: any time up to the last August's last day
        (WEDNESDAY, "occurred", None, date(2025, 8, 31)),
        (date(2026, 8, 15), "occurred", None, date(2026, 8, 31)),
        (date(2026, 11, 3), None, None, date(2026, 8, 31)),
    ],
)
def test_by_the_end_of_august(pub: date, status: str | None, start: date | None, end: date) -> None:
    text = "by the end of August"
    assert resolve_time(text, pub, status=status) == TimeSpan(start, end, "approximate", text)


@every_weekday
def test_by_the_end_of_the_week_month_year(pub: date) -> None:
    sunday = pub + (6 - pub.weekday()) * DAY
    month_end = (pub.replace(day=1) + 32 * DAY).replace(day=1) - DAY
    for text, end in (
        ("by the end of the week", sunday),
        ("by the end of this month", month_end),
        ("by the end of the year", date(pub.year, 12, 31)),
        ("by the end of next year", date(pub.year + 1, 12, 31)),
        ("by the end of 2030", date(2030, 12, 31)),
        ("by the end of August 2027", date(2027, 8, 31)),
    ):
        assert resolve_time(text, pub, status="planned") == TimeSpan(pub, end, "approximate", text)
        assert resolve(text, pub) == TimeSpan(None, end, "approximate", text)


# --- direction by status ------------------------------------------------------------------------

LOOKING_BACK = ["occurred", "ongoing", "attempted", "stalled", "alleged", None]


@every_weekday
@pytest.mark.parametrize("weekday", range(7), ids=WEEKDAYS)
@pytest.mark.parametrize("status", sorted(FORWARD_STATUSES))
def test_a_bare_weekday_still_to_come_is_the_coming_one(
    pub: date, weekday: int, status: str
) -> None:
    found = resolve_time(f"on {WEEKDAYS[weekday]}", pub, status=status)
    assert found.start == found.end and found.start is not None
    assert found.start.weekday() == weekday and 0 <= (found.start - pub).days <= 6


@every_weekday
@pytest.mark.parametrize("weekday", range(7), ids=WEEKDAYS)
@pytest.mark.parametrize("status", LOOKING_BACK)
def test_a_bare_weekday_otherwise_is_the_last_one(
    pub: date, weekday: int, status: str | None
) -> None:
    found = resolve_time(f"on {WEEKDAYS[weekday]}", pub, status=status)
    assert found.start == found.end and found.start is not None
    assert found.start.weekday() == weekday and 0 <= (pub - found.start).days <= 6


def test_the_issue_example_a_trip_planned_on_thursday() -> None:
    assert resolve_time("on Thursday", WEDNESDAY, status="planned") == on(
        date(2026, 1, 8), "on Thursday"
    )
    assert resolve_time("on Thursday", WEDNESDAY, status="occurred") == on(
        date(2026, 1, 1), "on Thursday"
    )


@pytest.mark.parametrize(
    ("text", "back", "ahead"),
    [
        ("January 3", date(2026, 1, 3), date(2026, 1, 3)),  # the publication day, either way
        ("December 30", date(2025, 12, 30), date(2026, 12, 30)),
        ("January 10", date(2025, 1, 10), date(2026, 1, 10)),
        ("in November", date(2025, 11, 1), date(2026, 11, 1)),
        ("in January", date(2026, 1, 1), date(2026, 1, 1)),  # the publication month
        ("February", date(2025, 2, 1), date(2026, 2, 1)),
    ],
)
def test_a_bare_date_or_month_by_status(text: str, back: date, ahead: date) -> None:
    pub = date(2026, 1, 3)  # a Saturday
    for status in LOOKING_BACK:
        assert resolve_time(text, pub, status=status).start == back
    for status in FORWARD_STATUSES:
        assert resolve_time(text, pub, status=status).start == ahead


@pytest.mark.parametrize("status", sorted(FORWARD_STATUSES))
@pytest.mark.parametrize(
    "text",
    [
        "last Thursday",
        "three days ago",
        "yesterday",
        "in recent days",
        "since Monday",
        "last week",
        "tomorrow",
        "next Thursday",
        "soon",
        "next week",
    ],
)
def test_words_with_their_own_direction_ignore_the_status(status: str, text: str) -> None:
    assert resolve_time(text, WEDNESDAY, status=status) == resolve(text, WEDNESDAY)


# --- through check_facts: the status reaches the rules, roles look back ---------------------------

DOCUMENT = """\
format_version: 1
article: {{id: t, title: "T", published: "2026-01-07"}}
entities:
  - id: someone
    type: Person
    name: "Someone"
    roles: [{{role: Envoy, of: colombia, time: "Thursday"}}]
actions:
  - id: trip
    type: MakeStatement
    agents: [someone]
    status: {status}
    time: {time}
    evidence: "x"
"""


def checked(time: str, status: str = "planned") -> CheckedFacts:
    text = DOCUMENT.format(status=status, time=time)
    return check_facts(parse_bytes(text.encode(), name="t.yaml"), load_registry().types)


def test_check_passes_the_action_status_and_roles_look_back() -> None:
    times = checked('"on Thursday"').times
    assert times[("actions", 0, "time")] == on(date(2026, 1, 8), "on Thursday")
    assert times[("entities", 0, "roles", 0, "time")] == on(date(2026, 1, 1), "Thursday")
    assert checked('"on Thursday"', "occurred").times[("actions", 0, "time")] == on(
        date(2026, 1, 1), "on Thursday"
    )


# --- the object form keeps a text no rule reads, when bounds are given ----------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            {"text": "decades ago", "end": "2026-01-07"},
            TimeSpan(None, date(2026, 1, 7), "approximate", "decades ago"),
        ),
        (
            {
                "text": "around the feast of Saint Blaise",
                "start": "2026-02-03",
                "end": "2026-02-03",
            },
            TimeSpan(date(2026, 2, 3), date(2026, 2, 3), "day", "around the feast of Saint Blaise"),
        ),
        (
            {
                "text": "at the start of the rainy season",
                "after": "2025-04-01",
                "before": "2025-05-31",
            },
            TimeSpan(
                date(2025, 4, 1),
                date(2025, 5, 31),
                "approximate",
                "at the start of the rainy season",
            ),
        ),
        (  # the words are stripped, as resolve() strips them
            {"text": "  Decades ago ", "start": "1990", "before": "2000-06-30"},
            TimeSpan(date(1990, 1, 1), date(2000, 6, 30), "approximate", "Decades ago"),
        ),
    ],
    ids=["end", "start-end", "after-before", "start-before"],
)
def test_unreadable_text_with_bounds_is_kept(spec: dict[str, str], expected: TimeSpan) -> None:
    assert resolve_time(spec, WEDNESDAY) == expected


def test_unreadable_text_without_bounds_stays_an_error() -> None:
    with pytest.raises(UnreadableTime, match='cannot read "decades ago"'):
        resolve_time({"text": "decades ago"}, WEDNESDAY)
    with pytest.raises(UnreadableTime, match='cannot read "decades ago"'):
        resolve_time("decades ago", WEDNESDAY)


def test_readable_text_still_cannot_contradict_its_bounds() -> None:
    with pytest.raises(DateError, match="cannot both be true"):
        resolve_time({"text": "tomorrow", "before": "2026-01-07"}, WEDNESDAY)


def test_relative_text_without_publication_date_is_decided_by_bounds() -> None:
    span = resolve_time({"text": "on Thursday", "start": "2026-01-08", "end": "2026-01-08"}, None)
    assert span == on(date(2026, 1, 8), "on Thursday")


def test_kept_text_reaches_the_graph() -> None:
    facts = checked('{text: "decades ago", end: "2026-01-07"}', "ongoing")
    assert facts.times[("actions", 0, "time")] == TimeSpan(
        None, date(2026, 1, 7), "approximate", "decades ago"
    )
    graph = map_article(facts, Iris()).graph
    assert len(list(graph.subjects(KG.timeText, Literal("decades ago", lang="en")))) == 1


def test_unreadable_text_without_bounds_is_a_finding_with_a_hint() -> None:
    with pytest.raises(InputRejected) as caught:
        checked('"decades ago"', "ongoing")
    [finding] = caught.value.findings
    assert finding.rule == "bad-date" and finding.fact == "trip"
    assert finding.message == (
        'time: cannot read "decades ago" as a date or a time relative to the publication '
        "date; to keep these words as written, add the dates they stand for: "
        '{text: "decades ago", after: YYYY-MM-DD, before: YYYY-MM-DD}'
    )


# --- properties ---------------------------------------------------------------------------------

PUBLISHED = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
SPELLED = {
    1: "one",
    2: "two",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    8: "eight",
    9: "nine",
    10: "ten",
    11: "eleven",
    12: "twelve",
    13: "thirteen",
    14: "fourteen",
    15: "fifteen",
    16: "sixteen",
    17: "seventeen",
    18: "eighteen",
    19: "nineteen",
    20: "twenty",
    30: "thirty",
    40: "forty",
    50: "fifty",
    60: "sixty",
    70: "seventy",
    80: "eighty",
    90: "ninety",
}


def spelled(n: int) -> str:
    if n in SPELLED:
        return SPELLED[n]
    return f"{SPELLED[n - n % 10]}-{SPELLED[n % 10]}"


@given(PUBLISHED, st.integers(1, 99), st.sampled_from(["day", "week", "month", "year"]))
def test_number_words_mean_their_digits(pub: date, n: int, unit: str) -> None:
    for template in ("{} {}s ago", "in {} {}s", "more than {} {}s ago"):
        words = template.format(spelled(n), unit)
        digits = template.format(n, unit)
        assert replace_text(resolve(words, pub), digits) == resolve(digits, pub)


def replace_text(span: TimeSpan, text: str) -> TimeSpan:
    return TimeSpan(span.start, span.end, span.precision, text)


BACK = [
    "yesterday",
    "overnight",
    "last week",
    "earlier this month",
    "earlier this year",
    "a day before",
    "recently",
    "in recent weeks",
    "last Monday",
    "last June",
    "the past year",
    "less than two years ago",
]
AHEAD = [
    "tomorrow",
    "next week",
    "next month",
    "next year",
    "later this month",
    "later this week",
    "next Sunday",
    "next June",
    "soon",
    "in the coming days",
    "in the next two weeks",
    "the day after tomorrow",
]
COUNTED = st.builds(
    "{} {}s ago".format, st.integers(1, 60), st.sampled_from(["day", "week", "month", "year"])
)
IN_COUNTED = st.builds(
    "in {} {}s".format, st.integers(1, 60), st.sampled_from(["day", "week", "month", "year"])
)


@given(PUBLISHED, st.one_of(st.sampled_from(BACK), COUNTED))
def test_words_looking_back_end_by_publication(pub: date, text: str) -> None:
    found = resolve(text, pub)
    assert found.start is not None and found.end is not None
    assert found.start <= found.end <= pub and found.text == text


@given(PUBLISHED, st.one_of(st.sampled_from(AHEAD), IN_COUNTED))
def test_words_looking_ahead_start_from_publication(pub: date, text: str) -> None:
    found = resolve(text, pub)
    assert found.start is not None and found.end is not None
    assert pub <= found.start <= found.end and found.text == text


BARE = st.one_of(
    st.sampled_from([w.title() for w in WEEKDAYS]).map(lambda w: f"on {w}"),
    st.builds(
        "{} {}".format,
        st.sampled_from(["January", "March", "June", "December"]),
        st.integers(1, 28),
    ),
    st.sampled_from(["in November", "in February", "this week", "this month", "this year"]),
)


@given(PUBLISHED, BARE, st.sampled_from(sorted(FORWARD_STATUSES)))
def test_bare_words_still_to_come_do_not_end_before_publication(
    pub: date, text: str, status: str
) -> None:
    found = resolve_time(text, pub, status=status)
    assert found.end is not None and found.end >= pub


@given(PUBLISHED, BARE, st.sampled_from(LOOKING_BACK))
def test_bare_words_looking_back_do_not_start_after_publication(
    pub: date, text: str, status: str | None
) -> None:
    found = resolve_time(text, pub, status=status)
    assert found.start is not None and found.start <= pub


# --- docs/time-rules.md: every example holds, every rule has one --------------------------------

RULES_DOC = Path(__file__).resolve().parents[1] / "docs" / "time-rules.md"
DOC_PUBLISHED = date(2026, 1, 7)
EXAMPLE = re.compile(
    r"`(?P<text>[^`]+)`(?: \((?P<status>\w+)\))? → "
    r"(?P<start>open|\d{4}-\d\d-\d\d)(?: to (?P<end>\d{4}-\d\d-\d\d))?"
)


def documented_examples() -> list[tuple[str, str | None, str, str, str]]:
    """(text, status, start, end, precision) for each example in the rules' tables."""
    found = []
    for line in RULES_DOC.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("| ") or len(cells) != 4 or cells[0] == "Expression":
            continue
        for m in EXAMPLE.finditer(cells[3]):
            found.append((m["text"], m["status"], m["start"], m["end"] or m["start"], cells[2]))
    return found


def test_the_rules_doc_has_examples() -> None:
    assert len(documented_examples()) > 80


@pytest.mark.parametrize(("text", "status", "start", "end", "precision"), documented_examples())
def test_documented_example_holds(
    text: str, status: str | None, start: str, end: str, precision: str
) -> None:
    span = resolve_time(text, DOC_PUBLISHED, status=status)
    shown = (span.start.isoformat() if span.start else "open", span.end and span.end.isoformat())
    assert shown == (start, end)
    if precision in ("day", "month", "year", "approximate"):
        assert span.precision == precision


def test_every_rule_has_a_documented_example() -> None:
    examples = [" ".join(text.lower().split()) for text, *_ in documented_examples()]
    for pattern, _ in _RELATIVE:
        assert any(
            pattern.fullmatch(example)
            or pattern.fullmatch(re.sub(r"^(on|in|during) ", "", example))
            for example in examples
        ), f"docs/time-rules.md has no example for {pattern.pattern[:60]!r}"
