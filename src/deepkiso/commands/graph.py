"""``deepkiso graph``: draw the computational graph of an expression or of a slide's example.

For the chain-rule and computational-graph slides and the two group works
(detailed squared error, tanh): ``deepkiso graph "(x1 + x2)**2" --set x1=1 x2=2
--out chain.svg`` parses the expression safely (``deepkiso.expression``), runs
it forward and backward (``deepkiso.graph``), prints the output's value and
each input's gradient, and draws the graph with every value and gradient
(``deepkiso.plots.graph``). ``--example NAME`` draws a ready-made graph instead.
"""

from __future__ import annotations

import argparse
import inspect
import shutil
import sys
from pathlib import Path

import numpy as np

from deepkiso import i18n
from deepkiso.commands._options import Number
from deepkiso.commands._output import add_dpi_option, check_path
from deepkiso.errors import JobError, UsageError
from deepkiso.expression import ExpressionError, parse_expression, to_mathtext, to_text
from deepkiso.graph import EXAMPLES, Variable
from deepkiso.graph.labels import upstream_name
from deepkiso.i18n import N_, _

NAME = "graph"
HELP = N_("draw the computational graph of an expression, with every node's value and gradient")

DOUT = Number(-1e6, 1e6)  # the upstream gradient --dout starts backward from


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "expression",
        nargs="?",
        metavar="EXPR",
        help=_(
            'an expression such as "(x1 + x2)**2": numbers, variable names, + - * / **, '
            "and exp, log, tanh, sigmoid, relu, square, reciprocal, sum, mean "
            "(default: none; give EXPR or --example)"
        ),
    )
    parser.add_argument(
        "--set",
        nargs="+",
        action="extend",
        default=[],
        metavar="NAME=VALUE",
        help=_(
            "a value for each variable: a number, a comma list for a vector (x=1,2,3) or rows "
            "separated by ';' for a matrix; with --example, overrides the example's "
            "parameters (default: none)"
        ),
    )
    parser.add_argument(
        "--example",
        metavar="NAME",
        default=None,
        help=_(
            "draw a ready-made graph from the slides instead of EXPR (default: none; "
            "see --list-examples)"
        ),
    )
    parser.add_argument(
        "--list-examples",
        action="store_true",
        help=_("list the ready-made graphs and exit (default: off)"),
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="PATH",
        help=_(
            "write the graph to PATH: .svg or .png (a picture) or .dot (Graphviz text) "
            "(default: none, only print the values)"
        ),
    )
    parser.add_argument(
        "--renderer",
        choices=("auto", "dot", "matplotlib"),
        default="auto",
        help=_(
            "who draws .svg/.png: Graphviz's dot if installed (auto), dot, or matplotlib "
            "(default: %(default)s)"
        ),
    )
    parser.add_argument(
        "--title",
        default=None,
        help=_("a title above the drawing (default: the example's title, or the expression)"),
    )
    parser.add_argument(
        "--dout",
        type=DOUT,
        default=None,
        metavar="VALUE",
        help=_(
            "start backward from an upstream gradient ∂L/∂z = VALUE at the output instead of 1, "
            "as the slides' add and multiply nodes do; the gradients are then ∂L/∂…, "
            "{range} (default: none, start from 1)"
        ).format(range=DOUT),
    )
    parser.add_argument(
        "--one-row",
        action="store_true",
        help=_(
            "draw the graph in one row; by default a wide graph is folded into rows "
            "so that the picture has a slide's proportions (default: off)"
        ),
    )
    add_dpi_option(parser, default=150, of=_("a .png"))


# The first lines of the examples' docstrings, which --list-examples prints: marked here for the
# catalog (a test checks that they are the docstrings' own), so that the list is in Japanese too.
EXAMPLE_LINES = [
    N_("The chain rule slide: y = t², t = x₁ + x₂, so ∂y/∂x₁ = ∂y/∂x₂ = 2t · 1 = 2(x₁ + x₂)."),
    N_("The add node: z = x + y; ∂z/∂x = ∂z/∂y = 1, so the gradient passes through unchanged."),
    N_("The multiply node: z = x · y; ∂z/∂x = y and ∂z/∂y = x (the inputs swap places)."),
    N_(
        "A shopping bill built from multiply and add nodes: "
        "(pencil·n_pencils + notebook·n_notebooks) · tax."
    ),
    N_("L = ½ Σ_k (y_k − t_k)² from subtract, square, sum and multiply-by-½ nodes; ∂L/∂y = y − t."),
    N_("The group work's detailed graph: L = (1/N) · (1/2) · Σ_n Σ_k (y − t)² for a batch."),
    N_(
        "The tanh group work: y = (1 − e)·(1/(1 + e)) with e = exp(−2x), "
        "so y = tanh(x) and dy/dx = 1 − y²."
    ),
    N_("The sigmoid slide: y = 1/t with t = 1 + exp(−x), so dy/dx = y(1 − y)."),
    N_("The Affine layer for a batch: Y = X·W + B, where ∂L/∂B sums the N rows' ∂L/∂Y_n."),
    N_("Softmax-with-Loss as one node, its backward as the result only: ∂L/∂a = y − t."),
    N_("Affine + Softmax-with-Loss, every step a node: ∂L/∂a = (y − t)/N."),
]


def run(args: argparse.Namespace) -> int:
    if args.list_examples:
        for name, build in EXAMPLES.items():
            line = (inspect.getdoc(build) or name).splitlines()[0]
            print(f"{name:24s} {i18n._(line)}")  # marked in EXAMPLE_LINES
        return 0
    if args.out is not None:
        _check_out(args.out, args.renderer)
    values = _parse_settings(args.set)
    if args.example is not None and args.expression is not None:
        raise UsageError(_("give either EXPR or --example NAME, not both"))
    with np.errstate(all="ignore"):  # a nan or inf is reported below, not as a NumPy warning
        dot_title = None
        if args.example is not None:
            output, inputs, title = _example(args.example, values)
        elif args.expression is not None:
            output, inputs, title, dot_title = _expression(args.expression, values)
        else:
            raise UsageError(
                _(
                    'give an expression, as in deepkiso graph "(x1 + x2)**2" --set x1=1 x2=2, '
                    "or --example NAME (see --list-examples)"
                )
            )
        upstream = None
        if args.dout is None:
            output.backward()
        else:
            output.backward(np.full(output.shape, args.dout))
            upstream = upstream_name(output)
    _print_results(output, inputs, upstream)
    if not np.all(np.isfinite(output.data)):
        print(
            _(
                "deepkiso graph: warning: the output is not finite ({value}); "
                "check the inputs' domain"
            ).format(value=output.data),
            file=sys.stderr,
        )
    if args.out is not None:
        _save(
            output,
            args.out,
            args.renderer,
            args.title or title,
            args.dpi,
            fold=not args.one_row,
            upstream=upstream,
            dot_title=None if args.title else dot_title,
        )
    return 0


def _parse_settings(settings: list[str]) -> dict[str, object]:
    """NAME=VALUE strings as {name: number or nested list}; a bad one is a UsageError naming it."""
    values: dict[str, object] = {}
    for setting in settings:
        name, sep, text = setting.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise UsageError(
                _(
                    "--set expects NAME=VALUE, such as x1=1.5, got {setting!r} (put EXPR before --set)"
                ).format(setting=setting)
            )
        try:
            values[name] = _parse_value(text)
        except ValueError:
            raise UsageError(
                _(
                    "--set {name}: expected a number, a comma list (1,2,3) or rows (1,2;3,4), "
                    "got {text!r}"
                ).format(name=name, text=text)
            ) from None
    return values


def _parse_value(text: str):
    if ";" in text:
        rows = [[float(v) for v in row.split(",")] for row in text.split(";")]
        if len({len(row) for row in rows}) != 1:
            raise ValueError("ragged rows")
        return rows
    if "," in text:
        return [float(v) for v in text.split(",")]
    text = text.strip()
    try:
        return int(text)  # an integer stays one, for parameters such as an example's seed
    except ValueError:
        return float(text)


def _example(name: str, values: dict[str, object]):
    if name not in EXAMPLES:
        raise UsageError(
            _("unknown example {name!r}; choose one of {names}").format(
                name=name, names=", ".join(EXAMPLES)
            )
        )
    build = EXAMPLES[name]
    parameters = list(inspect.signature(build).parameters)
    unknown = [key for key in values if key not in parameters]
    if unknown:
        raise UsageError(
            _(
                "--set {parameter}: the example {name!r} has no such parameter; "
                "its parameters are {parameters}"
            ).format(parameter=unknown[0], name=name, parameters=", ".join(parameters))
        )
    try:
        example = build(**values)
    except (TypeError, ValueError) as exc:
        raise UsageError(_("--example {name}: {cause}").format(name=name, cause=exc)) from None
    return example.output, example.inputs, example.title


def _expression(text: str, values: dict[str, object]):
    try:
        expression = parse_expression(text)
    except ExpressionError as exc:
        raise UsageError(str(exc)) from None
    unused = [name for name in values if name not in expression.names]
    if unused:
        raise UsageError(
            _("--set {name}: {text!r} has no variable {name!r}; its variables are {names}").format(
                name=unused[0], text=text, names=", ".join(expression.names) or _("none")
            )
        )
    unset = [name for name in expression.names if name not in values]
    if unset:
        raise UsageError(
            _(
                "unknown variable {name!r} at column {column}: no value was "
                "given for it (give it with --set {name}=VALUE)"
            ).format(name=unset[0], column=expression.columns[unset[0]])
        )
    try:
        output, inputs = expression.evaluate(values)
    except ValueError as exc:  # shapes that do not broadcast
        raise UsageError(
            _("cannot compute {text!r} with these values: {cause}").format(text=text, cause=exc)
        ) from None
    # The title is the formula as mathematics: mathtext for matplotlib, Unicode for Graphviz.
    if any(output is v for v in inputs.values()):
        return output, inputs, to_mathtext(expression), to_text(expression)
    name = output.name or "y"
    body = to_mathtext(expression).strip("$")
    return output, inputs, f"${name} = {body}$", f"{name} = {to_text(expression)}"


def _print_results(output: Variable, inputs: dict[str, Variable], upstream: str | None) -> None:
    out = output.name or "y"
    print(f"{out} = {_text(output.data)}")
    if upstream is not None:
        assert output.grad is not None  # backward has run
        print(f"d{upstream}/d{out} = {_text(output.grad)}")
        out = upstream
    for name, v in inputs.items():
        if v.grad is not None and v is not output:
            print(f"d{out}/d{name} = {_text(v.grad)}")


def _text(a: np.ndarray) -> str:
    if a.ndim == 0:
        return f"{float(a):.6g}"
    return np.array2string(a, precision=6, separator=", ", max_line_width=120)


def _check_out(path: Path, renderer: str) -> None:
    """Refuse a file we cannot write before computing anything."""
    check_path(path, "--out", (".svg", ".png", ".dot"))
    if renderer == "dot" and path.suffix.lower() != ".dot" and shutil.which("dot") is None:
        raise UsageError(
            _(
                "--renderer dot needs Graphviz's dot program, which is not on the PATH; install "
                "Graphviz or use --renderer matplotlib (or auto)"
            )
        )


def _save(
    output: Variable,
    path: Path,
    renderer: str,
    title: str | None,
    dpi: int,
    *,
    fold: bool = True,
    upstream: str | None = None,
    dot_title: str | None = None,
) -> None:
    # Imported here: matplotlib takes a moment to load, and the other sub-commands should not wait for it.
    from deepkiso.plots.graph import save_graph

    try:
        used = save_graph(
            output,
            path,
            renderer=renderer,
            title=title,
            dpi=dpi,
            fold=fold,
            upstream=upstream,
            dot_title=dot_title,
        )
    except ValueError as exc:
        raise UsageError(str(exc).removeprefix("save_graph: ")) from None
    except RuntimeError as exc:
        raise JobError(str(exc)) from None
    print(_("wrote {path} ({renderer})").format(path=path, renderer=used), file=sys.stderr)
