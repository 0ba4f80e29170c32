"""Data for training: IDX files, data sets and mini-batch samplers (exercises 2_1, 2_10, 2_11).

``load_dataset`` returns ready-to-train arrays; the samplers decide which samples form each
mini-batch (sequential, shuffled, with replacement, stratified, rare labels first, class-balanced)
and ``iterate_minibatches`` gathers the batches.
"""

from deepkiso.data.datasets import (
    DatasetInfo,
    DatasetNotFoundError,
    available_datasets,
    dataset_info,
    load_dataset,
)
from deepkiso.data.download import DownloadError
from deepkiso.data.idx import IdxFormatError, read_idx, write_idx
from deepkiso.data.images import ScaledImages
from deepkiso.data.mnist import load_mnist
from deepkiso.data.samplers import (
    SAMPLERS,
    BalancedSampler,
    RareFirstSampler,
    ReplacementSampler,
    Sampler,
    SequentialSampler,
    ShuffleSampler,
    StratifiedSampler,
    iterate_minibatches,
    make_sampler,
)

__all__ = [
    "SAMPLERS",
    "ScaledImages",
    "BalancedSampler",
    "DatasetInfo",
    "DatasetNotFoundError",
    "DownloadError",
    "IdxFormatError",
    "RareFirstSampler",
    "ReplacementSampler",
    "Sampler",
    "SequentialSampler",
    "ShuffleSampler",
    "StratifiedSampler",
    "available_datasets",
    "dataset_info",
    "iterate_minibatches",
    "load_mnist",
    "load_dataset",
    "make_sampler",
    "read_idx",
    "write_idx",
]
