"""The events capability's writes: recording (`outbox`), dispatching (`dispatch`), reporting open PG
outcomes (`open_outcomes`); partner webhooks and notifications add their own modules here."""
