"""`python -m deepkiso.check._exec FD [--namespace PLAN]`: the checking process when it is exec'd (``--isolate``).

The grader writes the job as JSON on standard input and reads framed events on
descriptor FD, exactly as from a forked worker (``sandbox._child_main``). Under
``unshare``, PLAN (JSON, ``_namespace.Plan``) is the view of the file system the
worker builds in its new mount namespace first; if it cannot, the worker stops
before reading the job (its log says why).
"""

import json
import sys
import traceback

from deepkiso.check._namespace import Plan, enter
from deepkiso.check.sandbox import _child_main, job_from_json

_CANNOT_ISOLATE = 71  # the worker's exit code when its sandbox could not be built


def main(argv: list[str]) -> None:
    if argv[1:2] == ["--namespace"]:
        fields = json.loads(argv[2])
        plan = Plan(
            **{**fields, "python": tuple(fields["python"]), "hidden": tuple(fields["hidden"])}
        )
        try:
            enter(plan)
        except OSError:
            traceback.print_exc()
            sys.exit(_CANNOT_ISOLATE)
    job, folders, max_processes = job_from_json(sys.stdin.buffer.read())
    _child_main(job, int(argv[0]), 1, folders, max_processes)


if __name__ == "__main__":
    main(sys.argv[1:])
