"""Convolution and pooling (ops/conv.py) against finite differences (orders 1 and 2) and PyTorch."""
import warnings

import numpy as np
import pytest

import tapegrad
from checks import assert_close, check_op, requires_torch, torch_or_none

COVERAGE = {
    "convolution": ["test_conv.py::test_conv2d[plain]", "test_conv.py::test_conv2d[strided_dilated_groups]",
                    "test_conv.py::test_conv1d[plain]"],
    # the derivative ops: recorded by every order-2 check of a convolution
    "convolution_input_grad": ["test_conv.py::test_conv2d[plain]", "test_conv.py::test_conv1d[strided_groups]",
                               "test_conv.py::test_double_backward_node_names"],
    "convolution_weight_grad": ["test_conv.py::test_conv2d[plain]", "test_conv.py::test_conv1d[strided_groups]",
                                "test_conv.py::test_double_backward_node_names"],
    "_max_pool2d": ["test_conv.py::test_max_pool2d[plain]", "test_conv.py::test_max_pool1d[plain]",
                    "test_conv.py::test_max_pool_ties_nan_and_inf_match_torch[ties]"],
    "_max_pool2d_scatter": ["test_conv.py::test_max_pool2d[overlapping]", "test_conv.py::test_max_pool2d[plain]"],
    "_avg_pool2d": ["test_conv.py::test_avg_pool2d[plain]", "test_conv.py::test_avg_pool1d[plain]"],
    "_avg_pool2d_backward": ["test_conv.py::test_avg_pool2d[padded_ceil]", "test_conv.py::test_avg_pool2d[plain]"],
    "_adaptive_avg_pool2d": ["test_conv.py::test_adaptive_avg_pool2d[shrink]"],
    "_adaptive_avg_pool2d_backward": ["test_conv.py::test_adaptive_avg_pool2d[grow]"],
}


def _grad(x, out, v):
    return tapegrad.autograd.grad(out, x, grad_outputs=v, create_graph=True)[0]


def _image(x):
    return x.reshape(1, 1, 3, 4)


def _out_grad(y, shape):  # an incoming gradient that requires grad, so the rule's own ops are recorded
    return y[:shape[0], :shape[1]].reshape(1, 1, *shape) * 1.0


JVP_EXPRESSIONS = {
    "conv": lambda x, y: (
        tapegrad.nn.functional.conv2d(_image(x), _image(y)[..., :2, :2], y[0, :1]),
        tapegrad.nn.functional.conv1d(x.reshape(1, 3, 4), y[:, :2].reshape(1, 3, 2), padding=1),
        _grad(x, tapegrad.nn.functional.conv2d(_image(x), _image(y)[..., :2, :2]), _out_grad(y, (2, 3))),
        _grad(y, tapegrad.nn.functional.conv2d(_image(x), _image(y)[..., :2, :2]), _out_grad(x, (2, 3)))),
    "pool": lambda x, y: (
        tapegrad.nn.functional.max_pool2d(_image(x), 2, 1),
        _grad(x, tapegrad.nn.functional.max_pool2d(_image(x), 2, 1), _out_grad(y, (2, 3))),
        tapegrad.nn.functional.avg_pool2d(x.reshape(1, 3, 4), 2, 1, padding=1, ceil_mode=True),
        _grad(x, tapegrad.nn.functional.avg_pool2d(_image(x), 2, 1), _out_grad(y, (2, 3))),
        tapegrad.nn.functional.adaptive_avg_pool2d(_image(x), (2, 3)),
        _grad(x, tapegrad.nn.functional.adaptive_avg_pool2d(_image(x), (2, 3)), _out_grad(y, (2, 3)))),
}


def F(lib):
    return lib.nn.functional


# ---------------------------------------------------------------- convolution

CONV2D = {
    "plain": ([(2, 3, 5, 5), (4, 3, 3, 3), (4,)], {}),
    "strided_dilated_groups": ([(2, 4, 6, 5), (6, 2, 2, 3), (6,)],
                               dict(stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=2)),
    "stride_leaves_a_border": ([(1, 2, 6, 7), (3, 2, 3, 2), (3,)], dict(stride=2)),
    "same_even_kernel": ([(1, 2, 5, 6), (3, 2, 2, 3)], dict(padding="same", dilation=(1, 2))),
    "valid": ([(2, 2, 4, 4), (3, 2, 3, 3)], dict(padding="valid")),
    "depthwise": ([(2, 3, 4, 4), (6, 1, 3, 3), (6,)], dict(padding=1, groups=3)),
    "pointwise": ([(1, 3, 2, 3), (2, 3, 1, 1)], {}),
    "unbatched": ([(3, 5, 4), (2, 3, 3, 2), (2,)], dict(padding=(1, 0))),
    "empty_batch": ([(0, 2, 4, 4), (3, 2, 3, 3), (3,)], {}),
    "list_args": ([(1, 2, 5, 5), (2, 2, 3, 3)], dict(stride=[2], padding=[1, 2], dilation=[1])),
}


@pytest.mark.parametrize("case", list(CONV2D))
def test_conv2d(case):
    shapes, kwargs = CONV2D[case]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Using padding='same'", UserWarning)  # checked in its own test
        check_op(lambda lib, x, w, b=None: F(lib).conv2d(x, w, b, **kwargs), shapes)


CONV1D = {
    "plain": ([(2, 3, 6), (4, 3, 3), (4,)], {}),
    "strided_groups": ([(2, 4, 7), (6, 2, 2), (6,)], dict(stride=2, padding=1, dilation=2, groups=2)),
    "same": ([(1, 2, 5), (3, 2, 4)], dict(padding="same")),
    "unbatched": ([(3, 5), (2, 3, 2), (2,)], {}),
}


@pytest.mark.parametrize("case", list(CONV1D))
def test_conv1d(case):
    shapes, kwargs = CONV1D[case]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Using padding='same'", UserWarning)  # checked in its own test
        check_op(lambda lib, x, w, b=None: F(lib).conv1d(x, w, b, **kwargs), shapes)


def test_public_names_reach_tapegrad_and_functional():
    for name in ("conv1d", "conv2d", "max_pool1d", "max_pool2d", "avg_pool1d"):
        assert getattr(tapegrad, name) is getattr(tapegrad.nn.functional, name)
    for name in ("avg_pool2d", "adaptive_avg_pool2d"):
        assert callable(getattr(tapegrad.nn.functional, name))
    check_op(lambda lib, x, w: lib.conv2d(x, w, padding=1), [(1, 2, 3, 3), (2, 2, 3, 3)])


@requires_torch
def test_integer_convolution_matches_torch():
    torch = torch_or_none()
    rng = np.random.default_rng(0)
    x, w, b = rng.integers(-5, 5, (2, 2, 4, 4)), rng.integers(-3, 3, (3, 2, 2, 2)), rng.integers(-3, 3, 3)
    ours = tapegrad.conv2d(tapegrad.tensor(x), tapegrad.tensor(w), tapegrad.tensor(b), padding=1)
    theirs = torch.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), padding=1)
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_same_padding_with_even_kernel_warns_as_torch():
    with pytest.warns(UserWarning, match="Using padding='same' with even kernel lengths and odd dilation may "
                                         "require a zero-padded copy of the input be created"):
        tapegrad.nn.functional.conv2d(tapegrad.ones(1, 1, 4, 4), tapegrad.ones(1, 1, 2, 2), padding="same")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # symmetric padding: no copy, no warning
        tapegrad.nn.functional.conv2d(tapegrad.ones(1, 1, 4, 4), tapegrad.ones(1, 1, 3, 3), padding="same")


# ---------------------------------------------------------------- pooling
# Pooled outputs are squared, so that second order runs through the backward ops' own VJPs.

MAX_POOL2D = {
    "plain": ([(2, 3, 4, 6)], (2,), {}),
    "overlapping": ([(2, 2, 5, 5)], (3,), dict(stride=2, padding=1)),
    "rectangular_dilated_ceil": ([(1, 2, 7, 6)], ((3, 2),), dict(stride=(2, 1), padding=1, dilation=(1, 2),
                                                                  ceil_mode=True)),
    "unbatched": ([(3, 5, 4)], (2,), dict(stride=1)),
    "empty_batch": ([(0, 2, 4, 4)], (2,), {}),
    "stride_omitted_as_empty_list": ([(1, 1, 4, 4)], ([2],), dict(stride=[])),
}


@pytest.mark.parametrize("case", list(MAX_POOL2D))
def test_max_pool2d(case):
    shapes, args, kwargs = MAX_POOL2D[case]
    check_op(lambda lib, x: F(lib).max_pool2d(x, *args, **kwargs) ** 2, shapes)


MAX_POOL1D = {
    "plain": ([(2, 3, 6)], (2,), {}),
    "padded_dilated_ceil": ([(2, 2, 7)], (3,), dict(stride=2, padding=1, dilation=2, ceil_mode=True)),
    "unbatched": ([(3, 5)], (2,), dict(stride=1)),
}


@pytest.mark.parametrize("case", list(MAX_POOL1D))
def test_max_pool1d(case):
    shapes, args, kwargs = MAX_POOL1D[case]
    check_op(lambda lib, x: F(lib).max_pool1d(x, *args, **kwargs) ** 2, shapes)


@requires_torch
@pytest.mark.parametrize("case", ["ties", "nan", "inf", "integers"])
def test_max_pool_ties_nan_and_inf_match_torch(case):
    # finite differences cannot check a kink: values, indices and gradients are compared with torch
    torch = torch_or_none()
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, (2, 2, 5, 6)).astype(np.float64)
    if case == "nan":
        x[rng.random(x.shape) < 0.2] = np.nan
    elif case == "inf":
        x[rng.random(x.shape) < 0.5] = -np.inf
    elif case == "integers":
        x = x.astype(np.int64) - 1
    results = []
    for lib in (tapegrad, torch):
        t = lib.tensor(x, requires_grad=case != "integers")
        out, indices = lib.nn.functional.max_pool2d(t, 3, stride=2, padding=1, ceil_mode=True, return_indices=True)
        grad = lib.autograd.grad(out, t, lib.ones_like(out))[0].numpy() if t.requires_grad else None
        results.append((out.detach().numpy(), indices.numpy(), str(indices.dtype), grad))
    (out, indices, dtype, grad), (t_out, t_indices, t_dtype, t_grad) = results
    np.testing.assert_array_equal(out, t_out)
    np.testing.assert_array_equal(indices, t_indices)
    assert dtype == t_dtype == "torch.int64"
    if grad is not None:
        np.testing.assert_array_equal(grad, t_grad)


@requires_torch
def test_max_pool1d_return_indices_matches_torch():
    torch = torch_or_none()
    x = np.random.default_rng(0).standard_normal((2, 3, 7))
    ours = tapegrad.nn.functional.max_pool1d(tapegrad.tensor(x), 3, 2, 1, return_indices=True)
    theirs = torch.nn.functional.max_pool1d(torch.tensor(x), 3, 2, 1, return_indices=True)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


AVG_POOL2D = {
    "plain": ([(2, 3, 4, 6)], (2,), {}),
    "padded_ceil": ([(2, 2, 5, 5)], (3,), dict(stride=2, padding=1, ceil_mode=True)),
    "exclude_pad": ([(1, 2, 5, 6)], ((3, 2),), dict(stride=(2, 1), padding=1, ceil_mode=True,
                                                    count_include_pad=False)),
    "divisor_override": ([(1, 2, 4, 5)], (2,), dict(stride=1, padding=1, divisor_override=3)),
    "unbatched": ([(3, 5, 4)], (2,), dict(stride=1)),
    "empty_batch": ([(0, 2, 4, 4)], (2,), {}),
}


@pytest.mark.parametrize("case", list(AVG_POOL2D))
def test_avg_pool2d(case):
    shapes, args, kwargs = AVG_POOL2D[case]
    check_op(lambda lib, x: F(lib).avg_pool2d(x, *args, **kwargs) ** 2, shapes)


AVG_POOL1D = {
    "plain": ([(2, 3, 6)], (2,), {}),
    "padded_ceil_exclude_pad": ([(2, 2, 7)], (3,), dict(stride=2, padding=1, ceil_mode=True,
                                                        count_include_pad=False)),
    "unbatched": ([(3, 5)], (2,), dict(stride=1)),
}


@pytest.mark.parametrize("case", list(AVG_POOL1D))
def test_avg_pool1d(case):
    shapes, args, kwargs = AVG_POOL1D[case]
    check_op(lambda lib, x: F(lib).avg_pool1d(x, *args, **kwargs) ** 2, shapes)


@requires_torch
def test_integer_average_pooling_truncates_as_torch():
    torch = torch_or_none()
    x = np.random.default_rng(0).integers(-9, 9, (2, 5, 5))
    ours = tapegrad.nn.functional.avg_pool2d(tapegrad.tensor(x), 2, padding=1)
    theirs = torch.nn.functional.avg_pool2d(torch.tensor(x), 2, padding=1)
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


ADAPTIVE = {
    "shrink": ([(2, 3, 7, 5)], (3, 2)),
    "grow": ([(1, 2, 3, 4)], (5, 7)),
    "keep_one_size": ([(2, 2, 5, 6)], (2, None)),
    "unbatched": ([(3, 5, 4)], 3),
    "global_mean": ([(2, 3, 4, 4)], 1),
}


@pytest.mark.parametrize("case", list(ADAPTIVE))
def test_adaptive_avg_pool2d(case):
    shapes, size = ADAPTIVE[case]
    check_op(lambda lib, x: F(lib).adaptive_avg_pool2d(x, size) ** 2, shapes)


# ---------------------------------------------------------------- node names and errors, as torch's

NODE_NAMES = {
    "conv2d": lambda lib, x: F(lib).conv2d(x, lib.ones(2, 3, 2, 2)),
    "conv2d_unbatched": lambda lib, x: F(lib).conv2d(x[0], lib.ones(2, 3, 2, 2)),
    "conv1d": lambda lib, x: F(lib).conv1d(x[:, :, 0], lib.ones(2, 3, 2)),
    "max_pool2d": lambda lib, x: F(lib).max_pool2d(x, 2),
    "max_pool2d_unbatched": lambda lib, x: F(lib).max_pool2d(x[0], 2),
    "max_pool1d": lambda lib, x: F(lib).max_pool1d(x[:, :, 0], 2),
    "avg_pool2d": lambda lib, x: F(lib).avg_pool2d(x, 2),
    "avg_pool1d": lambda lib, x: F(lib).avg_pool1d(x[:, :, 0], 2),
    "adaptive_avg_pool2d": lambda lib, x: F(lib).adaptive_avg_pool2d(x, (2, 3)),
    "adaptive_avg_pool2d_1x1": lambda lib, x: F(lib).adaptive_avg_pool2d(x, 1),
}


@requires_torch
@pytest.mark.parametrize("case", list(NODE_NAMES))
def test_node_names(case):
    torch = torch_or_none()
    names = [type(NODE_NAMES[case](lib, lib.ones(2, 3, 4, 4, requires_grad=True)).grad_fn).__name__
             for lib in (tapegrad, torch)]
    assert names[0] == names[1]


def test_double_backward_node_names():
    # the derivative ops are recorded under torch's names for them (reached through the SumToSize the
    # registry adds to every op whose output shape differs from its input's)
    x = tapegrad.ones(1, 2, 4, 4, requires_grad=True)
    w = tapegrad.ones(3, 2, 2, 2, requires_grad=True)
    cases = [("ConvolutionBackwardBackward0", tapegrad.conv2d(x, w), x),
             ("ConvolutionBackwardBackward0", tapegrad.conv2d(x, w), w),
             ("MaxPool2DWithIndicesBackwardBackward0", tapegrad.max_pool2d(x, 2), x),
             ("AvgPool2DBackwardBackward0", F(tapegrad).avg_pool2d(x, 2), x),
             ("AdaptiveAvgPool2DBackwardBackward0", F(tapegrad).adaptive_avg_pool2d(x, 3), x)]
    for name, out, wrt in cases:
        grad = tapegrad.autograd.grad((out * out).sum(), wrt, create_graph=True)[0]
        node = grad.grad_fn
        while type(node).__name__ == "SumToSizeBackward0":
            node = node.next_functions[0][0]
        assert type(node).__name__ == name


ERRORS = {
    "conv_channels": lambda lib: F(lib).conv2d(lib.ones(2, 4, 6, 6), lib.ones(6, 3, 3, 3)),
    "conv_groups_channels": lambda lib: F(lib).conv2d(lib.ones(2, 4, 6, 6), lib.ones(6, 2, 3, 3), groups=3),
    "conv_groups_divide": lambda lib: F(lib).conv2d(lib.ones(2, 4, 6, 6), lib.ones(5, 2, 3, 3), groups=2),
    "conv_groups_at_least": lambda lib: F(lib).conv2d(lib.ones(2, 4, 6, 6), lib.ones(0, 2, 3, 3), groups=2),
    "conv_bias_size": lambda lib: F(lib).conv2d(lib.ones(2, 4, 6, 6), lib.ones(6, 4, 3, 3), lib.ones(5)),
    "conv_input_dims": lambda lib: F(lib).conv2d(lib.ones(3, 4), lib.ones(6, 4, 3, 3)),
    "conv1d_input_dims": lambda lib: F(lib).conv1d(lib.ones(2, 4, 6, 6), lib.ones(6, 4, 3)),
    "conv_weight_dims": lambda lib: F(lib).conv1d(lib.ones(2, 4, 6), lib.ones(6, 4, 3, 3)),
    "conv2d_weight_3d": lambda lib: F(lib).conv2d(lib.ones(2, 4, 6, 6), lib.ones(6, 4, 3)),
    "conv_kernel_too_big": lambda lib: F(lib).conv2d(lib.ones(2, 4, 6, 6), lib.ones(6, 4, 7, 7), padding=(0, 1)),
    "conv_stride_zero": lambda lib: F(lib).conv2d(lib.ones(1, 1, 6, 6), lib.ones(1, 1, 3, 3), stride=0),
    "conv_padding_negative": lambda lib: F(lib).conv2d(lib.ones(1, 1, 6, 6), lib.ones(1, 1, 3, 3), padding=-1),
    "conv_dilation_zero": lambda lib: F(lib).conv2d(lib.ones(1, 1, 6, 6), lib.ones(1, 1, 3, 3), dilation=0),
    "conv_groups_zero": lambda lib: F(lib).conv2d(lib.ones(1, 1, 6, 6), lib.ones(1, 1, 3, 3), groups=0),
    "conv_same_strided": lambda lib: F(lib).conv2d(lib.ones(1, 1, 6, 6), lib.ones(1, 1, 3, 3), padding="same",
                                                   stride=2),
    "conv_bad_padding_string": lambda lib: F(lib).conv2d(lib.ones(1, 1, 6, 6), lib.ones(1, 1, 3, 3), padding="x"),
    "conv_stride_length": lambda lib: F(lib).conv2d(lib.ones(1, 1, 6, 6), lib.ones(1, 1, 3, 3), stride=(1, 2, 3)),
    "conv_input_double": lambda lib: F(lib).conv2d(lib.ones(1, 1, 6, 6).double(), lib.ones(1, 1, 3, 3)),
    "conv_weight_double": lambda lib: F(lib).conv2d(lib.ones(1, 1, 6, 6), lib.ones(1, 1, 3, 3).double()),
    "conv_bias_double": lambda lib: F(lib).conv2d(lib.ones(1, 1, 6, 6), lib.ones(1, 1, 3, 3), lib.ones(1).double()),
    "conv_int_float": lambda lib: F(lib).conv2d(lib.ones(1, 1, 6, 6).long(), lib.ones(1, 1, 3, 3)),
    "max_pool_pad": lambda lib: F(lib).max_pool2d(lib.ones(1, 2, 6, 6), 3, padding=2),
    "max_pool_pad_width": lambda lib: F(lib).max_pool2d(lib.ones(1, 2, 6, 6), 2, padding=(1, 2)),
    "max_pool_too_small": lambda lib: F(lib).max_pool2d(lib.ones(1, 2, 6, 6), 7),
    "max_pool_kernel_zero": lambda lib: F(lib).max_pool2d(lib.ones(1, 2, 6, 6), 0, stride=1),
    "max_pool_stride_zero": lambda lib: F(lib).max_pool2d(lib.ones(1, 2, 6, 6), 2, stride=0),
    "max_pool_stride_negative": lambda lib: F(lib).max_pool2d(lib.ones(1, 2, 6, 6), 2, stride=-1),
    "max_pool_dilation_zero": lambda lib: F(lib).max_pool2d(lib.ones(1, 2, 6, 6), 2, dilation=0),
    "max_pool_padding_negative": lambda lib: F(lib).max_pool2d(lib.ones(1, 2, 6, 6), 2, padding=-1),
    "max_pool_kernel_length": lambda lib: F(lib).max_pool2d(lib.ones(1, 2, 6, 6), (2, 2, 2)),
    "max_pool_stride_length": lambda lib: F(lib).max_pool2d(lib.ones(1, 2, 6, 6), 2, stride=(1, 2, 3)),
    "max_pool_input_dims": lambda lib: F(lib).max_pool2d(lib.ones(6, 6), 2),
    "max_pool_empty_channels": lambda lib: F(lib).max_pool2d(lib.ones(2, 0, 6, 6), 2),
    "max_pool_bool": lambda lib: F(lib).max_pool2d(lib.ones(1, 2, 6, 6).bool(), 2),
    "max_pool1d_dims": lambda lib: F(lib).max_pool1d(lib.ones(2, 4, 6, 6), 2),
    "max_pool1d_kernel_length": lambda lib: F(lib).max_pool1d(lib.ones(2, 4, 6), (2, 2)),
    "max_pool1d_stride_length": lambda lib: F(lib).max_pool1d(lib.ones(2, 4, 6), 2, stride=(1, 2)),
    "max_pool1d_kernel_zero": lambda lib: F(lib).max_pool1d(lib.ones(2, 4, 6), 0),
    "max_pool1d_padding": lambda lib: F(lib).max_pool1d(lib.ones(2, 4, 6), 3, padding=2),
    "max_pool1d_dilation": lambda lib: F(lib).max_pool1d(lib.ones(2, 4, 6), 2, dilation=0),
    "max_pool1d_too_small": lambda lib: F(lib).max_pool1d(lib.ones(2, 4, 6), 7),
    "avg_pool_pad": lambda lib: F(lib).avg_pool2d(lib.ones(1, 2, 6, 6), 3, padding=2),
    "avg_pool_too_small": lambda lib: F(lib).avg_pool2d(lib.ones(1, 2, 6, 6), 7),
    "avg_pool_divisor_zero": lambda lib: F(lib).avg_pool2d(lib.ones(1, 2, 6, 6), 2, divisor_override=0),
    "avg_pool_input_2d": lambda lib: F(lib).avg_pool2d(lib.ones(6, 6), 2),
    "avg_pool_input_5d": lambda lib: F(lib).avg_pool2d(lib.ones(1, 1, 2, 6, 6), 2),
    "avg_pool_padding_length": lambda lib: F(lib).avg_pool2d(lib.ones(1, 2, 6, 6), 2, padding=(1, 2, 3)),
    "avg_pool1d_dims": lambda lib: F(lib).avg_pool1d(lib.ones(2, 4, 6, 6), 2),
    "avg_pool1d_kernel_length": lambda lib: F(lib).avg_pool1d(lib.ones(2, 4, 6), (2, 2)),
    "avg_pool1d_too_small": lambda lib: F(lib).avg_pool1d(lib.ones(2, 4, 6), 7),
    "adaptive_size_length": lambda lib: F(lib).adaptive_avg_pool2d(lib.ones(2, 4, 6, 6), (4,)),
    "adaptive_input_dims": lambda lib: F(lib).adaptive_avg_pool2d(lib.ones(6, 6), 2),
    "adaptive_empty": lambda lib: F(lib).adaptive_avg_pool2d(lib.ones(2, 4, 0, 6), 2),
    "adaptive_long": lambda lib: F(lib).adaptive_avg_pool2d(lib.ones(2, 4, 6, 6).long(), 2),
}


@requires_torch
@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_match_torch(case):
    torch = torch_or_none()
    caught = []
    for lib in (torch, tapegrad):
        with pytest.raises(Exception) as info:
            ERRORS[case](lib)
        caught.append((type(info.value), str(info.value).split("\n")[0]))
    assert caught[1] == caught[0]


# ---------------------------------------------------------------- a small conv net, end to end

@requires_torch
def test_small_conv_net_matches_torch_in_float32():
    torch = torch_or_none()
    rng = np.random.default_rng(0)
    arrays = {"x": rng.standard_normal((4, 1, 12, 12)), "w1": rng.standard_normal((4, 1, 3, 3)) * 0.3,
              "b1": rng.standard_normal(4) * 0.1, "w2": rng.standard_normal((6, 4, 3, 3)) * 0.2,
              "b2": rng.standard_normal(6) * 0.1}
    grads = []
    for lib in (tapegrad, torch):
        t = {k: lib.tensor(v.astype(np.float32), requires_grad=True) for k, v in arrays.items()}
        h = F(lib).max_pool2d(F(lib).relu(F(lib).conv2d(t["x"], t["w1"], t["b1"], padding=1)), 2)
        h = F(lib).adaptive_avg_pool2d(F(lib).relu(F(lib).conv2d(h, t["w2"], t["b2"], stride=2)), 2)
        loss = (h * h).sum()
        loss.backward()
        grads.append([loss] + [t[k].grad for k in arrays])
    for ours, theirs in zip(*grads):
        assert str(ours.dtype) == str(theirs.dtype) == "torch.float32"
        assert_close(ours, theirs, atol=1e-5, rtol=1e-4)
