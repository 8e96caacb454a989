"""agent-analyzer: audit libraries of AI agent files for duplicates, families, differences and drift."""

__version__ = "0.1.0"
