"""The REST API's one request parser (settings.REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"])."""

from django.conf import settings
from rest_framework import exceptions
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.settings import api_settings
from rest_framework.utils.json import strict_constant

from config.json import loads_limited, nul_paths


class LimitedJSONParser(JSONParser):
    """DRF's JSONParser with `settings.JSON_MAX_DEPTH` and no NUL characters in any string.

    Too deep or undecodable: 400 `parse_error`, as for any malformed JSON. A NUL in a string or key:
    400 `validation_error` naming its path, whatever the view's serializer declares (PostgreSQL text
    cannot hold one, so it must never reach a query).
    """

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        try:
            data = loads_limited(
                stream.read().decode(encoding),
                settings.JSON_MAX_DEPTH,
                parse_constant=strict_constant if self.strict else None,
            )
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, JSONTooDeep
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        if paths := sorted(nul_paths(data)):
            problem = ["must not contain NUL (\\u0000) characters"]
            raise exceptions.ValidationError(
                {path or api_settings.NON_FIELD_ERRORS_KEY: problem for path in paths}
            )
        return data
