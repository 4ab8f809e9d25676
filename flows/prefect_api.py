"""The Prefect API prm talks to: where it is, and whether it accepts our credentials.

A server started with PREFECT_SERVER_API_AUTH_STRING answers 401 to any request without the
same PREFECT_API_AUTH_STRING; Prefect's own commands then print a traceback, so prm's
commands check first and say it in one line.
"""

import httpx

from tasks.errors import PrmError

REFUSED = "the Prefect API refused the credentials"


def api_url() -> str:
    """PREFECT_API_URL as Prefect resolves it (environment, then profile); "" when unset."""
    from prefect.settings import get_current_settings

    return get_current_settings().api.url or ""


def check_credentials() -> None:
    """Raise a one-line PrmError unless the Prefect API at PREFECT_API_URL accepts us."""
    from prefect.client.orchestration import get_client

    url = api_url()
    if not url:
        raise PrmError("PREFECT_API_URL is not set: point it at the Prefect server's /api")
    try:
        with get_client(sync_client=True) as client:
            client.read_work_pools(limit=1)  # any call but /health needs the credentials
    except httpx.HTTPStatusError as exc:
        if exc.response.status_code in (401, 403):
            raise PrmError(REFUSED) from None
        raise
    except httpx.TransportError as exc:
        error = PrmError(f"cannot reach the Prefect API at {url}: {type(exc).__name__}")
        error.retryable = True
        raise error from None
