# Source of the notebook group_batch_size (format: deepkiso/notebooks/source.py).

# %% [markdown] ja
# # グループワーク: ミニバッチ学習時のバッチサイズの決め方
#
# 2〜3名のグループで、バッチサイズの決め方を話し合いましょう (15分)。話し合いの材料として、
# このノートブックでは deepkiso の実験 (`deepkiso.experiments`) で実際に測ってみます。
#
# - バッチサイズを変えると、汎化誤差 (テストデータでの誤差) は変化するのでしょうか。
# - 初めて解く問題では、何を参考にバッチサイズを決めればよいのでしょうか。
# - バッチサイズはどれくらいまで小さく、またどれくらいまで大きくしてよいのでしょうか。
# - 学習の途中でバッチサイズを変えることに意味はあるのでしょうか。
#
# 1エポックの更新回数は $\lceil N / B \rceil$ 回です。$B$ を大きくすると勾配の推定は正確になり
# (ミニバッチの平均のばらつきはおよそ $1/\sqrt{B}$ に比例)、更新量が安定するので学習率を大きくできますが、
# 同じエポック数での更新回数は減り、メモリ使用量は増えます。

# %% [markdown] en
# # Group work: how to choose the batch size
#
# In groups of two or three, discuss how to choose the batch size of mini-batch learning (15 minutes).
# As material for the discussion, this notebook measures it with deepkiso's experiments
# (`deepkiso.experiments`).
#
# - Does the batch size change the generalization error (the error on the test data)?
# - Facing a new problem, what should guide the choice of the batch size?
# - How small may the batch size be, and how large?
# - Does changing the batch size during training make sense?
#
# One epoch makes $\lceil N / B \rceil$ updates. A larger $B$ estimates the gradient more precisely
# (the spread of a mini-batch mean shrinks roughly as $1/\sqrt{B}$) and steadies the updates, so the
# learning rate can grow; but the same number of epochs then makes fewer updates, and memory use grows.

# %%
import tempfile

from deepkiso.experiments import batch_size_trials, group_results, run_sweep
from deepkiso.i18n import set_language
from deepkiso.plots.experiments import (
    plot_batch_size_accuracy,
    plot_batch_size_cost,
    plot_learning_curves,
)

set_language("{{lang}}")


def sweep(specs):
    """試行を (一時フォルダで) 実行し、結果を設定ごとにまとめる。"""  # ja
    """Run the trials (in a temporary folder) and group their results by setting."""  # en
    with tempfile.TemporaryDirectory() as folder:
        return group_results(run_sweep(specs, folder).results)


# %% [markdown] ja
# ## バッチサイズと汎化誤差
#
# 手書き数字 `digits` で、隠れ層 64 の2層 NN をバッチサイズ 4〜512 で10エポックずつ学習させます
# (シード2つ)。学習率は 0.1 で固定 (`none`) と、バッチサイズに比例させた場合 (`linear`、基準 32) です。

# %% [markdown] en
# ## Batch size and generalization error
#
# Train a two-layer net (64 hidden units) on the handwritten `digits` for 10 epochs at batch sizes
# from 4 to 512 (two seeds), with the learning rate fixed at 0.1 (`none`) and scaled in proportion
# to the batch size (`linear`, from 32).

# %% picture
groups = sweep(
    batch_size_trials(
        dataset="digits",
        batch_sizes=[4, 16, 64, 256, 512],
        seeds=[0, 1],
        epochs=10,
        lr_scalings=["none", "linear"],
    )
)
plot_batch_size_accuracy(groups)

# %% [markdown] ja
# ## 時間とメモリ
#
# 1エポックにかかる時間と、1回の更新で使うメモリです (この計算機での値です)。

# %% [markdown] en
# ## Time and memory
#
# The time of one epoch and the memory of one update (as measured on this machine).

# %% picture
plot_batch_size_cost(groups)

# %% [markdown] ja
# ## 学習曲線: エポックごとと更新回数ごと
#
# 同じエポック数でも、小さなバッチサイズは何倍も多く更新します。右の図 (横軸が更新回数) では差が縮まるでしょうか。

# %% [markdown] en
# ## Learning curves: per epoch and per update
#
# In the same number of epochs a small batch makes many times more updates. On the right (against
# the updates made), does the difference shrink?

# %% picture
plot_learning_curves(groups)

# %% [markdown] ja
# ## 学習の途中でバッチサイズを変える
#
# 学習率を下げる代わりにバッチサイズを大きくしていく方法があります。32 で4エポック、128 で3エポック、
# 512 で3エポック (`schedule`) と、同じ10エポックの固定バッチサイズを比べます。

# %% [markdown] en
# ## Changing the batch size during training
#
# Instead of lowering the learning rate, the batch size can grow. Compare 4 epochs at 32, 3 at 128 and
# 3 at 512 (a `schedule`) with fixed batch sizes for the same 10 epochs.

# %% picture
from deepkiso.experiments import parse_schedule

scheduled = sweep(
    batch_size_trials(dataset="digits", batch_sizes=[32, 512], seeds=[0, 1], epochs=10)
    + batch_size_trials(
        dataset="digits",
        batch_sizes=[32],
        seeds=[0, 1],
        epochs=10,
        schedule=parse_schedule("32:4,128:3,512:3"),
    )
)
plot_learning_curves(scheduled)

# %% [markdown] ja
# ## MNIST で試す (時間がかかります)
#
# MNIST がある環境 (`deepkiso.data.load_dataset("mnist")` が読めるとき) では、同じ実験を本物の大きさで
# 行えます。CI では実行しないセルです。

# %% [markdown] en
# ## On MNIST (takes a while)
#
# Where MNIST is at hand (`deepkiso.data.load_dataset("mnist")` finds it), run the same experiment at
# full size. CI does not run this cell.

# %% full-run
mnist_groups = sweep(
    batch_size_trials(
        dataset="mnist",
        batch_sizes=[16, 64, 256, 1024],
        seeds=[0],
        epochs=5,
        lr_scalings=["none", "linear"],
    )
)
plot_batch_size_accuracy(mnist_groups)

# %% [markdown] ja
# ## 話し合ってみよう
#
# - 上の図で、テストデータの正解率が最もよいバッチサイズはいくつでしたか。学習率を比例させると変わりましたか。
# - メモリと時間の図から、大きくできるバッチサイズの上限は何で決まりそうですか。
# - 初めての問題で最初に試すバッチサイズを1つ選ぶなら、いくつにしますか。その理由は。
# - 最後に、グループごとに発表しましょう (15分)。

# %% [markdown] en
# ## Discuss
#
# - In the pictures above, which batch size gave the best test accuracy? Did scaling the learning
#   rate change that?
# - From the time and memory pictures, what would limit how large the batch can be?
# - Picking one batch size to try first on a new problem: which, and why?
# - Finally, each group presents (15 minutes).
