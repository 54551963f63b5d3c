"""Tracing into memory for a test: the process-wide provider can be set once, so `traced` starts tracing
(instrumentations included) for one test and stops it after, the instrumentations removed again so no
other test runs traced. Connections are closed around it: the next one is opened through (or without)
the psycopg instrumentation."""

import pytest
from django.db import connections
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from config.observability import tracing


class Traced:
    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()  # what leaves the process: scrubbed
        self.raw = InMemorySpanExporter()  # what the instrumentations recorded, before scrubbing

    def spans(self):
        return self.exporter.get_finished_spans()

    def raw_spans(self):
        return self.raw.get_finished_spans()


@pytest.fixture
def traced():
    assert not tracing.tracing_enabled()
    connections.close_all()
    state = Traced()
    tracing.init_tracing(exporter=state.exporter)
    tracing.tracer_provider().add_span_processor(SimpleSpanProcessor(state.raw))
    yield state
    tracing.stop_tracing()
    connections.close_all()
