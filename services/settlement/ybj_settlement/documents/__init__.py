"""Settlement documents, one module per thing they hold."""
