"""Tests of ops/indexing.py and ops/gather.py: x[index] and y[index] = value, and the ops with tensor
indices (gather, scatter, index_*, masked_*, take, take_along_dim, index_put, nonzero), with gradients.

Negative slice steps are not differentiated: PyTorch rejects them ("step must be greater than zero"),
which test_indexing_errors_like_torch checks. A nested list index (x[[[0, 1], [1, 1]]]) is left
out: PyTorch deprecates its meaning.
"""
import importlib

import numpy as np
import pytest

from checks import assert_close, check_op, requires_torch, assert_raises_like_torch

import tapegrad

GETITEM = {
    # name: (index, input shape)
    "int": (0, (3, 4)),
    "int_negative": (-1, (3, 4)),
    "int_int": ((1, 2), (3, 4)),
    "int_int_negative": ((-1, -2), (3, 4)),
    "int_1d": (2, (5,)),
    "int_3d_middle": ((slice(None), 1), (2, 3, 4)),
    "slice": (slice(1, 3), (4, 3)),
    "slice_open": (slice(1, None), (4, 3)),
    "slice_step": (slice(None, None, 2), (5, 3)),
    "slice_step_start": (slice(1, None, 3), (7,)),
    "slice_negative_bounds": (slice(-3, -1), (5, 2)),
    "slice_out_of_range": (slice(2, 100), (4, 3)),
    "slice_empty": (slice(2, 2), (4, 3)),
    "slice_second_dim": ((slice(None), slice(1, 3)), (3, 4)),
    "slice_and_int": ((slice(0, 2), 1), (3, 4)),
    "int_and_slice": ((1, slice(None, None, 2)), (3, 4)),
    "none": (None, (3, 4)),
    "none_middle": ((slice(None), None), (3, 4)),
    "none_last": ((Ellipsis, None), (3, 4)),
    "int_none": ((0, None), (3, 4)),
    "none_0d": (None, ()),
    "ellipsis": (Ellipsis, (3, 4)),
    "ellipsis_int": ((Ellipsis, 1), (2, 3, 4)),
    "int_ellipsis": ((1, Ellipsis), (2, 3, 4)),
    "ellipsis_slice": ((Ellipsis, slice(0, 2)), (2, 3, 4)),
    "ellipsis_0d": (Ellipsis, ()),
    "list": ([0, 2], (3, 4)),
    "list_repeated": ([0, 2, 0, 0], (3, 4)),
    "list_negative": ([-1, 0, -1], (3, 4)),
    "list_second_dim": ((slice(None), [3, 0, 3]), (3, 4)),
    "list_pair": (([0, 1, 1], [2, 2, 0]), (3, 4)),
    "list_pair_repeated": (([1, 1], [2, 2]), (3, 4)),
    "list_and_int": (([2, 0, 2], 1), (3, 4)),
    "list_and_slice": (([0, 0], slice(1, 3)), (3, 4)),
    "list_empty": (([],), (3, 4)),
    "bool_list": ([True, False, True], (3, 4)),
}


def _id(index):
    return str(index).replace(" ", "")


@pytest.mark.parametrize("name", list(GETITEM))
def test_getitem(name):
    index, shape = GETITEM[name]
    check_op(lambda lib, x: x[index], [shape])


# Tensor indices (int64 and bool arrays from make_inputs become constant tensors in check_op).
TENSOR_INDICES = {
    "int_tensor": (lambda rng: [rng.standard_normal((4, 3)), np.array([3, 0, 3, 1, 3])],
                   lambda lib, x, i: x[i]),
    "int_tensor_2d": (lambda rng: [rng.standard_normal((4, 3)), np.array([[0, 0], [2, 0]])],
                      lambda lib, x, i: x[i]),
    "int_tensor_second_dim": (lambda rng: [rng.standard_normal((4, 3)), np.array([2, 2, 1])],
                              lambda lib, x, i: x[:, i]),
    "int_tensor_pair": (lambda rng: [rng.standard_normal((4, 3)), np.array([0, 0, 3]), np.array([1, 1, 2])],
                        lambda lib, x, i, j: x[i, j]),
    "int_tensor_broadcast_pair": (lambda rng: [rng.standard_normal((4, 3)), np.array([[0], [3], [0]]),
                                               np.array([1, 1, 2])],
                                  lambda lib, x, i, j: x[i, j]),
    "int_tensor_0d": (lambda rng: [rng.standard_normal((4, 3)), np.array(2)], lambda lib, x, i: x[i]),
    "bool_mask_full": (lambda rng: [rng.standard_normal((4, 3)), rng.standard_normal((4, 3)) > 0],
                       lambda lib, x, m: x[m]),
    "bool_mask_rows": (lambda rng: [rng.standard_normal((4, 3)), np.array([True, False, True, True])],
                       lambda lib, x, m: x[m]),
    "bool_mask_cols": (lambda rng: [rng.standard_normal((4, 3)), np.array([False, True, True])],
                       lambda lib, x, m: x[:, m]),
    "bool_mask_none_true": (lambda rng: [rng.standard_normal((4, 3)), np.zeros((4, 3), dtype=bool)],
                            lambda lib, x, m: x[m]),
    "bool_mask_from_values": (lambda rng: [rng.standard_normal((4, 3))], lambda lib, x: x[x > 0]),
    "bool_mask_0d": (lambda rng: [rng.standard_normal((4, 3)), np.array(True)], lambda lib, x, m: x[m]),
}


@pytest.mark.parametrize("name", list(TENSOR_INDICES))
def test_getitem_tensor_index(name):
    make_inputs, fn = TENSOR_INDICES[name]
    check_op(fn, None, make_inputs=make_inputs)


@requires_torch
def test_repeated_indices_accumulate():
    import tapegrad
    import torch
    grads = []
    for lib in (tapegrad, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        x[[0, 0, 2, 0]].sum().backward()
        grads.append(x.grad)
    assert grads[0].tolist() == [3.0, 0.0, 1.0]
    assert_close(grads[0], grads[1])


def test_getitem_composed():
    check_op(lambda lib, x: x[1:, None][..., 0] * x[0], [(3, 4)])
    check_op(lambda lib, x: x[[0, 0]][:, 1:] + x.t()[1:, 0], [(3, 4)])
    check_op(lambda lib, x: (x[0] * x[1]).sum() + x[2, 3] ** 2, [(3, 4)])


# ---------------------------------------------------------------- setitem

SETITEM = {
    # name: (index, target shape, value shape)
    "int": (0, (3, 4), (4,)),
    "int_broadcast_value": (1, (3, 4), (1,)),
    "int_int": ((1, 2), (3, 4), ()),
    "slice": (slice(1, 3), (4, 3), (2, 3)),
    "slice_step": (slice(None, None, 2), (5, 3), (3, 3)),
    "slice_broadcast": (slice(0, 2), (4, 3), (3,)),
    "column": ((slice(None), 1), (3, 4), (3,)),
    "ellipsis": (Ellipsis, (3, 4), (3, 4)),
    "ellipsis_broadcast": (Ellipsis, (3, 4), ()),
    "ellipsis_int": ((Ellipsis, 0), (2, 3), (2,)),
    "list": ([0, 2], (3, 4), (2, 4)),
    "list_broadcast": ([2, 0], (3, 4), (4,)),
    "list_pair": (([0, 2], [1, 3]), (3, 4), (2,)),
    "bool_list": ([True, False, True], (3, 4), (2, 4)),
    "none": ((None, 0), (3, 4), (1, 4)),
}


@pytest.mark.parametrize("name", list(SETITEM))
def test_setitem_into_zeros(name):
    # y = zeros; y[idx] = f(x): the gradient reaches x through the written region only
    index, shape, value_shape = SETITEM[name]

    def fn(lib, x):
        y = lib.zeros(shape, dtype=x.dtype)
        y[index] = x.exp()
        return y

    check_op(fn, [value_shape])


@pytest.mark.parametrize("name", list(SETITEM))
def test_setitem_into_computed_tensor(name):
    # y computed from another leaf: the old y's gradient is zero on the written region
    index, shape, value_shape = SETITEM[name]

    def fn(lib, x, w):
        y = w * 2
        y[index] = x.sin()
        return y * w

    check_op(fn, [value_shape, shape])


def test_setitem_scalar_and_constant():
    def write_number(lib, w):
        y = w.clone()
        y[0, 1] = 5.0
        return y

    def write_constant_tensor(lib, w):
        y = w * 1
        y[:, 0] = lib.tensor([1.0, 2.0, 3.0], dtype=w.dtype)
        return y

    check_op(write_number, [(3, 4)])
    check_op(write_constant_tensor, [(3, 4)])


def test_setitem_twice_and_overlapping():
    def fn(lib, x, w):
        y = w * 1
        y[0] = x
        y[:, 1] = x[:3] * 3  # overwrites one element written by the first write
        return y

    check_op(fn, [(4,), (3, 4)])


def test_setitem_through_view():
    # writing into a view of y changes y; gradients must see it
    def fn(lib, x, w):
        y = w * 1
        row = y[1]
        row[1:] = x
        return y

    def fn_transposed(lib, x, w):
        y = w + 0
        yt = y.t()
        yt[0] = x
        return y * yt.t()

    check_op(fn, [(3,), (3, 4)])
    check_op(fn_transposed, [(3,), (3, 4)])


def test_setitem_value_dtype_is_cast():
    def fn(lib, x, w):
        y = w * 1
        y[0] = x.double()
        return y

    check_op(fn, [(4,), (3, 4)], dtype="float32", order=1)


@requires_torch
def test_setitem_grad_fn():
    import tapegrad
    import torch
    names = []
    for lib in (tapegrad, torch):
        w = lib.ones(3, requires_grad=True)
        y = w * 2
        y[0] = 5.0
        assert y.requires_grad and not y.is_leaf
        names.append(type(y.grad_fn).__name__)
    assert names[0] == names[1] == "CopySlices"


@requires_torch
@pytest.mark.parametrize("case", ["leaf", "step_negative", "step_zero", "int_out_of_range", "too_many"])
def test_indexing_errors_like_torch(case):
    import tapegrad
    import torch
    errors = []
    for lib in (tapegrad, torch):
        x = lib.ones(3, 4, requires_grad=True)

        def leaf():
            x[0] = 1.0

        f = {"leaf": leaf, "step_negative": lambda: x[::-1], "step_zero": lambda: x[::0],
             "int_out_of_range": lambda: x[5], "too_many": lambda: x[0, 0, 0]}[case]
        with pytest.raises(Exception) as info:
            f()
        errors.append((type(info.value).__name__, str(info.value)))
    assert errors[0] == errors[1]


# ---------------------------------------------------------------- in-place ops on views

@pytest.mark.parametrize("case", ["mul_row", "add_column", "exp_slice", "view_of_view", "transposed"])
def test_inplace_on_view(case):
    # an in-place op on a view writes into the base: both the base and the view see the new values
    def fn(lib, x, w):
        y = w * 1
        if case == "mul_row":
            v = y[0]
            v.mul_(x[:4])
        elif case == "add_column":
            v = y[:, 1]
            v.add_(x[:3] ** 2)
        elif case == "exp_slice":
            v = y[1:]
            v.exp_()
        elif case == "view_of_view":
            v = y[1:][0][::2]
            v.mul_(x[:2])
        else:
            v = y.t()[1]
            v.sub_(x[:3])
        return y.sum(0) * 2 + v.sum() * x

    check_op(fn, [(4,), (3, 4)])


@requires_torch
def test_view_grad_fn_after_write_through_it():
    import tapegrad
    import torch
    names = []
    for lib in (tapegrad, torch):
        w = lib.ones(3, 4, requires_grad=True)
        y = w * 1
        row = y[1]
        row[1:] = lib.ones(3)
        names.append((type(row.grad_fn).__name__, type(y.grad_fn).__name__))
    assert names[0] == names[1]


# ================================================================ ops with tensor indices (ops/gather.py)
#
# Each case: (make_inputs(rng) -> arrays, fn(lib, *tensors)). Float arrays become leaves that require
# grad; integer and bool arrays (indices, masks) become constant tensors (see checks.check_op).

def _ints(*rows):
    return np.array(rows if len(rows) != 1 else rows[0], dtype=np.int64)


def _normal(*shape):
    return lambda rng: rng.standard_normal(shape)


def _inputs(*makers):
    """make_inputs from per-argument makers: a callable of rng, or a fixed array."""
    return lambda rng: [m(rng) if callable(m) else m for m in makers]


GATHER_LIKE = {
    # gather
    "gather_dim0": (_inputs(_normal(3, 4), _ints([0, 1, 2, 0], [2, 2, 0, 1])), lambda lib, x, i: lib.gather(x, 0, i)),
    "gather_dim1_repeated": (_inputs(_normal(3, 4), _ints([3, 3, 3], [0, 1, 0], [2, 2, 1])),
                             lambda lib, x, i: lib.gather(x, 1, i)),
    "gather_smaller_index": (_inputs(_normal(3, 4), _ints([[1], [0]])), lambda lib, x, i: x.gather(-1, i)),
    "gather_3d": (_inputs(_normal(2, 3, 4), np.array([[[0, 2]], [[1, 1]]])), lambda lib, x, i: lib.gather(x, 1, i)),
    "gather_int32_index": (_inputs(_normal(3, 4), np.array([[0, 1, 2, 0]], dtype=np.int32)),
                           lambda lib, x, i: lib.gather(x, 0, i)),
    "gather_0d": (_inputs(_normal(), _ints(0)), lambda lib, x, i: lib.gather(x, 0, i)),
    "gather_0d_input_1d_index": (_inputs(_normal(), _ints([0, 0, 0])), lambda lib, x, i: lib.gather(x, -1, i)),
    "gather_1d_0d_index": (_inputs(_normal(5), _ints(3)), lambda lib, x, i: lib.gather(x, 0, i)),
    "gather_empty": (_inputs(_normal(3, 4), np.zeros((0, 4), dtype=np.int64)), lambda lib, x, i: lib.gather(x, 0, i)),
    # index_select
    "index_select_dim0": (_inputs(_normal(3, 4), _ints([2, 0, 2, 2])), lambda lib, x, i: lib.index_select(x, 0, i)),
    "index_select_dim1": (_inputs(_normal(3, 4), _ints([3, 1])), lambda lib, x, i: x.index_select(1, i)),
    "index_select_negative_dim": (_inputs(_normal(2, 3, 4), np.array([1, 1], dtype=np.int32)),
                                  lambda lib, x, i: lib.index_select(x, -2, i)),
    "index_select_0d_index": (_inputs(_normal(3, 4), _ints(1)), lambda lib, x, i: lib.index_select(x, 1, i)),
    "index_select_0d_input": (_inputs(_normal(), _ints([0])), lambda lib, x, i: lib.index_select(x, 0, i)),
    "index_select_empty": (_inputs(_normal(3, 4), np.zeros(0, dtype=np.int64)),
                           lambda lib, x, i: lib.index_select(x, 0, i)),
    # take
    "take": (_inputs(_normal(3, 4), _ints([[0, 11], [-1, 5], [5, 5]])), lambda lib, x, i: lib.take(x, i)),
    "take_of_transposed": (_inputs(_normal(3, 4), _ints([1, 4, 4])), lambda lib, x, i: lib.take(x.t(), i)),
    "take_0d": (_inputs(_normal(), _ints([0, 0])), lambda lib, x, i: x.take(i)),
    "take_empty": (_inputs(_normal(3, 4), np.zeros((2, 0), dtype=np.int64)), lambda lib, x, i: lib.take(x, i)),
    # take_along_dim
    "take_along_dim": (_inputs(_normal(3, 4), _ints([[0], [3], [1]])), lambda lib, x, i: lib.take_along_dim(x, i, 1)),
    "take_along_dim_broadcast_index": (_inputs(_normal(3, 4), _ints([[0, 2, 2]])),
                                       lambda lib, x, i: lib.take_along_dim(x, i, 1)),
    "take_along_dim_broadcast_input": (_inputs(_normal(1, 4), _ints([[0, 3], [1, 1], [2, 0]])),
                                       lambda lib, x, i: x.take_along_dim(i, dim=-1)),
    "take_along_dim_wraps": (_inputs(_normal(3, 4), _ints([[5, -5, 7, -1]])),
                             lambda lib, x, i: lib.take_along_dim(x, i, 0)),
    "take_along_dim_flat": (_inputs(_normal(3, 4), _ints([[0, 11], [3, 3]])),
                            lambda lib, x, i: lib.take_along_dim(x, i)),
    # masked_select
    "masked_select": (_inputs(_normal(3, 4), lambda rng: rng.standard_normal((3, 4)) > 0),
                      lambda lib, x, m: lib.masked_select(x, m)),
    "masked_select_broadcast_mask": (_inputs(_normal(3, 4), np.array([True, False, True, True])),
                                     lambda lib, x, m: x.masked_select(m)),
    "masked_select_broadcast_input": (_inputs(_normal(4), lambda rng: rng.standard_normal((3, 4)) > 0),
                                      lambda lib, x, m: lib.masked_select(x, m)),
    "masked_select_none": (_inputs(_normal(3, 4), np.zeros((3, 4), dtype=bool)),
                           lambda lib, x, m: lib.masked_select(x, m)),
    "masked_select_0d": (_inputs(_normal(), np.array(True)), lambda lib, x, m: lib.masked_select(x, m)),
}


@pytest.mark.parametrize("name", list(GATHER_LIKE))
def test_gather_like(name):
    make_inputs, fn = GATHER_LIKE[name]
    check_op(fn, None, make_inputs=make_inputs)


# Scatter-like ops. Indices written twice are left out where PyTorch leaves the result undefined.
SCATTER_LIKE = {
    # scatter with a tensor src
    "scatter": (_inputs(_normal(3, 4), _ints([1, 0, 2, 0], [2, 1, 0, 1]), _normal(2, 4)),
                lambda lib, x, i, s: lib.scatter(x, 0, i, s)),
    "scatter_src_larger": (_inputs(_normal(3, 4), _ints([3, 0], [1, 2]), _normal(3, 5)),
                           lambda lib, x, i, s: x.scatter(1, i, s)),
    "scatter_3d": (_inputs(_normal(2, 3, 4), np.array([[[2, 0, 1]], [[3, 1, 2]]]), _normal(2, 1, 3)),
                   lambda lib, x, i, s: lib.scatter(x, -1, i, src=s)),
    "scatter_0d": (_inputs(_normal(), _ints(0), _normal()), lambda lib, x, i, s: lib.scatter(x, 0, i, s)),
    "scatter_1d_into_0d": (_inputs(_normal(), _ints([0]), _normal(2)), lambda lib, x, i, s: lib.scatter(x, 0, i, s)),
    "scatter_empty_index": (_inputs(_normal(3, 4), np.zeros((0, 4), dtype=np.int64), _normal(1, 4)),
                            lambda lib, x, i, s: lib.scatter(x, 0, i, s)),
    # scatter with a number
    "scatter_value": (_inputs(_normal(3, 4), _ints([[1, 0, 2, 0], [1, 1, 1, 1]])),
                      lambda lib, x, i: lib.scatter(x, 0, i, -1.5)),
    "scatter_value_keyword": (_inputs(_normal(3, 4), _ints([[3], [0], [3]])),
                              lambda lib, x, i: x.scatter(1, i, value=2)),
    # scatter_add
    "scatter_add": (_inputs(_normal(3, 4), _ints([1, 0, 2, 0], [1, 0, 0, 1]), _normal(2, 4)),
                    lambda lib, x, i, s: lib.scatter_add(x, 0, i, s)),
    "scatter_add_src_larger": (_inputs(_normal(3, 4), _ints([3, 3, 3], [0, 0, 1]), _normal(2, 4)),
                               lambda lib, x, i, s: x.scatter_add(1, i, s)),
    "scatter_add_0d": (_inputs(_normal(), _ints([0, 0]), _normal(2)), lambda lib, x, i, s: lib.scatter_add(x, 0, i, s)),
    # index_add
    "index_add": (_inputs(_normal(3, 4), _ints([0, 2, 0]), _normal(3, 4)),
                  lambda lib, x, i, s: lib.index_add(x, 0, i, s)),
    "index_add_alpha": (_inputs(_normal(3, 4), _ints([3, 3]), _normal(3, 2)),
                        lambda lib, x, i, s: x.index_add(1, i, s, alpha=-2.5)),
    "index_add_int32_index": (_inputs(_normal(2, 3), np.array([1, 0, 1], dtype=np.int32), _normal(3, 3)),
                              lambda lib, x, i, s: lib.index_add(x, 0, i, s)),
    "index_add_0d_index": (_inputs(_normal(3, 2), _ints(1), _normal(1, 2)),
                           lambda lib, x, i, s: lib.index_add(x, 0, i, s)),
    # index_copy
    "index_copy": (_inputs(_normal(3, 4), _ints([2, 0]), _normal(2, 4)),
                   lambda lib, x, i, s: lib.index_copy(x, 0, i, s)),
    "index_copy_dim1": (_inputs(_normal(3, 4), _ints([3, 1, 0]), _normal(3, 3)),
                        lambda lib, x, i, s: x.index_copy(1, i, s)),
    "index_copy_0d_source": (_inputs(_normal(3), _ints([1]), _normal()),
                             lambda lib, x, i, s: lib.index_copy(x, 0, i, s)),
    "index_copy_0d": (_inputs(_normal(), _ints([0]), _normal()), lambda lib, x, i, s: lib.index_copy(x, 0, i, s)),
    # index_fill
    "index_fill": (_inputs(_normal(3, 4), _ints([0, 2])), lambda lib, x, i: lib.index_fill(x, 0, i, 1.5)),
    "index_fill_negative_repeated": (_inputs(_normal(3, 4), _ints([-1, 3, 1])),
                                     lambda lib, x, i: x.index_fill(1, i, -2)),
    "index_fill_0d": (_inputs(_normal(), _ints(0)), lambda lib, x, i: lib.index_fill(x, 0, i, 3.0)),
    "index_fill_tensor_value": (_inputs(_normal(3, 4), _ints([0, 2, 0]), _normal()),
                                lambda lib, x, i, v: lib.index_fill(x, 0, i, v)),
    "index_fill_tensor_value_dim1": (_inputs(_normal(3, 4), _ints([3, 3, 1]), _normal()),
                                     lambda lib, x, i, v: x.index_fill(1, i, v * 2)),
    "index_fill_tensor_value_negative": (_inputs(_normal(3, 4), _ints([-1, 3, 1]), _normal()),
                                         lambda lib, x, i, v: x.index_fill(1, i, v)),
    # masked_fill
    "masked_fill": (_inputs(_normal(3, 4), lambda rng: rng.standard_normal((3, 4)) > 0),
                    lambda lib, x, m: lib.masked_fill(x, m, 0.5)),
    "masked_fill_broadcast_mask": (_inputs(_normal(3, 4), np.array([True, False, False, True])),
                                   lambda lib, x, m: x.masked_fill(m, -1)),
    "masked_fill_broadcast_input": (_inputs(_normal(4), lambda rng: rng.standard_normal((2, 3, 4)) > 0),
                                    lambda lib, x, m: lib.masked_fill(x, m, 2.0)),
    "masked_fill_0d": (_inputs(_normal(), np.array(True)), lambda lib, x, m: lib.masked_fill(x, m, 2.0)),
    "masked_fill_tensor_value": (_inputs(_normal(3, 4), lambda rng: rng.standard_normal((3, 4)) > 0, _normal()),
                                 lambda lib, x, m, v: lib.masked_fill(x, m, v)),
    "masked_fill_tensor_value_broadcast": (_inputs(_normal(3, 1), lambda rng: rng.standard_normal((2, 3, 4)) > 0,
                                                   _normal()),
                                           lambda lib, x, m, v: x.masked_fill(m, v.exp())),
    # masked_scatter
    "masked_scatter": (_inputs(_normal(3, 4), lambda rng: rng.standard_normal((3, 4)) > 0, _normal(12)),
                       lambda lib, x, m, s: lib.masked_scatter(x, m, s)),
    "masked_scatter_source_larger": (_inputs(_normal(3, 4), lambda rng: rng.standard_normal((3, 4)) > 0,
                                             _normal(4, 5)),
                                     lambda lib, x, m, s: x.masked_scatter(m, s)),
    "masked_scatter_broadcast_mask": (_inputs(_normal(3, 4), np.array([False, True, True, False]), _normal(7)),
                                      lambda lib, x, m, s: lib.masked_scatter(x, m, s)),
    "masked_scatter_broadcast_input": (_inputs(_normal(4), lambda rng: rng.standard_normal((3, 4)) > 0, _normal(12)),
                                       lambda lib, x, m, s: lib.masked_scatter(x, m, s)),
    # index_put
    "index_put": (_inputs(_normal(3, 4), _ints([2, 0]), _normal(2, 4)),
                  lambda lib, x, i, v: lib.index_put(x, (i,), v)),
    "index_put_broadcast_values": (_inputs(_normal(3, 4), _ints([2, 0]), _ints([1, 3]), _normal(1)),
                                   lambda lib, x, i, j, v: x.index_put((i, j), v)),
    "index_put_accumulate_repeated": (_inputs(_normal(3, 4), _ints([0, 0, 2, 0]), _normal(4)),
                                      lambda lib, x, i, v: lib.index_put(x, [i], v, accumulate=True)),
    "index_put_accumulate_pairs": (_inputs(_normal(3, 4), _ints([[1], [1]]), _ints([2, 2, 0]), _normal(2, 3)),
                                   lambda lib, x, i, j, v: lib.index_put(x, (i, j), v, True)),
    "index_put_bool": (_inputs(_normal(3, 4), lambda rng: rng.standard_normal((3, 4)) > 0, _normal()),
                       lambda lib, x, m, v: lib.index_put(x, (m,), v)),
    "index_put_negative": (_inputs(_normal(3, 4), _ints([-1]), _normal(1, 4)),
                           lambda lib, x, i, v: lib.index_put(x, (i,), v)),
}


# Cases where PyTorch's backward fails and tapegrad's gradient is checked against finite differences only
# (forwards still against torch): a src larger than the index (src gets zeros where it was not read), and
# index_fill with a tensor value and a negative index (PyTorch's rule index_selects with it).
TORCH_BACKWARD_FAILS = {"scatter_src_larger": "returned an invalid gradient",
                        "scatter_1d_into_0d": "returned an invalid gradient",
                        "scatter_add_src_larger": "returned an invalid gradient",
                        "index_fill_tensor_value_negative": "out of DATA bounds"}


@pytest.mark.parametrize("name", list(SCATTER_LIKE))
def test_scatter_like(name):
    make_inputs, fn = SCATTER_LIKE[name]
    check_op(fn, None, make_inputs=make_inputs, compare_torch=name not in TORCH_BACKWARD_FAILS)


@requires_torch
@pytest.mark.parametrize("name", list(TORCH_BACKWARD_FAILS))
def test_where_torch_backward_fails(name):
    import tapegrad
    import torch
    make_inputs, fn = SCATTER_LIKE[name]
    arrays = make_inputs(np.random.default_rng(0))
    outs = [fn(lib, *[lib.tensor(a) for a in arrays]) for lib in (tapegrad, torch)]
    assert_close(outs[0], outs[1])
    tensors = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    with pytest.raises(RuntimeError, match=TORCH_BACKWARD_FAILS[name]):
        fn(torch, *tensors).sum().backward()


@requires_torch
def test_repeated_indices_accumulate_in_gradients():
    import tapegrad
    import torch
    results = []
    for lib in (tapegrad, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        i = lib.tensor([0, 0, 2, 0])
        out = (lib.gather(x, 0, i) * lib.tensor([1.0, 2.0, 3.0, 4.0])).sum() + lib.index_select(x, 0, i).sum() \
            + lib.take(x, i).sum() + x.take_along_dim(i).sum()
        out.backward()
        v = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        lib.index_put(lib.zeros(3), (i,), v, accumulate=True).pow(2).sum().backward()
        results.append((x.grad.tolist(), v.grad.tolist()))
    assert results[0] == results[1]
    assert results[0][0] == [7.0 + 9.0, 0.0, 3.0 + 3.0]


# ---------------------------------------------------------------- in-place forms on non-leaf tensors

INPLACE = {
    "scatter_": (_inputs(_normal(3, 4), _ints([1, 0, 2, 0], [2, 1, 0, 1]), _normal(2, 4)),
                 lambda lib, w, i, s: (w * 2).scatter_(0, i, s * s)),
    "scatter_value_": (_inputs(_normal(3, 4), _ints([[1], [0], [3]])), lambda lib, w, i: (w * 2).scatter_(1, i, 0.5)),
    "scatter_add_": (_inputs(_normal(3, 4), _ints([1, 0, 2, 0], [1, 0, 0, 1]), _normal(2, 4)),
                     lambda lib, w, i, s: (w * 2).scatter_add_(0, i, s.exp())),
    "index_add_": (_inputs(_normal(3, 4), _ints([0, 2, 0]), _normal(3, 4)),
                   lambda lib, w, i, s: (w * w).index_add_(0, i, s, alpha=2)),
    "index_copy_": (_inputs(_normal(3, 4), _ints([3, 0]), _normal(3, 2)),
                    lambda lib, w, i, s: (w * 2).index_copy_(1, i, s * w[:, :2])),
    "index_fill_": (_inputs(_normal(3, 4), _ints([1])), lambda lib, w, i: (w * w).index_fill_(0, i, -1.0)),
    "index_fill_tensor_": (_inputs(_normal(3, 4), _ints([1, 3]), _normal()),
                           lambda lib, w, i, v: (w * 2).index_fill_(1, i, v)),
    "masked_fill_": (_inputs(_normal(3, 4), lambda rng: rng.standard_normal((3, 4)) > 0),
                     lambda lib, w, m: (w * w).masked_fill_(m, 3.0)),
    "masked_fill_tensor_": (_inputs(_normal(3, 4), np.array([True, False, False, True]), _normal()),
                            lambda lib, w, m, v: (w * 2).masked_fill_(m, v * v)),
    "masked_scatter_": (_inputs(_normal(3, 4), lambda rng: rng.standard_normal((3, 4)) > 0, _normal(13)),
                        lambda lib, w, m, s: (w * 2).masked_scatter_(m, s)),
    "index_put_": (_inputs(_normal(3, 4), _ints([2, 0]), _normal(2, 4)),
                   lambda lib, w, i, v: (w * 2).index_put_((i,), v)),
    "index_put_accumulate_": (_inputs(_normal(3, 4), _ints([2, 2]), _ints([1, 1]), _normal(2)),
                              lambda lib, w, i, j, v: (w * w).index_put_((i, j), v, accumulate=True)),
    "inplace_on_view": (_inputs(_normal(3, 4), _ints([0, 2]), _normal(2)),
                        lambda lib, w, i, v: _write_into_row(w, i, v)),
}


def _write_into_row(w, i, v):
    y = w * 1
    y[1].index_put_((i,), v)  # an in-place op on a view writes into its base
    return y * w


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace(name):
    make_inputs, fn = INPLACE[name]
    check_op(fn, None, make_inputs=make_inputs)


@requires_torch
@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_returns_self_and_records_like_torch(name):
    import tapegrad
    import torch
    make_inputs, fn = INPLACE[name]
    arrays = make_inputs(np.random.default_rng(0))
    seen = []
    for lib in (tapegrad, torch):
        out = fn(lib, *[lib.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays])
        seen.append((type(out.grad_fn).__name__, out.shape))
    assert seen[0] == seen[1]


@requires_torch
@pytest.mark.parametrize("method", ["scatter_", "index_fill_", "masked_fill_", "index_put_"])
def test_inplace_on_leaf_errors_like_torch(method):
    import tapegrad
    import torch
    errors = []
    for lib in (tapegrad, torch):
        x = lib.ones(3, 4, requires_grad=True)
        i = lib.tensor([[0]]) if method == "scatter_" else lib.tensor([0])
        args = {"scatter_": (0, i, 1.0), "index_fill_": (0, i, 1.0), "masked_fill_": (x > 0, 1.0),
                "index_put_": ((i,), lib.tensor(1.0))}[method]
        with pytest.raises(RuntimeError) as info:
            getattr(x, method)(*args)
        errors.append(str(info.value))
    assert errors[0] == errors[1]


def test_inplace_writes_into_the_tensor():
    import tapegrad
    x = tapegrad.zeros(2, 3)
    y = x.index_fill_(1, tapegrad.tensor([0, 2]), 5.0)
    assert y is x and x.tolist() == [[5.0, 0.0, 5.0], [5.0, 0.0, 5.0]]
    x.masked_fill_(x > 1, 1.0).scatter_add_(0, tapegrad.tensor([[1, 1, 1]]), tapegrad.ones(1, 3))
    assert x.tolist() == [[1.0, 0.0, 1.0], [2.0, 1.0, 2.0]]


# ---------------------------------------------------------------- node names, errors, no-gradient ops

def _node_exprs(lib):
    x = lib.arange(12.0).reshape(3, 4).requires_grad_()
    s = lib.ones(3, 4, requires_grad=True)
    v = lib.tensor(2.0, requires_grad=True)
    i = lib.tensor([[0, 1, 2, 0]])
    j = lib.tensor([2, 0])
    m = x > 4
    return {
        "gather": lambda: lib.gather(x, 0, i),
        "index_select": lambda: x.index_select(1, j),
        "take": lambda: lib.take(x, j),
        "take_along_dim": lambda: lib.take_along_dim(x, i, 0),
        "take_along_dim_flat": lambda: lib.take_along_dim(x, j),
        "masked_select": lambda: lib.masked_select(x, m),
        "scatter": lambda: lib.scatter(x, 0, i, s),
        "scatter_value": lambda: lib.scatter(x, 0, i, 1.0),
        "scatter_add": lambda: x.scatter_add(0, i, s),
        "index_add": lambda: lib.index_add(x, 0, j, s[:2]),
        "index_copy": lambda: lib.index_copy(x, 0, j, s[:2]),
        "index_fill": lambda: lib.index_fill(x, 0, j, 1.0),
        "index_fill_tensor": lambda: lib.index_fill(x, 0, j, v),
        "masked_fill": lambda: x.masked_fill(m, 1.0),
        "masked_fill_tensor": lambda: x.masked_fill(m, v),
        "masked_scatter": lambda: lib.masked_scatter(x, m, s),
        "index_put": lambda: lib.index_put(x, (j,), s[0]),
        "index_put_accumulate": lambda: lib.index_put(x, (j,), s[0], accumulate=True),
    }


@requires_torch
@pytest.mark.parametrize("expr", list(_node_exprs(tapegrad)))
def test_node_names_like_torch(expr):
    import tapegrad
    import torch
    got, expected = _node_exprs(tapegrad)[expr]().grad_fn, _node_exprs(torch)[expr]().grad_fn
    assert (type(got).__name__, got.name()) == (type(expected).__name__, expected.name())


def _error_cases(lib):
    x = lib.zeros(3, 4)
    t = lib.tensor
    return {
        "gather_float_index": lambda: lib.gather(x, 0, t([[0.0]])),
        "gather_ndim": lambda: lib.gather(x, 0, t([0])),
        "gather_size": lambda: lib.gather(x, 0, t([[0] * 5])),
        "gather_out_of_bounds": lambda: lib.gather(x, 0, t([[3]])),
        "gather_negative": lambda: lib.gather(x, 1, t([[1, -1]])),
        "gather_dim": lambda: lib.gather(x, 2, t([[0]])),
        "gather_list_index": lambda: lib.gather(x, 0, [[0]]),
        "scatter_dtype": lambda: lib.scatter(x, 0, t([[0]]), lib.ones(1, 1, dtype=lib.float64)),
        "scatter_size": lambda: lib.scatter(x, 0, t([[0] * 5]), lib.ones(1, 5)),
        "scatter_size_src": lambda: lib.scatter(x, 0, t([[0, 1]]), lib.ones(1, 1)),
        "scatter_value_size": lambda: lib.scatter(x, 0, t([[0] * 5]), 1.0),
        "scatter_ndim": lambda: lib.scatter(x, 0, t([0]), lib.ones(1)),
        "scatter_src_ndim_1d": lambda: lib.scatter(x, 0, t([[0]]), lib.ones(1)),
        "scatter_src_ndim_3d": lambda: lib.scatter(x, 0, t([[0]]), lib.ones(1, 1, 1)),
        "scatter_src_0d": lambda: lib.scatter(x, 0, t([[0]]), t(5.0)),
        "scatter_out_of_bounds": lambda: lib.scatter(x, 0, t([[5]]), 1.0),
        "scatter_float_index": lambda: lib.scatter(x, 0, t([[0.0]]), 1.0),
        "scatter_reduce_name": lambda: lib.scatter(x, 0, t([[0]]), 1.0, reduce="max"),
        "scatter_add_dtype": lambda: lib.scatter_add(x, 0, t([[0]]), lib.ones(1, 1, dtype=lib.float64)),
        "scatter_add_negative": lambda: lib.scatter_add(x, 0, t([[-1]]), lib.ones(1, 1)),
        "index_select_2d": lambda: lib.index_select(x, 0, t([[0]])),
        "index_select_float": lambda: lib.index_select(x, 0, t([0.0])),
        "index_select_bool": lambda: lib.index_select(x, 0, t([True])),
        "index_select_out_of_range": lambda: lib.index_select(x, 0, t([3])),
        "index_select_negative": lambda: lib.index_select(x, 0, t([-1])),
        "index_select_dim1_negative": lambda: lib.index_select(x, 1, t([-1])),
        "index_select_dim1_out_of_range": lambda: lib.index_select(lib.zeros(3, 4, 2), 1, t([1, 4])),
        "index_select_last_dim_3d": lambda: lib.index_select(lib.zeros(3, 4, 2), 2, t([2])),
        "index_select_empty_self": lambda: lib.index_select(lib.zeros(4, 0), 0, t([4])),
        "index_select_scalar_two": lambda: lib.index_select(t(3.0), 0, t([0, 0])),
        "index_select_dim": lambda: lib.index_select(x, -3, t([0])),
        "index_add_count": lambda: lib.index_add(x, 0, t([0, 1, 2]), lib.ones(2, 4)),
        "index_add_shape": lambda: lib.index_add(x, 0, t([0, 1]), lib.ones(2, 3)),
        "index_add_ndim": lambda: lib.index_add(x, 0, t([0, 1]), lib.ones(8)),
        "index_add_dtype": lambda: lib.index_add(x, 0, t([0, 1]), lib.ones(2, 4, dtype=lib.float64)),
        "index_add_out_of_bounds": lambda: lib.index_add(x, 0, t([0, 5]), lib.ones(2, 4)),
        "index_add_2d_index": lambda: lib.index_add(x, 0, t([[0, 1]]), lib.ones(2, 4)),
        "index_add_float_index": lambda: lib.index_add(x, 0, t([0.0, 1.0]), lib.ones(2, 4)),
        "index_add_0d_count": lambda: lib.index_add(t(1.0), 0, t([0, 0]), t(2.0)),
        "index_add_0d_out_of_range": lambda: lib.index_add(t(1.0), 0, t([1]), t(2.0)),
        "index_add_0d_source_1d": lambda: lib.index_add(t(1.0), 0, t([0]), t([2.0])),
        "index_add_1d_negative": lambda: lib.index_add(lib.zeros(3), 0, t([-1]), lib.ones(1)),
        "index_add_source_dim": lambda: lib.index_add(lib.zeros(3, 2), 1, t([0]), lib.ones(3)),
        "index_add_0d_source": lambda: lib.index_add(lib.zeros(3, 2), 0, t([0]), t(1.0)),
        "index_copy_count": lambda: lib.index_copy(x, 0, t([0, 1, 2]), lib.ones(2, 4)),
        "index_copy_slices": lambda: lib.index_copy(lib.zeros(2, 3, 4), 1, t([0]), lib.ones(2, 1, 5)),
        "index_copy_dtype": lambda: lib.index_copy(x, 0, t([0, 1]), lib.ones(2, 4, dtype=lib.float64)),
        "index_copy_out_of_bounds": lambda: lib.index_copy(x, 0, t([0, 5]), lib.ones(2, 4)),
        "index_copy_negative": lambda: lib.index_copy(x, 0, t([-1]), lib.ones(1, 4)),
        "index_copy_int32": lambda: lib.index_copy(x, 0, t([0, 1], dtype=lib.int32), lib.ones(2, 4)),
        "index_copy_ndim": lambda: lib.index_copy(x, 1, t([0]), lib.ones(3, 1, 1)),
        "index_copy_2d_index": lambda: lib.index_copy(x, 1, t([[0]]), lib.ones(3, 1)),
        "index_copy_scalar_source": lambda: lib.index_copy(t(1.0), 0, t([0, 0]), t(2.0)),
        "index_fill_out_of_bounds": lambda: lib.index_fill(x, 0, t([0, -4]), 1.0),
        "index_fill_2d": lambda: lib.index_fill(x, 0, t([[0]]), 1.0),
        "index_fill_int32": lambda: lib.index_fill(x, 0, t([0], dtype=lib.int32), 1.0),
        "index_fill_1d_value": lambda: lib.index_fill(x, 0, t([0]), lib.ones(1)),
        "masked_fill_long_mask": lambda: lib.masked_fill(x, lib.ones(3, 4, dtype=lib.int64), 1.0),
        "masked_fill_uint8_mask": lambda: lib.masked_fill(x, lib.ones(3, 4, dtype=lib.uint8), 1.0),
        "masked_fill_float_mask": lambda: lib.masked_fill(x, x, 1.0),
        "masked_fill_1d_value": lambda: lib.masked_fill(x, x > 0, lib.ones(1)),
        "masked_fill_broadcast": lambda: lib.masked_fill(x, lib.ones(3, dtype=lib.bool), 1.0),
        "masked_fill_inplace_broadcast": lambda: x.clone().masked_fill_(lib.ones(2, 3, 4, dtype=lib.bool), 1.0),
        "masked_select_long": lambda: lib.masked_select(x, lib.ones(3, 4, dtype=lib.int64)),
        "masked_select_broadcast": lambda: lib.masked_select(lib.ones(4), lib.ones(3, dtype=lib.bool)),
        "masked_scatter_small_source": lambda: lib.masked_scatter(x, lib.ones(3, 4, dtype=lib.bool), lib.ones(5)),
        "masked_scatter_dtype": lambda: lib.masked_scatter(x, x > 0, lib.ones(12, dtype=lib.float64)),
        "masked_scatter_long": lambda: lib.masked_scatter(x, lib.ones(3, 4, dtype=lib.int64), lib.ones(12)),
        "take_out_of_range": lambda: lib.take(x, t([12])),
        "take_negative_out_of_range": lambda: lib.take(x, t([[0, -13]])),
        "take_float": lambda: lib.take(x, t([1.0])),
        "take_int32": lambda: lib.take(x, t([1], dtype=lib.int32)),
        "take_along_dim_broadcast": lambda: lib.take_along_dim(x, t([[0], [1]]), 1),
        "take_along_dim_ndim": lambda: lib.take_along_dim(x, t([0, 1]), 1),
        "take_along_dim_int32": lambda: lib.take_along_dim(x, t([[0, 1]], dtype=lib.int32), 1),
        "take_along_dim_flat_negative": lambda: lib.take_along_dim(x, t([-1, 0])),
        "take_along_dim_0d": lambda: lib.take_along_dim(t(2.0), t(0), 0),
        "index_put_dtype": lambda: lib.index_put(x, (t([0]),), lib.ones(1, 4, dtype=lib.float64)),
        "index_put_tensor_indices": lambda: lib.index_put(x, t([0]), lib.ones(1, 4)),
        "index_put_none": lambda: lib.index_put(x, (None, t([0])), lib.ones(3, 1)),
        "index_put_shape": lambda: lib.index_put(x, (t([0, 1]),), lib.ones(3, 4)),
        "index_put_extra_dims": lambda: lib.index_put(x, (t([0, 1]),), lib.ones(1, 1, 4)),
        "index_put_out_of_bounds": lambda: lib.index_put(x, (t([0]), t([4])), lib.ones(1)),
        "index_put_float_index": lambda: lib.index_put(x, (t([0.0]),), lib.ones(4)),
        "index_put_number_values": lambda: lib.index_put(x, (t([0]),), 1.0),
        "index_put_too_many": lambda: lib.index_put(x, (t([0]), t([0]), t([0])), lib.ones(1)),
        "index_put_mask_shape": lambda: lib.index_put(x, (t([True, False]),), t(1.0)),
        "index_put_broadcast_indices": lambda: lib.index_put(x, (t([0, 1]), t([0, 1, 2])), t(1.0)),
    }



@requires_torch
@pytest.mark.filterwarnings("ignore:The reduce argument")
@pytest.mark.parametrize("case", list(_error_cases(tapegrad)))
def test_index_op_errors_like_torch(case):
    assert_raises_like_torch(lambda lib: _error_cases(lib)[case]())


@requires_torch
@pytest.mark.parametrize("shape", [(3, 4), (5,), (), (2, 0), (2, 1, 3)], ids=str)
def test_nonzero_and_argwhere(shape):
    import torch
    data = np.random.default_rng(1).integers(-1, 2, size=shape).astype(np.float32)
    results = []
    for lib in (tapegrad, torch):
        x = lib.tensor(data, requires_grad=True)
        found = (lib.nonzero(x), x.nonzero(), lib.argwhere(x), x.argwhere(), lib.nonzero(x, as_tuple=True),
                 lib.nonzero(lib.tensor(0.0), as_tuple=True))
        results.append([(str(t.dtype), tuple(t.shape), t.tolist(), t.requires_grad)
                        for t in found[:4] + found[4] + found[5]])
    assert results[0] == results[1]


@requires_torch
@pytest.mark.filterwarnings("ignore:The reduce argument")
@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_reduce_has_no_derivative(reduce):
    import torch
    results = []
    for lib in (tapegrad, torch):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        i = lib.tensor([[1, 1], [1, 0]])
        outs = (lib.scatter(x, 0, i, 2.0, reduce=reduce), x.scatter(0, i, x * 3, reduce=reduce))
        with pytest.raises(RuntimeError) as info:
            outs[1].sum().backward()
        results.append([(o.tolist(), type(o.grad_fn).__name__, o.grad_fn.name(), len(o.grad_fn.next_functions))
                        for o in outs] + [str(info.value)])
        y = x.detach().clone()
        y.scatter_(1, i, lib.ones(2, 2), reduce=reduce)
        results[-1].append(y.tolist())
    assert results[0] == results[1]


@requires_torch
def test_scalar_values_are_cast_like_torch():
    import torch
    results = []
    for lib in (tapegrad, torch):
        n = lib.tensor([1, 2, 3])
        b = lib.tensor([True, False, True])
        i = lib.tensor([0, 2])
        outs = (n.masked_fill(b, 2.7), n.index_fill(0, i, -1.9), n.scatter(0, i, 2.5), b.masked_fill(b, 0),
                lib.ones(3).masked_fill(b, True), n.masked_fill(b, lib.tensor(4.6)),
                lib.ones(3).index_fill(0, i, lib.tensor(2, dtype=lib.int64)),
                lib.ones(3).masked_fill(b, lib.tensor(0.5, dtype=lib.float64)))
        results.append([(str(o.dtype), o.tolist()) for o in outs])
    assert results[0] == results[1]


@requires_torch
def test_tensor_value_gradient_keeps_its_dtype():
    import torch
    results = []
    for lib in (tapegrad, torch):
        x = lib.ones(2, 3, requires_grad=True)
        v = lib.tensor(2.0, dtype=lib.float64, requires_grad=True)
        w = lib.tensor(3.0, dtype=lib.float64, requires_grad=True)
        y = x.masked_fill(lib.tensor([True, False, True]), v).index_fill(1, lib.tensor([1, 1]), w)
        (y * y).sum().backward()
        results.append((str(y.dtype), str(v.grad.dtype), v.grad.item(), w.grad.item(), x.grad.tolist()))
    assert results[0] == results[1]


def test_index_and_mask_are_copied_when_the_op_is_recorded():
    # PyTorch saves them and raises its in-place error at backward; tapegrad keeps copies (the
    # gradient of the call that was recorded), never a gradient of indices changed afterwards
    x = tapegrad.ones(3, requires_grad=True)
    i = tapegrad.tensor([0, 0])
    m = tapegrad.tensor([True, False, True])
    y = tapegrad.gather(x, 0, i).sum() + x.masked_fill(m, 0.0).sum()
    i[0] = 2
    m[1] = True
    y.backward()
    assert x.grad.tolist() == [2.0, 1.0, 0.0]


@requires_torch
def test_tables_follow_torch():
    import torch
    for module in (importlib.import_module("tapegrad.ops.indexing"), importlib.import_module("tapegrad.ops.gather")):
        for name in module.PUBLIC:
            assert hasattr(torch, name) and hasattr(tapegrad, name), name
        for name in module.METHODS:
            assert hasattr(torch.Tensor, name) and hasattr(tapegrad.Tensor, name), name
        for name in module.INPLACE:
            assert hasattr(torch.Tensor, name + "_") and hasattr(tapegrad.Tensor, name + "_"), name


# Registry names of the ops above (ops/gather.py and the masked ops of ops/indexing.py) -> test cases.
COVERAGE = {
    "_gather": ["test_indexing.py::test_gather_like[gather_dim0]", "test_indexing.py::test_gather_like[gather_3d]",
                "test_indexing.py::test_gather_like[take_along_dim]", "test_indexing.py::test_scatter_like[scatter]"],
    "_index_select": ["test_indexing.py::test_gather_like[index_select_dim0]",
                      "test_indexing.py::test_gather_like[index_select_0d_input]",
                      "test_indexing.py::test_scatter_like[index_add]"],
    "_take": ["test_indexing.py::test_gather_like[take]", "test_indexing.py::test_gather_like[take_0d]"],
    "_masked_select": ["test_indexing.py::test_gather_like[masked_select]",
                       "test_indexing.py::test_gather_like[masked_select_broadcast_input]",
                       "test_indexing.py::test_scatter_like[masked_scatter]"],
    "_scatter": ["test_indexing.py::test_scatter_like[scatter]", "test_indexing.py::test_scatter_like[scatter_3d]",
                 "test_indexing.py::test_inplace[scatter_]"],
    "_scatter_fill": ["test_indexing.py::test_scatter_like[scatter_value]",
                      "test_indexing.py::test_scatter_like[scatter]",
                      "test_indexing.py::test_inplace[scatter_value_]"],
    "_scatter_add": ["test_indexing.py::test_scatter_like[scatter_add]",
                     "test_indexing.py::test_scatter_like[scatter_add_0d]",
                     "test_indexing.py::test_inplace[scatter_add_]"],
    "_index_add": ["test_indexing.py::test_scatter_like[index_add]",
                   "test_indexing.py::test_scatter_like[index_add_alpha]",
                   "test_indexing.py::test_inplace[index_add_]"],
    "_index_copy": ["test_indexing.py::test_scatter_like[index_copy]",
                    "test_indexing.py::test_scatter_like[index_copy_0d_source]",
                    "test_indexing.py::test_inplace[index_copy_]"],
    "_index_fill": ["test_indexing.py::test_scatter_like[index_fill]",
                    "test_indexing.py::test_scatter_like[index_copy]",
                    "test_indexing.py::test_inplace[index_fill_]"],
    "_index_fill_tensor": ["test_indexing.py::test_scatter_like[index_fill_tensor_value]",
                           "test_indexing.py::test_scatter_like[index_fill_tensor_value_negative]",
                           "test_indexing.py::test_inplace[index_fill_tensor_]"],
    "_masked_fill": ["test_indexing.py::test_scatter_like[masked_fill]",
                     "test_indexing.py::test_scatter_like[masked_fill_broadcast_input]",
                     "test_indexing.py::test_inplace[masked_fill_]"],
    "_masked_fill_tensor": ["test_indexing.py::test_scatter_like[masked_fill_tensor_value]",
                            "test_indexing.py::test_scatter_like[masked_fill_tensor_value_broadcast]",
                            "test_indexing.py::test_inplace[masked_fill_tensor_]"],
    "_masked_scatter": ["test_indexing.py::test_scatter_like[masked_scatter]",
                        "test_indexing.py::test_scatter_like[masked_scatter_source_larger]",
                        "test_indexing.py::test_inplace[masked_scatter_]"],
    "_index_put": ["test_indexing.py::test_scatter_like[index_put]",
                   "test_indexing.py::test_scatter_like[index_put_accumulate_repeated]",
                   "test_indexing.py::test_inplace[index_put_]"],
}


def _gather_ops(x, y):
    t = tapegrad.tensor
    i = t([[0, 1, 2, 0], [2, 2, 0, 1]])
    j = t([2, 0, 2])
    mask = t([[True, False, True, False], [False, False, True, True], [True, True, False, False]])
    return (x.gather(0, i), x.gather(1, i[:, :3].t()), x.index_select(1, j), x.take(t([[0, 11], [5, 5]])),
            x.take_along_dim(i[:1], 0), x.masked_select(mask), x[0].masked_select(mask),
            x.scatter(0, i, y[:2]), x.scatter(1, i[:, :2], y), x.scatter(0, i, 0.5),
            x.scatter_add(0, i, y[:2] * 2), x.scatter_add(1, t([[3, 3, 3]]), y),
            x.index_add(0, j, y), x.index_add(1, t([0, 0]), y[:, :2], alpha=2.0),
            x.index_copy(0, t([2, 0]), y[:2]), x.index_fill(1, j, 1.5), x.index_fill(1, j, y[0, 0]),
            x.masked_fill(mask, 2.0), x[0].masked_fill(mask, y[1, 1]), x.masked_scatter(mask, y),
            x.index_put((j,), y[0]), x.index_put((t([0, 0]), t([1, 1])), y[0, :2], accumulate=True))


def _gather_inplace(x, y):
    t = tapegrad.tensor
    i = t([[0, 1, 2, 0]])
    return ((x * 1).scatter_(0, i, y[:1]), (x * 1).index_fill_(0, t([1]), y[2, 2]),
            (x * y).masked_fill_(x > 0, 1.0), (x * 1).index_put_((t([1]),), y[0], accumulate=True))


def _gather_second_order(x, y):
    # the ops' own rules, recorded when a gradient is taken with create_graph
    grad = tapegrad.autograd.grad
    t = tapegrad.tensor
    return (grad(x.gather(0, t([[0, 0, 1, 2]])), x, grad_outputs=y[:1] * 1.0, create_graph=True)[0],
            grad(x.scatter(0, t([[1, 0, 2, 0]]), y[:1]), (x, y), grad_outputs=y * 1.0, create_graph=True)[1],
            grad(x.masked_scatter(x > 0, y), y, grad_outputs=x * 1.0, create_graph=True)[0])


JVP_EXPRESSIONS = {"gather_ops": _gather_ops, "gather_inplace": _gather_inplace,
                   "gather_second_order": _gather_second_order}
