"""Intake: POST /v1/complaints at several concurrencies for a fixed time, the complaints service on
PostgreSQL against a bare FastAPI route that only validates the same body, under the same server settings.
A third route, the floor, validates the body and stores it as one row in one transaction through the
service's engine: what any durable intake costs before it routes, encrypts, journals or counts anything.
Each line also says the CPU time spent per request by the server process and by this load client: where the
client's exceeds the server's, the client, not the route, sets the pace.

    .venv/bin/python -m bench.intake [--seconds 10] [--concurrency 1,8,32] [--database-url postgresql://127.0.0.1/test]
"""
import argparse
import asyncio
import os
import subprocess
import sys
import time
import uuid

import httpx

from bench.figures import cpu_seconds, pct
from harness.load import LOAD_RATE_LIMITS
from harness.scratch import SERVER_URL, add_database_argument, scratch_database
from shared.broker import EmbeddedBroker, free_port
from shared.identity import mint_token
from shared.settings import DEV_JWT_SECRET, ServiceSettings
from shared.uscc import make_uscc

KEEP_ALIVE = ServiceSettings.model_fields["http_keep_alive_seconds"].default  # as the service has it

BASELINE_APP = """
from fastapi import FastAPI
from services.complaints.schemas import ComplaintCreate
app = FastAPI()
@app.post("/v1/complaints", status_code=201)
async def submit(body: ComplaintCreate) -> dict:
    return {"id": "baseline", "status": "received"}
"""

FLOOR_APP = """
import contextlib, os, uuid
from fastapi import FastAPI
from sqlalchemy import text
from services.complaints.schemas import ComplaintCreate
from shared.db import make_engine
engine = make_engine(os.environ["COMPLAINTS_DATABASE_URL"])
@contextlib.asynccontextmanager
async def lifespan(app):
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE IF NOT EXISTS floor_complaint (id text PRIMARY KEY, body text)"))
    yield
app = FastAPI(lifespan=lifespan)
@app.post("/v1/complaints", status_code=201)
async def submit(body: ComplaintCreate) -> dict:
    id = str(uuid.uuid4())
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO floor_complaint VALUES (:id, :body)"),
                           {"id": id, "body": body.model_dump_json()})
    return {"id": id, "status": "received"}
"""


def body(i: int) -> dict:
    return {"kind": "complaint", "channel": "web", "external_ref": f"bench-{uuid.uuid4().hex}",
            "complainant": {"name": "张三", "phone": f"139{i % 10**8:08d}"},
            "subject": {"uscc": make_uscc("440105", f"{i % 5000:08d}"), "region": "440105"},
            "category": "consumer_dispute", "description": "商品与描述不符，商家拒绝退货。"}


async def load(url: str, token: str, concurrency: int, seconds: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    counter = iter(range(10**9))
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30,
                                 limits=httpx.Limits(max_connections=concurrency)) as client:
        async def worker():
            nonlocal errors
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                response = await client.post("/v1/complaints", json=body(next(counter)))
                latencies.append((time.perf_counter() - t0) * 1000)
                errors += response.status_code >= 300
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors


def serve(args: list[str], env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"server on {port} did not start")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", default="1,8,32")
    add_database_argument(parser, default=SERVER_URL)
    args = parser.parse_args()
    token = mint_token(DEV_JWT_SECRET, sub="bench", agency="440100-12345", roles=["intake"])
    broker = EmbeddedBroker(free_port()).start()
    async with scratch_database(args.database_url, "intake") as url:
        service_port, baseline_port = free_port(), free_port()
        env = {**os.environ, **LOAD_RATE_LIMITS, "COMPLAINTS_PORT": str(service_port),
               "COMPLAINTS_DATABASE_URL": url, "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
               "JOINTSUP_LOG_LEVEL": "WARNING", "COMPLAINTS_SWEEP_SECONDS": "3600"}
        floor_port = free_port()
        service = serve([sys.executable, "-m", "services.complaints"], env, service_port)
        baseline, floor = (
            serve([sys.executable, "-c", source + "\nimport uvicorn\nuvicorn.run(app, host='127.0.0.1', "
                   f"port={port}, log_level='warning', access_log=False, timeout_keep_alive={KEEP_ALIVE})"],
                  env, port)
            for source, port in ((BASELINE_APP, baseline_port), (FLOOR_APP, floor_port)))
        try:
            print(f"{'target':<12}{'conc':>5}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
                  f"{'vs baseline':>13}{'vs floor':>10}{'CPU ms/request: server':>24}{'client':>8}")
            servers = {"baseline": baseline, "floor": floor, "complaints": service}
            for concurrency in (int(c) for c in args.concurrency.split(",")):
                results = {}
                for name, port in (("baseline", baseline_port), ("floor", floor_port), ("complaints", service_port)):
                    before = cpu_seconds(servers[name].pid), time.process_time()
                    latencies, errors = await load(f"http://127.0.0.1:{port}", token, concurrency, args.seconds)
                    after = cpu_seconds(servers[name].pid), time.process_time()
                    server, client = (1000 * (b - a) / max(1, len(latencies)) for a, b in zip(before, after))
                    results[name] = len(latencies) / args.seconds
                    ratio = f"{results[name] / results['baseline']:.0%}" if name != "baseline" else ""
                    to_floor = f"{results[name] / results['floor']:.0%}" if name == "complaints" else ""
                    print(f"{name:<12}{concurrency:>5}{results[name]:>10.0f}{pct(latencies, .5):>9.1f}"
                          f"{pct(latencies, .95):>9.1f}{pct(latencies, .99):>9.1f}{errors:>8}{ratio:>13}{to_floor:>10}"
                          f"{server:>24.2f}{client:>8.2f}")
        finally:
            for process in (service, baseline, floor):
                process.terminate()
                process.wait(20)
    broker.stop()


if __name__ == "__main__":
    asyncio.run(main())
