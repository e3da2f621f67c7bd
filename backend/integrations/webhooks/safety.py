"""Outbound safety: a webhook goes only to a public http(s) address.

- `check_url` (at save): http or https, a host, no user:password, no fragment, at most MAX_URL characters; a host
  that is an address literal, or a name that resolves now, must be public.
- `resolve` (at every send): every address the name resolves to must be public; the request is then made to the
  first of those addresses (the name kept for the Host header and TLS), so a second DNS answer cannot swap in a
  private one. Redirects are never followed.

Public means none of private, loopback, link-local, multicast, reserved, unspecified, shared (100.64/10) or
IPv4-mapped forms of those. `webhook_allowed_hosts` (a setting: host names, addresses or networks, comma-separated)
lets the listed ones through all the same: for a receiver on the garage's own network, and for tests (127.0.0.1).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from backend.core.errors import DomainError, ErrorCode

MAX_URL = 2000
RESOLVE_TIMEOUT = 5.0

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedAddress(Exception):
    """The endpoint's host is (or resolves to) an address webhooks may not reach."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written (lower case), for Host and TLS
    port: int
    address: str  # the checked address the connection goes to


def allowed_list(setting: str) -> tuple[set[str], list[ipaddress.IPv4Network | ipaddress.IPv6Network]]:
    names: set[str] = set()
    networks = []
    for part in (p.strip().lower() for p in (setting or "").split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            names.add(part.rstrip("."))
    return names, networks


def is_public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if isinstance(address, ipaddress.IPv4Address) and address in ipaddress.ip_network("100.64.0.0/10"):
        return False  # carrier-grade NAT: not global, and not flagged private by every Python
    return not (address.is_private or address.is_loopback or address.is_link_local or address.is_multicast
                or address.is_reserved or address.is_unspecified or not address.is_global)


def permitted(host: str, address: Address, allowed: str) -> bool:
    if is_public(address):
        return True
    names, networks = allowed_list(allowed)
    if host in names:
        return True
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address.version == net.version and address in net for net in networks)


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def parse(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a URL webhooks may use, else ValueError."""
    if len(url) > MAX_URL or any(ch.isspace() for ch in url):
        raise ValueError("url")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password \
            or parts.fragment:
        raise ValueError("url")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise ValueError("url") from None
    host = parts.hostname.lower().rstrip(".")
    if not host:
        raise ValueError("url")
    return scheme, host, port


async def _addresses(host: str, port: int) -> list[Address]:
    literal = _literal(host)
    if literal is not None:
        return [literal]
    loop = asyncio.get_running_loop()
    infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT)
    out: list[Address] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0].split("%")[0])
        if address not in out:
            out.append(address)
    return out


async def check_url(url: str | None, allowed: str, field: str = "url") -> str:
    """The URL as it will be used, or a DomainError: INVALID_WEBHOOK_URL, WEBHOOK_ADDRESS_REFUSED."""
    value = (url or "").strip()
    if not value:
        raise DomainError(ErrorCode.REQUIRED, field)
    try:
        _scheme, host, port = parse(value)
    except ValueError:
        raise DomainError(ErrorCode.INVALID_WEBHOOK_URL, field) from None
    try:
        addresses = await _addresses(host, port)
    except (OSError, asyncio.TimeoutError, UnicodeError):
        addresses = []  # not resolvable now (a name set up later): every send checks again
    for address in addresses:
        if not permitted(host, address, allowed):
            raise DomainError(ErrorCode.WEBHOOK_ADDRESS_REFUSED, field, host=host)
    return value


async def resolve(url: str, allowed: str) -> Target:
    """The checked target of a send; RefusedAddress when any address is not allowed or the name does not resolve."""
    try:
        scheme, host, port = parse(url)
    except ValueError:
        raise RefusedAddress("the URL is not a valid http(s) URL") from None
    try:
        addresses = await _addresses(host, port)
    except (OSError, asyncio.TimeoutError, UnicodeError) as exc:
        raise RefusedAddress(f"{host} does not resolve ({type(exc).__name__})") from None
    if not addresses:
        raise RefusedAddress(f"{host} does not resolve")
    for address in addresses:
        if not permitted(host, address, allowed):
            raise RefusedAddress(f"{host} resolves to {address}, a private or reserved address")
    return Target(scheme, host, port, str(addresses[0]))
