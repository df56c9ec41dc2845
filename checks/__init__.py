"""Data-quality checks that gate publishing (asset checks; dbt tests load as checks too)."""
