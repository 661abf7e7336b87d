"""One way to build every service's FastAPI app: lifespan, errors, health, telemetry."""
from collections.abc import Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, AsyncIterator

from fastapi import APIRouter, Depends, FastAPI, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import make_engine, make_sessionmaker, migrate_when_reachable, warn_if_autovacuum_off
from shared.edge import RESPONSES as EDGE_RESPONSES, RequestEdge
from shared.events import topics
from shared.health import router as health_router
from shared.identity import JwksKeys, TokenVerifier
from shared.metrics import router as metrics_router
from shared.messaging import MessagingTables, Outbox, OutboxRelay
from shared.messaging.kafka import make_producer
from shared.messaging.marker import BrokerMarker
from shared.messaging.outbox import WAKE_KEY
from shared.pii import KeyedHasher, PiiCipher
from shared.problems import install_problem_handlers
from shared.rate_limits import RESPONSES as RATE_LIMIT_RESPONSES, PublicRateLimit, RateLimits
from shared.registry import Registry
from shared.runtime import HandlersFactory, ServiceRuntime, build_calendar
from shared.settings import ServiceSettings
from shared.telemetry import instrument_app, setup_logging, setup_tracing
from shared.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ServiceDefinition:
    """What a service brings: its tables, routes, the topics it consumes and its handlers."""

    name: str
    title: str
    description: str
    tables: MessagingTables
    routers: Sequence[APIRouter]
    consumes: Sequence[str] = ()
    handlers: HandlersFactory | None = None
    on_start: Callable[[ServiceRuntime], None] | None = None
    openapi_tags: list[dict] = field(default_factory=list)


async def build_runtime(definition: ServiceDefinition, settings: ServiceSettings) -> ServiceRuntime:
    """Migrate the database and assemble the service's clients (Kafka connects in the background)."""
    url = settings.resolved_database_url()
    if settings.migrate_on_start:
        await migrate_when_reachable(url, definition.name, wait_seconds=settings.database_start_wait_seconds)
    engine = make_engine(url)
    await warn_if_autovacuum_off(engine)
    producer = make_producer(settings.kafka_bootstrap_servers, client_id=f"jointsup-{definition.name}")
    marker = BrokerMarker(settings.kafka_bootstrap_servers, definition.name, topics=topics.used_by(definition.name),
                          partitions=settings.topic_partitions) if settings.republish_on_new_broker else None
    relay = OutboxRelay(engine=engine, table=definition.tables.outbox, producer=producer, name=definition.name,
                        batch_size=settings.relay_batch_size, poll_seconds=settings.relay_poll_seconds,
                        retention=timedelta(days=settings.outbox_retention_days), marker=marker)
    runtime = ServiceRuntime(
        name=definition.name, settings=settings, engine=engine,
        sessionmaker=make_sessionmaker(engine, **{WAKE_KEY: relay.wake}),
        producer=producer, relay=relay, tables=definition.tables,
        outbox=Outbox(definition.tables.outbox, source=f"/jointsup/{definition.name}"),
        verifier=verifier_of(settings),
        registry=Registry.load(settings.registry_path),
        cipher=PiiCipher([k.strip() for k in settings.fernet_keys.get_secret_value().split(",") if k.strip()]),
        hasher=KeyedHasher(settings.hash_key.get_secret_value()),
        calendar=build_calendar(settings),
    )
    runtime.on_stop(runtime.verifier.close)
    if definition.handlers is not None:
        runtime.add_consumer(definition.handlers(runtime), list(definition.consumes))
    return runtime


def verifier_of(settings: ServiceSettings) -> TokenVerifier:
    """HS256 with the shared secret, or the keys of the JWKS URL; issuer and audience when set."""
    jwks = JwksKeys(settings.jwks_url, timeout=settings.jwks_timeout_seconds,
                    refresh_seconds=settings.jwks_refresh_seconds,
                    max_age_seconds=settings.jwks_max_age_seconds) if settings.jwks_url else None
    return TokenVerifier(secret=settings.jwt_secret.get_secret_value(), jwks=jwks, issuer=settings.jwt_issuer,
                         audience=settings.jwt_audience)


def create_service_app(definition: ServiceDefinition, settings: ServiceSettings) -> FastAPI:
    """The service's app; nothing connects until the lifespan starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        setup_logging(settings.log_level)
        setup_tracing(definition.name)
        runtime = await build_runtime(definition, settings)
        app.state.runtime = runtime
        runtime.start_kafka()
        if definition.on_start is not None:
            definition.on_start(runtime)
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=definition.title, description=definition.description, version="0.1.0",
                  lifespan=lifespan, openapi_tags=definition.openapi_tags or None,
                  responses={**EDGE_RESPONSES, **RATE_LIMIT_RESPONSES})
    install_problem_handlers(app)
    app.include_router(health_router)
    app.include_router(metrics_router)
    for router in definition.routers:
        app.include_router(router)
    app.add_middleware(RequestEdge, max_body_bytes=settings.http_max_body_bytes,
                       body_timeout_seconds=settings.http_body_timeout_seconds)
    app.state.rate_limits = RateLimits(
        public=settings.rate_limit_public, principal=settings.rate_limit_principal,
        storage_url=settings.rate_limit_storage_url, key_prefix=settings.rate_limit_key_prefix, service=definition.name)
    app.add_middleware(PublicRateLimit, limits=app.state.rate_limits)  # outermost: refused before a body is read
    instrument_app(app)
    return app


async def get_runtime(request: Request) -> ServiceRuntime:
    # async on purpose: FastAPI runs a plain `def` dependency in a worker thread, a hand-off on every request
    return request.app.state.runtime


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    async with runtime.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


def unit_of_work(cls: type[UnitOfWork]):
    """The `Annotated` dependency of a service's unit of work: one per request, on the request's session."""
    async def begin(runtime: RuntimeDep, session: SessionDep) -> UnitOfWork:
        return cls(runtime, session, owns_transaction=True)
    return Annotated[cls, Depends(begin)]
