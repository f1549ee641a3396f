"""Which network addresses the fetcher may reach, and how ``fetch_allow_hosts`` names exceptions.

An address is public when it is none of the special-purpose blocks of IANA's IPv4 and IPv6
Special-Purpose Address Registries that are not globally reachable, nor multicast, nor (for
IPv6) outside global unicast ``2000::/3``. Python's ``ipaddress.is_global`` is consulted too,
but not trusted alone: in Python 3.11 it calls ``fec0::/10`` (site-local), ``64:ff9b:1::/48``
(local-use NAT64), ``5f00::/16`` (SRv6), ``3fff::/20`` (documentation), ``::a.b.c.d`` and
``192.0.0.0/24`` global, and says yes to multicast. :data:`IPV4_BLOCKS` and :data:`IPV6_BLOCKS`
list what is refused by name.

An IPv4 address carried inside an IPv6 one is unwrapped and must be public too: IPv4-mapped
``::ffff:a.b.c.d``, IPv4-compatible ``::a.b.c.d``, IPv4-translated (SIIT) ``::ffff:0:a.b.c.d``,
NAT64 ``64:ff9b::/96`` and ``64:ff9b:1::/48``, 6to4 ``2002::/16`` (bits 16-47) and Teredo
``2001::/32`` (its server and its obscured client). Of these, only the mapped, NAT64
well-known-prefix and 6to4 forms of a public IPv4 address are public; the deprecated
(compatible, SIIT), local-use (``64:ff9b:1::/48``) and Teredo forms are refused whatever they carry.

``fetch_allow_hosts`` entries (:func:`parse_allow_entry`): a host name, an IP address or a network
(CIDR), each optionally with a port: ``feeds.intranet``, ``10.20.0.5:8080``, ``10.20.0.0/16:*``,
``[fd00::7]:8443``, ``[fd00::/8]``. Without a port an entry allows ports 80 and 443 only
(:data:`DEFAULT_PORTS`), so that allowing a web server does not allow its database or admin
ports; ``:*`` allows every port. An IPv6 address with a port is written in brackets, as in a URL.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_PORTS = frozenset({80, 443})  # what an entry without a port allows

_net = ipaddress.ip_network

# IANA IPv4 Special-Purpose Address Registry, the blocks not globally reachable (192.0.0.9/32 and
# 192.0.0.10/32, anycast services that are, go with their /24: no news site lives there), and
# the deprecated 6to4 relay anycast block. Order matters: the first block that holds an address names it.
IPV4_BLOCKS: tuple[tuple[IPNetwork, str], ...] = (
    (_net("0.0.0.0/32"), "an unspecified address"),
    (_net("0.0.0.0/8"), "a 'this network' address (0.0.0.0/8)"),
    (_net("10.0.0.0/8"), "a private address"),
    (_net("100.64.0.0/10"), "a shared (carrier-grade NAT) address"),
    (_net("127.0.0.0/8"), "a loopback address"),
    (_net("169.254.0.0/16"), "a link-local address"),
    (_net("172.16.0.0/12"), "a private address"),
    (_net("192.0.0.0/24"), "an IETF protocol assignment (192.0.0.0/24)"),
    (_net("192.0.2.0/24"), "a documentation address"),
    (_net("192.88.99.0/24"), "a 6to4 relay anycast address (deprecated)"),
    (_net("192.168.0.0/16"), "a private address"),
    (_net("198.18.0.0/15"), "a benchmarking address"),
    (_net("198.51.100.0/24"), "a documentation address"),
    (_net("203.0.113.0/24"), "a documentation address"),
    (_net("224.0.0.0/4"), "a multicast address"),
    (_net("255.255.255.255/32"), "the broadcast address"),
    (_net("240.0.0.0/4"), "a reserved address"),
)

# IANA IPv6 Special-Purpose Address Registry (not globally reachable), with site-local fec0::/10
# (deprecated, RFC 3879) and multicast. The forms that carry IPv4 (64:ff9b:1::/48 and Teredo
# 2001::/32 among them) are read by _embedded_ipv4 first; anything else outside 2000::/3 is refused too.
IPV6_BLOCKS: tuple[tuple[IPNetwork, str], ...] = (
    (_net("::/128"), "an unspecified address"),
    (_net("::1/128"), "a loopback address"),
    (_net("100::/64"), "a discard-only address"),
    (_net("100:0:0:1::/64"), "a dummy-prefix address"),
    (_net("2001:db8::/32"), "a documentation address"),
    (_net("2001::/23"), "an IETF protocol assignment (2001::/23)"),
    (_net("3fff::/20"), "a documentation address"),
    (_net("5f00::/16"), "a segment routing (SRv6) address"),
    (_net("fc00::/7"), "a unique-local (private) address"),
    (_net("fe80::/10"), "a link-local address"),
    (_net("fec0::/10"), "a site-local address (deprecated)"),
    (_net("ff00::/8"), "a multicast address"),
)
_GLOBAL_UNICAST = _net("2000::/3")

# IPv6 forms that carry an IPv4 address: (network, name, public when the IPv4 address is public)
_MAPPED = _net("::ffff:0:0/96")
_TRANSLATED = _net("::ffff:0:0:0/96")
_COMPATIBLE = _net("::/96")
_NAT64 = _net("64:ff9b::/96")
_NAT64_LOCAL = _net("64:ff9b:1::/48")
_SIXTOFOUR = _net("2002::/16")
_TEREDO = _net("2001::/32")


def _embedded_ipv4(addr: ipaddress.IPv6Address) -> tuple[str, list[ipaddress.IPv4Address], bool]:
    """The IPv4 addresses ``addr`` carries: (the form's name, the addresses, whether the form itself
    may be fetched when they are public). No addresses: not a form that carries IPv4."""
    low32 = ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    if addr in _MAPPED:
        return "an IPv4-mapped", [low32], True
    if addr in _TRANSLATED:
        return "an IPv4-translated (SIIT, obsolete)", [low32], False
    if addr in _COMPATIBLE and int(addr) > 1:  # not :: or ::1
        return "an IPv4-compatible (deprecated)", [low32], False
    if addr in _NAT64:
        return "a NAT64", [low32], True
    if addr in _NAT64_LOCAL:  # the operator picks the prefix length; /96 is the usual one
        return "a local-use NAT64", [low32], False
    if addr in _SIXTOFOUR:
        return "a 6to4", [ipaddress.IPv4Address((int(addr) >> 80) & 0xFFFFFFFF)], True
    if addr in _TEREDO:
        server, client = addr.teredo  # type: ignore[misc]
        return "a Teredo", [server, client], False
    return "", [], True


def _ipv4_kind(addr: ipaddress.IPv4Address) -> str | None:
    for net, kind in IPV4_BLOCKS:
        if addr in net:
            return kind
    if not addr.is_global or addr.is_multicast:
        return "a non-public address"
    return None


def _ipv6_kind(addr: ipaddress.IPv6Address) -> str | None:
    for net, kind in IPV6_BLOCKS:
        if addr in net:
            return kind
    if addr not in _GLOBAL_UNICAST:
        return "not a global unicast address (outside 2000::/3)"
    if not addr.is_global or addr.is_multicast:
        return "a non-public address"
    return None


def non_public_kind(addr: IPAddress) -> str | None:
    """Why ``addr`` may not be fetched without an allow entry ("a loopback address", ...), or None
    when it is public. An IPv4 address inside an IPv6 one is named with the form that carries it."""
    if isinstance(addr, ipaddress.IPv4Address):
        return _ipv4_kind(addr)
    if addr.scope_id:  # fe80::1%eth0: a zone only means something on a local link
        return _ipv6_kind(ipaddress.IPv6Address(int(addr))) or "a scoped (link-local) address"
    form, inner, form_is_public = _embedded_ipv4(addr)
    for ipv4 in inner:
        kind = _ipv4_kind(ipv4)
        if kind is not None:
            return f"{kind} (IPv4 {ipv4} inside {form} IPv6 address)"
    if inner:
        return None if form_is_public else f"{form} IPv6 address"
    return _ipv6_kind(addr)


def embedded(addr: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (none for IPv4 and for plain IPv6)."""
    if isinstance(addr, ipaddress.IPv4Address):
        return []
    return _embedded_ipv4(addr)[1]


# -- fetch_allow_hosts ---------------------------------------------------------------

_HOST_NAME = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?\.?$")


@dataclass(frozen=True, slots=True)
class AllowEntry:
    """One ``fetch_allow_hosts`` entry: a host name or a network, and the ports it allows."""

    text: str
    host: str | None  # lower case, no trailing dot
    network: IPNetwork | None
    ports: frozenset[int] | None  # None: every port

    def allows_port(self, port: int) -> bool:
        return self.ports is None or port in self.ports

    def names_host(self, host: str) -> bool:
        return self.host is not None and self.host == host.lower().rstrip(".")

    def holds(self, addr: IPAddress) -> bool:
        """Whether the entry's network holds ``addr``, or every IPv4 address ``addr`` carries."""
        if self.network is None:
            return False
        if addr.version == self.network.version and addr in self.network:
            return True
        inner = embedded(addr)
        return bool(inner) and self.network.version == 4 and all(ipv4 in self.network for ipv4 in inner)

    def ports_text(self) -> str:
        if self.ports is None:
            return "every port"
        names = sorted(self.ports)
        return f"port {names[0]}" if len(names) == 1 else "ports " + " and ".join(str(p) for p in names)


def _port(text: str, entry: str) -> frozenset[int] | None:
    if text == "*":
        return None
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ValueError(f"{entry!r}: the port must be a number from 1 to 65535, or * for every port")
    return frozenset({int(text)})


def parse_allow_entry(entry: str) -> AllowEntry:
    """Read one entry (see the module's docstring); ValueError names the entry and what is wrong."""
    text = entry.strip()
    ports: frozenset[int] | None = DEFAULT_PORTS
    if text.startswith("["):
        close = text.find("]")
        rest = text[close + 1:] if close > 0 else ""
        if close < 0 or (rest and not rest.startswith(":")):
            raise ValueError(f"{entry!r}: write an IPv6 address or network in brackets, then :PORT if any, "
                             "e.g. [fd00::7]:8080")
        if rest:
            ports = _port(rest[1:], entry)
        address = text[1:close]
        if ":" not in address:
            raise ValueError(f"{entry!r}: only IPv6 addresses go in brackets")
    elif text.count(":") == 1:  # a name or IPv4 with a port; an IPv6 address has two or more
        address, port = text.split(":")
        ports = _port(port, entry)
    else:
        address = text
    try:
        return AllowEntry(text, None, ipaddress.ip_network(address, strict=False), ports)
    except ValueError:
        pass
    if "/" in address or ":" in address or address.replace(".", "").isdigit():
        raise ValueError(f"{entry!r}: not a valid IP address or network")
    if not _HOST_NAME.match(address):
        raise ValueError(f"{entry!r}: not a host name, IP address or network")
    return AllowEntry(text, address.lower().rstrip("."), None, ports)


def parse_allow_list(entries: Iterable[str | AllowEntry]) -> list[AllowEntry]:
    return [e if isinstance(e, AllowEntry) else parse_allow_entry(e) for e in entries if isinstance(e, AllowEntry) or e.strip()]
