#!/bin/sh
# Entry point of every kommune-sdg service container (deploy/Dockerfile): reads the PostgreSQL password from
# a secrets file when DAGSTER_POSTGRES_PASSWORD_FILE names one (Docker/Kubernetes secrets), so the password
# is never written into a committed file or an image, then runs the service's command.
set -eu
if [ -n "${DAGSTER_POSTGRES_PASSWORD_FILE:-}" ]; then
    if [ ! -r "$DAGSTER_POSTGRES_PASSWORD_FILE" ]; then
        echo "entrypoint: DAGSTER_POSTGRES_PASSWORD_FILE=$DAGSTER_POSTGRES_PASSWORD_FILE is not a readable file" >&2
        exit 2
    fi
    DAGSTER_POSTGRES_PASSWORD="$(cat "$DAGSTER_POSTGRES_PASSWORD_FILE")"
    export DAGSTER_POSTGRES_PASSWORD
    unset DAGSTER_POSTGRES_PASSWORD_FILE
fi
exec "$@"
