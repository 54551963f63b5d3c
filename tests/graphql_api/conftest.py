import json

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token


class GraphQLClient:
    """Posts to /graphql/ over HTTP as a mobile app would: JSON body, `Authorization: Token …`."""

    def __init__(self, user=None):
        self.client = Client()
        self.headers = {}
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            self.headers["HTTP_AUTHORIZATION"] = f"Token {token.key}"

    def raw(self, query: str, variables: dict | None = None):
        return self.client.post(
            "/graphql/",
            json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json",
            **self.headers,
        )

    def __call__(self, query: str, variables: dict | None = None) -> dict:
        response = self.raw(query, variables)
        assert response.status_code == 200, response.content
        body = response.json()
        assert not body.get("errors"), body["errors"]
        return body["data"]


@pytest.fixture
def gql_for(db):
    return GraphQLClient
