"""The manifest's checksums: SHA-256 of bytes and of a file, a file's entry, and checking a
file on disk (or its bytes) against its entry. The one place a bundle file is judged intact,
whether it was just written (`verify_manifest`), is about to be published, was just
downloaded, or was read from a published run (its metrics.json, a run compared with).
"""

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class BundleFile:
    """One file of a bundle as the manifest lists it: relative path, size, hex SHA-256."""

    path: str
    size: int
    sha256: str


def sha256_bytes(content: bytes) -> str:
    """The hex SHA-256 of `content`."""
    return hashlib.sha256(content).hexdigest()


def sha256_file(path: Path) -> str:
    """The hex SHA-256 of a file's bytes, read in blocks."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def manifest_hmac(key: bytes, manifest: bytes) -> str:
    """The hex HMAC-SHA256 of manifest.json's bytes under a key (PRM_MANIFEST_KEY): who
    holds the key can tell a manifest prm published from one a bucket writer made."""
    return hmac.new(key, manifest, hashlib.sha256).hexdigest()


def file_entry(relpath: str, content: bytes) -> dict:
    """A manifest entry: path, size in bytes and SHA-256 of the content."""
    return {"path": relpath, "size": len(content), "sha256": sha256_bytes(content)}


def _problem(expected: BundleFile, size: int | None, sha256: Callable[[], str]) -> str | None:
    """What is wrong with a file of `size` bytes (None: absent) and that digest, or None."""
    if size is None:
        return f"{expected.path}: missing"
    if size != expected.size:
        return f"{expected.path}: size {size}, manifest says {expected.size}"
    if sha256() != expected.sha256:
        return f"{expected.path}: SHA-256 does not match the manifest"
    return None


def file_problem(path: Path, expected: BundleFile) -> str | None:
    """What is wrong with the file at `path` against its manifest entry, or None."""
    size = path.stat().st_size if path.is_file() else None
    return _problem(expected, size, lambda: sha256_file(path))


def digest_problem(size: int | None, sha256: str, expected: BundleFile) -> str | None:
    """What is wrong with a file of `size` bytes (None: absent) and that hex SHA-256 against
    its manifest entry, or None."""
    return _problem(expected, size, lambda: sha256)


def size_problem(size: int | None, expected: BundleFile) -> str | None:
    """What is wrong with a stored object's size (None: absent) against its entry, or None
    (its bytes are not read: `content_problem` or a download checks those)."""
    return digest_problem(size, expected.sha256, expected)


def content_problem(content: bytes | None, expected: BundleFile) -> str | None:
    """What is wrong with a file's bytes (None: absent) against its manifest entry, or None."""
    size = None if content is None else len(content)
    return _problem(expected, size, lambda: sha256_bytes(content or b""))
