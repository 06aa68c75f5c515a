"""Running many independent tasks: a local process pool or a Dask cluster (``open_executor``)."""

from routing.run.executor import Executor as Executor
from routing.run.executor import LocalExecutor as LocalExecutor
from routing.run.executor import open_executor as open_executor
