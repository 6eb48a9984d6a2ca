"""Tests of ops/shape.py (and `expand` from ops/_registry.py): reshape/view, flatten, transpose,
t, permute, unsqueeze, squeeze, expand, expand_as."""
import pytest

from checks import check_op, requires_torch

CASES = {
    # name: (fn, input shapes)
    "reshape": (lambda lib, x: lib.reshape(x, (4, 3)), [(3, 4)]),
    "reshape_varargs": (lambda lib, x: x.reshape(2, 6), [(3, 4)]),
    "reshape_minus1": (lambda lib, x: x.reshape(-1), [(3, 4)]),
    "reshape_minus1_middle": (lambda lib, x: x.reshape(2, -1, 2), [(3, 4)]),
    "reshape_to_0d": (lambda lib, x: x.reshape(()), [(1, 1)]),
    "reshape_from_0d": (lambda lib, x: x.reshape(1, 1, 1), [()]),
    "reshape_empty": (lambda lib, x: x.reshape(3, 0), [(0, 3)]),
    "reshape_empty_minus1": (lambda lib, x: x.reshape(-1, 3), [(3, 0, 3)]),
    "reshape_non_contiguous": (lambda lib, x: x.t().reshape(-1), [(3, 4)]),
    "reshape_as": (lambda lib, x, y: x.reshape_as(y), [(3, 4), (6, 2)]),
    "view": (lambda lib, x: x.view(4, 3), [(3, 4)]),
    "view_tuple": (lambda lib, x: x.view((2, 2, 3)), [(3, 4)]),
    "view_minus1": (lambda lib, x: x.view(-1, 2), [(3, 4)]),
    "view_flat": (lambda lib, x: x.view(-1), [(2, 3, 4)]),
    "view_as": (lambda lib, x, y: x.view_as(y), [(3, 4), (12,)]),
    "flatten": (lambda lib, x: lib.flatten(x), [(2, 3, 4)]),
    "flatten_method": (lambda lib, x: x.flatten(), [(2, 3, 4)]),
    "flatten_start": (lambda lib, x: x.flatten(1), [(2, 3, 4)]),
    "flatten_range": (lambda lib, x: x.flatten(0, 1), [(2, 3, 4)]),
    "flatten_negative": (lambda lib, x: x.flatten(-2, -1), [(2, 3, 4)]),
    "flatten_0d": (lambda lib, x: x.flatten(), [()]),
    "flatten_empty": (lambda lib, x: x.flatten(), [(0, 3)]),
    "flatten_empty_tail": (lambda lib, x: x.flatten(1), [(2, 0, 3)]),
    "transpose": (lambda lib, x: lib.transpose(x, 0, 1), [(3, 4)]),
    "transpose_3d": (lambda lib, x: x.transpose(0, 2), [(2, 3, 4)]),
    "transpose_negative": (lambda lib, x: x.transpose(-1, -3), [(2, 3, 4)]),
    "transpose_same": (lambda lib, x: x.transpose(1, 1), [(2, 3)]),
    "transpose_empty": (lambda lib, x: x.transpose(0, 1), [(0, 3)]),
    "t": (lambda lib, x: lib.t(x), [(3, 4)]),
    "t_method": (lambda lib, x: x.t(), [(3, 4)]),
    "t_1d": (lambda lib, x: x.t(), [(5,)]),
    "t_0d": (lambda lib, x: x.t(), [()]),
    "T_2d": (lambda lib, x: x.T, [(3, 4)]),
    "mT": (lambda lib, x: x.mT, [(2, 3, 4)]),
    "permute": (lambda lib, x: lib.permute(x, (2, 0, 1)), [(2, 3, 4)]),
    "permute_varargs": (lambda lib, x: x.permute(1, 2, 0), [(2, 3, 4)]),
    "permute_negative": (lambda lib, x: x.permute(-1, 0, -2), [(2, 3, 4)]),
    "permute_identity": (lambda lib, x: x.permute(0, 1), [(3, 4)]),
    "permute_list": (lambda lib, x: x.permute([1, 0]), [(3, 4)]),
    "permute_0d": (lambda lib, x: x.permute(()), [()]),
    "unsqueeze": (lambda lib, x: lib.unsqueeze(x, 0), [(3, 4)]),
    "unsqueeze_middle": (lambda lib, x: x.unsqueeze(1), [(3, 4)]),
    "unsqueeze_end": (lambda lib, x: x.unsqueeze(2), [(3, 4)]),
    "unsqueeze_negative": (lambda lib, x: x.unsqueeze(-1), [(3, 4)]),
    "unsqueeze_negative_first": (lambda lib, x: x.unsqueeze(-3), [(3, 4)]),
    "unsqueeze_0d": (lambda lib, x: x.unsqueeze(0), [()]),
    "squeeze": (lambda lib, x: lib.squeeze(x), [(1, 3, 1, 4)]),
    "squeeze_method": (lambda lib, x: x.squeeze(), [(3, 1)]),
    "squeeze_all_ones": (lambda lib, x: x.squeeze(), [(1, 1)]),
    "squeeze_nothing": (lambda lib, x: x.squeeze(), [(3, 4)]),
    "squeeze_dim": (lambda lib, x: x.squeeze(0), [(1, 3, 1)]),
    "squeeze_dim_negative": (lambda lib, x: x.squeeze(-1), [(1, 3, 1)]),
    "squeeze_dim_not_one": (lambda lib, x: x.squeeze(1), [(1, 3, 1)]),
    "squeeze_dims_tuple": (lambda lib, x: x.squeeze((0, 2)), [(1, 3, 1)]),
    "squeeze_0d": (lambda lib, x: x.squeeze(), [()]),
    "squeeze_0d_dim": (lambda lib, x: x.squeeze(0), [()]),
    "squeeze_empty": (lambda lib, x: x.squeeze(), [(0, 1, 3)]),
    "expand": (lambda lib, x: x.expand(3, 4), [(4,)]),
    "expand_tuple": (lambda lib, x: x.expand((2, 3, 4)), [(3, 1)]),
    "expand_minus1": (lambda lib, x: x.expand(2, -1, 4), [(3, 1)]),
    "expand_same": (lambda lib, x: x.expand(3, 4), [(3, 4)]),
    "expand_0d": (lambda lib, x: x.expand(2, 3), [()]),
    "expand_to_empty": (lambda lib, x: x.expand(0, 3), [(1, 3)]),
    "expand_as": (lambda lib, x, y: x.expand_as(y), [(3, 1), (2, 3, 4)]),
    "chain": (lambda lib, x: x.view(2, 6).t().unsqueeze(0).expand(2, 6, 2).permute((2, 0, 1)).reshape(4, -1),
              [(3, 4)]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_shape_op(name):
    fn, shapes = CASES[name]
    check_op(fn, shapes)


def test_gradient_flows_through_view_after_broadcasting_use():
    check_op(lambda lib, x: x.view(-1) * x.reshape(12, 1), [(3, 4)])
    check_op(lambda lib, x: (x.t() @ x.transpose(0, 1).t()).expand(2, 4, 4), [(3, 4)])


@requires_torch
@pytest.mark.parametrize("case", ["view_non_contiguous", "reshape_bad_size", "view_two_minus1",
                                  "t_3d", "expand_smaller", "permute_repeated"])
def test_shape_errors_like_torch(case):
    import tapegrad
    import torch
    errors = []
    for lib in (tapegrad, torch):
        x = lib.ones(2, 3, 4)
        f = {"view_non_contiguous": lambda: x.transpose(0, 2).view(-1),
             "reshape_bad_size": lambda: x.reshape(5, -1),
             "view_two_minus1": lambda: x.view(-1, -1),
             "t_3d": lambda: x.t(),
             "expand_smaller": lambda: x.expand(2, 3),
             "permute_repeated": lambda: x.permute(0, 0, 1)}[case]
        with pytest.raises(RuntimeError) as info:
            f()
        errors.append(str(info.value))
    assert errors[0] == errors[1]


@pytest.mark.parametrize("case", ["reshape", "view", "t", "transpose", "permute", "unsqueeze", "squeeze",
                                  "expand", "flatten"])
def test_views_share_memory(case):
    import tapegrad
    x = tapegrad.zeros(2, 1, 3)
    y = {"reshape": lambda: x.reshape(6), "view": lambda: x.view(3, 2), "t": lambda: x[:, 0].t(),
         "transpose": lambda: x.transpose(0, 2), "permute": lambda: x.permute(2, 1, 0),
         "unsqueeze": lambda: x.unsqueeze(0), "squeeze": lambda: x.squeeze(1),
         "expand": lambda: x.expand(4, 2, 1, 3), "flatten": lambda: x.flatten()}[case]()
    x[0, 0, 0] = 7.0
    assert 7.0 in y.reshape(-1).tolist()


def test_reshape_of_transposed():
    # a transposed matrix cannot be viewed flat: reshape copies (UnsafeViewBackward0, as PyTorch)
    check_op(lambda lib, x: x.t().reshape(-1) * 1.0, [(3, 4)])
