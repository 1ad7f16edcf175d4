"""Fixtures for the data set tests: an isolated cache, never the user's home."""

import pytest


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory):
    """A cache shared by the tests of a session (real data is parsed once)."""
    return tmp_path_factory.mktemp("sparserect-cache")


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch, session_cache, tmp_path):
    """Points the cache at a temporary folder and clears `SPARSERECT_DATA`."""
    monkeypatch.setenv("SPARSERECT_CACHE", str(session_cache))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.delenv("SPARSERECT_DATA", raising=False)


@pytest.fixture
def private_cache(monkeypatch, tmp_path):
    """A cache of the test's own, for tests that inspect the cache."""
    path = tmp_path / "cache"
    monkeypatch.setenv("SPARSERECT_CACHE", str(path))
    return path
