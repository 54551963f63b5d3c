#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    from config.observability import setup_observability

    # Commands (process_webhooks, reconcile…) report errors and trace like the web; runserver loads
    # config.wsgi, which finds this already done.
    setup_observability()
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
