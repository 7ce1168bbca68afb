import pytest

from kehu.workdays.calendar import cache_clear


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    cache_clear()
    yield
    cache_clear()
