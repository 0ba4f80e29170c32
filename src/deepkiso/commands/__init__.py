"""Sub-commands of the ``deepkiso`` command-line tool.

Each module in this package is one sub-command. It defines

* ``NAME``: the sub-command's name (``deepkiso NAME ...``),
* ``HELP``: one line for ``deepkiso --help``,
* ``add_arguments(parser)``: adds its options to an ``argparse`` parser,
* ``run(args) -> int``: does the work and returns the exit code.

``deepkiso.cli`` discovers the modules, so adding a command never touches the
dispatcher.
"""
