"""The Prefect API prm talks to: where it is, and whether it accepts our credentials.

A server started with PREFECT_SERVER_API_AUTH_STRING answers 401 to any request without the
same PREFECT_API_AUTH_STRING; Prefect's own commands then print a traceback, so prm's
commands check first and say it in one line.
"""

import httpx

from tasks.errors import PrmError

REFUSED = "the Prefect API refused the credentials"
PROBE_SECONDS = 2.0  # a server that does not answer /health in this is not there


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
        # One quick request first: Prefect's client retries a refused connection for seconds.
        httpx.get(f"{url.rstrip('/')}/health", timeout=PROBE_SECONDS).raise_for_status()
        with get_client(sync_client=True) as client:
            client.read_work_pools(limit=1)  # any call but /health needs the credentials
    except httpx.HTTPStatusError as exc:
        status = exc.response.status_code
        if status in (401, 403):
            raise PrmError(REFUSED) from None
        raise PrmError(
            f"{url} does not answer as a Prefect API (HTTP {status} for {exc.request.url.path}): "
            "check PREFECT_API_URL (the server's URL ending in /api)"
        ) from None
    except httpx.TransportError as exc:
        error = PrmError(
            f"cannot reach the Prefect API at {url} ({type(exc).__name__}): start the server, "
            "or check PREFECT_API_URL (unset, prm runs in-process)"
        )
        error.retryable = True
        raise error from None
