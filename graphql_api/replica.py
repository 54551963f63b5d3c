"""`@replica_reads_field`: the list and statement fields whose reads may go to the read replica
(config/db_router.py, docs/scaling.md "Read replica"). It covers the field's resolver and its connection's
page (edges, with the optimizer's prefetches); what is resolved after the field, like a connection's
`totalCount`, reads the primary."""

from typing import Any, TypeVar

from strawberry.extensions import FieldExtension
from strawberry.types.field import StrawberryField

from config.db_router import replica_reads


class ReplicaReads(FieldExtension):
    def resolve(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        with replica_reads():
            return next_(source, info, **kwargs)

    async def resolve_async(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        with replica_reads():
            return await next_(source, info, **kwargs)


Field = TypeVar("Field", bound=StrawberryField)


def replica_reads_field(field: Field) -> Field:
    """Decorator over `@strawberry_django.field`/`.connection`: the field's reads may use the replica.

    Added after the field is built, so the extension is the last of the field's: strawberry makes the last
    one the outermost, wrapping the connection's own extension, which reads the page."""
    field.extensions.append(ReplicaReads())
    return field
