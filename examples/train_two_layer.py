"""Train a two-layer net on the embedded digits with the Trainer, stop it, resume it, plot it.

Exercises 2_10 and 2_18 from Python rather than the command line: a
TwoLayerNet, Adam, a shuffling sampler and a Trainer that measures the loss
and accuracy after every epoch and writes a checkpoint. Training stops after
three epochs; a second Trainer picks the run up from the checkpoint and
finishes it, exactly as if it had never stopped. Runs in a second or two.

    python examples/train_two_layer.py [OUTPUT_DIR]
"""

import sys
from pathlib import Path

from deepkiso.data import load_dataset, make_sampler
from deepkiso.nets import TwoLayerNet
from deepkiso.optimizers import Adam
from deepkiso.plots.curves import learning_curve_figure
from deepkiso.training import Trainer, load_checkpoint


def make_trainer(x_train, n_epochs: int, checkpoint_dir: Path) -> Trainer:
    """The same net, optimizer and sampler each time: the seeds fix them."""
    net = TwoLayerNet(64, 100, 10, weight_init_std="he", rng=0)
    sampler = make_sampler("shuffle", n_samples=len(x_train), batch_size=32, rng=0)
    return Trainer(net, Adam(lr=0.001), sampler, n_epochs, checkpoint_dir=checkpoint_dir)


def main(output_dir: Path) -> float:
    (x_train, t_train), (x_test, t_test) = load_dataset("digits")  # x (N, 64) float32 in [0, 1]
    checkpoint_dir = output_dir / "checkpoint"

    first = make_trainer(x_train, n_epochs=3, checkpoint_dir=checkpoint_dir)
    first.train(x_train, t_train, x_test, t_test)
    print(
        f"stopped after epoch {first.epoch}: test accuracy {first.history.epochs[-1]['test_accuracy']:.4f}"
    )

    # A new process would do just this: build the same objects, load the checkpoint, go on.
    second = make_trainer(x_train, n_epochs=20, checkpoint_dir=checkpoint_dir)
    second.load_state_dict(load_checkpoint(checkpoint_dir).state)
    history = second.train(x_train, t_train, x_test, t_test)
    for row in history.epochs[::5]:
        print(
            f"epoch {row['epoch']:2d}: train loss {row['train_loss']:.4f}, test accuracy {row['test_accuracy']:.4f}"
        )
    accuracy = history.epochs[-1]["test_accuracy"]
    print(f"epoch {history.epochs[-1]['epoch']}: test accuracy {accuracy:.4f}")

    picture = output_dir / "train_two_layer.png"
    learning_curve_figure(history, title="digits: TwoLayerNet(64, 100, 10), Adam").savefig(
        picture, dpi=80
    )
    print(f"learning curves: {picture}")
    return accuracy


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("."))
