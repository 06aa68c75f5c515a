"""The Dask executor: tasks on a ``dask.distributed`` cluster (the only module that imports Dask).

Dask re-runs a task that raised (``retries=2``) and, on its own, a task whose worker was lost
(up to ``distributed.scheduler.allowed-failures`` times). Workers run with one thread each, so a
task has its core to itself, as on the local pool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from distributed import Client, Future, LocalCluster, wait

from routing.run.executor import Executor

#: Re-runs of a task that raised, on top of its first run.
DASK_RETRIES = 2
#: Seconds to wait for a scheduler to answer.
CONNECT_TIMEOUT_S = 10


class DaskExecutor(Executor[Future]):
    """Tasks on a Dask cluster, through a ``distributed.Client``.

    Parameters
    ----------
    client
        A connected client.
    url
        The URL it was opened with (for records).
    cluster
        A cluster this executor started, closed with it; None for a scheduler run by someone else.
    """

    def __init__(self, client: Client, url: str, cluster: LocalCluster | None = None) -> None:
        self.client = client
        self.url = url
        self._cluster = cluster

    @classmethod
    def connect(cls, address: str) -> DaskExecutor:
        """Connect to a running scheduler at ``HOST:PORT`` (``dask scheduler`` listens on 8786)."""
        return cls(Client(f"tcp://{address}", timeout=CONNECT_TIMEOUT_S), f"dask://{address}")

    @classmethod
    def local_cluster(cls, workers: int) -> DaskExecutor:
        """Start a ``LocalCluster`` of ``workers`` single-threaded worker processes, and connect to it."""
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        return cls(Client(cluster), f"dask-local:{workers}", cluster)

    def close(self) -> None:
        """Disconnect (and stop the cluster this executor started)."""
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def parallelism(self) -> int:
        """Worker threads across the cluster (one per worker process as the docs start them)."""
        threads: dict[str, int] = self.client.nthreads()
        return max(1, sum(threads.values()))

    def _slots(self) -> int:
        # Two tasks per worker thread: the next one is on the worker when the last one finishes.
        threads: dict[str, int] = self.client.nthreads()
        return 2 * max(1, sum(threads.values()))

    def _submit(self, fn: Callable[[Any], Any], item: Any) -> Future:
        return self.client.submit(fn, item, retries=DASK_RETRIES, pure=False)

    def _wait(self, futures: list[Future], timeout: float) -> list[Future]:
        try:
            wait(futures, timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            pass
        return [f for f in futures if f.done()]

    def _error(self, future: Future) -> BaseException | None:
        if future.status == "finished":
            return None
        error = future.exception()
        return error if isinstance(error, BaseException) else RuntimeError(f"task {future.key} {future.status}")

    def _result(self, future: Future) -> Any:
        return future.result()

    def _cancel(self, future: Future) -> None:
        future.cancel()
