"""The gateway's I/O: PostgreSQL (nonces, rate counters), key files, the query service's HTTP API."""
