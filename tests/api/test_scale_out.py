"""The same grid serially, on a process pool and on Dask gives identical rows; progress bars."""
from concurrent.futures import ProcessPoolExecutor

import distributed
import pandas as pd
import pytest

import orbits_widget as ow

GRID = dict(concurrency=[8, 32, 64, 96, 128, 160, 192, 256], seeds=[0, 1, 2], tau=[0.0, 0.25, 0.5, 0.8],
            omega=[0.1, 0.4, 0.7, 1.0], seconds=60.0, warmup=10.0, progress=False)


@pytest.fixture(scope="module")
def serial():
    df = ow.sweep(**GRID)
    assert len(df) == 16 * 8 * 3
    return df


def test_a_process_pool_gives_the_serial_rows(serial):
    with ProcessPoolExecutor(max_workers=2) as ex:
        pd.testing.assert_frame_equal(ow.sweep(executor=ex, **GRID), serial)


def test_dask_gives_the_serial_rows(serial):
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl, \
            distributed.Client(cl) as client:
        pd.testing.assert_frame_equal(ow.sweep(executor=client.get_executor(), **GRID), serial)


def test_progress_bar_counts_every_point(monkeypatch, capsys):
    import tqdm.auto
    seen = []

    class Recording(tqdm.auto.tqdm):
        def close(self):
            if not getattr(self, "recorded", False):      # tqdm closes again when collected
                self.recorded = True
                seen.append((self.total, self.n))
            super().close()

    monkeypatch.setattr(tqdm.auto, "tqdm", Recording)
    ow.sweep(concurrency=list(range(8, 72, 8)), seconds=5.0, warmup=1.0, progress=True)
    with ProcessPoolExecutor(max_workers=2) as ex:
        ow.sweep(concurrency=list(range(8, 72, 8)), seconds=5.0, warmup=1.0, progress=True, executor=ex)
    assert seen == [(8, 8), (8, 8)]
    assert "sweep" in capsys.readouterr().err
    ow.sweep(concurrency=[8, 16], seconds=5.0, warmup=1.0)          # short grids: no bar by default
    ow.sweep(concurrency=list(range(8, 72, 8)) * 8, seconds=1.0, warmup=0.0, progress=False)
    assert len(seen) == 2
    with pytest.raises(ValueError, match="progress"):
        ow.sweep(concurrency=[8], progress="yes")
