"""Shared fixtures: a writer for small catalog files in a temporary directory."""

import pytest


@pytest.fixture
def write_csv(tmp_path):
    """Write `text` to tmp_path/name and return the path."""
    def write(name: str, text: str):
        path = tmp_path / name
        path.write_text(text.lstrip("\n"), encoding="utf-8")
        return path
    return write
