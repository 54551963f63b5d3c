"""The gateway's transport reads the proxy environment once per host, not on every SDK call
(payments/gateway/transport.py), and still honours it: HTTPS_PROXY, NO_PROXY, the CA bundle."""

import requests

from payments.gateway.transport import BoundedTransport, bounded


def test_the_proxy_of_a_host_is_resolved_once_and_no_proxy_is_honoured(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "bootpay.internal")
    resolved = []
    real = requests.utils.get_environ_proxies
    monkeypatch.setattr(requests.utils, "get_environ_proxies", lambda url: resolved.append(url) or real(url))
    transport = BoundedTransport()

    proxied = [transport._proxies("https://api.example.com/v2/receipt/1") for _ in range(3)]
    direct = transport._proxies("https://bootpay.internal/v2/receipt/1")

    assert [proxies.get("https") for proxies in proxied] == ["http://proxy.internal:3128"] * 3
    assert "https" not in direct
    assert len(resolved) == 2  # once per host


def test_a_gateway_call_sends_what_the_environment_said_through_a_session_that_reads_it_no_more(
    monkeypatch,
):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/bundle.pem")
    transport = BoundedTransport()
    sent = {}

    def request(session, method, url, **kwargs):
        sent.update(kwargs, trust_env=session.trust_env)

        class Answer:
            status_code = 200

        return Answer()

    monkeypatch.setattr(requests.Session, "request", request)
    with bounded(2.0):
        transport.get("https://api.example.com/v2/receipt/1")

    assert sent["trust_env"] is False
    assert sent["verify"] == "/etc/ssl/bundle.pem" and sent["timeout"] == (2.0, 2.0)
    assert "proxies" in sent
