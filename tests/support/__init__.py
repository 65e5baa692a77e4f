"""Test helpers shared by several test modules (importable: tests/ is on pytest's path)."""
