"""kommune-sdg: the Dagster code location and the libraries it uses (SSB, KLASS, submissions)."""
