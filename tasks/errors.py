"""Errors a user can act on. The CLI prints their message as one line and exits non-zero."""


class PrmError(Exception):
    """Base of every error whose message is meant for the user."""


class SourceError(PrmError):
    """A source or one of its files cannot be read (the whole ingestion fails)."""


class StorageError(PrmError):
    """Object storage refused or failed a request (credentials, bucket, network)."""


class IntegrityError(PrmError):
    """A fetched file is missing or does not match the manifest's size or SHA-256."""
