"""Tests of deepkiso.expression: what it builds, and everything it must refuse."""

import ast
import inspect

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepkiso import expression as expression_module
from deepkiso import graph as g
from deepkiso.differentiation import numerical_gradient
from deepkiso.expression import FUNCTIONS, MAX_DEPTH, MAX_LENGTH, ExpressionError, parse_expression


def test_chain_rule_expression_builds_the_slides_graph():
    output, inputs = parse_expression("(x1 + x2)**2").evaluate({"x1": 1.0, "x2": 2.0})
    output.backward()
    assert output.name == "y" and float(output.data) == 9.0
    assert float(inputs["x1"].grad) == 6.0 and float(inputs["x2"].grad) == 6.0
    assert [op.kind for op in g.topological_operations(output)] == ["add", "pow"]


def test_names_are_listed_in_order_of_first_appearance_and_share_one_node():
    expression = parse_expression("b * a + a * c")
    assert expression.names == ("b", "a", "c")
    output, inputs = expression.evaluate({"a": 2.0, "b": 3.0, "c": 5.0})
    output.backward()
    assert float(inputs["a"].grad) == 3.0 + 5.0


def test_every_whitelisted_function_builds_its_graph_operation():
    for name, function in FUNCTIONS.items():
        output, _inputs = parse_expression(f"{name}(x)").evaluate({"x": np.array([0.5, 2.0])})
        expected = function(g.Variable([0.5, 2.0]))
        np.testing.assert_allclose(output.data, expected.data)
        assert output.creator.kind == expected.creator.kind


def test_arrays_and_variables_are_accepted_as_values():
    w = g.Variable([1.0, 2.0, 3.0], "w")
    output, inputs = parse_expression("sum(w * x)").evaluate({"w": w, "x": [1.0, 1.0, 2.0]})
    output.backward()
    assert inputs["w"] is w and float(output.data) == 9.0
    np.testing.assert_array_equal(w.grad, [1.0, 1.0, 2.0])


def test_negative_numbers_and_exponents_are_constants_not_negate_nodes():
    output, _inputs = parse_expression("x ** -2 * -3").evaluate({"x": 2.0})
    assert [op.kind for op in g.topological_operations(output)] == ["pow", "mul"]
    assert float(output.data) == pytest.approx(-0.75)


def test_the_output_is_named_f_when_y_is_an_input_and_a_lone_input_keeps_its_name():
    output, _ = parse_expression("2 * y").evaluate({"y": 1.0})
    assert output.name == "f"
    output, inputs = parse_expression("x").evaluate({"x": 1.0})
    assert output is inputs["x"] and output.name == "x"


@pytest.mark.parametrize(
    "text, message, column",
    [
        ("__import__('os')", r"unknown function '__import__'", 1),
        ("os.system('ls')", r"attribute access 'os\.system'", 1),
        ("x + exp(x).real", r"attribute access 'exp\(x\)\.real'", 5),
        ("x.__class__", r"attribute access", 1),
        ("x[0]", r"subscript 'x\[0\]'", 1),
        ("lambda: 1", r"lambda", 1),
        ("(lambda: x)()", r"lambda", 2),
        ("[i for i in x]", r"list comprehension", 1),
        ("sum(i for i in x)", r"generator expression", 4),
        ("'abc' + x", r"string \"'abc'\"", 1),
        ("b'x'", r"string", 1),
        ("x + foo(x)", r"unknown function 'foo'", 5),
        ("getattr(x, 'y')", r"unknown function 'getattr'", 1),
        ("exp(x, axis=1)", r"keyword argument 'axis=1'", 8),
        ("sum(x, 1)", r"sum\(\) takes one argument, got 2", 1),
        ("exp + 1", r"function name 'exp'.*call it", 1),
        ("x ** y", r"exponent 'y'.*must be a number", 6),
        ("2 * x ^ 2", r"operator \^.*write \*\* for a power", 7),
        ("x // 2", r"operator //", 3),
        ("x @ x", r"operator @", 3),
        ("x == 1", r"comparison", 1),
        ("x if x else 1", r"conditional expression", 1),
        ("True * x", r"constant bool", 1),
        ("(x, x)", r"tuple", 1),
        ("_secret + 1", r"may not start with '_'", 1),
        ("(x := 2)", r"assignment expression", 2),
        ("f'{x}'", r"f-string", 1),
        ("(x1 + ", r"syntax error", None),
        ("import os", r"syntax error", None),
    ],
)
def test_parser_refuses_anything_but_arithmetic_naming_the_piece_and_column(text, message, column):
    with pytest.raises(ExpressionError, match=message) as info:
        parse_expression(text)
    if column is not None:
        assert info.value.column == column
        assert f"column {column}" in str(info.value)


def test_an_unset_variable_is_named_with_its_column():
    expression = parse_expression("x1 + x2 * z")
    with pytest.raises(ExpressionError, match=r"unknown variable 'z' at column 11") as info:
        expression.evaluate({"x1": 1.0, "x2": 2.0})
    assert info.value.column == 11


def test_columns_count_characters_not_bytes():
    with pytest.raises(ExpressionError, match="column 5") as info:
        parse_expression("α + β.real")
    assert info.value.column == 5


def test_empty_overlong_and_deeply_nested_texts_are_refused_cleanly():
    with pytest.raises(ExpressionError, match="empty"):
        parse_expression("   ")
    with pytest.raises(ExpressionError, match=f"at most {MAX_LENGTH}"):
        parse_expression("x+" * MAX_LENGTH + "x")
    with pytest.raises(ExpressionError):
        parse_expression("(" * 400 + "x" + ")" * 400)
    with pytest.raises(ExpressionError, match="expected the expression as a string"):
        parse_expression(42)


@pytest.mark.parametrize("text", ["+" * 999 + "x", "-" * 600 + "x"])
def test_a_formula_nested_too_deeply_is_refused_naming_the_limit(text):
    with pytest.raises(
        ExpressionError, match=rf"the expression is nested \d+ levels deep; at most {MAX_DEPTH} are"
    ):
        parse_expression(text)


def test_a_formula_nested_to_the_limit_runs_forward_and_backward():
    output, inputs = parse_expression("-" * (MAX_DEPTH - 2) + "x").evaluate({"x": 2.0})
    output.backward()
    assert float(output.data) == 2.0 and float(inputs["x"].grad) == 1.0


def test_a_long_sum_within_the_limit_parses_and_runs():
    output, inputs = parse_expression("+".join(["x"] * 400)).evaluate({"x": 1.0})
    output.backward()
    assert float(inputs["x"].grad) == 400.0


def test_the_parser_never_evaluates_executes_or_compiles_the_text(tmp_path):
    # Nothing in the module calls eval, exec or compile (ast.parse only builds a tree) ...
    tree = ast.parse(inspect.getsource(expression_module))
    called = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert not called & {"eval", "exec", "compile", "__import__", "getattr"}
    # ... and a text that would write a file if it ran is refused before anything happens.
    target = tmp_path / "pwned"
    with pytest.raises(ExpressionError):
        parse_expression(f"__import__('pathlib').Path({str(target)!r}).touch()")
    assert not target.exists()


# Random expressions over the whitelist: the parsed graph's gradient equals the numerical one.
_leaves = st.sampled_from(["a", "b", "0.5", "2", "1.5"])


def _combine(children):
    binary = st.tuples(children, st.sampled_from(["+", "-", "*"]), children).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})"
    )
    unary = st.tuples(st.sampled_from(["tanh", "sigmoid", "square", "-"]), children).map(
        lambda t: f"-({t[1]})" if t[0] == "-" else f"{t[0]}({t[1]})"
    )
    power = children.map(lambda c: f"({c}) ** 2")
    return binary | unary | power


@given(
    text=st.recursive(_leaves, _combine, max_leaves=8),
    a=st.floats(-1.5, 1.5),
    b=st.floats(-1.5, 1.5),
)
def test_random_whitelisted_expressions_have_correct_gradients(text, a, b):
    expression = parse_expression(f"({text}) + 0 * (a + b)")  # both names always present
    output, inputs = expression.evaluate({"a": a, "b": b})
    output.backward()
    point = np.array([a, b])

    def f(z):
        return float(expression.evaluate({"a": z[0], "b": z[1]})[0].data)

    numeric = numerical_gradient(f, point)
    analytic = [float(inputs["a"].grad), float(inputs["b"].grad)]
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6)
