"""Exceptions that the command-line tool turns into one-line messages.

``UsageError`` is bad input from the user (exit code 2); ``JobError`` is a job
that ran and failed, such as a diverging training run (exit code 1). Library
code raises ordinary ``ValueError``s; the commands translate them.
"""

import errno
import os

from deepkiso.i18n import _, language


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit code 2."""


class JobError(Exception):
    """The job itself failed: printed as one line, exit code 1."""


def os_error_line(exc: OSError) -> str:
    """An OSError as one line naming the file(s) and the cause: "runs/a/curves.png: No space left on device"."""
    cause = os_cause(exc)
    if (
        isinstance(exc, FileExistsError)
        and exc.filename is not None
        and not os.path.isdir(exc.filename)
    ):
        # mkdir(parents=True) met a file where a folder was wanted
        cause = _("is a file, not a folder")
    paths = [str(p) for p in (exc.filename, exc.filename2) if p is not None]
    return f"{' -> '.join(paths)}: {cause}" if paths else cause


def os_cause(exc: OSError) -> str:
    """The cause of an OSError in words: the system's own (English), or the common ones translated."""
    cause = exc.strerror or str(exc) or type(exc).__name__
    if language() == "en" or exc.errno is None or exc.strerror != os.strerror(exc.errno):
        return cause
    # The system's texts come in English; the ones a learner meets are in the catalog.
    translated = {
        errno.ENOENT: _("No such file or directory"),
        errno.EACCES: _("Permission denied"),
        errno.EPERM: _("Operation not permitted"),
        errno.ENOSPC: _("No space left on device"),
        errno.EEXIST: _("File exists"),
        errno.EISDIR: _("Is a directory"),
        errno.ENOTDIR: _("Not a directory"),
        errno.EROFS: _("Read-only file system"),
        errno.ENAMETOOLONG: _("File name too long"),
    }
    return translated.get(exc.errno, cause)
