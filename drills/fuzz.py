"""Fuzzing (drill 6): schemathesis against each running service's OpenAPI, once as each kind of caller (the
staff of Haizhu: intake, officer and lead; a platform; an administrator with the service role; an officer of
the agency cases are referred to): no 5xx, and every response matches the schema. Each caller reaches handlers
the others are refused at the door. The stack first takes a drill's load and what officers make of it
(drills/fuzz_seed.py), and path parameters take those ids most of the time, so the fuzzer also reaches what
lies behind a real complaint, case or referral.

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

from drills import fuzz_hooks, fuzz_seed
from harness.stack import stack
from shared.events.topics import SERVICES
from shared.identity import mint_token
from shared.settings import DEV_JWT_SECRET

CHECKS = "not_a_server_error,response_schema_conformance"
CALLERS = {"staff": {"agency": "440105-amr", "roles": ["intake", "officer", "lead"]},
           "platform": {"platform": fuzz_seed.PLATFORM, "roles": ["platform"]},
           "admin": {"agency": "440100-amr", "roles": ["admin", "service"]},
           "partner": {"agency": fuzz_seed.PARTNER, "roles": ["officer"]}}


def schemathesis(url: str, token: str, *, examples: int, seed: int, report: Path,
                 config: Path) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(config),
               "run", f"{url}/openapi.json",
               "--checks", CHECKS, "--max-examples", str(examples), "--seed", str(seed),
               "--header", f"Authorization: Bearer {token}", "--generation-database", "none",
               "--report", "junit", "--report-junit-path", str(report), "--no-color"]
    env = {**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": str(Path(fuzz_hooks.__file__))}
    return subprocess.run(command, capture_output=True, text=True, env=env)


def outcome(report: Path) -> dict:
    """Operations tested, the ones that failed a check, and how each failed: the check, the response and the
    curl that reproduces it (from the JUnit report; a generated body can run to thousands of characters)."""
    if not report.exists():  # schemathesis stopped before testing anything (its output says why)
        return {"operations": 0, "failed": ["the whole run"], "failures": []}
    tested, failed, failures = 0, [], []
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        tested += 1
        if (found := case.find("failure")) is not None or (found := case.find("error")) is not None:
            failed.append(case.get("name"))
            failures.append(f"{case.get('name')}: {(found.text or found.get('message') or '')[:1500]}")
    return {"operations": tested, "failed": failed, "failures": failures}


async def fuzz(*, examples: int = 20, seed: int = 1, report_dir: Path | None = None) -> dict[str, dict]:
    """Results by "service as caller"."""
    report_dir = report_dir or Path(tempfile.mkdtemp(prefix="jointsup-fuzz-"))
    results = {}
    async with stack(**fuzz_seed.STACK) as s:
        config = fuzz_seed.write_config(await fuzz_seed.seed(s), report_dir / "schemathesis.toml")
        for caller, claims in CALLERS.items():
            token = mint_token(DEV_JWT_SECRET, sub=f"fuzz-{caller}", **claims)
            for name in SERVICES:
                report = report_dir / f"{name}-{caller}.xml"
                run = await asyncio.to_thread(schemathesis, s.url(name), token, examples=examples, seed=seed,
                                              report=report, config=config)
                found = outcome(report)
                results[f"{name} as {caller}"] = {**found, "exit": run.returncode, "report": str(report),
                                                  "output": "\n".join(found["failures"]) or run.stdout[-4000:]}
    return results


def table(results: dict[str, dict]) -> str:
    lines = [f"{'service':<24}{'operations':>11}{'failed':>8}  failing operations"]
    lines += [f"{name:<24}{r['operations']:>11}{len(r['failed']):>8}  {', '.join(r['failed']) or '-'}"
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
