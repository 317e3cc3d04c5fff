"""A channel's SM4 keys: derived from the gateway's master secret, never stored.

The SM4 key of a channel's SM2 key is HMAC-SM3(master, "ybj-channel-sm4" ‖ 0 ‖ app_id ‖ 0 ‖ key_id), its first 16
bytes. Every gateway process holding the master secret (a mounted secret in production, <run dir>/keys locally)
computes the same key, so nothing secret goes into the event store, onto Kafka or into a read model; rotating the
SM2 key rotates the SM4 key with it, and during the overlap each request is opened with the SM4 key of the SM2 key
that signed it. The channel receives its SM4 key (32 hex digits) in the provisioning or rotation answer, or from
the credentials route (admin_api.py), like the rest of its 账号信息.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes, hmac

SM4_LABEL = b"ybj-channel-sm4"
MASTER_BYTES = 32


def derive_sm4_key(master: bytes, app_id: str, key_id: str) -> bytes:
    """The 16-byte SM4 key of one SM2 key (its `key_id`) of channel `app_id`."""
    if len(master) < MASTER_BYTES:
        raise ValueError(f"the master secret must be at least {MASTER_BYTES} bytes")
    mac = hmac.HMAC(master, hashes.SM3())
    mac.update(SM4_LABEL + b"\x00" + app_id.encode() + b"\x00" + key_id.encode())
    return mac.finalize()[:16]
