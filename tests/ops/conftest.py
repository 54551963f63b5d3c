import io
import logging

import pytest

from config.logs import formatter


@pytest.fixture
def log_output():
    """Everything logged (DEBUG and up), rendered by the production formatter: `log_output("json")()`."""
    handlers: list[logging.Handler] = []
    root = logging.getLogger()
    previous = root.level

    def attach(fmt: str = "json"):
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(formatter(fmt))
        handler.setLevel(logging.DEBUG)
        root.addHandler(handler)
        handlers.append(handler)
        root.setLevel(logging.DEBUG)
        return stream.getvalue

    yield attach
    for handler in handlers:
        root.removeHandler(handler)
    root.setLevel(previous)
