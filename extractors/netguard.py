"""Where ecoute may go on the network: public addresses, on the sites it was pointed at.

Two rules, both enforced by the shared HTTP client, so no extractor can forget them:

- **Addresses.** A URL taken from a feed, a page or a redirect could point anywhere, and
  from the machine that runs ecoute "anywhere" includes its own services (127.0.0.1),
  the private network (10.0.0.0/8, ...) and the cloud metadata endpoint (169.254.169.254).
  Every connection is checked on the address it actually reached, after DNS and on every
  redirect hop, so a name that resolves to a public address once and to a private one the
  next time (DNS rebinding) is refused too. Loopback is allowed by `http.allow_loopback`
  (tests and local development), private and link-local networks by `http.allow_private`
  (an intranet source); multicast, reserved and unspecified addresses never.
- **Sites.** Links found in what a source returns (comment feeds, article pages, sitemap
  entries, next pages) are followed only on the source's own site: its host, a subdomain of
  it or the domain it is a subdomain of, `www.` aside. Other hosts must be configured.
  A redirect is the site's own answer and may lead elsewhere (to https, to a CDN): the
  address rule still holds on every hop.

Behind an HTTP proxy the proxy makes the connections: the address rule is then its job.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: 100.64.0.0/10, carrier-grade NAT: not global, yet not `is_private` in Python 3.11.
_SHARED = ipaddress.ip_network("100.64.0.0/10")


class AddressRefused(Exception):
    """A connection reached an address the source does not allow.

    Not an `OSError`: urllib3 must neither retry it nor dress it up as a network failure."""


@dataclass(frozen=True)
class AddressPolicy:
    """Which non-public addresses a source may reach."""

    allow_loopback: bool = False
    allow_private: bool = False

    def refusal(self, address: str) -> str | None:
        """Why `address` is refused, or None when it may be reached."""
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])  # fe80::1%eth0
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip.is_loopback:
            return None if self.allow_loopback else _hint(ip, "a loopback", "allow_loopback")
        if ip.is_unspecified or ip.is_multicast or ip.is_reserved:
            return f"{ip} is not an address a site can have"
        if ip.is_link_local or ip.is_private or ip in _SHARED:
            kind = "a link-local" if ip.is_link_local else "a private"
            return None if self.allow_private else _hint(ip, kind, "allow_private")
        if not ip.is_global:
            return f"{ip} is not a public address"
        return None


def _hint(ip: IPAddress, kind: str, setting: str) -> str:
    return f"{ip} is {kind} address; set http.{setting}: true for this source if intended"


def _guarded(base: type[HTTPConnection], policy: AddressPolicy) -> type[HTTPConnection]:
    class GuardedConnection(base):  # type: ignore[valid-type,misc]
        """Checks every address the host resolves to before connecting (no packet goes
        to a refused one), then the peer actually reached, before a byte is sent (a name
        that resolved differently in between)."""

        def _new_conn(self) -> socket.socket:
            try:
                found = socket.getaddrinfo(self._dns_host, self.port, type=socket.SOCK_STREAM)
            except OSError:
                found = []  # urllib3 reports the resolution failure itself, below
            for *_, sockaddr in found:
                self._check(sockaddr[0])
            sock = super()._new_conn()
            try:
                self._check(sock.getpeername()[0])
            except AddressRefused:
                sock.close()
                raise
            return sock

        def _check(self, address: str) -> None:
            reason = policy.refusal(address)
            if reason is not None:
                named = "" if _is_ip(self.host) else f" ({self.host})"
                raise AddressRefused(f"refused{named}: {reason}")

    return GuardedConnection


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class GuardedAdapter(HTTPAdapter):
    """requests' adapter whose connections go through `policy` (redirects included: each
    hop is sent through the adapter again)."""

    def __init__(self, policy: AddressPolicy, **kwargs: Any) -> None:
        self.policy = policy
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        http_conn = _guarded(HTTPConnection, self.policy)
        https_conn = _guarded(HTTPSConnection, self.policy)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("GuardedPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
            "https": type("GuardedTLSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
        }


def _site_host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


def same_site(url: str, site_url: str) -> bool:
    """`url` is on the site of `site_url`: the same host, or one a subdomain of the other
    (`www.` aside), so `feeds.example.fr` and `www.example.fr` are one site and
    `example.fr.evil.example` is not."""
    host, site = _site_host(url), _site_host(site_url)
    if not host or not site:
        return False
    return host == site or host.endswith("." + site) or site.endswith("." + host)
