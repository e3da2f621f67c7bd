"""Accounts: garages, sites, users, sign-in with rotating refresh tokens, API keys (split by subject)."""

from backend.accounts.service.api_keys import (
    create_api_key,
    list_api_keys,
    revoke_api_key,
)
from backend.accounts.service.auth import (
    RefreshOutcome,
    Tokens,
    _issue_tokens,
    actor_from_token,
    login,
    logout,
    refresh,
    revoke_user_sessions,
)
from backend.accounts.service.garages import (
    GarageSettingsInput,
    SiteInput,
    create_garage,
    create_site,
    get_garage,
    get_site,
    list_sites,
    update_garage_settings,
    update_site,
)
from backend.accounts.service.users import (
    MIN_PASSWORD,
    UserInput,
    create_user,
    deactivate_user,
    get_user,
    list_users,
    update_my_preferences,
    update_user,
)

__all__ = [
    "GarageSettingsInput", "MIN_PASSWORD", "RefreshOutcome", "SiteInput", "Tokens", "UserInput", "_issue_tokens",
    "actor_from_token", "create_api_key", "create_garage", "create_site", "create_user", "deactivate_user",
    "get_garage", "get_site", "get_user", "list_api_keys", "list_sites", "list_users", "login", "logout", "refresh",
    "revoke_api_key", "revoke_user_sessions", "update_garage_settings", "update_my_preferences", "update_site",
    "update_user",
]
