"""Storage: the schema and its migrations."""
