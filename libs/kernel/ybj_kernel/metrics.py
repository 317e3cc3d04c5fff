"""Prometheus metrics shared by every service (one registry per process)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# Labels stay bounded: `process` is a catalogue id this service defines and `action` one of its actions (anything a
# caller invents is counted as "unknown": entrypoints/measured.py), `outcome` "ok", "error" or an error code.
COMMANDS = Counter("ybj_commands_total", "Commands handled", ["service", "process", "action", "outcome"])
COMMAND_SECONDS = Histogram(
    "ybj_command_seconds",
    "Command latency, per process and action",
    ["service", "process", "action"],
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
EVENTS_APPENDED = Counter("ybj_events_appended_total", "Events appended to the event store", ["service"])
RELAY_PUBLISHED = Counter("ybj_relay_published_total", "Events published to Kafka by the relay", ["service"])
RELAY_LAG = Gauge("ybj_relay_lag_events", "Stored events not yet acknowledged by Kafka", ["service"])
# 1 while this process holds the leader lease of (service, role), e.g. ("enrollment", "relay"); 0 while it waits.
LEADER = Gauge("ybj_leader", "1 while this process holds the leader lease, 0 while it waits", ["service", "role"])
# Per consumer (its Deployment's name: "query-projector", "treatment-reactor" …) and partition it holds now; a partition
# given up in a rebalance is dropped, so that no stale value is left behind (adapters/consumer_lag.py).
CONSUMER_LAG = Gauge(
    "ybj_consumer_lag_messages", "Messages behind the end of each partition", ["consumer", "topic", "partition"]
)
PROJECTED = Counter("ybj_projected_events_total", "Events applied to read models", ["topic"])
PROJECTION_ERRORS = Counter("ybj_projection_errors_total", "Messages that could not be projected", ["reason"])
# Messages the projector sent to the dead-letter topic (`<prefix>.query.dead-letter`), by the topic they came from.
DEAD_LETTERS = Counter("ybj_dead_letters_total", "Messages sent to the dead-letter topic", ["topic"])
# Dead letters not yet handled by `ybj deadletters retry`, as the projector measures them on Kafka every minute.
DEAD_LETTERS_WAITING = Gauge("ybj_dead_letters_waiting", "Dead letters waiting for `ybj deadletters retry`")
GROUP_COMMIT_SIZE = Histogram(
    "ybj_group_commit_commands",
    "Commands whose events were written to the event store in one transaction",
    ["service"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 100),
)
# The last year the working-day calendar knows the official holidays of: the alert YbjCalendarYearEnding fires 45 days
# (an example) before it ends, as 时限 reaching into the next year get no due date until its schedule is added
# (deploy/calendar).
CALENDAR_LAST_YEAR = Gauge("ybj_calendar_last_year", "Last year covered by the working-day calendar", ["service"])
# When the checkpointer last signed a checkpoint of a service's store (unix time): `time() - …` is the age of the
# newest seal; the alert compares it with the events the relay published meanwhile (deploy/k8s/monitoring).
CHECKPOINT_SIGNED = Gauge(
    "ybj_checkpoint_last_signed_timestamp_seconds", "Unix time of the last signed checkpoint", ["service"]
)
