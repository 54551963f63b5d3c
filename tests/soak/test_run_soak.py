"""The soak's throwaway database is never the one it was pointed at."""

import pytest

from tests.soak.run_soak import soak_database_url


def test_the_soak_database_is_the_named_one_plus_soak(monkeypatch):
    monkeypatch.delenv("SOAK_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shop?sslmode=disable")

    assert soak_database_url() == "postgres://postgres@127.0.0.1:5432/shop_soak?sslmode=disable"


def test_soak_database_url_names_another(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shop")
    monkeypatch.setenv("SOAK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/chaos")

    assert soak_database_url() == "postgres://postgres@127.0.0.1:5432/chaos"


def test_the_soak_refuses_anything_but_postgresql(monkeypatch):
    monkeypatch.delenv("SOAK_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///db.sqlite3")

    with pytest.raises(SystemExit):
        soak_database_url()
