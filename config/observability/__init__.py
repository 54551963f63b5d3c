"""What an operations team sees of a running deployment: Prometheus metrics, OpenTelemetry traces and
error reports (docs/operations.md). Everything here is off or inert until configured."""
