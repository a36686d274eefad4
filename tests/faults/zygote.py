"""A server "zygote" for the kill -9 tests: imports the voting server once, then forks a fresh uvicorn server
on demand. The forked child is a complete server process (its own database connections, its own board
integrator thread, its own event loop) and is what the tests kill with SIGKILL; the zygote only saves the
seconds of importing FastAPI, petlib and dlib on every one of the 20+ restarts.

Protocol on stdin/stdout, one line each: ``start PORT`` → prints the child's pid; ``quit`` → exits.
The server's settings come from the environment (``SHAILOO_*``), exactly like ``shailoo serve``.
"""

from __future__ import annotations

import os
import signal
import sys


def _serve(port: int) -> None:
    import uvicorn

    from voting_server.app import create_app
    from voting_server.settings import Settings

    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    app = create_app(Settings())
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, timeout_keep_alive=5)


def main() -> None:
    import uvicorn  # noqa: F401 - imported before forking, so each child starts fast

    import voting_server.app  # noqa: F401

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel; the test kills them
    for line in sys.stdin:
        command = line.split()
        if not command:
            continue
        if command[0] == "quit":
            return
        if command[0] == "start":
            pid = os.fork()
            if pid == 0:
                sys.stdin.close()
                try:
                    _serve(int(command[1]))
                finally:
                    os._exit(0)
            print(pid, flush=True)


if __name__ == "__main__":
    main()
