"""Tests of ops/indexing.py: x[index] and y[index] = value, with gradients.

Negative slice steps are not differentiated: PyTorch rejects them ("step must be greater than zero"),
which test_indexing_errors_like_torch checks. A nested list index (x[[[0, 1], [1, 1]]]) is left
out: PyTorch deprecates its meaning.
"""
import numpy as np
import pytest

from checks import assert_close, check_op, requires_torch

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
