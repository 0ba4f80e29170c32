"""Exceptions that the command-line tool turns into one-line messages.

``UsageError`` is bad input from the user (exit code 2); ``JobError`` is a job
that ran and failed, such as a diverging training run (exit code 1). Library
code raises ordinary ``ValueError``s; the commands translate them.
"""

import os


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit code 2."""


class JobError(Exception):
    """The job itself failed: printed as one line, exit code 1."""


def os_error_line(exc: OSError) -> str:
    """An OSError as one line naming the file(s) and the cause: "runs/a/curves.png: No space left on device"."""
    cause = exc.strerror or str(exc) or type(exc).__name__
    if (
        isinstance(exc, FileExistsError)
        and exc.filename is not None
        and not os.path.isdir(exc.filename)
    ):
        cause = (
            "is a file, not a folder"  # mkdir(parents=True) met a file where a folder was wanted
        )
    paths = [str(p) for p in (exc.filename, exc.filename2) if p is not None]
    return f"{' -> '.join(paths)}: {cause}" if paths else cause
