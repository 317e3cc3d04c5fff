"""A throw-away single-node KRaft Kafka broker that speaks only TLS to its clients and insists on a client
certificate (mutual TLS, as a Strimzi listener with `tls` authentication), and the certificates it and its clients use.

For tests of the platform's TLS settings (YBJ_KAFKA_SECURITY_PROTOCOL=SSL, YBJ_KAFKA_SSL_*). The shared broker of
`ybj_dev.infra` is left alone: this one runs from a folder of its own with the same jars, java and
server.properties template, its client listener and the listener it uses for itself switched to SSL with PEM files
(ssl.keystore.type=PEM, ssl.truststore.type=PEM), and is killed with its folder at the end (`tls_broker`).

With `authorization`, the broker runs Kafka's own authorizer (KRaft's StandardAuthorizer: no ACL, no access, super
users aside) and its controller listener is SSL too, so that the broker's requests to its own controller carry its
certificate's principal; clients are then given certificates of their own names (`users`: CN=<name>, the principal
`User:CN=<name>` as Strimzi's for a tls KafkaUser), and Kafka's tools (AclCommand) run from the same jars as one of them
(`client_properties`, `run_tools`).
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import ipaddress
import os
import shutil
import string
import subprocess
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ybj_dev import infra
from ybj_dev.processes import kill_group, pid_alive, spawn_detached, tail

HOST = "127.0.0.1"
SERVER_NAMES = ("localhost", HOST)
HEAP = "-Xmx256m"  # a throw-away broker beside the shared one (infra.KAFKA_HEAP)
START_TIMEOUT = 60.0
RSA_BITS = 2048
VALID_FOR = datetime.timedelta(days=2)
CLOCK_SKEW = datetime.timedelta(hours=1)
CLIENT_NAME = "ybj-enrollment"  # a Strimzi KafkaUser's certificate has CN=<user name>
LOG_TAIL_LINES = 40
BROKER_NAME = "ybj-test-kafka"  # the broker certificate's CN: its principal on its own listeners
ADMIN_NAME = "ybj-test-admin"  # a super user's certificate name, for setting a broker with an authorizer up
AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"  # KRaft's ACL authorizer
AUTHORIZER_LOGGER = "kafka.authorizer.logger"  # logs each denial at INFO: "Principal = User:CN=... is Denied ..."
ACL_COMMAND = "org.apache.kafka.tools.AclCommand"  # kafka-acls.sh's main class in Kafka 4
TOOL_HEAP = "-Xmx128m"
TOOL_FLAGS = ("-XX:TieredStopAtLevel=1", "-Xss1m")  # a tool lives seconds: the quick compiler only
TOOL_TIMEOUT = 60.0
TOOL_WORKERS = 2


# ---------------------------------------------------------------- certificates


@dataclass(frozen=True)
class Issued:
    """A private key and its certificate (a CA's own, or one a CA signed)."""

    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    def certificate_pem(self) -> bytes:
        """The certificate, PEM."""
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def key_pem(self) -> bytes:
        """The private key, unencrypted PKCS#8 PEM (what Kafka's PEM key store and Python's ssl both read)."""
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)


def _subject_alternative_names(hosts: Sequence[str]) -> x509.SubjectAlternativeName:
    """DNS names and IP addresses, each where it belongs (a client checks an IP against IP entries only)."""
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def _key_usage(*, authority: bool) -> x509.KeyUsage:
    """A CA signs certificates (and revocation lists); a leaf signs and exchanges keys in TLS handshakes."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=not authority,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=authority,
        crl_sign=authority,
        encipher_only=False,
        decipher_only=False,
    )


def new_authority(common_name: str, now: datetime.datetime | None = None) -> Issued:
    """A self-signed CA that may sign leaf certificates only (path length 0)."""
    now = now or datetime.datetime.now(datetime.UTC)
    key = _new_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + VALID_FOR)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(authority=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Issued(key, certificate)


def issue(
    authority: Issued,
    common_name: str,
    *,
    hosts: Sequence[str] = (),
    server: bool = False,
    now: datetime.datetime | None = None,
) -> Issued:
    """A leaf certificate signed by `authority`: for a client (clientAuth), or for a server (serverAuth and clientAuth:
    a broker is the client of its own listener too) valid for `hosts`."""
    now = now or datetime.datetime.now(datetime.UTC)
    key = _new_key()
    usages = (
        [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
        if server
        else [ExtendedKeyUsageOID.CLIENT_AUTH]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(authority.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + VALID_FOR)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(authority=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()), critical=False)
    )
    if hosts:
        builder = builder.add_extension(_subject_alternative_names(hosts), critical=False)
    return Issued(key, builder.sign(authority.key, hashes.SHA256()))


@dataclass(frozen=True)
class ClientFiles:
    """What a client presents: its certificate and key (YBJ_KAFKA_SSL_CERTFILE, YBJ_KAFKA_SSL_KEYFILE)."""

    certfile: Path
    keyfile: Path


@dataclass(frozen=True)
class TlsFiles:
    """The PEM files of a mutual-TLS cluster and its clients."""

    ca: Path  # the cluster CA: the broker's trust store and its clients' YBJ_KAFKA_SSL_CAFILE
    server_keystore: Path  # the broker's key, certificate and the CA (ssl.keystore.type=PEM)
    client: ClientFiles  # signed by the cluster CA
    stranger: ClientFiles  # signed by another CA, which the broker does not trust
    stranger_ca: Path  # that other CA: a client trusting only it does not trust the broker
    users: Mapping[str, ClientFiles] = field(default_factory=dict)  # by name: CN=<name>, signed by the cluster CA


def _write(path: Path, data: bytes, private: bool = False) -> Path:
    path.write_bytes(data)
    path.chmod(0o600 if private else 0o644)
    return path


def _client_files(folder: Path, stem: str, issued: Issued) -> ClientFiles:
    return ClientFiles(
        _write(folder / f"{stem}.crt", issued.certificate_pem()),
        _write(folder / f"{stem}.key", issued.key_pem(), private=True),
    )


def write_tls_files(folder: Path, client_name: str = CLIENT_NAME, users: Sequence[str] = ()) -> TlsFiles:
    """Make a cluster CA, a broker certificate for 127.0.0.1 and localhost, a client certificate the CA signed and
    one another CA signed, and one the CA signed for each of `users` (subject CN=<name> only, as Strimzi issues a
    KafkaUser's); write them as PEM files into `folder` (keys readable by the owner only)."""
    folder.mkdir(parents=True, exist_ok=True)
    cluster_ca = new_authority("ybj-test-cluster-ca")
    other_ca = new_authority("ybj-test-other-ca")
    server = issue(cluster_ca, BROKER_NAME, hosts=SERVER_NAMES, server=True)
    keystore = server.key_pem() + server.certificate_pem() + cluster_ca.certificate_pem()
    return TlsFiles(
        ca=_write(folder / "ca.crt", cluster_ca.certificate_pem()),
        server_keystore=_write(folder / "server-keystore.pem", keystore, private=True),
        client=_client_files(folder, "client", issue(cluster_ca, client_name)),
        stranger=_client_files(folder, "stranger", issue(other_ca, client_name)),
        stranger_ca=_write(folder / "other-ca.crt", other_ca.certificate_pem()),
        users={name: _client_files(folder, f"user-{name}", issue(cluster_ca, name)) for name in users},
    )


def principal(common_name: str) -> str:
    """The principal Kafka's default ssl.principal.mapping.rules give a client whose certificate's subject is
    CN=<common_name> only (the subject's distinguished name, `User:` before it); Strimzi's for a tls KafkaUser."""
    return f"User:CN={common_name}"


def client_properties(files: TlsFiles, user: str) -> Path:
    """A Java client's configuration (a Kafka tool's --command-config) connecting as `user` (one of `files.users`):
    SSL, its key and certificate in one PEM key store, the cluster CA as the PEM trust store; written beside them."""
    client = files.users[user]
    folder = files.ca.parent
    keystore = _write(
        folder / f"user-{user}-keystore.pem", client.keyfile.read_bytes() + client.certfile.read_bytes(), private=True
    )
    lines = [
        "security.protocol=SSL",
        "ssl.keystore.type=PEM",
        f"ssl.keystore.location={keystore}",
        "ssl.truststore.type=PEM",
        f"ssl.truststore.location={files.ca}",
        "",
    ]
    return _write(folder / f"user-{user}.properties", "\n".join(lines).encode(), private=True)


# ---------------------------------------------------------------- the broker


# The template's keys this broker sets otherwise: one SSL listener for clients and for itself, the controller's
# listener on loopback as the shared broker has it.
OVERRIDDEN = frozenset(
    {"listeners", "advertised.listeners", "inter.broker.listener.name", "listener.security.protocol.map"}
)


@dataclass(frozen=True)
class Authorization:
    """Kafka's own authorizer on the broker: `super_users` (certificate names; the broker's own is always one) may do
    anything, everyone else only what an ACL allows (allow.everyone.if.no.acl.found=false)."""

    super_users: Sequence[str] = (ADMIN_NAME,)

    def properties(self) -> list[str]:
        """The broker settings."""
        names = dict.fromkeys([BROKER_NAME, *self.super_users])
        return [
            "# Kafka's authorizer (ybj_dev.tls_kafka.Authorization): what no ACL allows is denied, super users aside.",
            f"authorizer.class.name={AUTHORIZER}",
            f"super.users={';'.join(principal(name) for name in names)}",
            "allow.everyone.if.no.acl.found=false",
        ]


def tls_properties(
    template: str,
    values: Mapping[str, object],
    port: int,
    controller_port: int,
    files: TlsFiles,
    authorization: Authorization | None = None,
) -> str:
    """The shared broker's server.properties template filled in with `values`, with its PLAINTEXT listener replaced
    by an SSL one that requires a client certificate signed by the CA (key and trust stores as PEM files). With
    `authorization`, the controller listener is SSL too (the broker's requests to its controller are authorized as
    its own certificate's principal, a super user) and the authorizer is on."""
    rendered = string.Template(template).substitute(values)
    kept = [line for line in rendered.splitlines() if line.partition("=")[0].strip() not in OVERRIDDEN]
    controller_protocol = "PLAINTEXT" if authorization is None else "SSL"
    return "\n".join(
        [
            *kept,
            "",
            "# Mutual TLS (ybj_dev.tls_kafka): clients reach the broker only over SSL with a certificate of the CA.",
            f"listeners=SSL://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}",
            f"advertised.listeners=SSL://{HOST}:{port}",
            "inter.broker.listener.name=SSL",
            f"listener.security.protocol.map=SSL:SSL,CONTROLLER:{controller_protocol}",
            "ssl.client.auth=required",
            "ssl.keystore.type=PEM",
            f"ssl.keystore.location={files.server_keystore}",
            "ssl.truststore.type=PEM",
            f"ssl.truststore.location={files.ca}",
            *(authorization.properties() if authorization is not None else []),
            "",
        ]
    )


def new_cluster_id() -> str:
    """A KRaft cluster id as `kafka-storage random-uuid` makes one (16 random bytes, URL-safe base64, no padding),
    without starting a JVM for it."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not text.startswith("-"):  # Kafka avoids ids a command line would take for an option
            return text


@dataclass(frozen=True)
class TlsBroker:
    """A running throw-away broker: its process (the leader of its own process group), address and files."""

    pid: int
    bootstrap: str
    folder: Path
    files: TlsFiles

    @property
    def log(self) -> Path:
        """The broker's stdout and stderr."""
        return _log(self.folder)

    def log_text(self) -> str:
        """Everything the broker logged so far."""
        return self.log.read_text(errors="replace") if self.log.is_file() else ""

    def environment(self, user: str | None = None) -> dict[str, str]:
        """The YBJ_KAFKA_* variables of a platform process on this broker, as a pod of a Strimzi cluster has them (its
        KafkaUser's certificate mounted as files): presenting `user`'s certificate, or the broker's client's."""
        client = self.files.client if user is None else self.files.users[user]
        return {
            "YBJ_KAFKA_BOOTSTRAP": self.bootstrap,
            "YBJ_KAFKA_SECURITY_PROTOCOL": "SSL",
            "YBJ_KAFKA_SSL_CAFILE": str(self.files.ca),
            "YBJ_KAFKA_SSL_CERTFILE": str(client.certfile),
            "YBJ_KAFKA_SSL_KEYFILE": str(client.keyfile),
        }


def _log(folder: Path) -> Path:
    return infra.kafka_dir(folder) / "kafka.log"


def _with_heap(argv: list[str], heap: str) -> list[str]:
    """A Kafka java command line with the shared broker's heap limit replaced by `heap`."""
    return [heap if arg == infra.KAFKA_HEAP else arg for arg in argv]


LOG4J_OPTION = "-Dlog4j2.configurationFile="


def _with_log4j(argv: list[str], configuration: Path) -> list[str]:
    """A Kafka java command line with its log4j2 configuration replaced by `configuration`."""
    return [f"{LOG4J_OPTION}{configuration}" if arg.startswith(LOG4J_OPTION) else arg for arg in argv]


def _log4j_logging_denials(folder: Path) -> Path:
    """The shared broker's log4j2 configuration with the authorizer's logger at INFO (each denial, with the
    principal), written into `folder`."""
    shared = (infra.repo_root() / "infra" / "kafka" / "log4j2.xml").read_text()
    quiet = f'<Logger name="{AUTHORIZER_LOGGER}" level="WARN"/>'
    if quiet not in shared:
        raise infra.InfraError(f"infra/kafka/log4j2.xml no longer sets {AUTHORIZER_LOGGER} as expected: {quiet}")
    target = folder / "log4j2.xml"
    target.write_text(shared.replace(quiet, f'<Logger name="{AUTHORIZER_LOGGER}" level="INFO"/>'))
    return target


def _wait_started(folder: Path, pid: int, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    log = _log(folder)
    while not (infra.port_open(HOST, port) and infra.KAFKA_STARTED in log.read_text(errors="replace")):
        if not pid_alive(pid):
            raise infra.InfraError(f"the TLS broker (pid {pid}) exited during start:\n{tail(log, LOG_TAIL_LINES)}")
        if time.monotonic() > deadline:
            raise infra.InfraError(
                f"the TLS broker not ready on {HOST}:{port} in {timeout:.0f} s:\n{tail(log, LOG_TAIL_LINES)}"
            )
        time.sleep(0.2)


def start_tls_broker(
    folder: Path,
    port: int,
    controller_port: int,
    *,
    files: TlsFiles | None = None,
    timeout: float = START_TIMEOUT,
    authorization: Authorization | None = None,
    users: Sequence[str] = (),
) -> TlsBroker:
    """Start a single-node KRaft broker in `folder` with only an SSL listener (on `port`) for clients, and return it
    once it serves. `folder` is laid out as a run folder of `ybj_dev.infra` whose kafka-libs link to the shared jars,
    so that infra's own java command line and storage format serve it; certificates are made unless given (with one
    for each of `users`). With `authorization`, Kafka's authorizer is on and logs each denial."""
    for taken in (port, controller_port):
        if infra.port_open(HOST, taken):
            raise infra.InfraError(f"{HOST}:{taken} is taken: choose other ports for the TLS broker")
    shared = infra.default_run_dir()
    jars = infra.ensure_kafka_jars(shared)
    folder.mkdir(parents=True, exist_ok=True)
    libs = infra.kafka_libs(folder)
    if not libs.exists():
        libs.symlink_to(jars.resolve(), target_is_directory=True)
    files = files or write_tls_files(folder / "tls", users=users)
    state = infra.kafka_dir(folder)
    state.mkdir(parents=True, exist_ok=True)
    values = {
        "node_id": infra.KAFKA_NODE_ID,
        "host": HOST,
        "broker_port": port,
        "controller_port": controller_port,
        "data_dir": state / "data",
        "num_partitions": infra.KAFKA_PARTITIONS,
    }
    template = (infra.repo_root() / "infra" / "kafka" / "server.properties.template").read_text()
    properties = state / "server.properties"
    properties.write_text(tls_properties(template, values, port, controller_port, files, authorization))
    (state / "cluster.id").write_text(new_cluster_id() + "\n")  # read by format_kafka_storage
    infra.format_kafka_storage(folder, properties)
    argv = _with_heap(infra._kafka_java(folder, infra.KAFKA_MAIN, str(properties)), HEAP)
    if authorization is not None:
        argv = _with_log4j(argv, _log4j_logging_denials(state))
    pid = spawn_detached(argv, {**os.environ, "LC_ALL": "C.UTF-8"}, _log(folder), state)
    try:
        _wait_started(folder, pid, port, timeout)
    except BaseException:
        kill_group(pid)
        raise
    return TlsBroker(pid, f"{HOST}:{port}", folder, files)


@contextlib.contextmanager
def tls_broker(
    folder: Path,
    port: int,
    controller_port: int,
    *,
    authorization: Authorization | None = None,
    users: Sequence[str] = (),
) -> Iterator[TlsBroker]:
    """A TLS broker for the duration of a `with` block: killed (SIGKILL, its whole process group) and its folder
    removed afterwards, whatever happened."""
    broker = None
    try:
        broker = start_tls_broker(folder, port, controller_port, authorization=authorization, users=users)
        yield broker
    finally:
        if broker is not None:
            kill_group(broker.pid)
        shutil.rmtree(folder, ignore_errors=True)


# ---------------------------------------------------------------- Kafka's tools


def tool_command(broker: TlsBroker, main: str, *args: str) -> list[str]:
    """The java command line of a Kafka tool (a main class of the broker's jars, e.g. ACL_COMMAND): a small heap,
    the quick compiler only."""
    argv = _with_heap(infra._kafka_java(broker.folder, main, *args), TOOL_HEAP)
    at = argv.index(TOOL_HEAP) + 1
    return [*argv[:at], *TOOL_FLAGS, *argv[at:]]


def _run_tool(argv: list[str], timeout: float) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise infra.InfraError(f"{' '.join(argv[-12:])}: no answer in {timeout:.0f} s") from exc
    if done.returncode != 0 or "Error while executing" in done.stdout:
        raise infra.InfraError(
            f"{' '.join(argv[-12:])} failed (exit {done.returncode}):\n{done.stdout}{done.stderr}".strip()
        )
    return done.stdout


def run_tools(
    broker: TlsBroker,
    main: str,
    arguments: Sequence[Sequence[str]],
    *,
    workers: int = TOOL_WORKERS,
    timeout: float = TOOL_TIMEOUT,
) -> list[str]:
    """Run a Kafka tool once per list of `arguments`, `workers` at a time (each is a JVM of its own); return their
    outputs in order, or raise InfraError with the output of one that failed (or printed Kafka's error line)."""
    commands = [tool_command(broker, main, *args) for args in arguments]
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(lambda argv: _run_tool(argv, timeout), commands))
