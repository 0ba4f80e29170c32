"""Exceptions that the command-line tool turns into one-line messages.

``UsageError`` is bad input from the user (exit code 2); ``JobError`` is a job
that ran and failed, such as a diverging training run (exit code 1). Library
code raises ordinary ``ValueError``s; the commands translate them.
"""


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit code 2."""


class JobError(Exception):
    """The job itself failed: printed as one line, exit code 1."""
