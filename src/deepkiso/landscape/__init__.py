"""Landscapes of two variables, descent paths on them, and what kind of place a path stops at.

Serves the slides' partial derivatives and gradient vector (f(x, y) = 2x² + 3y,
∇f = (4x, 3)), exercise 2_3 (steepest descent, 最急降下法, and the learning rate
η), exercise 2_6 (visualising saddle points, 鞍点, and plateaus, プラトー) and the
group work that asks how to tell that training sits on one and how to get out:
every named surface here can be walked with the library's optimizers (plus
gradient descent with added noise, as small mini-batches give), and every stop
is classified from the numerical gradient and Hessian — a minimum, a maximum, a
saddle (curvatures of both signs), a plateau (gradient and curvature both near
zero) or still descending, and a minimum is called local or global where that is
known (``minimum_kind``). ``diagnose_stall`` asks the same question of a net's
whole parameter vector, without forming its Hessian.

Two studies of mini-batch learning live here too: ``minibatch_objective`` (the
full batch's loss surface of a two-parameter model beside each mini-batch's,
with the path of SGD: the objective changes per mini-batch) and
``local_minimum_trap`` (plain gradient descent trapped in the double well's local
minimum, descent with decaying noise escaping in a counted share of seeded runs).

All arithmetic is float64: the classification takes second differences, which
float32 cannot resolve.
"""

from deepkiso.landscape.descent import NOISY_GD_NOISE_STD, OPTIMIZER_CHOICES, DescentPath, descend
from deepkiso.landscape.minibatch import MinibatchObjective, minibatch_objective
from deepkiso.landscape.points import (
    CURVATURE_TOL,
    GRAD_TOL,
    PointReport,
    classify_point,
    minimum_kind,
    numerical_hessian,
)
from deepkiso.landscape.stall import StallReport, diagnose_net, diagnose_stall
from deepkiso.landscape.surfaces import SURFACES, Surface, get_surface, surface_from_expression
from deepkiso.landscape.trap import LocalMinimumTrap, local_minimum_trap

__all__ = [
    "Surface",
    "SURFACES",
    "get_surface",
    "surface_from_expression",
    "GRAD_TOL",
    "CURVATURE_TOL",
    "numerical_hessian",
    "PointReport",
    "classify_point",
    "minimum_kind",
    "DescentPath",
    "OPTIMIZER_CHOICES",
    "NOISY_GD_NOISE_STD",
    "descend",
    "StallReport",
    "diagnose_stall",
    "diagnose_net",
    "MinibatchObjective",
    "minibatch_objective",
    "LocalMinimumTrap",
    "local_minimum_trap",
]
