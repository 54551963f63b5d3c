"""Events: what happened to money, told to the people and partners it concerns (docs/events.md).

- `models.Event` is the transactional outbox: every money fact is one row, written in the transaction
  that makes the change (by `receivers`, hooked into the core's and the capabilities' signals and logs;
  none of them imports this package), with a stable `event_id` partners deduplicate on.
- `services.dispatch` hands each new event, in order, to its consumers (`event_dispatching`): partner
  webhooks (Standard Webhooks) and buyer/seller notifications; Celery delivers them at least once.
- `GET /api/v1/events/` lets a partner catch up after downtime (staff: all; a seller: its orders').
"""
