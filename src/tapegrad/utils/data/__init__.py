"""Datasets, samplers and the DataLoader, as in `torch.utils.data`.

Everything runs in-process: `num_workers` and `pin_memory` are accepted and ignored. Shuffling
draws from tapegrad's generators (NumPy streams), so shuffled orders differ from PyTorch's for the
same seed but are reproducible with `tapegrad.manual_seed` or a seeded `tapegrad.Generator`.
"""
from .dataset import (Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset,  # noqa: F401
                      random_split)
from .sampler import (Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler,  # noqa: F401
                      BatchSampler)
from ._collate import default_collate, default_convert  # noqa: F401
from .dataloader import DataLoader, get_worker_info  # noqa: F401

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "random_split",
           "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "BatchSampler",
           "default_collate", "default_convert", "DataLoader", "get_worker_info"]
