"""Starts `cytoimagenet build` processes for the kill-and-resume test, cheaply.

Python and the builder's imports take longer than a demo build's shard stage, so this process imports them once
and then forks one build process per request: each is a real process running the CLI, in its own process group
(so a kill takes its pool workers too), killed from outside with SIGKILL. One JSON line in per build
({"argv": [...], "log": path}); two JSON lines out: {"pid": N} when it starts and {"status": S} (the raw
waitpid status) when it ends."""

import json
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import cytoimagenet.builder.release  # noqa: E402,F401  (the imports a build needs, paid once)
import cytoimagenet.builder.card  # noqa: E402,F401
from cytoimagenet.cli.app import main  # noqa: E402


def child(argv: list[str], log: str) -> None:
    os.setsid()
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    sys.argv = ["cytoimagenet", *argv]
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def serve() -> None:
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            child(request["argv"], request["log"])
        print(json.dumps({"pid": pid}), flush=True)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"status": status}), flush=True)


if __name__ == "__main__":
    serve()
