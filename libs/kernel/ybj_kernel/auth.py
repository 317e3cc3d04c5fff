"""Staff identity: Ed25519-signed JWTs carrying the user id, roles and 医保区划."""

from __future__ import annotations

import functools
import os
import time
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ybj_kernel.domain.engine import Actor
from ybj_kernel.domain.identity import admdvs_problem
from ybj_kernel.errors import Unauthenticated
from ybj_kernel.sm2 import SM2Key, ensure_sm2_key

ALGORITHM = "EdDSA"
VERIFIED_TOKENS = 4096


def ensure_dev_keys(private_path: Path, public_path: Path) -> None:
    """Create the local development key pair once (never used outside a developer's machine)."""
    if private_path.exists() and public_path.exists():
        return
    private_path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    private_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    private_path.chmod(0o600)
    public_path.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def issue_token(
    private_pem: bytes, user: str, roles: list[str], admdvs: str, *, issuer: str = "ybj", ttl_seconds: int = 12 * 3600
) -> str:
    """Sign a staff token."""
    if admdvs_problem(admdvs):
        raise ValueError(f"invalid admdvs {admdvs!r}: 6 digits expected")
    now = int(time.time())
    claims = {"sub": user, "roles": roles, "admdvs": admdvs, "iss": issuer, "iat": now, "exp": now + ttl_seconds}
    key = serialization.load_pem_private_key(private_pem, None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the JWT signing key must be an Ed25519 private key")
    return jwt.encode(claims, key, algorithm=ALGORITHM)


class TokenVerifier:
    """Checks bearer tokens against the public key and turns them into an Actor."""

    def __init__(self, public_pem: bytes, issuer: str = "ybj") -> None:
        key = serialization.load_pem_public_key(public_pem)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the JWT verification key must be an Ed25519 public key")
        self._key = key
        self._issuer = issuer
        # A staff member sends the same token with every command: its signature is checked once, not each time
        # (an Ed25519 verification and a JWT decode were a tenth of a command's CPU). Failures are not remembered.
        self._verified = functools.lru_cache(maxsize=VERIFIED_TOKENS)(self._verify)

    def actor(self, authorization: str | None) -> Actor:
        """Return the Actor of an `Authorization: Bearer …` header, or raise Unauthenticated."""
        if not authorization or not authorization.lower().startswith("bearer "):
            raise Unauthenticated(
                "NOT_AUTHENTICATED",
                "缺少身份令牌（Authorization: Bearer）",
                "missing bearer token (Authorization: Bearer …)",
                "Authorization",
            )
        actor, expires = self._verified(authorization[7:].strip())
        if expires <= time.time():  # checked on every use: a remembered token still expires on time
            raise Unauthenticated(
                "INVALID_TOKEN",
                "身份令牌无效或已过期",
                "invalid or expired token: Signature has expired",
                "Authorization",
            )
        return actor

    def _verify(self, token: str) -> tuple[Actor, float]:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                options={"require": ["sub", "exp", "iss"]},
            )
        except jwt.PyJWTError as exc:
            raise Unauthenticated(
                "INVALID_TOKEN", "身份令牌无效或已过期", f"invalid or expired token: {exc}", "Authorization"
            ) from None
        roles = claims.get("roles") or []
        admdvs = str(claims.get("admdvs", ""))
        if not isinstance(roles, list) or admdvs_problem(admdvs):
            raise Unauthenticated(
                "INVALID_TOKEN", "身份令牌缺少角色或医保区划", "token lacks roles or admdvs", "Authorization"
            )
        actor = Actor(user_id=str(claims["sub"]), roles=tuple(str(r) for r in roles), admdvs=admdvs)
        return actor, float(claims["exp"])


def platform_sm2_key(run_dir: Path) -> SM2Key:
    """The platform's SM2 signing key for checkpoints (YBJ_SM2_PRIVATE_KEY_FILE, else made once in <run dir>/keys)."""
    private = Path(os.environ.get("YBJ_SM2_PRIVATE_KEY_FILE") or run_dir / "keys" / "sm2-private.hex")
    public = Path(os.environ.get("YBJ_SM2_PUBLIC_KEY_FILE") or private.with_name("sm2-public.hex"))
    return ensure_sm2_key(private, public)
