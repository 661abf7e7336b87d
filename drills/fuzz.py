"""Fuzzing (drill 6): schemathesis against each running service's OpenAPI, as an officer, lead and intake of
Haizhu: no 5xx, and every response matches the schema.

    python -m drills.fuzz [--examples 20] [--seed 1]

A failure's reproduction is in the printed output and in the JUnit report named per service; fix it and
keep it as a regression test (tests/integration/test_bad_input.py)."""
import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from drills.harness import stack
from shared.events.topics import SERVICES
from shared.identity import mint_token
from shared.settings import DEV_JWT_SECRET

CHECKS = "not_a_server_error,response_schema_conformance"


def schemathesis(url: str, token: str, *, examples: int, seed: int, report: Path) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).with_name("schemathesis")), "run", f"{url}/openapi.json",
               "--checks", CHECKS, "--max-examples", str(examples), "--seed", str(seed),
               "--header", f"Authorization: Bearer {token}", "--generation-database", "none",
               "--report", "junit", "--report-junit-path", str(report), "--no-color"]
    return subprocess.run(command, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})


def outcome(report: Path) -> dict:
    """Operations tested and the ones that failed a check (from the JUnit report)."""
    cases = ElementTree.parse(report).getroot().iter("testcase")
    tested, failed = 0, []
    for case in cases:
        tested += 1
        if case.find("failure") is not None or case.find("error") is not None:
            failed.append(case.get("name"))
    return {"operations": tested, "failed": failed}


async def fuzz(*, examples: int = 20, seed: int = 1, report_dir: Path | None = None) -> dict[str, dict]:
    token = mint_token(DEV_JWT_SECRET, sub="fuzz", agency="440105-amr", roles=["intake", "officer", "lead"])
    report_dir = report_dir or Path(tempfile.mkdtemp(prefix="jointsup-fuzz-"))
    results = {}
    async with stack() as s:
        for name in SERVICES:
            report = report_dir / f"{name}.xml"
            run = await asyncio.to_thread(schemathesis, s.url(name), token, examples=examples, seed=seed,
                                          report=report)
            results[name] = {**outcome(report), "exit": run.returncode, "report": str(report),
                             "output": run.stdout[-4000:]}
    return results


def table(results: dict[str, dict]) -> str:
    lines = [f"{'service':<12}{'operations':>11}{'failed':>8}  failing operations"]
    lines += [f"{name:<12}{r['operations']:>11}{len(r['failed']):>8}  {', '.join(r['failed']) or '-'}"
              for name, r in results.items()]
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=20, help="test cases per operation and phase")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    results = await fuzz(examples=args.examples, seed=args.seed)
    for name, r in results.items():
        if r["exit"]:
            print(f"--- {name} (report {r['report']})\n{r['output']}")
    print(table(results))
    sys.exit(1 if any(r["exit"] for r in results.values()) else 0)


if __name__ == "__main__":
    asyncio.run(main())
