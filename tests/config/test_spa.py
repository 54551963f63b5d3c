"""The checkout bundle's pages: which paths serve it, with what policy, and what happens before a build."""

import os
import re
from pathlib import Path

import pytest
from django.templatetags.static import static
from django.test import Client, RequestFactory

from config.spa import content_security_policy

INDEX = '<!doctype html><html><head><script type="module" src="/static/assets/i-abc.js"></script></html>'


@pytest.fixture
def built(settings, tmp_path):
    (tmp_path / "index.html").write_text(INDEX, encoding="utf-8")
    (tmp_path / "graphiql.html").write_text("<html>graphiql</html>", encoding="utf-8")
    settings.FRONTEND_DIST_DIR = tmp_path
    return tmp_path


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/login/",
        "/checkout/",
        "/checkout/return",
        "/orders/",
        "/seller/",
        "/subscribe/",
        "/subscriptions/",
        "/checkout/x/y",
        # The notices' links: 알림 설정 and 내 구독 opened at one subscription
        "/settings/notifications",
        "/subscriptions/sub_anything",
    ],
)
def test_every_spa_route_answers_the_bundles_index_with_its_policy_and_a_csrf_cookie(built, path, db):
    response = Client().get(path, {"receipt_id": "r", "event": "done"})
    assert response.status_code == 200
    assert response.content.decode() == INDEX
    assert response["Content-Type"].startswith("text/html")
    assert response["Content-Security-Policy"] == content_security_policy()
    assert "csrftoken" in response.cookies


def test_a_new_build_is_served_without_a_restart(built, db):
    assert Client().get("/").content.decode() == INDEX
    (built / "index.html").write_text("<html>v2</html>", encoding="utf-8")
    os.utime(built / "index.html", ns=(1, 10**18))
    assert Client().get("/").content.decode() == "<html>v2</html>"


def test_before_the_build_the_pages_say_how_to_build(settings, tmp_path, db):
    settings.FRONTEND_DIST_DIR = tmp_path / "missing"
    response = Client().get("/checkout/")
    assert response.status_code == 503
    assert "npm run build" in response.content.decode()


@pytest.mark.parametrize("path", ["/shop/", "/checkoutx/", "/static/nothing.js"])
def test_other_paths_are_not_the_spa(built, path, db):
    assert Client().get(path).status_code == 404


def test_api_paths_keep_their_json_errors(built, db):
    response = Client().get("/api/v1/nothing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_pages_answer_only_reads(built, db):
    assert Client().post("/checkout/").status_code in (403, 405)  # CSRF refuses first for a cookie-less POST
    assert Client(enforce_csrf_checks=False).put("/checkout/").status_code == 405


def test_the_policy_admits_bootpays_frames_and_form_posts_and_no_inline_script(settings):
    settings.CHECKOUT_CSP_EXTRA_HOSTS = ["https://pg.example"]
    directives = dict(part.split(" ", 1) for part in content_security_policy().split("; "))
    script = directives["script-src"].split()
    assert script[:2] == ["'self'", "'unsafe-hashes'"]
    assert all(source.startswith("'sha256-") for source in script[2:])  # no 'unsafe-inline', no host
    assert script[2:] == [
        "'sha256-7n4Dd+88AxmyNhX8t9WOXkFDDI0Cl/vMJRJaG7sf26I='",  # Bootpay.dismiss()
        "'sha256-OPz85nXPKzCf1eF+v1NdcSeMGMRD7tLg5/WT5AWwTBQ='",  # Bootpay.dismiss(true)
        "'sha256-wXKW8IknP7WR3OEhQ5J3avMdmz2EWVRmclsVtmq5Z+E='",  # Bootpay.readyToPopup()
    ]
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    for name in ("frame-src", "form-action"):
        assert "https://*.bootpay.co.kr" in directives[name].split()
        assert "https://pg.example" in directives[name].split()
    assert "'unsafe-inline'" not in content_security_policy().replace("style-src 'self' 'unsafe-inline'", "")


def test_the_allowed_handlers_are_exactly_the_inline_handlers_of_the_installed_sdk():
    from pathlib import Path

    from config.spa import BOOTPAY_SDK_INLINE_HANDLERS

    sdk = Path(__file__).resolve().parents[2] / "frontend/node_modules/@bootpay/client-js/dist/index.mjs"
    if not sdk.exists():
        pytest.skip("frontend dependencies not installed (make test installs them first)")
    # An SDK upgrade that adds, drops or changes one must update the policy, or its buttons go dead.
    found = set(re.findall(r"""\bon[a-z]+=["']([^"']*)["']""", sdk.read_text(encoding="utf-8")))
    assert found == set(BOOTPAY_SDK_INLINE_HANDLERS)


def test_graphiql_comes_from_the_bundle_not_a_cdn(built, db):
    from graphql_api.views import ApiGraphQLView

    request = RequestFactory().get("/graphql/", HTTP_ACCEPT="text/html")
    response = ApiGraphQLView(schema=None).render_graphql_ide(request)
    assert response.content == b"<html>graphiql</html>"


@pytest.mark.parametrize(
    ("url", "immutable"),
    [
        ("/static/assets/index-BnX8k2lA.js", True),  # Vite's hashed build output
        ("/static/assets/index-BnX8k2lA.css", True),
        ("/static/admin/css/base.0123456789ab.css", True),  # Django's manifest storage
        ("/static/assets/index.js", False),
        ("/static/assets/favicon.svg", False),  # copied as it is (frontend/public/): its name never changes
        ("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js", False),
        ("/static/index.html", False),
    ],
)
def test_only_content_hashed_assets_are_cached_forever(url, immutable):
    from whitenoise.middleware import WhiteNoiseMiddleware

    middleware = WhiteNoiseMiddleware(get_response=lambda request: None)
    assert middleware.immutable_file_test("", url) is immutable


@pytest.mark.parametrize("name", ["index.html", "graphiql.html"])
def test_the_pages_are_not_also_plain_static_files_without_their_policy(name, settings, tmp_path, db):
    from django.conf import settings as live_settings
    from django.core.management import call_command

    if not (live_settings.FRONTEND_DIST_DIR / name).exists():
        pytest.skip("frontend not built")  # the browser tests build it; make test does too
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", "--noinput", verbosity=0)
    assert (tmp_path / "assets").is_dir()  # the bundle's assets are collected ...
    assert not (tmp_path / name).exists()  # ... its pages are not
    assert Client().get(f"/static/{name}").status_code == 404


REPO = Path(__file__).resolve().parents[2]


def test_favicon_ico_leads_to_the_bundles_icon(db):
    response = Client().get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == static("assets/favicon.svg")
    assert "max-age" in response["Cache-Control"]
    # What it leads to is in the bundle's sources, copied into the build's assets as it is.
    assert (REPO / "frontend" / "public" / "assets" / "favicon.svg").read_text().startswith("<svg")


def test_favicon_ico_is_a_404_when_a_collected_build_has_no_icon(settings, tmp_path, db):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    settings.STATIC_ROOT = tmp_path  # collected nothing: no manifest entry for the icon
    assert Client().get("/favicon.ico").status_code == 404


@pytest.mark.parametrize("page", ["index.html", "graphiql.html"])
def test_every_bundle_page_names_its_icon_language_and_title(page):
    html = (REPO / "frontend" / page).read_text(encoding="utf-8")
    assert '<link rel="icon" type="image/svg+xml" href="/assets/favicon.svg" />' in html
    assert re.search(r'<html lang="(ko|en)">', html)
    assert re.search(r"<title>[^<]+</title>", html)


def test_the_api_docs_page_has_a_language_a_title_and_an_icon(db):
    html = Client().get("/api/docs/").content.decode()

    assert '<html lang="en">' in html
    assert "<title>Marketplace payments API · Swagger UI</title>" in html
    assert '<link rel="icon" href="' in html
