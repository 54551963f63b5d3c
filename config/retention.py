"""Pruning in bounded batches: the rule every retention task shares (docs/scaling.md "Retention").

Each batch is one short transaction: the oldest `batch_size` rows that may go are locked with
`FOR UPDATE SKIP LOCKED` (so several workers split the work instead of waiting on each other, and a row
some other transaction holds is left for the next run), checked again by the caller if it must, and
deleted. A run stops after `max_batches`, so no run holds locks or a worker for long; the next scheduled
run goes on. Running twice deletes nothing twice: what is gone is no longer a candidate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import transaction
from django.db.models import QuerySet


def delete_in_batches(
    candidates: QuerySet,
    *,
    batch_size: int,
    max_batches: int,
    delete: Callable[[Sequence[int]], int] | None = None,
) -> int:
    """Delete the rows of `candidates` (oldest first, by pk) in batches; the number of rows deleted.

    `delete(pks)` deletes one locked batch (and what hangs on it) and returns how many of `candidates`'
    rows went; by default the rows themselves."""
    model = candidates.model
    deleted = 0
    for _ in range(max_batches):
        with transaction.atomic():
            pks = list(
                candidates.select_for_update(skip_locked=True, of=("self",))
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not pks:
                break
            if delete is None:
                _, per_model = model.objects.filter(pk__in=pks).delete()
                deleted += per_model.get(model._meta.label, 0)
            else:
                deleted += delete(pks)
        if len(pks) < batch_size:
            break
    return deleted
