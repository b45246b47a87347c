"""Fixtures of the account tests."""

from tests.throttle_backends import backend  # noqa: F401 - both throttle backends
