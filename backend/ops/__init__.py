"""Operating the service: backups (backup.py), structured logs with request ids (logs.py), error tracking (sentry.py).

Nothing here knows a domain: these are the process-wide concerns `cli`, `app` and `worker` set up.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache
def app_version() -> str:
    """The installed package's version (pyproject.toml), "0+unknown" when run from a tree that is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mototrack")
    except PackageNotFoundError:  # pragma: no cover - the venv installs it editable
        return "0+unknown"
