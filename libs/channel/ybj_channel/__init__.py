"""Channel side of the convenience-service gateway: the signed and encrypted envelope, keys and a client SDK."""
