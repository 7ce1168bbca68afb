import os

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test stay synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture
def login(browser, live_server):
    """login(username) -> a page of a fresh browser context signed in as that user."""
    contexts = []

    def _login(username: str):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "pw-12345678")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield _login
    for context in contexts:
        context.close()
