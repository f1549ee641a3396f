"""A Dask scheduler and N workers on 127.0.0.1, started from this environment's ``dask`` command.

For trying ``--dask`` on one machine, for ``bench/scale.py`` and for the tests: a real cluster
of separate processes (not an in-process one), so tasks travel as they would between hosts.

    with LocalCluster(2, Path("/tmp/dask")) as cluster:
        newsdesk_run(dask_scheduler=cluster.address)
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalCluster:
    """``dask scheduler`` and ``workers`` × ``dask worker`` (one thread each) on 127.0.0.1.

    ``folder`` takes each process's log and each worker's local directory; ``paths`` go in
    front of the workers' ``PYTHONPATH`` (a checkout's ``src``, a module defining tasks)."""

    def __init__(self, workers: int, folder: Path, *, paths: tuple[Path, ...] = (), timeout: float = 120):
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.env = dict(os.environ)
        self.env["PYTHONPATH"] = os.pathsep.join([*map(str, paths), self.env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        self.processes: list[subprocess.Popen] = []
        try:
            self._start("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard"])
            for n in range(workers):
                self._start(f"worker{n}", ["worker", self.address, "--host", "127.0.0.1", "--nthreads", "1",
                                           "--no-dashboard", "--local-directory", str(folder / f"worker{n}")])
            from distributed import Client

            self.client = Client(self.address, timeout=timeout, set_as_default=False)
            self.client.wait_for_workers(workers, timeout=timeout)
        except BaseException:
            self.stop()
            raise

    def _start(self, name: str, args: list[str]) -> None:
        with open(self.folder / f"{name}.log", "wb") as log:
            self.processes.append(subprocess.Popen([str(BIN / "dask"), *args], stdout=log,
                                                   stderr=subprocess.STDOUT, env=self.env))

    def worker_pids(self) -> dict[str, int]:
        """Each worker's address → its process id."""
        return self.client.run(os.getpid)

    def stop(self) -> None:
        """Close the client and end every process (terminate, then kill after 20 s)."""
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
        for process in reversed(self.processes):
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def __enter__(self) -> LocalCluster:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
