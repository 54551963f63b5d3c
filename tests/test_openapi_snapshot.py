"""The OpenAPI document equals its committed snapshot, byte for byte: a change of a REST path, parameter,
request or response shape shows up as a diff of `tests/snapshots/openapi.yaml` in review, and a change
meant to leave the public surface alone (a refactor) proves it did. The GraphQL schema has the same
guard: tests/graphql_api/test_schema_export.py against graphql_api/schema.graphql."""

import difflib
from pathlib import Path

from django.core.management import call_command

SNAPSHOT = Path(__file__).resolve().parent / "snapshots" / "openapi.yaml"
REGENERATE = "make api-snapshot  (or: python manage.py spectacular --file tests/snapshots/openapi.yaml)"


def test_the_openapi_document_equals_the_committed_snapshot(tmp_path):
    live = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(live))  # as `make api-snapshot` writes it

    expected, actual = SNAPSHOT.read_bytes(), live.read_bytes()
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.decode().splitlines(keepends=True),
                actual.decode().splitlines(keepends=True),
                "tests/snapshots/openapi.yaml",
                "live document",
                n=2,
            )
        )
        lines = diff.splitlines()
        shown = "\n".join(lines[:80]) + (f"\n… {len(lines) - 80} more diff lines" if len(lines) > 80 else "")
        raise AssertionError(
            f"The OpenAPI document differs from its snapshot. If the change is intended, regenerate it "
            f"with `{REGENERATE}` and commit the file.\n{shown}"
        )
