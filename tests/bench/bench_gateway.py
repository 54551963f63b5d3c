"""Gateway figures against the local emulator: token calls per N lookups, lookup latency, timeout.

    .venv/bin/python tests/bench/bench_gateway.py [--lookups 500]

Prints figures; asserts nothing (speed is measured here, not in tests).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from payments.gateway import BootpayGateway, GatewayUnavailable, token_cache  # noqa: E402
from payments.sandbox import SANDBOX_APPLICATION_ID, SANDBOX_PRIVATE_KEY, SandboxServer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lookups", type=int, default=500)
    parser.add_argument("--timeout", type=float, default=1.0)
    args = parser.parse_args()

    with SandboxServer(port=0).start() as server:
        gateway = BootpayGateway(
            mode="sandbox",
            api_url=server.api_url,
            application_id=SANDBOX_APPLICATION_ID,
            private_key=SANDBOX_PRIVATE_KEY,
            timeout_s=args.timeout,
        )
        token_cache.clear()
        receipt_id = server.state.create_receipt(order_id="ord_bench", price=10_000)["receipt_id"]

        durations = []
        for _ in range(args.lookups):
            started = time.perf_counter()
            gateway.lookup_receipt(receipt_id)
            durations.append(time.perf_counter() - started)
        durations.sort()
        print(f"lookups: {args.lookups}, token calls: {server.state.call_count('POST', 'request/token')}")
        print(
            f"lookup latency ms: median {statistics.median(durations) * 1000:.2f}, "
            f"p95 {durations[int(len(durations) * 0.95)] * 1000:.2f}, max {durations[-1] * 1000:.2f}"
        )

        server.state.add_fault(path="receipt", mode="hang", latency_s=60)
        started = time.perf_counter()
        try:
            gateway.lookup_receipt(receipt_id)
        except GatewayUnavailable as exc:
            print(
                f"hung lookup (fault holds 60 s): {exc} after {time.perf_counter() - started:.3f} s "
                f"with BOOTPAY_TIMEOUT_S={args.timeout}"
            )


if __name__ == "__main__":
    main()
