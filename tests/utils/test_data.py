"""tapegrad.utils.data against torch.utils.data (orders of shuffles differ by design: NumPy streams)."""
import collections
import warnings

import numpy as np
import pytest

import tapegrad
from tapegrad.utils import data as D

torch = pytest.importorskip("torch")
TD = torch.utils.data


def _pair(n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64)
    ours = D.TensorDataset(tapegrad.tensor(x), tapegrad.tensor(y))
    theirs = TD.TensorDataset(torch.tensor(x), torch.tensor(y))
    return ours, theirs


def _same(a, b):
    if isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b)
        for u, v in zip(a, b):
            _same(u, v)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, tapegrad.Tensor):
        assert isinstance(b, torch.Tensor)
        assert str(a.dtype) == str(b.dtype) and tuple(a.shape) == tuple(b.shape)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    else:
        assert a == b


@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (3, False), (3, True), (5, True), (10, False),
                                                  (11, True), (4, False)])
def test_batches_match_torch(batch_size, drop_last):
    ours, theirs = _pair()
    lo = D.DataLoader(ours, batch_size=batch_size, drop_last=drop_last, num_workers=2, pin_memory=True)
    lt = TD.DataLoader(theirs, batch_size=batch_size, drop_last=drop_last)
    assert len(lo) == len(lt)
    got, want = list(lo), list(lt)
    assert len(got) == len(want) == len(lo)
    for a, b in zip(got, want):
        _same(a, b)


def test_batch_size_none_and_batch_sampler():
    ours, theirs = _pair(4)
    for a, b in zip(D.DataLoader(ours, batch_size=None), TD.DataLoader(theirs, batch_size=None)):
        _same(a, b)
    bs = [[3, 0], [1], [2, 1, 0]]
    lo, lt = D.DataLoader(ours, batch_sampler=bs), TD.DataLoader(theirs, batch_sampler=bs)
    assert len(lo) == len(lt) == 3
    for a, b in zip(lo, lt):
        _same(a, b)


def test_loader_option_errors():
    ours, _ = _pair()
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        D.DataLoader(ours, shuffle=True, sampler=D.SequentialSampler(ours))
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        D.DataLoader(ours, batch_size=2, batch_sampler=[[0]])
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        D.DataLoader(ours, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        D.DataLoader(ours, num_workers=-1)


@pytest.mark.parametrize("batch", [
    [(1, 2.5, "a"), (3, 4.0, "b")],
    [{"x": 1.0, "y": [1, 2]}, {"x": 2.0, "y": [3, 4]}],
    [[True, 1], [False, 2]],
    "numpy",
    "numpy_scalars",
    "namedtuple",
])
def test_default_collate_matches_torch(batch):
    if batch == "numpy":
        arrays = [np.ones((2, 2), dtype=np.float32) * i for i in range(3)]
        ours, theirs = D.default_collate(arrays), TD.default_collate(arrays)
    elif batch == "numpy_scalars":
        scalars = [np.float32(1.5), np.float32(2)]
        ours, theirs = D.default_collate(scalars), TD.default_collate(scalars)
    elif batch == "namedtuple":
        P = collections.namedtuple("P", "a b")
        samples = [P(1, 2.0), P(3, 4.0)]
        ours, theirs = D.default_collate(samples), TD.default_collate(samples)
        assert type(ours) is P
    else:
        ours, theirs = D.default_collate(batch), TD.default_collate(batch)
    _same(ours, theirs)


def test_default_collate_dtypes_and_errors():
    assert D.default_collate([1.0, 2.0]).dtype == tapegrad.float64
    assert D.default_collate([1, 2]).dtype == tapegrad.int64
    assert D.default_collate([tapegrad.zeros(2), tapegrad.ones(2)]).shape == (2, 2)
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        D.default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        D.default_collate([object()])


def test_shuffle_reproducible_and_a_permutation():
    ours, _ = _pair(20)

    def order(loader):
        return [int(v) for _, y in loader for v in y.tolist()]

    tapegrad.manual_seed(0)
    first = order(D.DataLoader(ours, batch_size=4, shuffle=True))
    tapegrad.manual_seed(0)
    second = order(D.DataLoader(ours, batch_size=4, shuffle=True))
    assert first == second and sorted(first) == list(range(20)) and first != list(range(20))
    g1, g2 = tapegrad.Generator().manual_seed(5), tapegrad.Generator().manual_seed(5)
    assert order(D.DataLoader(ours, batch_size=3, shuffle=True, generator=g1)) == \
        order(D.DataLoader(ours, batch_size=3, shuffle=True, generator=g2))
    sampler = D.RandomSampler(range(7), replacement=True, num_samples=15, generator=g1)
    drawn = list(sampler)
    assert len(drawn) == len(sampler) == 15 and all(0 <= i < 7 for i in drawn)
    longer = list(D.RandomSampler(range(7), num_samples=10))
    assert len(longer) == 10 and sorted(longer[:7]) == list(range(7)) and len(set(longer[7:])) == 3


def test_samplers():
    assert list(D.SequentialSampler(range(4))) == [0, 1, 2, 3]
    assert list(D.BatchSampler(range(7), 3, False)) == list(TD.BatchSampler(range(7), 3, False))
    assert len(D.BatchSampler(range(7), 3, True)) == len(TD.BatchSampler(range(7), 3, True)) == 2
    with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
        D.BatchSampler(range(7), 0, False)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        D.RandomSampler(range(3), num_samples=0)
    assert sorted(D.SubsetRandomSampler([4, 8, 9])) == [4, 8, 9]


def test_tensor_dataset_and_subset():
    ours, theirs = _pair(6)
    assert len(ours) == len(theirs) == 6
    _same(ours[2], theirs[2])
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        D.TensorDataset(tapegrad.zeros(3), tapegrad.zeros(4))
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TD.TensorDataset(torch.zeros(3), torch.zeros(4))
    so, st = D.Subset(ours, [5, 1, 3]), TD.Subset(theirs, [5, 1, 3])
    assert len(so) == len(st) == 3
    for i in range(3):
        _same(so[i], st[i])
    for a, b in zip(D.DataLoader(so, batch_size=2), TD.DataLoader(st, batch_size=2)):
        _same(a, b)


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.3, 0.4], [0.5, 0.5], [0.34, 0.33, 0.33], [10]])
def test_random_split_lengths(lengths):
    ours = D.random_split(range(10), lengths, generator=tapegrad.Generator().manual_seed(1))
    theirs = TD.random_split(range(10), lengths, generator=torch.Generator().manual_seed(1))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    assert sorted(i for s in ours for i in s) == list(range(10))
    assert all(isinstance(s, D.Subset) for s in ours)
    again = D.random_split(range(10), lengths, generator=tapegrad.Generator().manual_seed(1))
    assert [list(s) for s in again] == [list(s) for s in ours]


def test_random_split_uneven_fractions_and_errors():
    assert [len(s) for s in D.random_split(range(7), [0.5, 0.5])] == \
        [len(s) for s in TD.random_split(range(7), [0.5, 0.5])]
    for bad, msg in [([3, 3], "Sum of input lengths does not equal the length of the input dataset!"),
                     ([1.5, -0.5], "Fraction at index 0 is not between 0 and 1"),
                     ([0.5, 0.4], "Sum of input lengths does not equal")]:
        with pytest.raises(ValueError, match=msg):
            TD.random_split(range(10), bad)
        with pytest.raises(ValueError, match=msg):
            D.random_split(range(10), bad)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        D.random_split(range(2), [0.9, 0.1, 0.0])
    assert any("Length of split at index 2 is 0" in str(w.message) for w in caught)


def test_iterable_dataset_and_concat():
    class Count(D.IterableDataset):
        def __iter__(self):
            return iter(range(5))

    class TCount(TD.IterableDataset):
        def __iter__(self):
            return iter(range(5))

    for a, b in zip(D.DataLoader(Count(), batch_size=2), TD.DataLoader(TCount(), batch_size=2)):
        _same(a, b)
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        D.DataLoader(Count(), shuffle=True)
    cat = D.ConcatDataset([range(3), range(10, 12)])
    assert len(cat) == 5 and [cat[i] for i in range(5)] == [0, 1, 2, 10, 11] and cat[-1] == 11
