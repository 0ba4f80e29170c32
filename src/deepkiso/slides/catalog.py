"""The day-2 slides' figures as data, in slide order: what each shows and the command that makes it.

A ``Slide`` names its figure (``id``, also its file name), its title and a short caption (marked
``N_``, translated where shown), the section of the slides it belongs to, and ``command``: the
arguments of the ``deepkiso`` command line that makes the same figure, without ``--out``. Its
``draw`` receives that line parsed by the command's own parser (defaults included) and returns the
picture, so the settings of the figure are the settings of the line shown beside it.
"""

from __future__ import annotations

import argparse
import importlib
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from deepkiso.i18n import N_
from deepkiso.slides import drawing

__all__ = ["SECTIONS", "SLIDES", "Slide", "Written", "command_line", "parse_command"]

# The sections of the day-2 slides (目次), in their order: a Slide's section is one of these keys.
SECTIONS = {
    "minibatch": N_("Mini-batch learning"),
    "differentiation": N_("Differentiation"),
    "steepest_descent": N_("Steepest descent"),
    "gradient_methods": N_("Gradient methods"),
    "backpropagation": N_("Backpropagation"),
}


@dataclass(frozen=True)
class Slide:
    """One figure of the slides.

    id: the figure's name and file stem (a-z, 0-9, _). command: the deepkiso arguments, without
    --out. folder: where the command writes (``--out DIR``) when it writes a folder rather than one
    picture, with the picture's name in it (train's curves.png, an experiment's summary picture);
    None for commands whose --out is the picture itself.
    """

    id: str
    title: str
    caption: str
    section: str
    command: tuple[str, ...]
    draw: Callable[[argparse.Namespace], drawing.Picture]
    folder_picture: str | None = None


@dataclass(frozen=True)
class Written:
    """One slide's figure as written: the slide, its files (one per format) and the seconds it took."""

    slide: Slide
    paths: tuple[Path, ...]
    seconds: float


def parse_command(slide: Slide) -> argparse.Namespace:
    """slide.command parsed by its deepkiso command's own parser (every default filled in)."""
    name = slide.command[0]
    module = importlib.import_module(f"deepkiso.commands.{name.replace('-', '_')}")
    parser = argparse.ArgumentParser(prog=f"deepkiso {name}")
    module.add_arguments(parser)
    args = parser.parse_args(list(slide.command[1:]))
    args._slide_module = module.__name__  # for drawing.command: the module whose run draws it
    return args


def command_line(slide: Slide, suffix: str, lang: str | None = None) -> str:
    """The deepkiso line that makes slide's figure, writing it as slide.id + suffix (or its folder)."""
    words = ["deepkiso", *slide.command]
    if slide.folder_picture is None:
        words += ["--out", f"{slide.id}{suffix}"]
    else:
        words += ["--out", f"runs/{slide.id}"]
    if lang is not None and lang != "en":
        words += ["--lang", lang]
    return shlex.join(words)


def _graph(*arguments: str) -> tuple[str, ...]:
    return ("graph", *arguments, "--renderer", "matplotlib")


# In slide order. The commands' own defaults where they are small (the experiments and train use the
# embedded digits and take seconds), so that the whole list draws in well under a minute.
SLIDES: tuple[Slide, ...] = (
    # -- ミニバッチ学習 --
    Slide(
        "minibatch_objective",
        N_("Batch and mini-batch learning: the objective changes per mini-batch"),
        N_("The full-batch loss beside the mini-batches' own, with their minima and the SGD path."),
        "minibatch",
        ("minibatch-objective",),
        drawing.command,
    ),
    Slide(
        "local_minimum",
        N_("Mini-batch noise and the local-minimum trap"),
        N_("Plain gradient descent stays in the local minimum; noisy descent often escapes."),
        "minibatch",
        ("local-minimum",),
        drawing.command,
    ),
    Slide(
        "sampling",
        N_("Handing out the mini-batches: samplers compared"),
        N_("Exercise 2_1 and the ways to hand out the data: test accuracy per sampler."),
        "minibatch",
        ("experiment", "sampling"),
        drawing.sampling,
        "sampling.png",
    ),
    Slide(
        "batch_size",
        N_("Choosing the batch size"),
        N_("The group work: test accuracy and the generalization gap against the batch size."),
        "minibatch",
        ("experiment", "batch-size"),
        drawing.batch_size,
        "batch_size.png",
    ),
    # -- 微分 --
    Slide(
        "central_difference",
        N_("Numerical and analytic differentiation: the central difference"),
        N_("The tangent at x beside the secants through x ± h (central) and x, x + h (forward)."),
        "differentiation",
        ("numdiff", "--secant"),
        drawing.command,
    ),
    Slide(
        "numdiff",
        N_("Numerical differentiation: its error and its cost"),
        N_(
            "The error of the forward and central differences against h, and a numerical "
            "gradient against backprop."
        ),
        "differentiation",
        ("numdiff", "--function", "sin"),
        drawing.command,
    ),
    # -- 最急降下法 --
    Slide(
        "bowl_learning_rates",
        N_("Steepest descent and the learning rate η"),
        N_("The same bowl with three learning rates: too small creeps, too large diverges."),
        "steepest_descent",
        ("landscape", "--function", "bowl", "--lr", "0.1", "0.8", "1.05", "--steps", "30"),
        drawing.command,
    ),
    # -- 勾配法 --
    Slide(
        "saddle",
        N_("A saddle point"),
        N_("A start on the ridge stalls at the saddle point; a start 0.001 off it escapes."),
        "gradient_methods",
        (
            "landscape",
            "--function",
            "saddle",
            "--start",
            "1,0",
            "--start",
            "1,0.001",
            "--steps",
            "60",
            "--surface",
        ),
        drawing.command,
    ),
    Slide(
        "plateau",
        N_("A plateau"),
        N_("Almost no gradient: plain gradient descent barely moves."),
        "gradient_methods",
        (
            "landscape",
            "--function",
            "plateau",
            "--optimizer",
            "sgd",
            "momentum",
            "adam",
            "noisy-gd",
            "--lr",
            "0.5",
            "--steps",
            "200",
            "--surface",
        ),
        drawing.command,
    ),
    Slide(
        "why_not_accuracy",
        N_("Why not the misclassification rate as the loss"),
        N_("The rate is a staircase with zero slope; the cross-entropy is smooth."),
        "gradient_methods",
        ("why-not-accuracy",),
        drawing.command,
    ),
    Slide(
        "learning_curves",
        N_("Learning curves of a two-layer net"),
        N_("Exercise 2_10: the loss falls as training goes on (the digits)."),
        "gradient_methods",
        ("train",),
        drawing.learning_curves,
        "curves.png",
    ),
    # -- 誤差逆伝播法 --
    Slide(
        "chain_rule",
        N_("The chain rule: y = (x₁ + x₂)²"),
        N_("The gradient flows back: ∂y/∂x₁ = 2t × 1 = 2(x₁ + x₂)."),
        "backpropagation",
        _graph("--example", "chain_rule"),
        drawing.command,
    ),
    Slide(
        "add_node",
        N_("Backward through an add node"),
        N_("The upstream gradient passes on unchanged."),
        "backpropagation",
        _graph("--example", "add_node", "--dout", "2"),
        drawing.command,
    ),
    Slide(
        "multiply_node",
        N_("Backward through a multiply node"),
        N_("The upstream gradient times the other input: the inputs swap places."),
        "backpropagation",
        _graph("--example", "multiply_node", "--dout", "2"),
        drawing.command,
    ),
    Slide(
        "relu",
        N_("Backward through ReLU"),
        N_("The gradient passes where x > 0 and stops where x ≤ 0."),
        "backpropagation",
        _graph("relu(x)", "--set", "x=2,-1"),
        drawing.command,
    ),
    Slide(
        "sigmoid",
        N_("Backward through the sigmoid"),
        N_("y = 1/(1 + exp(−x)) node by node: dy/dx = y(1 − y)."),
        "backpropagation",
        _graph("--example", "sigmoid"),
        drawing.command,
    ),
    Slide(
        "vanishing",
        N_("Vanishing gradients"),
        N_("The sigmoid's derivative is at most 0.25, and the gradient shrinks layer by layer."),
        "backpropagation",
        ("vanishing",),
        drawing.command,
    ),
    Slide(
        "affine_batch",
        N_("Backward through the Affine layer, for a batch"),
        N_("B branches into the N rows, so ∂L/∂B sums the N upstream gradients."),
        "backpropagation",
        _graph("--example", "affine_batch"),
        drawing.command,
    ),
    Slide(
        "squared_error",
        N_("Backward through the squared error"),
        N_("L = ½ Σ (y − t)²: ∂L/∂y = y − t."),
        "backpropagation",
        _graph("--example", "squared_error"),
        drawing.command,
    ),
    Slide(
        "softmax_with_loss_simple",
        N_("Softmax-with-Loss, the result only"),
        N_("One node for softmax and the cross-entropy error: ∂L/∂a = y − t."),
        "backpropagation",
        _graph("--example", "softmax_with_loss_simple"),
        drawing.command,
    ),
    Slide(
        "affine_softmax_loss",
        N_("Affine and Softmax-with-Loss, in detail"),
        N_("Every step a node: ∂L/∂a = (y − t)/N, the division by the batch size included."),
        "backpropagation",
        _graph("--example", "affine_softmax_loss"),
        drawing.command,
    ),
    Slide(
        "squared_error_detailed",
        N_("Group work: the squared error in detail"),
        N_("A batch, with ½ and 1/N as nodes: ∂L/∂y = (y − t)/N."),
        "backpropagation",
        _graph("--example", "squared_error_detailed"),
        drawing.command,
    ),
    Slide(
        "tanh",
        N_("Group work: backward through tanh"),
        N_("tanh from exp, add and reciprocal nodes: dy/dx = 1 − y²."),
        "backpropagation",
        _graph("--example", "tanh"),
        drawing.command,
    ),
)
