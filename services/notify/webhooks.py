"""Webhook sends (Standard Webhooks) through a connection that checks where it goes: each new connection resolves
the host once, refuses it unless every address passes the target policy, and connects to an address it checked,
so a name that changes its answer after the subscription (DNS rebinding) reaches nothing forbidden. TLS, the
certificate check and the Host header keep the URL's host name. Failures are told by their class, never their
text, which would map the ports and hosts the service can reach."""
import asyncio
import ipaddress
import logging
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Iterator

import httpcore
import httpx

from .channels import Outcome
from .domain.signing import signature_header
from .domain.targets import TargetPolicy
from .settings import NotifySettings

log = logging.getLogger(__name__)
FORBIDDEN = "forbidden target"
Resolver = Callable[[str, int], Awaitable[list[str]]]


class ForbiddenTarget(Exception):
    """The target breaks the policy: refused before any socket is opened."""


class Unresolvable(Exception):
    """The host name has no address."""


async def resolve(host: str, port: int) -> list[str]:
    """The host's addresses, in the resolver's order (a literal address is its own answer)."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return list(dict.fromkeys(info[4][0] for info in infos))


class Guard:
    """The target policy and the resolver every check uses, at subscription and at connection."""

    def __init__(self, policy: TargetPolicy, resolver: Resolver = resolve):
        self.policy, self.resolver = policy, resolver

    @classmethod
    def of(cls, settings: NotifySettings) -> "Guard":
        return cls(TargetPolicy(allowed_hosts=settings.allowed_host_set, allow_loopback=settings.loopback_allowed))

    async def addresses(self, host: str, port: int) -> list[str]:
        """Every address of `host`, once each passes the policy; Unresolvable or ForbiddenTarget otherwise."""
        addresses = await self.resolver(host, port)
        if not addresses:
            raise Unresolvable(host)
        if (problem := self.policy.addresses_problem(host, addresses)) is not None:
            raise ForbiddenTarget(problem)
        return addresses

    async def problem(self, url: str) -> str | None:
        """Why `url` may not be subscribed to now; None when it may."""
        if (problem := self.policy.url_problem(url)) is not None:
            return problem
        try:
            parts = httpx.URL(url)
            host = parts.raw_host.decode("ascii")  # as the connection will look it up (IDNA)
        except (httpx.InvalidURL, UnicodeError):
            return "the URL is not valid"
        try:
            await self.addresses(host, parts.port or (443 if parts.scheme == "https" else 80))
        except Unresolvable:
            return f"{host} does not resolve"
        except ForbiddenTarget as refused:
            return str(refused)
        return None


class CheckedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to addresses the guard passed."""

    def __init__(self, guard: Guard):
        self.guard, self._network = guard, httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options=None) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await self.guard.addresses(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} took longer than {timeout} s") from None
        failure: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return await self._network.connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                failure = exc
        raise failure

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise ForbiddenTarget("webhooks go over TCP")

    async def sleep(self, seconds: float) -> None:
        await self._network.sleep(seconds)


class CheckedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over the checked backend, with no proxy from the environment."""

    def __init__(self, guard: Guard, *, limits: httpx.Limits):
        super().__init__(limits=limits, trust_env=False)
        # httpx takes no network backend, so the pool it built is replaced by one connecting through the guard.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(), max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
            network_backend=CheckedBackend(guard))


def checked_client(guard: Guard, *, limits: httpx.Limits) -> httpx.AsyncClient:
    """A client for webhooks only: every connection it opens is checked, and it follows no redirect."""
    return httpx.AsyncClient(transport=CheckedTransport(guard, limits=limits), follow_redirects=False)


async def post_webhook(client: httpx.AsyncClient, guard: Guard, *, url: str, secrets: list[str], msg_id: str,
                       body: bytes, timeout: float) -> Outcome:
    """One signed attempt; the outcome names the class of a failure."""
    if guard.policy.url_problem(url) is not None:  # the settings may have changed since the subscription
        return Outcome(False, FORBIDDEN)
    timestamp = int(time.time())
    headers = {"content-type": "application/json", "webhook-id": msg_id, "webhook-timestamp": str(timestamp),
               "webhook-signature": signature_header(secrets, msg_id, timestamp, body)}
    try:
        response = await client.post(url, content=body, headers=headers, timeout=timeout)
    except (httpx.HTTPError, ForbiddenTarget, Unresolvable) as exc:
        failure = failure_class(exc)
        log.warning("webhook %s not delivered: %s (%s)", msg_id, failure, type(exc).__name__)
        return Outcome(False, failure)
    if 200 <= response.status_code < 300:
        return Outcome(True)
    return Outcome(False, f"HTTP {response.status_code}", gone=response.status_code == 410)


def failure_class(exc: BaseException) -> str:
    """What kind of failure `exc` is, in words that say nothing of the network behind it."""
    if isinstance(exc, ForbiddenTarget):
        return FORBIDDEN
    if isinstance(exc, Unresolvable):
        return "DNS"
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    causes = list(_causes(exc))
    if any(isinstance(c, ssl.SSLError) for c in causes):
        return "TLS"
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return "connection refused"
    if isinstance(exc, httpx.ConnectError):
        return "connection failed"
    if isinstance(exc, httpx.ProtocolError):
        return "protocol error"
    if isinstance(exc, httpx.NetworkError):
        return "connection lost"
    return "request failed"


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and what caused it, through exception groups."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [current.__cause__, current.__context__, *getattr(current, "exceptions", ())]
