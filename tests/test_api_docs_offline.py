"""Swagger UI at /api/docs/ works offline: its assets come from our /static/ (drf-spectacular-sidecar)."""

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

STATIC_PREFIX = "/" + settings.STATIC_URL.lstrip("/")


class _AssetRefs(HTMLParser):
    """Every src/href of <script>, <link> and <img> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "link", "img"}:
            self.refs += [value for name, value in attrs if name in {"src", "href"} and value]


@pytest.mark.django_db
def test_swagger_ui_references_only_local_static_assets(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()

    # no absolute or protocol-relative URL anywhere in the page (markup or inline script)
    assert re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}", html, flags=re.IGNORECASE) == []
    parser = _AssetRefs()
    parser.feed(html)
    assert len(parser.refs) >= 3  # favicon, stylesheet, bundle, preset
    for ref in parser.refs:
        assert ref.startswith(STATIC_PREFIX + "drf_spectacular_sidecar/"), ref
        # ...and each is a file the staticfiles finders (so collectstatic and runserver) know
        assert finders.find(ref[len(STATIC_PREFIX) :]), ref


def test_docs_settings_use_the_sidecar():
    assert "drf_spectacular_sidecar" in settings.INSTALLED_APPS
    for key in ("SWAGGER_UI_DIST", "SWAGGER_UI_FAVICON_HREF", "REDOC_DIST"):
        assert settings.SPECTACULAR_SETTINGS[key] == "SIDECAR", key
