"""Read models (SQLAlchemy 2 Core): case state, the audit trail, registry entries and their history, and the consumed
positions."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

SCHEMA = "query"
metadata = MetaData(schema=SCHEMA)
Json = JSON().with_variant(JSONB(), "postgresql")

cases = Table(
    "rm_cases",
    metadata,
    Column("case_id", String(36), primary_key=True),
    Column("service", String(20), nullable=False),
    Column("process_id", String(8), nullable=False),
    Column("acceptance_no", String(40), nullable=False, unique=True),
    Column("admdvs", String(6), nullable=False),
    Column("stage", String(60), nullable=False),
    Column("variant", String(60)),
    Column("due_on", Date),  # the current stage's 时限; past it, the case is overdue
    Column("version", Integer, nullable=False),
    Column("data", Json, nullable=False),
    # The data given at each step still in effect, so that a 回退 (revert) can withdraw the last one.
    Column("layers", Json, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("last_actor", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
Index("rm_cases_queue", cases.c.process_id, cases.c.stage, cases.c.admdvs, cases.c.updated_at)
Index("rm_cases_admdvs", cases.c.admdvs, cases.c.updated_at)
Index("rm_cases_due", cases.c.due_on)
# A person's cases, as the channel items read them (person_case_reads.py): by the 人员编号 or 证件号码 in the case's data.
Index("rm_cases_psn_no", cases.c.data["psn_no"].as_string())
Index("rm_cases_certno", func.upper(cases.c.data["certno"].as_string()))
# Columns added since the first release, for read models made before them (the projector adds them at start).
ADDED_COLUMNS = {cases.name: ("variant varchar(60)", "due_on date")}

history = Table(
    "rm_case_history",
    metadata,
    Column("case_id", String(36), nullable=False),
    Column("version", Integer, nullable=False),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("event_type", String(120), nullable=False),
    Column("event_name", String(60), nullable=False),
    Column("action", String(40), nullable=False),
    Column("stage_from", String(60), nullable=False),
    Column("stage_to", String(60), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("actor_role", String(40), nullable=False),
    Column("admdvs", String(6), nullable=False),
    Column("time", DateTime(timezone=True), nullable=False),
    Column("comment", Text),
    Column("data", Json, nullable=False),
    Column("correlation_id", String(200), nullable=False),
    Column("causation_id", String(200), nullable=False),
    PrimaryKeyConstraint("case_id", "version"),
)

# Registry entries (an employer, a person, an account, a uscc/certno index key …) as they stand: the state their
# events' patches made (ybj_kernel/envelope.py `to_registry_envelope`), and columns read off it to search.
registry_entries = Table(
    "rm_registry_entries",
    metadata,
    Column("registry", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("entry_id", String(36), nullable=False),
    Column("service", String(20), nullable=False),
    Column("version", Integer, nullable=False),
    Column("in_effect", Boolean, nullable=False),
    Column("state", Json, nullable=False),
    Column("case_id", String(36), nullable=False),  # the case whose change (or its undoing) it stands on last
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # Searchable, read off the state (ybj_query/registry_projection.py `searchable`); NULL where it has none.
    Column(
        "emp_nos", JSONB, nullable=False
    ),  # units: an employer its own number, a person those of relations not ended
    Column("emp_name", Text),
    Column("uscc", Text),
    Column("certno", Text),
    Column("psn_name", Text),
    Column("admdvs", Text),
    PrimaryKeyConstraint("registry", "key"),
)
Index("rm_registry_uscc", registry_entries.c.registry, registry_entries.c.uscc)
# A person's settlement records of a year (annual statement, visits): only those rows are indexed.
Index(
    "rm_settlement_records_psn_no",
    registry_entries.c.state["psn_no"].as_string(),
    registry_entries.c.state["ym"].as_string(),
    postgresql_where=registry_entries.c.registry == "settlement_record",
)
Index("rm_registry_certno", registry_entries.c.registry, registry_entries.c.certno)
Index("rm_registry_admdvs", registry_entries.c.registry, registry_entries.c.admdvs, registry_entries.c.key)
Index("rm_registry_emp_nos", registry_entries.c.emp_nos, postgresql_using="gin")

registry_history = Table(
    "rm_registry_history",
    metadata,
    Column("registry", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("event_type", Text, nullable=False),
    Column("event_name", Text, nullable=False),
    Column("op", Text, nullable=False),  # the operation; for ChangeReverted the one undone
    Column("case_id", String(36), nullable=False),
    Column("time", DateTime(timezone=True), nullable=False),
    Column("args", Json),  # JSON null for ChangeReverted
    # The JSON Patch (RFC 6902) the event applied to the state before it: O(change), where the state after every
    # event would grow with the square of an account's 收支 entries.
    Column("patch", Json, nullable=False),
    Column("in_effect", Boolean, nullable=False),
    PrimaryKeyConstraint("registry", "key", "version"),
)

positions = Table(
    "rm_positions",
    metadata,
    Column("topic", String(200), nullable=False),
    Column("partition", Integer, nullable=False),
    Column("next_offset", BigInteger, nullable=False),
    PrimaryKeyConstraint("topic", "partition"),
)

READ_MODELS = (cases, history, registry_entries, registry_history)
