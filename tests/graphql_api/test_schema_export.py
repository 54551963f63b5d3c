from pathlib import Path

from graphql_api.schema import schema

EXPORTED = Path(__file__).resolve().parents[2] / "graphql_api" / "schema.graphql"


def test_the_exported_sdl_is_up_to_date():
    # Regenerate with `make graphql-schema` after changing a type, query or mutation.
    assert EXPORTED.read_text().strip() == schema.as_str().strip()
