"""The names `deepkiso check` knows, under the spellings learners actually use.

Learners write ``Relu`` or ``ReLU``, ``SoftmaxWithLoss`` or ``Softmax_with_Loss``,
keep gradients in ``self.dW`` or in ``self.grads["W"]``, parameters in a
``params`` dict or as attributes, and sometimes give ``predict`` a
``train_flg``. This module finds the learner's version of each course name
(exercises 2_1 – 2_18) and calls it whatever its spelling and signature.

The names are imported from here; each concept is a module of its own:
``subjects`` (the course names, their spellings, finding them), ``spelling``
(typos), ``source_lines`` (the learner's lines a report points at),
``calling`` (calling by parameter names, finding arrays) and ``adaptation``
(the course's call shapes, and why a signature cannot take them).
"""

from __future__ import annotations

from deepkiso.check.adaptation import CALLS, METHODS, adapt, call_problem, conventions
from deepkiso.check.calling import TRAINING_FLAGS, call_method, call_with, find_array, find_method
from deepkiso.check.source_lines import code_of, locate, source_line
from deepkiso.check.subjects import (
    SUBJECT_BY_NAME,
    SUBJECTS,
    Subject,
    discover,
    spelling_note,
    subjects_named,
)

__all__ = [
    "Subject",
    "SUBJECTS",
    "SUBJECT_BY_NAME",
    "subjects_named",
    "discover",
    "find_array",
    "source_line",
    "locate",
    "find_method",
    "call_with",
    "call_method",
    "TRAINING_FLAGS",
    "spelling_note",
    "call_problem",
    "adapt",
    "conventions",
    "code_of",
    "CALLS",
    "METHODS",
]
