"""A local S3-compatible server (SeaweedFS `weed mini`) for tests and the demo.

The server listens on 127.0.0.1 only and always requires credentials: the access and secret
key are handed to the weed process through its environment (never written to disk by us).
Every port it opens is chosen here, each with its gRPC twin at port + 10000, so several servers
can run side by side.

    with LocalS3(Path("var/s3"), "demo-key", "demo-secret") as s3:
        print(s3.endpoint_url)
"""

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tasks.errors import StorageError

HOST = "127.0.0.1"
GRPC_OFFSET = 10000
_COMPONENTS = ("s3", "master", "volume", "filer", "admin")


def weed_binary() -> str:
    """The path of the `weed` executable: next to this Python, else on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("weed")
    if not found:
        raise StorageError("SeaweedFS 'weed' binary not found next to python or on PATH")
    return found


def port_is_free(port: int) -> bool:
    """Whether a TCP port can be bound on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port_pair(taken: set[int]) -> int:
    """A port P such that P and P + 10000 are both free (and not in `taken`)."""
    for _ in range(500):
        port = random.randint(20000, 55000)
        pair = {port, port + GRPC_OFFSET}
        if not pair & taken and all(port_is_free(p) for p in pair):
            return port
    raise StorageError("no free pair of TCP ports found on 127.0.0.1")


def listening_addresses(pid: int) -> list[tuple[str, int]]:
    """Every (address, port) a process listens on over TCP, read from /proc."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    found = []
    for table in ("tcp", "tcp6"):
        lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A = LISTEN
                found.append(_decode_address(fields[1]))
    return found


def _decode_address(text: str) -> tuple[str, int]:
    """An /proc/net/tcp{,6} `HEXADDR:HEXPORT` as (address, port)."""
    hex_addr, hex_port = text.split(":")
    raw = bytes.fromhex(hex_addr)
    # /proc prints each 32-bit word in host (little-endian) order.
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    family = socket.AF_INET if len(words) == 4 else socket.AF_INET6
    return socket.inet_ntop(family, words), int(hex_port, 16)


class LocalS3:
    """A SeaweedFS server on 127.0.0.1 with one admin identity; start/stop or use `with`."""

    def __init__(
        self,
        data_dir: Path,
        access_key: str,
        secret_key: str,
        *,
        s3_port: int | None = None,
        start_timeout: float = 30.0,
    ) -> None:
        """Configure (not start) a server keeping its data in `data_dir`.

        `s3_port` fixes the S3 port (an error says so when it is taken); other ports are free
        ones picked at start. Restarting after `stop()` reuses the same ports.
        """
        if not access_key or not secret_key:
            raise StorageError("LocalS3 needs an access key and a secret key")
        self.data_dir = Path(data_dir)
        self.access_key = access_key
        self._secret_key = secret_key
        self._fixed_s3_port = s3_port
        self.start_timeout = start_timeout
        self.ports: dict[str, int] = {}
        self.process: subprocess.Popen | None = None
        self.startup_seconds: float | None = None

    @property
    def secret_key(self) -> str:
        """The secret key clients must sign with."""
        return self._secret_key

    @property
    def endpoint_url(self) -> str:
        """The S3 endpoint, e.g. `http://127.0.0.1:8333` (known once ports are chosen)."""
        if "s3" not in self.ports:
            raise StorageError("LocalS3 has not been started yet")
        return f"http://{HOST}:{self.ports['s3']}"

    @property
    def pid(self) -> int | None:
        """The weed process id while it runs."""
        return self.process.pid if self.process and self.process.poll() is None else None

    def client(self):
        """A boto3 S3 client signed with this server's credentials."""
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self._secret_key,
            region_name="us-east-1",
            config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=5),
        )

    def _choose_ports(self) -> None:
        """Pick every port once; later starts reuse them."""
        if self.ports:
            return
        taken: set[int] = set()
        if self._fixed_s3_port is not None:
            port = self._fixed_s3_port
            for p in (port, port + GRPC_OFFSET):
                if not port_is_free(p):
                    raise StorageError(f"port {p} on {HOST} is in use: stop what holds it")
            self.ports["s3"] = port
            taken |= {port, port + GRPC_OFFSET}
        for name in _COMPONENTS:
            if name not in self.ports:
                self.ports[name] = free_port_pair(taken)
                taken |= {self.ports[name], self.ports[name] + GRPC_OFFSET}

    def command(self) -> list[str]:
        """The `weed mini` command line (no secrets in it)."""
        p = self.ports
        return [
            weed_binary(),
            "mini",
            f"-dir={self.data_dir.resolve()}",
            f"-ip={HOST}",
            f"-ip.bind={HOST}",
            f"-s3.port={p['s3']}",
            f"-master.port={p['master']}",
            f"-volume.port={p['volume']}",
            f"-filer.port={p['filer']}",
            f"-admin.port={p['admin']}",
            "-admin.ui=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-master.telemetry=false",
            "-webdav=false",
            "-s3.allowDeleteBucketNotEmpty=false",
            "-volume.preStopSeconds=0",
        ]

    def start(self) -> "LocalS3":
        """Start the server and wait until it answers `list_buckets` with the credentials."""
        if self.pid is not None:
            return self
        self._choose_ports()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env |= {"AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self._secret_key}
        log = (self.data_dir / "weed.log").open("ab")
        started = time.monotonic()
        self.process = subprocess.Popen(
            self.command(),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self._wait_ready(started)
        return self

    def _wait_ready(self, started: float) -> None:
        """Poll `list_buckets` until it works, the process dies or the timeout passes."""
        client = self.client()
        while time.monotonic() - started < self.start_timeout:
            if self.process.poll() is not None:
                raise StorageError(f"weed exited at start ({self._log_tail()})")
            try:
                client.list_buckets()
            except (BotoCoreError, ClientError):
                time.sleep(0.1)
                continue
            self.startup_seconds = time.monotonic() - started
            return
        self.stop()
        raise StorageError(f"weed did not answer within {self.start_timeout:.0f} s")

    def _log_tail(self) -> str:
        """The last line of the server log, for error messages."""
        path = self.data_dir / "weed.log"
        lines = path.read_text(errors="replace").strip().splitlines() if path.exists() else []
        return lines[-1][:300] if lines else "no log output"

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the server (SIGTERM, then SIGKILL after `timeout` seconds)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

    def __enter__(self) -> "LocalS3":
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
