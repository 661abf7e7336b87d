"""Which webhook targets may be called: https to globally routable addresses, private ones only for hosts the
settings allow, loopback only where the settings allow it, so that the service cannot be turned against the
internal network (SSRF). Every address a host resolves to is judged, at subscription and at each connection."""
import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Never a receiver, whatever the allow-list says: link-local (where the clouds' metadata services answer) and the
# metadata addresses outside it (Alibaba Cloud's in 100.64.0.0/10, AWS's IPv6 one in fc00::/7).
_NEVER = [ipaddress.ip_network(n) for n in ("169.254.0.0/16", "fe80::/10", "100.100.100.200/32",
                                            "fd00:ec2::254/128", "255.255.255.255/32")]
# IPv6 forms that carry an IPv4 address to which the traffic goes: judged by that address.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# IPv6 forms with no public use that Python's is_global lets through: IPv4-compatible (deprecated), local NAT64.
_NO_PUBLIC_USE = [ipaddress.ip_network(n) for n in ("::/96", "64:ff9b:1::/48")]


@dataclass(frozen=True)
class TargetPolicy:
    """What NOTIFY_ALLOWED_HOSTS and NOTIFY_ALLOW_LOOPBACK allow."""

    allowed_hosts: frozenset[str] = frozenset()
    allow_loopback: bool = False

    def url_problem(self, url: str) -> str | None:
        """Why `url` may not be called, judged without resolving it; None when its shape is fine."""
        parts = urlsplit(url)
        try:
            host, _ = (parts.hostname or "").lower(), parts.port  # the port raises when it is not a number
        except ValueError:
            return "the URL's host or port is not valid"
        if parts.scheme not in ("https", "http") or not host:
            return "the URL must be an absolute http(s) URL"
        if parts.username is not None or parts.password is not None:
            return "the URL must not carry credentials"
        if parts.scheme == "http" and host not in self.allowed_hosts and not (
                self.allow_loopback and _names_loopback(host)):
            return "webhooks use https (http only for hosts the settings allow)"
        return None

    def addresses_problem(self, host: str, addresses: list[str]) -> str | None:
        """Why `host`, resolving to `addresses`, may not be connected to; None when every address may."""
        if not addresses:
            return f"{host} does not resolve"
        allowed_host = host.lower() in self.allowed_hosts
        for address in addresses:
            if (problem := address_problem(ipaddress.ip_address(address), allowed_host=allowed_host,
                                           allow_loopback=self.allow_loopback)) is not None:
                return f"{host} resolves to {problem}"
        return None


def address_problem(ip: Address, *, allowed_host: bool, allow_loopback: bool) -> str | None:
    """What kind of forbidden address `ip` is; None when it may be connected to."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:a.b.c.d is the IPv4 host itself
    if ip.is_loopback:
        return None if allow_loopback else "a loopback address"
    if ip.is_multicast or ip.is_unspecified or any(ip in network for network in _NEVER):
        return "a link-local, metadata, multicast or unspecified address"
    if allowed_host:
        return None
    if not ip.is_global:
        return "an address that is not publicly routable; allow-list the host to use a private one"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.teredo is not None or any(ip in network for network in _NO_PUBLIC_USE):
            return "an IPv6 transition address with no public use"
        inner = ip.sixtofour or (ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF) if ip in _NAT64 else None)
        if inner is not None and address_problem(inner, allowed_host=False, allow_loopback=False) is not None:
            return "an IPv6 address carrying an IPv4 address that is not publicly routable"
    return None


def _names_loopback(host: str) -> bool:
    """A loopback literal, or `localhost` (RFC 6761); what it resolves to is checked at connection too."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return (ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped else ip).is_loopback
