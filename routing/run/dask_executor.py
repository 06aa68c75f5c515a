"""The Dask executor: tasks on a ``dask.distributed`` cluster (the only module that imports Dask).

Dask re-runs a task that raised (``retries=2``) and, on its own, a task whose worker was lost
(up to ``distributed.scheduler.allowed-failures`` times). Workers run with one thread each, so a
task has its core to itself, as on the local pool.

Workers are not daemon processes (``distributed.worker.daemon`` false, set for the ``LocalCluster``
this module starts; remote workers are started with ``DASK_DISTRIBUTED__WORKER__DAEMON=False``): a
solve on a worker runs its PyVRP stage in a forked process of its own, stopped at its time share, as
on the local pool. A daemon worker could not fork: the stage would run in-process, where an overrun
cannot be stopped and leaves the rest of the pipeline no time (measured on the 16x day at 300 s: the
parts on daemon workers left 408 requests to the seams step, 2026-12-03 00:25; on non-daemon workers
none, 08:08).

Ctrl-C: a terminal sends SIGINT to every process of the command, the workers of a ``LocalCluster``
included. Those workers ignore it (they are started with SIGINT ignored, and a worker plugin ignores
it in every worker, restarted ones too); the command hears it, stops submitting and closes the
cluster, so a stop is quiet. Remote workers never see the signal: their running tasks finish and
their results are dropped.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from typing import Any

import dask
from distributed import Client, Future, LocalCluster, Worker, WorkerPlugin, wait

from routing.run.executor import Executor

#: Re-runs of a task that raised, on top of its first run.
DASK_RETRIES = 2
#: Seconds to wait for a scheduler to answer.
CONNECT_TIMEOUT_S = 10


class IgnoreInterrupt(WorkerPlugin):
    """Makes a worker ignore SIGINT: a Ctrl-C meant for the command that started the cluster."""

    name = "routing-ignore-sigint"

    def setup(self, worker: Worker) -> None:
        """Ignore SIGINT in the worker's process (its event loop runs in the main thread)."""
        signal.signal(signal.SIGINT, signal.SIG_IGN)


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
        # Processes started while SIGINT is ignored keep ignoring it, from their first instruction.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            with dask.config.set({"distributed.worker.daemon": False}):  # see the module docstring
                cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,  # not the warnings of tasks cancelled by a stop
                )
        finally:
            signal.signal(signal.SIGINT, previous)
        client = Client(cluster)
        client.register_plugin(IgnoreInterrupt())
        return cls(client, f"dask-local:{workers}", cluster)

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
        return 2 * self.parallelism()

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
