from __future__ import annotations

import socket

import pytest

from bot.discussion import embedding


def test_embeddings_load_from_the_wheel_without_the_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    embedding._load.cache_clear()
    try:
        loaded = embedding.embedder()
        assert loaded is not None
        vectors = loaded.embed(["the council voted", "a vote of the council", "volcanic ash"])
    finally:
        embedding._load.cache_clear()
    assert vectors.shape[0] == 3
    similar, unrelated = float(vectors[0] @ vectors[1]), float(vectors[0] @ vectors[2])
    assert similar > unrelated
