"""How a process connects in a cluster: Kafka in plaintext locally or mutual TLS on a Strimzi cluster (plain errors
for half a set-up), each service's database for the tools that cross services, and the role's password from libpq's
PGPASSWORD."""

from __future__ import annotations

import datetime as dt
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ybj_kernel.adapters.eventstore import eventstore_env
from ybj_kernel.adapters.kafka import options_for
from ybj_kernel.settings import Settings


def _certificate(folder: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / f"{name}.crt", folder / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


def test_plaintext_is_the_local_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YBJ_KAFKA_SECURITY_PROTOCOL", raising=False)
    assert options_for(Settings()) == {"security_protocol": "PLAINTEXT"}


def test_ssl_loads_the_cluster_ca_and_the_client_certificate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ca, _ = _certificate(tmp_path, "cluster-ca")
    cert, key = _certificate(tmp_path, "enrollment-relay")
    monkeypatch.setenv("YBJ_KAFKA_SECURITY_PROTOCOL", "SSL")
    monkeypatch.setenv("YBJ_KAFKA_SSL_CAFILE", str(ca))
    monkeypatch.setenv("YBJ_KAFKA_SSL_CERTFILE", str(cert))
    monkeypatch.setenv("YBJ_KAFKA_SSL_KEYFILE", str(key))
    options = options_for(Settings())
    assert options["security_protocol"] == "SSL"
    context = options["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED  # the broker's certificate is checked against the CA
    assert [c["subject"] for c in context.get_ca_certs()] == [((("commonName", "cluster-ca"),),)]


def test_ssl_without_a_ca_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YBJ_KAFKA_SECURITY_PROTOCOL", "SSL")
    monkeypatch.delenv("YBJ_KAFKA_SSL_CAFILE", raising=False)
    with pytest.raises(ValueError, match="YBJ_KAFKA_SSL_CAFILE"):
        options_for(Settings())


def test_a_certificate_without_its_key_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ca, _ = _certificate(tmp_path, "cluster-ca")
    cert, _ = _certificate(tmp_path, "enrollment-relay")
    monkeypatch.setenv("YBJ_KAFKA_SECURITY_PROTOCOL", "SSL")
    monkeypatch.setenv("YBJ_KAFKA_SSL_CAFILE", str(ca))
    monkeypatch.setenv("YBJ_KAFKA_SSL_CERTFILE", str(cert))
    monkeypatch.delenv("YBJ_KAFKA_SSL_KEYFILE", raising=False)
    with pytest.raises(ValueError, match="YBJ_KAFKA_SSL_KEYFILE"):
        options_for(Settings())


def test_each_service_may_have_a_database_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YBJ_PG_DSN", "postgresql://query@pg/query")
    monkeypatch.setenv("YBJ_PG_DSN_ENROLLMENT", "postgresql://enrollment@pg/enrollment")
    monkeypatch.delenv("YBJ_PG_DSN_TREATMENT", raising=False)
    settings = Settings()
    assert settings.pg_dsn_for("enrollment") == "postgresql://enrollment@pg/enrollment"
    assert settings.pg_dsn_for("treatment") == "postgresql://query@pg/query"  # unset: this process's own


def test_the_event_store_takes_the_password_libpq_would(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGPASSWORD", "from-the-role-secret")
    assert eventstore_env("postgresql://enrollment@ybj-pg-rw:5432/enrollment")["POSTGRES_PASSWORD"] == (
        "from-the-role-secret"
    )
    assert eventstore_env("postgresql://ybj:ybj@127.0.0.1:55432/ybj")["POSTGRES_PASSWORD"] == "ybj"
