"""A safe reader for the expressions learners type, such as "(x1 + x2)**2", turned into a graph.

It serves the chain-rule and computational-graph slides through
``deepkiso graph EXPR``: the text is parsed with Python's ``ast`` module and the
syntax tree is walked with a whitelist — numbers, variable names, + − × ÷ **,
unary minus and calls of exp, log, tanh, sigmoid, relu, sin, cos, sqrt, abs,
square, reciprocal, sum and mean. Everything else (attribute access, subscripts, lambdas,
comprehensions, strings, keyword arguments, unknown names or functions) is
refused with a message naming the piece and its column. The text is never
evaluated, executed or compiled to code: the walk itself builds the
``deepkiso.graph.Variable``s, so running the result runs only NumPy arithmetic.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from deepkiso import graph
from deepkiso.i18n import _

__all__ = [
    "ExpressionError",
    "Expression",
    "parse_expression",
    "FUNCTIONS",
    "MAX_LENGTH",
    "MAX_DEPTH",
]

FUNCTIONS: dict[str, Callable[[graph.Variable], graph.Variable]] = {
    "exp": graph.exp,
    "log": graph.log,
    "tanh": graph.tanh,
    "sigmoid": graph.sigmoid,
    "relu": graph.relu,
    "sin": graph.sin,
    "cos": graph.cos,
    "sqrt": graph.sqrt,
    "abs": graph.absolute,
    "square": graph.square,
    "reciprocal": graph.reciprocal,
    "sum": graph.sum,
    "mean": graph.mean,
}

# Long enough for any slide's formula; short enough that the tree walk stays far from Python's recursion limit.
MAX_LENGTH = 1000
# Operations nested inside each other ("-(-(-x))", "x+x+…+x" counts one per +): deeper than any slide's
# formula by far, and shallow enough that the recursive walks below stay far from Python's limit of 1000.
MAX_DEPTH = 500

_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)


def _allowed() -> str:
    """What an expression may hold, for the messages that refuse something else."""
    return _(
        "numbers, variable names, + - * / **, unary minus and the functions {functions}"
    ).format(functions=", ".join(FUNCTIONS))


_REFUSED_OPERATORS = {
    ast.MatMult: "@",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.Invert: "~",
    ast.Not: "not",
}


def _description(kind: type, default: str) -> str:
    """What to call a refused piece of syntax in a message ("attribute access"); default for others."""
    descriptions = {
        ast.Attribute: _("attribute access"),
        ast.Subscript: _("subscript"),
        ast.Lambda: _("lambda"),
        ast.ListComp: _("list comprehension"),
        ast.SetComp: _("set comprehension"),
        ast.DictComp: _("dict comprehension"),
        ast.GeneratorExp: _("generator expression"),
        ast.Compare: _("comparison"),
        ast.BoolOp: _("boolean operator"),
        ast.IfExp: _("conditional expression"),
        ast.List: _("list"),
        ast.Tuple: _("tuple"),
        ast.Dict: _("dict"),
        ast.Set: _("set"),
        ast.JoinedStr: _("f-string"),
        ast.NamedExpr: _("assignment expression"),
        ast.Starred: _("starred argument"),
        ast.Await: _("await"),
        ast.Slice: _("slice"),
    }
    return descriptions.get(kind, default)


class ExpressionError(ValueError):
    """A refused or malformed expression. ``column`` is 1-based (None when not tied to one place)."""

    def __init__(self, message: str, column: int | None = None):
        super().__init__(message)
        self.column = column


@dataclass(frozen=True, eq=False)
class Expression:
    """A checked expression: its text, its syntax tree and its variable names in order of appearance.

    columns: the 1-based column where each name first appears, for messages.
    """

    text: str
    tree: ast.Expression
    names: tuple[str, ...]
    columns: dict[str, int]

    def evaluate(
        self, values: Mapping[str, object]
    ) -> tuple[graph.Variable, dict[str, graph.Variable]]:
        """Build the graph: returns (output, inputs by name), forward done, backward not yet.

        values: a number, an array or a ``Variable`` for each name; numbers and
        arrays become float64 ``Variable``s named after their key. Every use of
        a name in the text refers to the same node, so "x * x" has dy/dx = 2x.
        The output is named "y" (or "f" when "y" is one of the inputs), unless
        the expression is a single input, which keeps its own name.
        """
        for name in self.names:
            if name not in values:
                raise ExpressionError(
                    _(
                        "unknown variable {name!r} at column {column}: no value was given for it"
                    ).format(name=name, column=self.columns[name]),
                    self.columns[name],
                )
        inputs = {name: _to_variable(name, values[name]) for name in self.names}
        output = _Builder(inputs).build(self.tree.body)
        if not any(output is v for v in inputs.values()):
            output.name = "f" if "y" in inputs else "y"
        return output, inputs


def parse_expression(text: str) -> Expression:
    """Check text against the whitelist and return it parsed; raises ExpressionError naming the first problem.

    Parsing uses ``ast.parse`` (it reads the text into a tree and runs nothing).
    """
    if not isinstance(text, str):
        raise ExpressionError(
            _("expected the expression as a string, got {type}").format(type=type(text).__name__)
        )
    if not text.strip():
        raise ExpressionError(_("the expression is empty; write something like '(x1 + x2)**2'"))
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            _("the expression is {length} characters long; at most {limit} are accepted").format(
                length=len(text), limit=MAX_LENGTH
            )
        )
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        column = exc.offset if exc.offset else None
        if column:
            message = _("syntax error at column {column}: {error} in {text!r}")
        else:
            message = _("syntax error: {error} in {text!r}")
        raise ExpressionError(
            message.format(column=column, error=exc.msg, text=text), column
        ) from None
    except (RecursionError, MemoryError):
        raise ExpressionError(
            _("the expression is nested too deeply; at most {limit} levels are accepted").format(
                limit=MAX_DEPTH
            )
        ) from None
    depth = _depth(tree.body)
    if depth > MAX_DEPTH:
        raise ExpressionError(
            _("the expression is nested {depth} levels deep; at most {limit} are accepted").format(
                depth=depth, limit=MAX_DEPTH
            )
        )
    columns: dict[str, int] = {}
    _check(tree.body, text.strip(), columns)
    return Expression(text.strip(), tree, tuple(columns), columns)


def _depth(root: ast.AST) -> int:
    """How many nodes deep the tree goes, counted without recursion (the tree may be thousands deep)."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _to_variable(name: str, value) -> graph.Variable:
    if isinstance(value, graph.Variable):
        return value
    return graph.Variable(value, name)


def _column(text: str, node: ast.expr | ast.keyword) -> int:
    """The 1-based character column of node (ast counts UTF-8 bytes, which differ for names like α)."""
    line = text.splitlines()[node.lineno - 1] if text else ""
    return len(line.encode("utf-8")[: node.col_offset].decode("utf-8", errors="replace")) + 1


def _refuse(
    text: str,
    node: ast.expr | ast.keyword,
    what: str,
    hint: str | None = None,
    column: int | None = None,
) -> ExpressionError:
    column = column or _column(text, node)
    piece = ast.get_source_segment(text, node) or ""
    hint = hint or _("use only {allowed}").format(allowed=_allowed())
    return ExpressionError(
        _("{what} {piece!r} at column {column} is not allowed; {hint}").format(
            what=what, piece=piece, column=column, hint=hint
        ),
        column,
    )


def _operator_column(text: str, node: ast.BinOp, symbol: str) -> int:
    """The column of a binary operator: the first occurrence of its symbol after the left operand."""
    assert node.left.end_lineno is not None  # ast.parse gives every node its position
    line = text.splitlines()[node.left.end_lineno - 1]
    start = len(line.encode("utf-8")[: node.left.end_col_offset].decode("utf-8", errors="replace"))
    found = line.find(symbol, start)
    return (found if found >= 0 else start) + 1


def _check(node: ast.expr, text: str, names: dict[str, int]) -> None:
    """Walk the tree, refusing anything off the whitelist; names gets each variable's first column, in order."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            kind = (
                _("string")
                if isinstance(node.value, (str, bytes))
                else _("constant {type}").format(type=type(node.value).__name__)
            )
            raise _refuse(text, node, kind)
        if isinstance(node.value, int) and abs(node.value) > 10**300:
            raise _refuse(text, node, _("number"), _("it is too large for float64"))
        return
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise _refuse(
                text, node, _("function name"), _("call it, as in {name}(x)").format(name=node.id)
            )
        if node.id.startswith("_"):
            raise _refuse(text, node, _("name"), _("variable names may not start with '_'"))
        names.setdefault(node.id, _column(text, node))
        return
    if isinstance(node, ast.BinOp):
        if not isinstance(node.op, _ARITHMETIC):
            symbol = _REFUSED_OPERATORS.get(type(node.op), type(node.op).__name__)
            hint = _("write ** for a power") if symbol == "^" else None
            what = _("operator {symbol} in").format(symbol=symbol)
            raise _refuse(text, node, what, hint, _operator_column(text, node, symbol))
        if isinstance(node.op, ast.Pow) and _number(node.right) is None:
            raise _refuse(
                text,
                node.right,
                _("exponent"),
                _("the exponent must be a number, as in x ** 2 (for a^b write exp(b * log(a)))"),
            )
        _check(node.left, text, names)
        _check(node.right, text, names)
        return
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            symbol = _REFUSED_OPERATORS.get(type(node.op), type(node.op).__name__)
            raise _refuse(text, node, _("operator {symbol} in").format(symbol=symbol))
        _check(node.operand, text, names)
        return
    if isinstance(node, ast.Call):
        _check_call(node, text, names)
        return
    raise _refuse(text, node, _description(type(node), type(node).__name__))


def _check_call(node: ast.Call, text: str, names: dict[str, int]) -> None:
    if not isinstance(node.func, ast.Name):
        raise _refuse(
            text,
            node.func,
            _description(type(node.func), _("call of")),
            _("only the functions {functions} may be called").format(
                functions=", ".join(FUNCTIONS)
            ),
        )
    if node.func.id not in FUNCTIONS:
        raise ExpressionError(
            _("unknown function {name!r} at column {column}; the functions are {functions}").format(
                name=node.func.id, column=_column(text, node), functions=", ".join(FUNCTIONS)
            ),
            _column(text, node),
        )
    if node.keywords:
        keyword = node.keywords[0]
        raise _refuse(
            text,
            keyword,
            _("keyword argument"),
            _("{name}() takes one plain argument").format(name=node.func.id),
        )
    if len(node.args) != 1:
        raise ExpressionError(
            _("{name}() takes one argument, got {n} at column {column}").format(
                name=node.func.id, n=len(node.args), column=_column(text, node)
            ),
            _column(text, node),
        )
    _check(node.args[0], text, names)


def _number(node: ast.expr) -> float | None:
    """The value of a number literal, possibly signed ("-2"), else None."""
    sign = 1.0
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign = -sign if isinstance(node.op, ast.USub) else sign
        node = node.operand
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, (int, float))
        and not isinstance(node.value, bool)
    ):
        return sign * float(node.value)
    return None


class _Builder:
    """Turns a checked tree into Variables: the arithmetic happens on nodes, never on the text."""

    def __init__(self, inputs: Mapping[str, graph.Variable]):
        self.inputs = inputs

    def build(self, node: ast.expr) -> graph.Variable:
        number = _number(node)
        if number is not None:  # "-2" is one constant, not a negate node on 2
            return graph.Variable(number, requires_grad=False)
        if isinstance(node, ast.Name):
            return self.inputs[node.id]
        if isinstance(node, ast.UnaryOp):
            operand = self.build(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)  # _check_call lets only names be called
            return FUNCTIONS[node.func.id](self.build(node.args[0]))
        assert isinstance(node, ast.BinOp)  # what _check lets through besides the above
        left = self.build(node.left)
        if isinstance(node.op, ast.Pow):
            return left ** _number(node.right)
        right = self.build(node.right)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        return left / right


# -------------------------------------------------------------------------------------------
# A formula as mathematics: for the titles of figures that show a learner's expression
# -------------------------------------------------------------------------------------------

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
# How the functions are written: (mathtext, text); "{}" is the argument.
_WRITTEN = {
    "exp": (r"\exp({})", "exp({})"),
    "log": (r"\log({})", "log({})"),
    "tanh": (r"\tanh({})", "tanh({})"),
    "sin": (r"\sin({})", "sin({})"),
    "cos": (r"\cos({})", "cos({})"),
    "sigmoid": (r"\sigma({})", "σ({})"),
    "relu": (r"\mathrm{{ReLU}}({})", "ReLU({})"),
    "sqrt": (r"\sqrt{{{}}}", "√({})"),
    "abs": (r"|{}|", "|{}|"),
    "sum": (r"\sum({})", "Σ({})"),
    "mean": (r"\mathrm{{mean}}({})", "mean({})"),
}


def to_mathtext(expression: Expression | str) -> str:
    """The formula as matplotlib mathtext, for a figure's title: "x**4 - 3*x**2" → "$x^{4} - 3x^{2}$".

    Powers are superscripts, a number times a name is written side by side (3x),
    other products with "·", divisions as fractions, and the trailing digits of a
    name as the same subscript glyphs the graph's boxes use (x1 → x₁).
    """
    parsed = parse_expression(expression) if isinstance(expression, str) else expression
    return "$" + _Writer(math=True).write(parsed.tree.body)[0] + "$"


def to_text(expression: Expression | str) -> str:
    """The formula in plain Unicode, where mathtext is not drawn (Graphviz): "x⁴ − 3x²"."""
    parsed = parse_expression(expression) if isinstance(expression, str) else expression
    return _Writer(math=False).write(parsed.tree.body)[0]


class _Writer:
    """Writes a checked tree as mathematics; each piece comes with its precedence, for parentheses."""

    def __init__(self, math: bool):
        self.math = math

    def write(self, node: ast.expr) -> tuple[str, int]:
        number = _number(node)
        if number is not None:
            text = f"{abs(number):g}"
            if "e" in text and self.math:
                mantissa, exponent = text.split("e")
                text = f"{mantissa} \\times 10^{{{int(exponent)}}}"
            return (
                "-" if self.math else "−"
            ) + text if number < 0 else text, 6 if number >= 0 else 3
        if isinstance(node, ast.Name):
            return self._name(node.id), 6
        if isinstance(node, ast.UnaryOp):
            operand, precedence = self.write(node.operand)
            if isinstance(node.op, ast.UAdd):
                return operand, precedence
            return ("-" if self.math else "−") + self._group(operand, precedence, 4), 3
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)  # _check_call lets only names be called
            argument = self.write(node.args[0])[0]
            if node.func.id == "square":
                return self._power(*self.write(node.args[0]), "2"), 5
            if node.func.id == "reciprocal":
                if self.math:
                    return r"\frac{1}{" + argument + "}", 6
                return "1/" + self._group(*self.write(node.args[0]), 3), 2
            return _WRITTEN[node.func.id][0 if self.math else 1].format(argument), 6
        assert isinstance(node, ast.BinOp)  # what _check lets through besides the above
        left, lp = self.write(node.left)
        if isinstance(node.op, ast.Pow):
            power = _number(node.right)
            assert power is not None  # _check allows number exponents only
            return self._power(left, lp, f"{power:g}"), 5
        right, rp = self.write(node.right)
        if isinstance(node.op, (ast.Add, ast.Sub)):
            sign = "+" if isinstance(node.op, ast.Add) else ("-" if self.math else "−")
            right = self._group(right, rp, 2)
            if right.startswith(("-", "−")):
                right = f"({right})"
            return f"{self._group(left, lp, 1)} {sign} {right}", 1
        if isinstance(node.op, ast.Div):
            if self.math:
                return r"\frac{" + left + "}{" + right + "}", 6
            return f"{self._group(left, lp, 2)}/{self._group(right, rp, 3)}", 2
        # A product: a number before a name, a power or a bracket is written side by side (3x², 2(x + 1)).
        left, right = self._group(left, lp, 2), self._group(right, rp, 3)
        side_by_side = _number(node.left) is not None and not right[:1].isdigit()
        if side_by_side and not right.startswith(("-", "−", "\\")):
            return f"{left}{right}", 2
        return f"{left} \\cdot {right}" if self.math else f"{left}·{right}", 2

    def _name(self, name: str) -> str:
        head = name.rstrip("0123456789")
        digits = name[len(head) :]
        if self.math and len(head) > 1:
            head = r"\mathrm{" + head.replace("_", r"\_") + "}"
        return head + (digits.translate(_SUBSCRIPTS) if head else digits)

    def _power(self, base: str, precedence: int, exponent: str) -> str:
        base = self._group(base, precedence, 6)
        if self.math:
            return f"{base}^{{{exponent}}}"
        if all(ch in "0123456789-" for ch in exponent):
            return base + exponent.translate(_SUPERSCRIPTS)
        return f"{base}^{exponent}"

    @staticmethod
    def _group(text: str, precedence: int, needed: int) -> str:
        return f"({text})" if precedence < needed else text
