"""`python -m deepkiso.check._exec FD`: the checking process when it is exec'd (``--isolate``), not forked.

The grader writes the job as JSON on standard input and reads framed events on
descriptor FD, exactly as from a forked worker (``sandbox._child_main``).
"""

import sys

from deepkiso.check.sandbox import _child_main, job_from_json

if __name__ == "__main__":
    job, folders, max_processes = job_from_json(sys.stdin.buffer.read())
    _child_main(job, int(sys.argv[1]), 1, folders, max_processes)
