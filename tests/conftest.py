"""Session fixtures: a real Tansu broker, per-run databases (SQLite or PostgreSQL), the four services over HTTP."""
import asyncio
import os
import uuid
from dataclasses import dataclass, field

import httpx
import psycopg
import pytest
import uvicorn
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy.engine import make_url

from harness.load import LOAD_RATE_LIMITS  # the suite too calls from one address as a few callers, fast
from shared.broker import EmbeddedBroker, free_port
from shared.serve import server_options

BACKEND = os.environ.get("JOINTSUP_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("JOINTSUP_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
RUN_ID = uuid.uuid4().hex[:8]
SPANS = InMemorySpanExporter()


def pytest_configure(config):
    # One SDK provider for the whole run, so tests can read every span across services.
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(SPANS))
    trace.set_tracer_provider(provider)
    os.environ.setdefault("JOINTSUP_ENV", "test")


def pytest_report_header(config):
    return f"jointsup database backend: {BACKEND} (set JOINTSUP_TEST_DB=postgres for PostgreSQL)"


@pytest.fixture(scope="session")
def backend() -> str:
    return BACKEND


@pytest.fixture(scope="session")
def broker():
    broker = EmbeddedBroker(free_port()).start()
    yield broker
    broker.stop()


class Databases:
    """Creates a fresh database per name for this run and drops them at the end."""

    def __init__(self, tmp_dir):
        self.tmp_dir = tmp_dir
        self.created: list[str] = []

    def url(self, name: str) -> str:
        if BACKEND == "sqlite":
            return f"sqlite+aiosqlite:///{self.tmp_dir / f'{name}.db'}"
        db = f"jointsup_{RUN_ID}_{name}".lower().replace("-", "_")
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{db}"')
        self.created.append(db)
        base = PG_ADMIN_URL.rsplit("/", 1)[0]
        return f"{base}/{db}"

    def accept_connections(self, url: str, accepting: bool) -> None:
        """PostgreSQL: refuse new connections to `url`'s database and end those it has, or take them again (an
        outage of one database while the server stays up)."""
        db = make_url(url).database
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{db}" WITH ALLOW_CONNECTIONS {str(accepting).lower()}')
            if not accepting:
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (db,))

    def drop_all(self) -> None:
        if not self.created:
            return
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            for db in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    dbs = Databases(tmp_path_factory.mktemp("db"))
    yield dbs
    dbs.drop_all()


@dataclass
class Service:
    name: str
    app: object
    server: uvicorn.Server
    task: asyncio.Task
    url: str

    @property
    def runtime(self):
        return self.app.state.runtime


@dataclass
class System:
    broker: EmbeddedBroker
    services: dict[str, Service] = field(default_factory=dict)

    async def restart(self, name: str) -> Service:
        """Stop a service and start it again on the same port, database and settings."""
        old = self.services[name]
        settings = old.runtime.settings
        await stop_service(old)
        self.services[name] = await start_service(name, settings)
        await asyncio.wait_for(self.services[name].runtime.kafka_connected.wait(), 30)
        return self.services[name]

    def __getitem__(self, name: str) -> Service:
        return self.services[name]

    def client(self, name: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.services[name].url, timeout=30)




def service_settings(name: str, *, database_url: str, bootstrap: str, port: int, **extra):
    from services.cases.settings import CasesSettings
    from services.complaints.settings import ComplaintsSettings
    from services.credit.settings import CreditSettings
    from services.notify.settings import NotifySettings

    cls = {"complaints": ComplaintsSettings, "cases": CasesSettings, "credit": CreditSettings,
           "notify": NotifySettings}[name]
    return cls(**{"database_url": database_url, "kafka_bootstrap_servers": bootstrap, "port": port,
                  "environment": "test", "relay_poll_seconds": 0.5, "consumer_backoff_seconds": 0.05,
                  "consumer_max_attempts": 3, "consumer_session_timeout_ms": 6000, **LOAD_RATE_LIMITS, **extra})


async def start_service(name: str, settings) -> Service:
    """Serve one service over real HTTP on its own port, in this event loop."""
    import importlib

    app = importlib.import_module(f"services.{name}.app").create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, **server_options(settings, host="127.0.0.1", lifespan="on")))
    server.install_signal_handlers = lambda: None  # pytest owns the signals
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    return Service(name, app, server, task, f"http://127.0.0.1:{settings.port}")


async def stop_service(service: Service) -> None:
    service.server.should_exit = True
    await service.task


class MailSink:
    """A real SMTP server (aiosmtpd) that keeps what it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        import email.policy
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture(scope="session")
def mail_sink():
    sink = MailSink()
    sink.controller.start()
    yield sink
    sink.controller.stop()


@pytest.fixture(scope="session")
async def system(broker, databases, mail_sink):
    """The four services, each with its own database, talking through the real broker."""
    sys_ = System(broker)
    for name in ("complaints", "cases", "credit", "notify"):
        extra = {} if name != "notify" else {  # a short retry schedule; contacts from this run's complaints
            "complaints_url": sys_.services["complaints"].url, "retry_schedule": "0,0.3,0.3,0.3",
            "deliver_poll_seconds": 0.1, "outbox_dir": databases.tmp_dir / "notify-outbox", "retry_jitter": 0.0,
            "smtp_host": "127.0.0.1", "smtp_port": mail_sink.port}
        settings = service_settings(name, database_url=databases.url(name), bootstrap=broker.bootstrap,
                                    port=free_port(), **extra)
        sys_.services[name] = await start_service(name, settings)
    for service in sys_.services.values():
        await asyncio.wait_for(service.runtime.kafka_connected.wait(), 30)
        for consumer in service.runtime.consumers:
            await asyncio.wait_for(consumer.started.wait(), 30)
    yield sys_
    for service in sys_.services.values():
        await stop_service(service)


@pytest.fixture
def spans():
    return SPANS
