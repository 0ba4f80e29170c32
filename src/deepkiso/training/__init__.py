"""Training a net with mini-batches: Trainer, History, and the checkpoints that let a run resume.

Exercises 2_10, 2_11 and 2_18 train a two-layer net on images or on a
regression problem and watch the loss fall. ``Trainer`` (``trainer.py``) runs that
loop — draw a mini-batch from a sampler, backpropagate, let the optimizer update
the parameters in place — and after every epoch measures the loss (and, for
classification, the accuracy) on the training and test data, in chunks so
memory stays bounded. ``History`` keeps the loss of every iteration and the
metrics of every epoch. A checkpoint (``checkpoints.py``) holds everything the
loop consumes (the net, the optimizer's buffers, the sampler's position and
random state, the counters and the history), so a run that is stopped at any
point and resumed ends with the same weights, bit for bit, as one left alone.
"""

from deepkiso.training.checkpoints import (
    CHECKPOINT_NAME,
    Checkpoint,
    checkpoint_layout,
    load_checkpoint,
    save_checkpoint,
)
from deepkiso.training.evaluation import evaluate
from deepkiso.training.trainer import (
    Callback,
    History,
    Trainer,
    TrainingDiverged,
    TrainingInterrupted,
)

__all__ = [
    "Trainer",
    "History",
    "Callback",
    "Checkpoint",
    "TrainingDiverged",
    "TrainingInterrupted",
    "save_checkpoint",
    "load_checkpoint",
    "checkpoint_layout",
    "evaluate",
    "CHECKPOINT_NAME",
]
