"""The gateway's key files: the platform's SM2 key pair and the SM4 master secret, made once for local development."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from ybj_gateway.credentials import MASTER_BYTES
from ybj_kernel.sm2 import SM2Key, ensure_sm2_key


def platform_key(private_path: Path) -> SM2Key:
    """The platform's SM2 key pair that signs every answer (its public half beside it: `…-public.hex`)."""
    name = private_path.name
    public_name = name.replace("private", "public") if "private" in name else f"{name}.public"
    return ensure_sm2_key(private_path, private_path.with_name(public_name))


def master_secret(path: Path) -> bytes:
    """The SM4 master secret (hex text), made once with 32 random bytes where the file does not exist yet."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # O_EXCL: two processes starting together keep the one secret written first
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(MASTER_BYTES) + "\n")
    secret = bytes.fromhex(path.read_text().strip())
    if len(secret) < MASTER_BYTES:
        raise ValueError(f"{path}: the SM4 master secret must be at least {MASTER_BYTES} bytes")
    return secret
