"""Which webhook URLs may be called: https to public addresses, or hosts the settings allow, so that the
service cannot be turned against the internal network (SSRF)."""
import ipaddress
from urllib.parse import urlsplit


def url_problem(url: str, addresses: list[str], *, allowed_hosts: frozenset[str], allow_loopback: bool) -> str | None:
    """Why `url` (resolving to `addresses`) may not be called; None when it may."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        return "the URL must be an absolute http(s) URL"
    if host in allowed_hosts:
        return None
    ips = [ipaddress.ip_address(a) for a in addresses]
    if not ips:
        return f"{host} does not resolve"
    if allow_loopback and all(ip.is_loopback for ip in ips):
        return None
    if parts.scheme != "https":
        return "webhooks use https (http only for hosts the settings allow)"
    for ip in ips:
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast \
                or ip.is_unspecified:
            return f"{host} resolves to {ip}, a private, loopback or link-local address; allow-list it to use it"
    return None
