"""Errors a user can act on. The CLI prints their message as one line and exits non-zero."""


class PrmError(Exception):
    """Base of every error whose message is meant for the user.

    `retryable` says whether the same call may succeed later (a server that could not be
    reached); a wrong setting, a bad file or refused credentials will not.
    """

    retryable: bool = False


class SourceError(PrmError):
    """A source or one of its files cannot be read (the whole ingestion fails)."""


class StorageError(PrmError):
    """Object storage refused or failed a request (credentials, bucket, network)."""


class IntegrityError(PrmError):
    """A fetched file is missing or does not match the manifest's size or SHA-256."""


def is_transient(exc: BaseException | None) -> bool:
    """Whether retrying may help: prm's own errors say so; anything unexpected may be transient."""
    if isinstance(exc, PrmError):
        return exc.retryable
    return isinstance(exc, Exception)
