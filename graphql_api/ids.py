"""Ids sent by callers: global ids of our node types and plain numeric row ids.

Anything that cannot name a row is answered without a query: a pk beyond PostgreSQL's bigint would make
the lookup itself fail (DataError), and a non-numeric one would fail Django's own conversion.
"""

from strawberry import relay

from config.errors import DomainError
from config.ids import PK_MAX


def pk_from(value: str) -> int | None:
    """The primary key `value` spells (`"42"`), or None when it cannot be one."""
    if value.isascii() and value.isdigit() and 1 <= int(value) <= PK_MAX:
        return int(value)
    return None


def node_pk(global_id: relay.GlobalID, type_name: str) -> int | None:
    """The pk inside a global id of `type_name` (`Product:42` → 42); None for another type or a bad pk."""
    return pk_from(global_id.node_id) if global_id.type_name == type_name else None


def pk_or_invalid(value: str | relay.GlobalID, *, field: str, type_name: str | None = None) -> int:
    """The pk a caller's id names: a plain numeric id, or with `type_name` a global id of that type.

    Raises validation_error naming `field` (the argument as the caller spelled it) when it names none.
    """
    if type_name is None:
        pk, problem = pk_from(str(value)), "not a numeric id"
    else:
        pk, problem = node_pk(value, type_name), f"not a {type_name} id"
    if pk is None:
        raise DomainError.invalid(field, problem)
    return pk
