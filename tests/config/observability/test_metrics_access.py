"""Who may scrape /metrics (config/observability/access.py): loopback only by default, a bearer token, an
allowlist of CIDRs, both; X-Forwarded-For read only when METRICS_NUM_PROXIES says proxies of ours add it.
A refused scrape is a 403 in the error envelope, never a 500 and never the metrics."""

import pytest

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-7f3a"


@pytest.fixture(autouse=True)
def _no_access_configured(settings):
    settings.METRICS_ENABLED = True
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS, settings.METRICS_NUM_PROXIES = "", [], 0


def scrape(client, *, ip="127.0.0.1", **headers):
    return client.get("/metrics", REMOTE_ADDR=ip, **headers)


def assert_refused(response):
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert b"bootpay_calls" not in response.content


def test_with_nothing_configured_loopback_may_scrape(client):
    for ip in ("127.0.0.1", "::1", "127.8.9.10"):
        response = scrape(client, ip=ip)
        assert response.status_code == 200, ip
        assert response["Content-Type"].startswith("text/plain")
        assert b"# TYPE bootpay_calls_total counter" in response.content


def test_with_nothing_configured_any_other_address_is_refused(client):
    assert_refused(scrape(client, ip="10.0.0.5"))
    assert_refused(scrape(client, ip="2001:db8::1"))


@pytest.mark.parametrize("header", ["HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP"])
def test_with_nothing_configured_a_request_a_local_proxy_forwarded_is_refused(client, header):
    # nginx or a sidecar on this host relays every client from 127.0.0.1
    assert_refused(scrape(client, ip="127.0.0.1", **{header: "203.0.113.9"}))


def test_x_forwarded_for_is_not_trusted_unless_proxies_are_configured(client, settings):
    assert_refused(scrape(client, ip="10.0.0.5", HTTP_X_FORWARDED_FOR="127.0.0.1"))
    settings.METRICS_ALLOWED_IPS = ["192.0.2.0/24"]
    assert_refused(scrape(client, ip="10.0.0.5", HTTP_X_FORWARDED_FOR="192.0.2.7"))


def test_with_one_proxy_of_ours_the_address_it_saw_is_read_not_what_the_client_wrote(client, settings):
    settings.METRICS_ALLOWED_IPS, settings.METRICS_NUM_PROXIES = ["192.0.2.0/24"], 1
    # The proxy appends the address it saw (the last entry); a client's own entries sit to its left.
    assert scrape(client, ip="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 192.0.2.7").status_code == 200
    assert_refused(scrape(client, ip="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.7, 203.0.113.9"))
    assert_refused(scrape(client, ip="192.0.2.7"))  # no header: it did not come through our proxy


def test_an_allowlist_admits_its_networks_only(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.1.0.0/16", "2001:db8::/32"]
    assert scrape(client, ip="10.1.200.3").status_code == 200
    assert scrape(client, ip="2001:db8::42").status_code == 200
    assert_refused(scrape(client, ip="10.2.0.1"))
    assert_refused(scrape(client, ip="127.0.0.1"))  # an allowlist replaces the loopback default


def test_a_token_admits_any_address_with_it_and_none_without(client, settings):
    settings.METRICS_TOKEN = TOKEN
    assert scrape(client, ip="198.51.100.4", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    assert_refused(scrape(client, ip="198.51.100.4"))
    assert_refused(scrape(client, ip="127.0.0.1"))  # loopback needs it too once a token is set
    assert_refused(scrape(client, HTTP_AUTHORIZATION=f"Bearer {TOKEN}x"))
    assert_refused(scrape(client, HTTP_AUTHORIZATION=f"Token {TOKEN}"))
    assert_refused(scrape(client, HTTP_AUTHORIZATION="Bearer"))


def test_token_and_allowlist_together_need_both(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = TOKEN, ["10.1.0.0/16"]
    assert scrape(client, ip="10.1.0.9", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    assert_refused(scrape(client, ip="10.1.0.9"))
    assert_refused(scrape(client, ip="10.9.0.9", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"))


def test_garbage_addresses_and_headers_are_refused_not_a_500(client, settings):
    settings.METRICS_ALLOWED_IPS, settings.METRICS_NUM_PROXIES = ["10.0.0.0/8"], 1
    assert_refused(scrape(client, ip="10.0.0.1", HTTP_X_FORWARDED_FOR="not-an-ip"))
    assert_refused(scrape(client, ip="10.0.0.1", HTTP_X_FORWARDED_FOR=",,,"))
    assert_refused(scrape(client, ip="10.0.0.1", HTTP_AUTHORIZATION="Bearer \u00e9\u00e9"))


def test_a_typo_in_the_allowlist_admits_nobody_through_it_and_is_logged(client, settings, caplog):
    settings.METRICS_ALLOWED_IPS = ["10.1.0.0/16", "10.2.0.0/33", "not-a-network"]
    assert scrape(client, ip="10.1.0.1").status_code == 200
    assert_refused(scrape(client, ip="10.2.0.1"))
    assert "not-a-network" in caplog.text


def test_only_get_is_answered(client):
    assert client.post("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 405


def test_switched_off_there_is_no_metrics_page(client, settings):
    settings.METRICS_ENABLED = False
    response = scrape(client)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_in_production_a_plain_http_scrape_is_answered_not_redirected(client, settings):
    settings.SECURE_SSL_REDIRECT = True  # as in production (config/settings.py)

    assert scrape(client, ip="127.0.0.1").status_code == 200
    assert client.get("/api/v1/products/", REMOTE_ADDR="127.0.0.1").status_code == 301
