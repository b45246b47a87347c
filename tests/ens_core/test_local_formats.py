"""Dates, times and numbers as people read them: Paris time, the page's language."""

from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale

from ens_core.i18n import local_date, local_datetime, local_time, number

WINTER_NOON_UTC = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # 13:00 in Paris (UTC+1)
SUMMER_NOON_UTC = datetime(2026, 7, 2, 12, 0, tzinfo=UTC)  # 14:00 in Paris (UTC+2)


@pytest.fixture
def context(app):
    with app.test_request_context("/"):
        yield


def test_a_meeting_is_shown_in_paris_time_in_french(context):
    with force_locale("fr"):
        assert local_datetime(WINTER_NOON_UTC) == "2 mars 2026 à 13:00"
        assert local_time(SUMMER_NOON_UTC) == "14:00"
        assert local_date(WINTER_NOON_UTC) == "2 mars 2026"
        assert local_date(date(2026, 3, 2), "short") == "02/03/2026"


def test_english_pages_read_as_english(context):
    with force_locale("en"):
        assert local_datetime(WINTER_NOON_UTC) == "2 March 2026, 13:00"
        assert local_date(date(2026, 3, 2)) == "2 March 2026"
        # A table's short date is never 02/03/2026 on an English page (2 March or 3 February?).
        assert local_date(date(2026, 3, 2), "short") == "2 Mar 2026"


def test_a_late_evening_in_utc_is_the_next_day_in_paris(context):
    with force_locale("fr"):
        assert local_date(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "1 janvier 2027"


def test_decimals_use_the_languages_sign(context):
    with force_locale("fr"):
        assert number(68.5) == "68,5"
        assert number(80, digits=1) == "80,0"
    with force_locale("en"):
        assert number(68.5) == "68.5"
        assert number(1234.56, digits=0) == "1,235"


def test_nothing_shows_nothing(context):
    assert local_date(None) == local_datetime(None) == local_time(None) == number(None) == ""
