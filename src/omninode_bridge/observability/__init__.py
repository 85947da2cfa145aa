"""Observability: structured logs, monitoring, alerts, health and Prometheus."""
