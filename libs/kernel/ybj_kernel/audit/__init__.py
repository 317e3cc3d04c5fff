"""Auditors' tools: the per-stream hash chain, signed checkpoints, audit packages and their offline check."""
