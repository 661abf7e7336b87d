"""Webhook targets at connection time (issue 28 A): a name resolved at every new connection and refused before any
socket opens when it now points somewhere forbidden (DNS rebinding), and failures told by class, never by what
the network answered. Nothing here connects outside 127.0.0.1: forbidden addresses come from a resolver stub."""
import asyncio
import contextvars
import socket
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from alembic import command
from sqlalchemy import create_engine, insert, select

from harness.webhooks import Receiver
from services.notify.domain.targets import TargetPolicy
from services.notify.tables import Delivery
from services.notify.webhooks import ForbiddenTarget, Guard, checked_client, post_webhook
from shared.broker import free_port
from shared.db import alembic_config, sync_url
from shared.events.payloads.cases import CaseReferred
from tests.support import eventually, officer, publish, unique

METADATA = "169.254.169.254"
_WATCHED = contextvars.ContextVar("watched", default=False)


@pytest.fixture
def sockets(monkeypatch) -> list:
    """Every socket created in a watched context (the code under test, not the service's other tasks), and every
    connection to the metadata address from anywhere; each fails the attempt and is recorded."""
    seen = []
    create, connect = socket.socket.__init__, socket.socket.connect

    def created(self, *args, **kwargs):
        if _WATCHED.get():
            seen.append(("created", args))
            raise AssertionError("a socket was created for a forbidden target")
        create(self, *args, **kwargs)

    def connected(self, address):
        if address[0] == METADATA:
            seen.append(("connected", address))
            raise AssertionError("a connection to a forbidden address was attempted")
        return connect(self, address)

    monkeypatch.setattr(socket.socket, "__init__", created)
    monkeypatch.setattr(socket.socket, "connect", connected)
    return seen


@pytest.fixture
async def dns(monkeypatch) -> dict[str, list[str]]:
    """The event loop's resolver, answering names put here with their addresses in turn (the last one repeats;
    NXDOMAIN: no such name), and any other name as usual: a name that changes its answer, as DNS rebinding makes
    it."""
    loop = asyncio.get_running_loop()
    real, answers = loop.getaddrinfo, {}

    async def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return await real(host, port, *args, **kwargs)
        queue = answers[host]
        address = queue.pop(0) if len(queue) > 1 else queue[0]
        if address == "NXDOMAIN":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if ":" in address:
            return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port or 0, 0, 0))]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 0))]

    monkeypatch.setattr(loop, "getaddrinfo", getaddrinfo)
    return answers


async def test_the_checked_client_opens_no_socket_for_a_forbidden_address(sockets, dns):
    dns["rebind.localhost"] = [METADATA]
    guard = Guard(TargetPolicy(allow_loopback=True))
    async with checked_client(guard, limits=httpx.Limits()) as client:
        _WATCHED.set(True)
        try:
            with pytest.raises(ForbiddenTarget):
                await client.post("http://rebind.localhost:8080/hook", content=b"{}")
            outcome = await post_webhook(client, guard, url="http://rebind.localhost:8080/hook", secrets=[],
                                         msg_id="m", body=b"{}", timeout=1)
        finally:
            _WATCHED.set(False)
    assert (outcome.ok, outcome.error) == (False, "forbidden target") and sockets == []


async def test_a_name_that_no_longer_resolves_is_a_dns_failure(dns):
    dns["gone.localhost"] = ["NXDOMAIN"]
    guard = Guard(TargetPolicy(allow_loopback=True))
    async with checked_client(guard, limits=httpx.Limits()) as client:
        outcome = await post_webhook(client, guard, url="http://gone.localhost:8080/hook", secrets=[], msg_id="m",
                                     body=b"{}", timeout=1)
    assert (outcome.ok, outcome.error) == (False, "DNS")


async def test_a_receiver_that_never_answers_is_a_timeout():
    async def silent(reader, writer):
        await reader.read(65536)
        await asyncio.sleep(5)
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    guard = Guard(TargetPolicy(allow_loopback=True))
    async with server, checked_client(guard, limits=httpx.Limits()) as client:
        outcome = await post_webhook(client, guard, url=f"http://127.0.0.1:{port}/hook", secrets=[], msg_id="m",
                                     body=b"{}", timeout=0.3)
    assert (outcome.ok, outcome.error) == (False, "timeout")


def referral(to_agency: str) -> CaseReferred:
    return CaseReferred(referral_id=unique("ref"), case_id=unique("case"), kind="function", from_agency="440105-amr",
                        to_agency=to_agency, reason="依职责移送", due_at=datetime.now(timezone.utc) + timedelta(days=7))


async def failed_deliveries(client, headers: dict, count: int) -> list[dict]:
    async def failed():
        rows = (await client.get("/v1/deliveries", params={"status": "failed"}, headers=headers)).json()
        return rows if len(rows) == count else None
    return await eventually(failed, what=f"{count} dead-lettered deliveries")


async def subscribe(client, headers: dict, url: str) -> None:
    response = await client.post("/v1/subscriptions", json={"url": url, "event_types": ["case.referred"]},
                                 headers=headers)
    assert response.status_code == 201, response.text


async def test_a_name_rebound_to_a_forbidden_address_is_refused_before_any_socket(system, sockets, dns):
    """The name resolves to loopback when subscribed (allowed in tests), then to the metadata address: every
    attempt is refused and recorded as a forbidden target, while the agency's receiver on 127.0.0.1 gets the
    event."""
    dns["rebind.localhost"] = ["127.0.0.1", METADATA]
    headers = officer("440100-rebind")
    async with Receiver() as receiver, system.client("notify") as client:
        await subscribe(client, headers, f"http://rebind.localhost:{receiver.port}/hooks/rebound")
        await subscribe(client, headers, receiver.url("direct"))
        receiver.url("rebound")
        await publish(system.broker.bootstrap, "case.referred", subject="case", payload=referral("440100-rebind"))
        (failed,) = await failed_deliveries(client, headers, 1)
        await eventually(lambda: asyncio.sleep(0, receiver.endpoints["direct"].received), what="the direct one")
    assert failed["last_error"] == "forbidden target" and failed["attempts"] == 4
    assert receiver.endpoints["rebound"].calls == [] and sockets == []


async def test_a_send_connects_to_the_address_it_checked(system, sockets, dns):
    """The name answers loopback twice, then the metadata address: whatever looks it up next, the connection goes
    to an address that was checked (here the receiver on 127.0.0.1), never to one that was not."""
    dns["rebind2.localhost"] = ["127.0.0.1", "127.0.0.1", METADATA]
    headers = officer("440100-rebind2")
    async with Receiver() as receiver, system.client("notify") as client:
        await subscribe(client, headers, f"http://rebind2.localhost:{receiver.port}/hooks/checked")
        receiver.url("checked")
        await publish(system.broker.bootstrap, "case.referred", subject="case", payload=referral("440100-rebind2"))
        await eventually(lambda: asyncio.sleep(0, receiver.endpoints["checked"].received), what="the delivery")
    assert sockets == []


async def test_a_subscription_to_a_name_for_a_forbidden_address_is_422(system, dns):
    dns.update({"meta.localhost": [METADATA], "cgnat.localhost": ["100.64.0.1"]})
    async with system.client("notify") as client:
        answers = [await client.post("/v1/subscriptions", json={"url": url, "event_types": ["case.referred"]},
                                     headers=officer("440100-rebind3"))
                   for url in ("http://meta.localhost/hook", "http://cgnat.localhost/hook",
                               "https://[2002:a9fe:a9fe::]/hook", "https://100.100.100.200/hook")]
    assert [a.status_code for a in answers] == [422] * 4
    assert all(a.json()["errors"][0]["field"] == "url" for a in answers)


async def _banner(reader, writer):
    """Not an HTTP server: it greets with a banner, which must never reach the API."""
    writer.write(b"SSH-2.0-OpenSSH_9.6 internal-bastion-7\r\n")
    await writer.drain()
    await reader.read(65536)
    writer.close()


async def test_delivery_errors_name_their_class_and_not_what_the_network_said(system):
    headers = officer("440100-errclass")
    banner = await asyncio.start_server(_banner, "127.0.0.1", 0)
    closed = free_port()
    async with banner, Receiver() as receiver, system.client("notify") as client:
        targets = {"connection refused": f"http://127.0.0.1:{closed}/hook",
                   "protocol error": f"http://127.0.0.1:{banner.sockets[0].getsockname()[1]}/hook",
                   "TLS": f"https://127.0.0.1:{receiver.port}/hooks/plain"}  # TLS to a plain HTTP server
        receiver.url("plain")
        for url in targets.values():
            await subscribe(client, headers, url)
        await publish(system.broker.bootstrap, "case.referred", subject="case", payload=referral("440100-errclass"))
        rows = await failed_deliveries(client, headers, 3)
        subscriptions = (await client.get("/v1/subscriptions", headers=headers)).json()
    by_url = {s["id"]: s["url"] for s in subscriptions}
    async with system["notify"].runtime.sessionmaker() as session:
        targets_of = {d["id"]: by_url[(await session.get(Delivery, d["id"])).target] for d in rows}
    assert {targets_of[d["id"]]: d["last_error"] for d in rows} == {url: kind for kind, url in targets.items()}
    assert not any(str(closed) in str(d) or "SSH" in str(d) or "bastion" in str(d) for d in rows)


OLD_ERRORS = {  # what attempts recorded before errors were told by class → what 0003 leaves
    "ConnectError: [Errno 111] Connect call failed ('127.0.0.1', 5432)": "connection failed",
    "ReadTimeout: timed out": "timeout",
    "ConnectError: [SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)": "TLS",
    "RemoteProtocolError: illegal status line: bytearray(b'SSH-2.0-OpenSSH_9.6')": "protocol error",
    "target refused: meta resolves to 169.254.169.254, a private, loopback or link-local address": "forbidden target",
    "HTTP 503": "HTTP 503",
}
OLD_MAIL_ERRORS = {
    "SMTPRecipientsRefused: {'li@example.com': (550, b'5.1.1 <li@example.com>: User unknown')}": "recipient refused",
    "ConnectionRefusedError: [Errno 111] Connection refused": "connection refused",
    "SMTPServerDisconnected: Connection unexpectedly closed": "SMTP protocol error",
}


def _old_errors(url: str) -> dict[str, str]:
    config = alembic_config(url, "notify")
    command.upgrade(config, "notify_0002")
    engine = create_engine(sync_url(url))
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        conn.execute(insert(Delivery.__table__), [dict(
            id=f"d-{i}", dedupe_key=f"k-{i}", event_id="e", event_type="jointsup.case.referred", aggregate_id="c",
            recipient="440100-tax", channel=channel, target="s", endpoint="e", payload={}, status="failed",
            attempts=4, last_error=error, created_at=now)
            for i, (channel, error) in enumerate([*(("webhook", e) for e in OLD_ERRORS),
                                                  *(("email", e) for e in OLD_MAIL_ERRORS)])])
    command.upgrade(config, "head")
    with engine.connect() as conn:
        rows = conn.execute(select(Delivery.id, Delivery.last_error).order_by(Delivery.id)).all()
    engine.dispose()
    return dict(rows)


async def test_0003_leaves_old_webhook_and_mail_errors_their_class_only(databases):
    errors = await asyncio.to_thread(_old_errors, databases.url("notify_0003"))
    kinds = [*OLD_ERRORS.values(), *OLD_MAIL_ERRORS.values()]
    assert errors == {f"d-{i}": kind for i, kind in enumerate(kinds)}
