"""Deployment artefacts checked offline: Kubernetes overlays, compose, AsyncAPI, the Dockerfile and lock."""
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import promql_parser
import pytest
import yaml
from pydantic import AliasChoices

from services.cases.settings import CasesSettings
from services.complaints.settings import ComplaintsSettings
from services.credit.settings import CreditSettings
from services.notify.settings import NotifySettings
from shared.events import asyncapi, topics
from shared.events.catalogue import CATALOGUE

ROOT = Path(__file__).parents[2]
BIN = Path(sys.executable).parent
SETTINGS = {"complaints": ComplaintsSettings, "cases": CasesSettings, "credit": CreditSettings,
            "notify": NotifySettings}
EVERY_TOPIC = {*topics.ALL, *(topics.dlq_topic(s) for s in topics.SERVICES),
               *(topics.retry_topic(s) for s in topics.SERVICES)}


def _tool(name: str) -> str:
    path = shutil.which(name) or (str(BIN / name) if (BIN / name).exists() else None)
    if path is None:
        pytest.fail(f"{name} is missing: `make tools` installs the offline checkers")
    return path


def _env_names() -> set[str]:
    names = set()
    for cls in SETTINGS.values():
        for field in cls.model_fields.values():
            alias = field.validation_alias
            names |= set(alias.choices) if isinstance(alias, AliasChoices) else {alias} if alias else set()
    return {n for n in names if isinstance(n, str)}


@pytest.fixture(scope="module", params=["dev", "prod"])
def overlay(request, tmp_path_factory) -> tuple[str, list[dict]]:
    rendered = subprocess.run([_tool("kubectl"), "kustomize", str(ROOT / "deploy/k8s/overlays" / request.param)],
                              check=True, capture_output=True, text=True).stdout
    path = tmp_path_factory.mktemp("k8s") / f"{request.param}.yaml"
    path.write_text(rendered)
    return str(path), [d for d in yaml.safe_load_all(rendered) if d]


def test_overlays_validate_strictly_against_the_kubernetes_schemas(overlay):
    path, _ = overlay
    result = subprocess.run([_tool("kubernetes-validate"), "--strict", "-k", "1.31.0", path],
                            capture_output=True, text=True)
    problems = [line for line in result.stdout.splitlines() + result.stderr.splitlines()
                if line.startswith("ERROR") or "failed" in line]
    assert result.returncode == 0 and not problems, problems[:5]


def test_the_alerts_parse_as_promql_and_each_says_how_bad_and_what(overlay):
    _, docs = overlay
    (rules,) = [doc for doc in docs if doc["kind"] == "PrometheusRule"]
    alerts = [rule for group in rules["spec"]["groups"] for rule in group["rules"]]
    for alert in alerts:
        promql_parser.parse(alert["expr"])  # raises on a malformed expression
        assert alert["labels"]["severity"] in {"warning", "critical"} and alert["annotations"]["summary"], alert
    assert len({alert["alert"] for alert in alerts}) == len(alerts)


def test_every_service_is_deployed_hardened_probed_scaled_and_budgeted(overlay):
    _, docs = overlay
    by_kind: dict[str, dict[str, dict]] = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    assert "Secret" not in by_kind  # secret values are never committed
    for service in topics.SERVICES:
        template = by_kind["Deployment"][service]["spec"]["template"]
        pod = template["spec"]
        (container,) = pod["containers"]
        assert container["args"] == ["serve", service] and pod["securityContext"]["runAsNonRoot"] is True
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        scrape = template["metadata"]["annotations"]
        assert (scrape["prometheus.io/path"], int(scrape["prometheus.io/port"])) == (
            "/metrics", container["ports"][0]["containerPort"])
        assert {"requests", "limits"} <= container["resources"].keys()
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] and not security["allowPrivilegeEscalation"]
        assert {"HorizontalPodAutoscaler", "PodDisruptionBudget", "Service"} <= {
            kind for kind, items in by_kind.items() if service in items}
    job = by_kind["Job"]["jointsup-migrate"]["spec"]["template"]["spec"]["containers"][0]
    assert job["args"] == ["migrate"]
    settings = by_kind["ConfigMap"]
    assert any(c["data"].get("JOINTSUP_MIGRATE_ON_START") == "false" for c in settings.values())
    assert {"default-deny", "services-egress", "notify-egress-internet"} <= by_kind["NetworkPolicy"].keys()


def test_custom_resources_carry_what_the_services_rely_on(overlay):
    path, docs = overlay
    kafka_topics = [d for d in docs if d["kind"] == "KafkaTopic"]
    assert {t["spec"]["topicName"] for t in kafka_topics} == EVERY_TOPIC
    prod = path.endswith("prod.yaml")
    for topic in kafka_topics:
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "jointsup"
        assert topic["spec"]["partitions"] >= 3 and topic["spec"]["replicas"] == (3 if prod else 1)
        assert topic["spec"]["config"]["min.insync.replicas"] == (2 if prod else 1)
    (cluster,) = [d for d in docs if d["kind"] == "Cluster"]
    initdb = cluster["spec"]["bootstrap"]["initdb"]
    created = {initdb["database"], *(s.split()[2] for s in initdb["postInitSQL"])}
    assert created == set(topics.SERVICES) and cluster["spec"]["instances"] == (3 if prod else 1)


def test_the_k8s_registry_is_the_shipped_one():
    assert (ROOT / "deploy/k8s/base/registry.yaml").read_text() == (ROOT / "shared/registry/default.yaml").read_text()


def test_compose_validates_and_names_only_what_the_code_reads():
    subprocess.run([_tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
                    str(ROOT / "docker-compose.yml")], check=True, capture_output=True)
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    known = _env_names() | {"SERVICE"}
    for name, cls in SETTINGS.items():
        env = services[name]["environment"]
        unknown = {k for k in env if k not in known and not k.startswith("OTEL_")}
        assert not unknown, f"{name} sets variables no setting reads: {unknown}"
        port = int(env[f"{name.upper()}_PORT"])
        assert port == cls.model_fields["port"].default and f"{port}:{port}" in services[name]["ports"]
    created = set(re.findall(r"jointsup\.[a-z.]+", " ".join(services["kafka-topics"]["command"])))
    assert created == EVERY_TOPIC
    assert services["migrate"]["command"] == ["migrate"]


def test_asyncapi_is_generated_from_the_catalogue_and_valid():
    committed = (ROOT / "docs/asyncapi.yaml").read_text(encoding="utf-8")
    assert committed == asyncapi.render(), "docs/asyncapi.yaml is stale: run `make contracts`"
    document = yaml.safe_load(committed)
    assert set(document["components"]["messages"]) == set(CATALOGUE)
    assert {c["address"] for c in document["channels"].values()} == EVERY_TOPIC
    node = _tool("node")
    result = subprocess.run([node, str(ROOT / "tests/contracts_validate_asyncapi.mjs"), str(ROOT / "docs/asyncapi.yaml")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr or result.stdout


def test_dockerfile_follows_the_rules():
    lines = [ln.strip() for ln in (ROOT / "Dockerfile").read_text().splitlines() if ln.strip()
             and not ln.strip().startswith("#")]
    stages = [ln for ln in lines if ln.startswith("FROM ")]
    assert len(stages) >= 2, "multi-stage"
    for stage in stages:
        image = stage.split()[1]
        assert ":" in image and not image.endswith(":latest"), f"pin the base image: {stage}"
    final = lines[lines.index(stages[-1]):]
    user = [ln for ln in final if ln.startswith("USER ")]
    assert user and user[-1].split()[1].split(":")[0] not in ("root", "0")
    assert not any("build-essential" in ln or "gcc" in ln for ln in final), "no build tools in the final stage"
    assert any("requirements.lock" in ln for ln in lines)


def test_the_lock_pins_every_dependency():
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"not pinned: {line}"
            pins[re.sub(r"[-_.]+", "-", name.lower())] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        name = re.split(r"[<>=\[ ]", requirement, maxsplit=1)[0]
        assert re.sub(r"[-_.]+", "-", name.lower()) in pins, f"{name} is not in requirements.lock: run `make lock`"
