"""SQLite saves from one process are gathered: comparisons waiting while one commit syncs go
together in the next, each caller told its own reference, every one stored."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest
from storekit import compare_example

from api.apikit import server_settings
from rateshop.services.runtime import Keys, Runtime
from rateshop.store.repository import Save


def test_concurrent_saves_share_commits_and_each_is_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt = Runtime.start(server_settings(f"sqlite:///{tmp_path / 'rateshop.db'}"))
    compared = compare_example((rt.library, rt.market), "life")
    batches: list[int] = []
    real = rt.store.save_many

    def counted(saves: Sequence[Save]) -> list[object]:
        batches.append(len(saves))
        return list(real(saves))

    monkeypatch.setattr(rt.store, "save_many", counted)
    keys = [Keys.new() for _ in range(40)]

    async def all_at_once() -> list[str]:
        return await asyncio.gather(
            *(rt.save(compared.comparison, compared.risk, None, k) for k in keys)
        )

    try:
        refs = asyncio.run(all_at_once())
        assert refs == [k.ref for k in keys]
        assert sum(batches) == 40
        assert len(batches) < 40, f"every save committed alone: {batches}"
        for ref in refs:
            assert rt.store.get(ref).line == "life"
    finally:
        rt.close()
