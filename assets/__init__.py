"""Dagster asset definitions by layer: ingest, dbt (staging/intermediate/marts), publish."""
