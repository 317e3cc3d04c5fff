"""Prometheus metrics shared by every service (one registry per process)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

COMMANDS = Counter("ybj_commands_total", "Commands handled", ["service", "process", "action", "outcome"])
COMMAND_SECONDS = Histogram(
    "ybj_command_seconds",
    "Command latency",
    ["service", "action"],
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
EVENTS_APPENDED = Counter("ybj_events_appended_total", "Events appended to the event store", ["service"])
RELAY_PUBLISHED = Counter("ybj_relay_published_total", "Events published to Kafka by the relay", ["service"])
RELAY_LAG = Gauge("ybj_relay_lag_events", "Stored events not yet acknowledged by Kafka", ["service"])
CONSUMER_LAG = Gauge("ybj_consumer_lag_messages", "Messages behind the end of each partition", ["topic", "partition"])
PROJECTED = Counter("ybj_projected_events_total", "Events applied to read models", ["topic"])
PROJECTION_ERRORS = Counter("ybj_projection_errors_total", "Messages that could not be projected", ["reason"])
GROUP_COMMIT_SIZE = Histogram(
    "ybj_group_commit_commands",
    "Commands whose events were written to the event store in one transaction",
    ["service"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 100),
)
# The last year the working-day calendar knows the official holidays of: alert when December comes and it is still
# this year (deadlines reaching into the next year are refused until its schedule is added; deploy/calendar).
CALENDAR_LAST_YEAR = Gauge("ybj_calendar_last_year", "Last year covered by the working-day calendar", ["service"])
