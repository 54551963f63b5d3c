"""JSON from callers, with limits: one loader for DRF's parser, the GraphQL view and the webhook.

Python's decoder recurses once per nesting level, so a 2 KB body of brackets raises RecursionError (a 500)
instead of a parse error. `loads_limited` turns any document nested deeper than `max_depth` into
`JSONTooDeep`, a ValueError, which every caller already treats as "not parseable".
"""

import json
from collections.abc import Iterator
from typing import Any


class JSONTooDeep(ValueError):
    """The document nests arrays/objects deeper than allowed."""


def loads_limited(text: str | bytes, max_depth: int, **kwargs: Any) -> Any:
    """`json.loads(text, **kwargs)`, refusing documents nested deeper than `max_depth` containers.

    Raises `JSONTooDeep` or the decoder's own ValueError (`JSONDecodeError`, `UnicodeDecodeError`).
    `{"items": [{"id": 1}]}` has depth 3; a bare scalar has depth 0.
    """
    try:
        value = json.loads(text, **kwargs)
    except RecursionError:  # far deeper than any limit: the decoder gave up before we could count
        raise JSONTooDeep(f"nested deeper than {max_depth} levels") from None
    # Counted after decoding, without recursion: the decoder survives a few hundred levels, this walk any.
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > max_depth:
                raise JSONTooDeep(f"nested deeper than {max_depth} levels")
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return value


def nul_paths(value: Any) -> Iterator[str]:
    """Where a decoded document holds a NUL character (in a key or a string), as `items[0].name` paths.

    PostgreSQL text cannot store NUL; a caller's string holding one is refused before it reaches a query.
    The whole document is `""`.
    """
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                yield path
        elif isinstance(node, dict):
            for key, child in node.items():
                child_path = f"{path}.{key}" if path else str(key)
                if "\x00" in key:
                    yield child_path
                else:
                    stack.append((child, child_path))
        elif isinstance(node, list):
            stack.extend((child, f"{path}[{index}]") for index, child in enumerate(node))
