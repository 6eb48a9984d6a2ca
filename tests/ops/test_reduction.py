"""Tests of ops/reduction.py: sum and mean over everything, over dims, with keepdim."""
import warnings

import numpy as np
import pytest

from checks import check_op, requires_torch

# (shape, dim, keepdim); dim None means a reduction over everything.
CASES = [
    ((3, 4), None, False),
    ((), None, False),
    ((5,), None, False),
    ((2, 3, 4), None, False),
    ((3, 4), 0, False),
    ((3, 4), 1, False),
    ((3, 4), -1, False),
    ((3, 4), -2, True),
    ((3, 4), 1, True),
    ((2, 3, 4), (0, 2), False),
    ((2, 3, 4), (0, 2), True),
    ((2, 3, 4), (-1, 0), False),
    ((2, 3, 4), (-1, -2), True),
    ((2, 3, 4), (0, 1, 2), False),
    ((2, 3, 4), [1], False),
    ((2, 1, 4), 1, False),
    ((1, 1), (0, 1), True),
    ((), 0, False),
    ((), -1, True),
]


def _id(case):
    return str(case).replace(" ", "")


def _reduce(name, dim, keepdim, style):
    if dim is None:
        if style == "function":
            return lambda lib, x: getattr(lib, name)(x)
        return lambda lib, x: getattr(x, name)()
    if style == "function":
        return lambda lib, x: getattr(lib, name)(x, dim, keepdim)
    if style == "keywords":
        return lambda lib, x: getattr(x, name)(dim=dim, keepdim=keepdim)
    return lambda lib, x: getattr(x, name)(dim, keepdim)


@pytest.mark.parametrize("style, case", [(style, case) for style in ("function", "method", "keywords")
                                         for case in CASES if not (style == "keywords" and case[1] is None)],
                         ids=lambda v: v if isinstance(v, str) else _id(v))
@pytest.mark.parametrize("name", ["sum", "mean"])
def test_reduction(name, style, case):
    shape, dim, keepdim = case
    check_op(_reduce(name, dim, keepdim, style), [shape])


# Empty tensors: the sum of nothing is 0; a mean over a non-empty dim of an empty tensor is empty.
@pytest.mark.parametrize("fn", [
    lambda lib, x: x.sum(),
    lambda lib, x: x.sum(0),
    lambda lib, x: x.sum(1),
    lambda lib, x: x.sum(1, keepdim=True),
    lambda lib, x: x.mean(1),
    lambda lib, x: x.mean(1, keepdim=True),
], ids=["sum", "sum0", "sum1", "sum1_keepdim", "mean1", "mean1_keepdim"])
def test_reduction_of_empty(fn):
    check_op(fn, [(0, 3)])


@requires_torch
def test_mean_of_empty_is_nan_like_torch():
    # PyTorch returns nan silently; NumPy's "Mean of empty slice" warning must not leak.
    import tapegrad
    import torch
    for lib in (tapegrad, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            assert np.isnan(lib.zeros(0, 3).mean().item())
            assert lib.zeros(0, 3).mean(0).shape == (3,)
            assert np.isnan(lib.zeros(0, 3).mean(0).numpy()).all()


def test_sum_with_dtype():
    # an explicit dtype decides the output dtype, so the float32-preservation check does not apply
    check_op(lambda lib, x: x.sum(dtype=lib.float64), [(3, 4)], check_float32=False)
    check_op(lambda lib, x: lib.sum(x, 0, dtype=lib.float64), [(3, 4)], dtype="float32", check_float32=False)
    check_op(lambda lib, x: x.mean(dtype=lib.float64), [(3, 4)], check_float32=False)


def test_reduction_composed_with_broadcast():
    # the reduction's gradient must broadcast back over the kept dims
    check_op(lambda lib, x, y: (x * y).sum(1, keepdim=True) / x.mean(), [(3, 4), (4,)])
    check_op(lambda lib, x: (x - x.mean(0)).sum(-1) * x.sum(), [(3, 4)])


@requires_torch
@pytest.mark.parametrize("dim", [2, -3, (0, 2)])
def test_dim_out_of_range_raises_like_torch(dim):
    import tapegrad
    import torch
    errors = []
    for lib in (tapegrad, torch):
        with pytest.raises(IndexError) as info:
            lib.ones(3, 4).sum(dim)
        errors.append(str(info.value))
    assert errors[0] == errors[1]
