"""handler404 for /api/ URLs that match no route."""


def test_an_unrouted_api_url_answers_the_json_404_body(rf):
    from kehu.core.api import not_found

    response = not_found(rf.get("/api/customers/abc/"))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_an_unknown_page_outside_the_api_keeps_the_html_404(rf):
    from kehu.core.api import not_found

    response = not_found(rf.get("/no-such-page/"))
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
