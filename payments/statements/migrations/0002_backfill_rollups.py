"""Book every sale and refund made before the rollups existed, and fold them (docs/statements.md, "Rollups").

Two INSERT … SELECT over the raw rows (grouped per payment or cancellation and seller), then the fold. Safe
to run beside live traffic: a booking made meanwhile wins the same unique key. Rolling deploys: workers
still running the old code book nothing; `manage.py statement_rollups_rebuild` repairs their period (and
`reconcile_statement` reports it)."""

from django.db import migrations


def backfill(apps, schema_editor):
    from payments.statements.services import bookings_backfill, rollups_fold_all

    bookings_backfill(apps=apps)
    rollups_fold_all(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("statements", "0001_rollups"),
        ("payments", "0012_korean_verbose_names"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
