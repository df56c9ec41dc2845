"""The deployment files in deploy/ hold together: the instance config validates against Dagster's own schema,
the compose file wires the four services of Dagster's open-source deployment with the same settings, the Helm
values use only keys of the official chart, no file carries a password, and the secrets-file entry point
hands the password to the service and nowhere else. (Docker is not available where these tests run, so
the Dockerfile is checked, not built: docs/deployment.md.)"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from dagster._core.instance.config import dagster_instance_config

from pipeline.jobs import WAREHOUSE_TAG
from pipeline.paths import REPO_ROOT
from pipeline.run_launcher import MonitoredRunLauncher

DEPLOY = REPO_ROOT / "deploy"
DOCS = (REPO_ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
INSTANCE_ENV = ["DAGSTER_POSTGRES_HOST", "DAGSTER_POSTGRES_PORT", "DAGSTER_POSTGRES_USER",
                "DAGSTER_POSTGRES_PASSWORD", "DAGSTER_POSTGRES_DB", "DAGSTER_COMPUTE_LOGS_DIR"]
WORKSPACE_ENV = ["DAGSTER_CODE_LOCATION_HOST", "DAGSTER_CODE_LOCATION_PORT"]


def _yaml(name: str) -> dict:
    return yaml.safe_load((DEPLOY / name).read_text(encoding="utf-8"))


def _env_refs(node: object) -> set[str]:
    if isinstance(node, dict):
        if set(node) == {"env"}:
            return {node["env"]}
        return set().union(*(_env_refs(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(_env_refs(v) for v in node)) if node else set()
    return set()


def test_instance_config_is_valid_dagster_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "dagster.yaml").write_bytes((DEPLOY / "dagster.yaml").read_bytes())
    for name in INSTANCE_ENV:
        monkeypatch.setenv(name, "5432" if name.endswith("PORT") else "x")
    config, _ = dagster_instance_config(str(tmp_path))
    assert config["storage"]["postgres"]["postgres_db"]["scheme"] == "postgresql+psycopg2"
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert {"key": WAREHOUSE_TAG, "limit": 1} in config["run_coordinator"]["config"]["tag_concurrency_limits"]
    assert config["run_monitoring"]["enabled"] is True
    launcher = config["run_launcher"]
    assert (launcher["module"], launcher["class"]) == ("pipeline.run_launcher", "MonitoredRunLauncher")
    assert MonitoredRunLauncher().supports_check_run_worker_health
    # every value that differs per installation comes from the environment, and the docs name each variable
    raw = _yaml("dagster.yaml")
    assert _env_refs(raw) == set(INSTANCE_ENV)
    assert _env_refs(_yaml("workspace.yaml")) == set(WORKSPACE_ENV)
    for name in [*INSTANCE_ENV, *WORKSPACE_ENV, "DAGSTER_POSTGRES_PASSWORD_FILE"]:
        assert f"`{name}`" in DOCS, f"{name} is not explained in docs/deployment.md"


def test_the_run_queue_limits_the_tag_nightly_refresh_carries() -> None:
    from pipeline.jobs import nightly_refresh

    assert nightly_refresh.tags[WAREHOUSE_TAG] == "writer"


def test_compose_runs_dagsters_open_source_services() -> None:
    compose = _yaml("docker-compose.yml")
    services = compose["services"]
    assert {"postgres", "migrate", "code-location", "webserver", "daemon"} == set(services)
    commands = {name: s.get("command") for name, s in services.items()}
    assert commands["code-location"][:3] == ["dagster", "api", "grpc"]
    assert "pipeline.definitions" in commands["code-location"]
    assert commands["webserver"][0] == "dagster-webserver"
    assert commands["daemon"][:2] == ["dagster-daemon", "run"]
    assert commands["migrate"] == ["dagster", "instance", "migrate"]
    for name in ("migrate", "code-location", "webserver", "daemon"):
        env = services[name]["environment"]
        assert set(INSTANCE_ENV) - {"DAGSTER_POSTGRES_PASSWORD"} <= set(env), name
        assert env["DAGSTER_POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password", name
        assert "postgres_password" in services[name]["secrets"], name
        assert services[name]["image"] == "kommune-sdg:latest", name
    location = services["code-location"]["environment"]
    assert location["KOMMUNE_SDG_HOME"] == "/data"
    assert "kommune-sdg-home:/data" in services["code-location"]["volumes"]
    assert "kommune-sdg-home:/data" in services["daemon"]["volumes"]
    # the UI is published on the host's loopback only
    assert services["webserver"]["ports"] == ["127.0.0.1:3000:3000"]
    assert all("ports" not in s for n, s in services.items() if n != "webserver")
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"
    secret = compose["secrets"]["postgres_password"]["file"]
    ignored = subprocess.run(["git", "check-ignore", "-q", str(DEPLOY / secret)], cwd=REPO_ROOT)
    assert ignored.returncode == 0, f"{secret} is not git-ignored"


def test_dockerfile_builds_the_code_location_image() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim$", text, re.M)  # pyproject: requires-python 3.11
    for src in re.findall(r"^COPY (.+) \S+$", text, re.M):
        for part in src.split():
            assert (REPO_ROOT / part).exists(), f"COPY source {part} does not exist"
    assert "COPY deploy/dagster.yaml deploy/workspace.yaml ${DAGSTER_HOME}/" in text
    assert 'ENTRYPOINT ["kommune-sdg-entrypoint"]' in text
    assert '"-m", "pipeline.definitions"' in text
    assert re.search(r"^USER kommune$", text, re.M)
    ignored = (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", "data", ".git"} <= set(ignored)


# The keys of the official chart's values (helm/dagster/schema/schema/charts/dagster/values.py and subschema/,
# Dagster 1.13): only these may appear, or `helm install` rejects the values against values.schema.json.
CHART_TOP = {"dagsterWebserver", "dagster-user-deployments", "postgresql", "generatePostgresqlPasswordSecret",
             "generateCeleryConfigSecret", "rabbitmq", "redis", "flower", "ingress", "imagePullSecrets",
             "computeLogManager", "scheduler", "runLauncher", "pythonLogs", "dagsterDaemon", "busybox", "migrate",
             "telemetry", "serviceAccount", "global", "retention", "additionalInstanceConfig"}
CHART_GLOBAL = {"postgresqlSecretName", "dagsterHome", "serviceAccountName", "celeryConfigSecretName",
                "dagsterInstanceConfigMap"}
CHART_POSTGRESQL = {"image", "enabled", "postgresqlHost", "postgresqlUsername", "postgresqlPassword",
                    "postgresqlDatabase", "postgresqlParams", "postgresqlScheme", "service"}
CHART_WEBSERVER = {"replicaCount", "image", "nameOverride", "pathPrefix", "service", "workspace", "env",
                   "envConfigMaps", "envSecrets", "deploymentLabels", "labels", "nodeSelector", "affinity",
                   "tolerations", "podSecurityContext", "securityContext", "resources", "readinessProbe",
                   "livenessProbe", "startupProbe", "annotations", "enableReadOnly", "dbStatementTimeout",
                   "dbPoolRecycle", "logLevel", "schedulerName", "volumeMounts", "volumes"}
CHART_USER_DEPLOYMENTS = {"enabled", "enableSubchart", "imagePullSecrets", "deployments"}
CHART_USER_DEPLOYMENT = {"name", "image", "dagsterApiGrpcArgs", "codeServerArgs", "includeConfigInLaunchedRuns",
                         "port", "env", "envConfigMaps", "envSecrets", "annotations", "nodeSelector", "affinity",
                         "tolerations", "podSecurityContext", "securityContext", "resources", "livenessProbe",
                         "readinessProbe", "startupProbe", "labels", "volumeMounts", "volumes", "schedulerName"}
CHART_K8S_LAUNCHER = {"image", "imagePullPolicy", "jobNamespace", "loadInclusterConfig", "kubeconfigFile",
                      "envConfigMaps", "envSecrets", "envVars", "volumeMounts", "volumes", "labels",
                      "failPodOnRunFailure", "resources", "schedulerName", "securityContext", "runK8sConfig"}
CHART_RUN_K8S_CONFIG = {"containerConfig", "podSpecConfig", "podTemplateSpecMetadata", "jobSpecConfig",
                        "jobMetadata"}
CHART_DAEMON = {"enabled", "image", "runCoordinator", "heartbeatTolerance", "env", "envConfigMaps", "envSecrets",
                "deploymentLabels", "labels", "nodeSelector", "affinity", "tolerations", "podSecurityContext",
                "securityContext", "resources", "livenessProbe", "readinessProbe", "startupProbe", "annotations",
                "runMonitoring", "runRetries", "sensors", "schedules", "schedulerName", "volumeMounts", "volumes"}
CHART_QUEUED = {"maxConcurrentRuns", "tagConcurrencyLimits", "dequeueIntervalSeconds", "dequeueNumWorkers",
                "dequeueUseThreads", "blockOpConcurrencyLimitedRuns"}
# rendered into dagster.yaml's run_monitoring by templates/configmap-instance.yaml
CHART_RUN_MONITORING = {"enabled", "startTimeoutSeconds", "cancelTimeoutSeconds", "maxResumeRunAttempts",
                        "pollIntervalSeconds", "freeSlotsAfterRunEndSeconds"}


def test_helm_values_use_the_official_charts_keys() -> None:
    values = _yaml("helm/values.yaml")
    assert set(values) <= CHART_TOP, set(values) - CHART_TOP
    assert set(values["global"]) <= CHART_GLOBAL
    assert set(values["postgresql"]) <= CHART_POSTGRESQL
    assert set(values["dagsterWebserver"]) <= CHART_WEBSERVER
    users = values["dagster-user-deployments"]
    assert set(users) <= CHART_USER_DEPLOYMENTS
    for deployment in users["deployments"]:
        assert set(deployment) <= CHART_USER_DEPLOYMENT, set(deployment) - CHART_USER_DEPLOYMENT
    launcher = values["runLauncher"]
    assert set(launcher) == {"type", "config"} and set(launcher["config"]) == {"k8sRunLauncher"}
    assert set(launcher["config"]["k8sRunLauncher"]) <= CHART_K8S_LAUNCHER
    assert set(launcher["config"]["k8sRunLauncher"].get("runK8sConfig", {})) <= CHART_RUN_K8S_CONFIG
    daemon = values["dagsterDaemon"]
    assert set(daemon) <= CHART_DAEMON
    coordinator = daemon["runCoordinator"]
    assert set(coordinator) <= {"enabled", "type", "config"}
    assert set(coordinator["config"]) == {"queuedRunCoordinator"}
    assert set(coordinator["config"]["queuedRunCoordinator"]) <= CHART_QUEUED
    assert set(daemon["runMonitoring"]) <= CHART_RUN_MONITORING


def test_helm_values_run_each_refresh_in_a_pod_one_at_a_time() -> None:
    values = _yaml("helm/values.yaml")
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    daemon = values["dagsterDaemon"]
    assert daemon["runCoordinator"]["type"] == "QueuedRunCoordinator"
    limits = daemon["runCoordinator"]["config"]["queuedRunCoordinator"]["tagConcurrencyLimits"]
    assert {"key": WAREHOUSE_TAG, "limit": 1} in limits
    assert daemon["runMonitoring"]["enabled"] is True
    # the password comes from a Secret made outside the chart, never from these values
    assert values["generatePostgresqlPasswordSecret"] is False
    assert "postgresqlPassword" not in values["postgresql"]
    assert values["global"]["postgresqlSecretName"]
    assert values["dagsterWebserver"]["service"]["type"] == "ClusterIP"
    assert "ingress" not in values
    deployment = values["dagster-user-deployments"]["deployments"][0]
    assert deployment["dagsterApiGrpcArgs"] == ["-m", "pipeline.definitions"]
    env = {e["name"]: e["value"] for e in deployment["env"]}
    mounts = {m["mountPath"]: m["name"] for m in deployment["volumeMounts"]}
    assert mounts[env["KOMMUNE_SDG_HOME"]] in {v["name"] for v in deployment["volumes"]}


def test_no_deployment_file_holds_a_password() -> None:
    for path in sorted(DEPLOY.rglob("*")):
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.search(r"password", line, re.I) and not line.lstrip().startswith("#"):
                assert re.search(r"PASSWORD_FILE|password_file|env: DAGSTER_POSTGRES_PASSWORD|postgres_password"
                                 r"|DAGSTER_POSTGRES_PASSWORD\b|PasswordSecret|password:$", line), f"{path}: {line}"


def test_entrypoint_reads_the_password_from_a_secrets_file(tmp_path: Path) -> None:
    secret = tmp_path / "postgres_password"
    secret.write_text("s3cr3t", encoding="utf-8")
    probe = ["python3", "-c", "import os; print(os.environ['DAGSTER_POSTGRES_PASSWORD'], "
                              "'DAGSTER_POSTGRES_PASSWORD_FILE' in os.environ)"]
    env = {"PATH": os.environ["PATH"], "DAGSTER_POSTGRES_PASSWORD_FILE": str(secret)}
    done = subprocess.run(["sh", str(DEPLOY / "entrypoint.sh"), *probe], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["s3cr3t", "False"]
    env["DAGSTER_POSTGRES_PASSWORD_FILE"] = str(tmp_path / "missing")
    done = subprocess.run(["sh", str(DEPLOY / "entrypoint.sh"), *probe], env=env, capture_output=True, text=True)
    assert done.returncode == 2
    assert "DAGSTER_POSTGRES_PASSWORD_FILE" in done.stderr and "missing" in done.stderr
