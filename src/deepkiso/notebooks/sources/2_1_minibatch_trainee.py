# Source of the notebook 2_1_minibatch_trainee (format: deepkiso/notebooks/source.py).

# %% [markdown] ja
# # 2_1 ミニバッチ学習関数の実装
#
# 訓練データを小さな組 (ミニバッチ) に分け、ミニバッチごとに重みを更新するのがミニバッチ学習です。
# 1つのミニバッチに入るデータ数をバッチサイズといいます。ミニバッチを全部1回ずつ使い終えると1エポックです。
#
# ミニバッチ学習では、1回の更新で最小化する損失はミニバッチ内の損失の平均です。
# バッチサイズを $B$、ミニバッチに選ばれたデータの番号の集まりを $\mathcal{B}$ とすると
#
# $$L_{\mathcal{B}}(W) = \frac{1}{B} \sum_{n \in \mathcal{B}} L_n(W)$$
#
# ミニバッチごとに $\mathcal{B}$ が変わるので、最適化の目的関数もミニバッチごとに変わります。
#
# この演習では、データセットからミニバッチを作る関数を2通り書き、比べます。
#
# - **非復元抽出**: 1エポックの中で、どのデータも高々1回しか選ばれません。エポックの初めに番号をシャッフルし、先頭から $B$ 個ずつ切り出します。
# - **復元抽出**: ミニバッチごとに $N$ 個のデータから $B$ 個を独立に選びます。同じデータが何度も選ばれることも、一度も選ばれないこともあります。

# %% [markdown] en
# # 2_1 A mini-batch learning function
#
# Mini-batch learning splits the training data into small groups (mini-batches) and updates the
# weights once per mini-batch. The number of samples in one mini-batch is the batch size; once
# every mini-batch has been used once, one epoch has passed.
#
# Each update minimizes the mean loss over the mini-batch. With batch size $B$ and $\mathcal{B}$ the
# indices of the samples drawn into the mini-batch,
#
# $$L_{\mathcal{B}}(W) = \frac{1}{B} \sum_{n \in \mathcal{B}} L_n(W)$$
#
# Since $\mathcal{B}$ changes from batch to batch, so does the objective being minimized.
#
# In this exercise you write two functions that cut a data set into mini-batches, and compare them:
#
# - **sampling without replacement**: within one epoch every sample is drawn at most once. Shuffle
#   the indices at the start of the epoch and cut them into runs of $B$.
# - **sampling with replacement**: every mini-batch draws $B$ of the $N$ samples independently, so a
#   sample may come several times, or not at all.

# %%
import numpy as np

from deepkiso.check import check
from deepkiso.i18n import set_language
from deepkiso.notebooks import implemented

set_language("{{lang}}")
np.random.seed(0)

# %% [markdown] ja
# ## 非復元抽出によるミニバッチ
#
# `minibatches(x, t, batch_size, shuffle=True)` を書きましょう。1エポック分のミニバッチ
# `(x_batch, t_batch)` を順に返します (`yield`)。
#
# 1. `shuffle` なら `np.random.permutation(N)` で番号の順序を作ります (そうでなければ `np.arange(N)`)。
# 2. その番号を `batch_size` 個ずつ切り出し、同じ番号で `x` と `t` から取り出します。最後のミニバッチは `batch_size` より小さくてもかまいません。
#
# $x$ と $t$ は同じ番号で取り出すこと。そうしないと、入力と正解ラベルの組がずれてしまいます。

# %% [markdown] en
# ## Mini-batches without replacement
#
# Write `minibatches(x, t, batch_size, shuffle=True)`. It yields the mini-batches
# `(x_batch, t_batch)` of one epoch, one after another.
#
# 1. With `shuffle`, make the order of the indices with `np.random.permutation(N)` (else `np.arange(N)`).
# 2. Cut those indices into runs of `batch_size` and take the rows of `x` and `t` with the same
#    indices. The last mini-batch may be smaller than `batch_size`.
#
# Take `x` and `t` with the same indices, or the inputs no longer match their labels.


# %% exercise
def minibatches(x, t, batch_size, shuffle=True):
    """1エポック分のミニバッチ (x_batch, t_batch)。どのデータも高々1回 (非復元抽出)。"""  # ja
    """The mini-batches (x_batch, t_batch) of one epoch, each sample at most once."""  # en
    # >>> solution
    N = len(x)
    # ja: エポックごとに新しい順序: 同じデータがいつも同じ仲間と組むことがないように
    # en: a fresh order every epoch, so no sample always shares a batch with the same others
    order = np.random.permutation(N) if shuffle else np.arange(N)
    for start in range(0, N, batch_size):
        batch_mask = order[start : start + batch_size]
        yield x[batch_mask], t[batch_mask]
    # <<< solution


# %% check
check(minibatches)

# %% [markdown] ja
# ## 復元抽出によるミニバッチ
#
# `minibatches_with_replacement(x, t, batch_size)` を書きましょう。非復元抽出と同じ数
# ($\lfloor N / B \rfloor$ 個) のミニバッチを返しますが、どのミニバッチも
# `np.random.choice(N, batch_size)` で $N$ 個から独立に選びます。

# %% [markdown] en
# ## Mini-batches with replacement
#
# Write `minibatches_with_replacement(x, t, batch_size)`. It yields as many mini-batches as an epoch
# without replacement has ($\lfloor N / B \rfloor$), but draws each one independently from all $N$
# samples with `np.random.choice(N, batch_size)`.


# %% exercise
def minibatches_with_replacement(x, t, batch_size):
    """N // batch_size 個のミニバッチ (x_batch, t_batch)。それぞれ独立に抽出 (復元抽出)。"""  # ja
    """N // batch_size mini-batches (x_batch, t_batch), each drawn independently."""  # en
    # >>> solution
    N = len(x)
    for _step in range(N // batch_size):
        batch_mask = np.random.choice(N, batch_size)
        yield x[batch_mask], t[batch_mask]
    # <<< solution


# %% check
check(minibatches_with_replacement)

# %% [markdown] ja
# ## 比べてみる: 1エポックで各データが選ばれる回数
#
# 100個のデータを、バッチサイズ10で1エポック分抽出し、0回・1回・2回…選ばれたデータがそれぞれ何個あるかを数えます。
# 非復元抽出ではどのデータもちょうど1回、復元抽出では0回のデータも2回以上のデータも出てきます。$N$ 回の復元抽出で一度も選ばれない
# データの割合は $(1 - 1/N)^N \approx e^{-1} \approx 37\%$ です。

# %% [markdown] en
# ## Compare: how often each sample is drawn in one epoch
#
# Draw one epoch of 100 samples with batch size 10 and count how many samples were drawn 0, 1, 2, …
# times. Without replacement every sample comes exactly once; with replacement some never come and some come twice or more. The share of samples that
# $N$ draws with replacement miss is $(1 - 1/N)^N \approx e^{-1} \approx 37\%$.

# %%
x_demo = np.arange(100, dtype=float).reshape(100, 1)
t_demo = np.arange(100)
if implemented(minibatches, x_demo, t_demo, 10) and implemented(
    minibatches_with_replacement, x_demo, t_demo, 10
):
    counts = {}
    for sampler in (minibatches, minibatches_with_replacement):
        drawn = np.concatenate([tb for _xb, tb in sampler(x_demo, t_demo, 10)])
        counts[sampler.__name__] = np.bincount(np.bincount(drawn, minlength=100), minlength=5)
    print("選ばれた回数   非復元抽出   復元抽出")  # ja
    print("times drawn   without   with replacement")  # en
    for times in range(5):
        without, with_ = counts["minibatches"][times], counts["minibatches_with_replacement"][times]
        print(f"{times:>11}   {without:>7}   {with_:>7}")

# %% [markdown] ja
# ## 学習への影響
#
# deepkiso の実験 (`deepkiso.experiments`) で、手書き数字の小さなデータセット `digits` に2層NNを
# 5エポック学習させ、抽出方法ごとのテストデータの正解率を比べます (シード3つ)。
# `sequential` はシャッフルせず、いつも同じ順序で同じミニバッチを使います。
# 訓練データはラベル順 (0 の画像がすべて先、9 の画像が最後) に並べてあります。クラスごとに保存されたデータでは、
# `sequential` の各ミニバッチには 1 つのクラスしか入らず、エポックの最後に学んだクラスばかりを答えるようになります。

# %% [markdown] en
# ## The effect on training
#
# With deepkiso's experiments (`deepkiso.experiments`), train a two-layer net for 5 epochs on the
# small handwritten-digits set `digits` and compare the test accuracy of each way of sampling
# (3 seeds). `sequential` never shuffles: the same mini-batches, in the same order, every epoch.
# The training data are sorted by label (every 0 first, the 9s last), as data stored by class are:
# each of `sequential`'s mini-batches then holds one class, and the net ends up answering the
# classes it saw last.

# %% picture
import tempfile

from deepkiso.experiments import group_results, run_sweep, sampling_trials
from deepkiso.plots.experiments import plot_sampling_accuracy

specs = sampling_trials(
    dataset="digits",
    samplers=["shuffle", "replacement", "sequential"],
    seeds=[0, 1, 2],
    epochs=5,
    batch_size=32,
    hidden=(32,),
)
with tempfile.TemporaryDirectory() as folder:
    outcome = run_sweep(specs, folder)
plot_sampling_accuracy(group_results(outcome.results))

# %% [markdown] ja
# ## 考えてみよう
#
# - 復元抽出では1エポックで約37%のデータが使われません。それでも学習がうまく進むのはなぜでしょうか。
# - データを並べ替えずに毎エポック同じ順序で与えると、何が起こりうるでしょうか (例: ラベル順に並んだデータ)。

# %% [markdown] en
# ## To think about
#
# - With replacement, about 37% of the samples go unused in an epoch. Why does training still work?
# - What can go wrong when the data come in the same order every epoch (for example, sorted by label)?
