"""The treatment service's documents, one module per area."""
