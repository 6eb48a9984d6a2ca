"""Convolution and pooling: conv1d/conv2d, max and average pooling, adaptive average pooling.

Inside, everything is 2-d: a 1-d op is the 2-d op on a height-1 image. A convolution takes the
sliding windows of the padded input as a view (`sliding_window_view`), copies them once into
columns (im2col) and does one batched matmul; its backward adds each kernel offset's slab back
with one strided add per offset (col2im). The derivatives are ops themselves, each the adjoint of
another, so second order needs no extra formula. With C the convolution, D its input gradient and
E its weight gradient, all bilinear and tied by <h, D(g, W)> = <C(h, W), g> = <W, E(h, g)>:

    C(x, W):  VJP x = D(g, W)      VJP W = E(x, g)
    D(g, W):  VJP g = C(h, W)      VJP W = E(h, g)
    E(x, g):  VJP x = D(g, H)      VJP g = C(x, H)

Max pooling picks its argmax in the wrapper (an index array, not differentiable) and is then a
gather whose adjoint is a scatter-add; average pooling is linear and its adjoint is a col2im of
g / divisor; adaptive average pooling is A_h @ x @ A_w^T with averaging matrices.
"""
import os
import warnings
from math import prod

from .. import _backend as B
from .._tensor import _make
from . import reduction
from ._registry import defop
from .shape import _squeeze_dim, reshape, unsqueeze

xp = B.xp

PUBLIC = ("conv1d", "conv2d", "max_pool1d", "max_pool2d", "avg_pool1d")  # as torch.conv2d etc.
METHODS = ()
INPLACE = ()
FUNCTIONAL = ("conv1d", "conv2d", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool2d")

_SCALAR_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
                 "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
                 "complex64": "ComplexFloat", "complex128": "ComplexDouble"}
_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int", "int32": "int",
            "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}


# ---------------------------------------------------------------- windows: im2col and col2im

def _lift(array):
    """(N, C, L) -> (N, C, 1, L): a 1-d convolution is a 2-d one on a height-1 image."""
    return array[:, :, None, :] if array.ndim == 3 else array


def _lift_params(params):
    """(stride, padding, dilation, groups) of a 1-d or 2-d convolution, as those of a 2-d one."""
    stride, padding, dilation, groups = params
    if len(stride) == 1:
        return (1,) + tuple(stride), ((0, 0),) + tuple(padding), (1,) + tuple(dilation), groups
    return params


def _windows(x, kernel, stride, padding, dilation, fill=0):
    """The view (..., Ho, Wo, kh, kw) of the windows of x (..., H, W) padded by ((t, b), (l, r))."""
    (top, bottom), (left, right) = padding
    if top or bottom or left or right:
        x = xp.pad(x, ((0, 0),) * (x.ndim - 2) + ((top, bottom), (left, right)), constant_values=fill)
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    view = xp.lib.stride_tricks.sliding_window_view(x, ((kh - 1) * dh + 1, (kw - 1) * dw + 1), axis=(-2, -1))
    return view[..., ::sh, ::sw, ::dh, ::dw]


def _col2im(cols, size, stride, padding, dilation):
    """The adjoint of `_windows`: add cols (..., kh, kw, Ho, Wo) back into an image (..., H, W) of size (H, W).

    One strided add per kernel offset: within one offset no two windows touch the same pixel.
    """
    *lead, kh, kw, ho, wo = cols.shape
    (top, bottom), (left, right) = padding
    (sh, sw), (dh, dw) = stride, dilation
    h, w = (1,) * (2 - len(size)) + tuple(size)
    out = xp.zeros((*lead, h + top + bottom, w + left + right), cols.dtype)
    for i in range(kh):
        for j in range(kw):
            rows, columns = slice(i * dh, i * dh + sh * (ho - 1) + 1, sh), slice(j * dw, j * dw + sw * (wo - 1) + 1, sw)
            out[..., rows, columns] += cols[..., i, j, :, :]
    if top or bottom or left or right:
        out = xp.ascontiguousarray(out[..., top:top + h, left:left + w])
    return out


# ---------------------------------------------------------------- convolution

def _columns(x, kernel, stride, padding, dilation, groups):
    """im2col: (N, G, C/G * kh * kw, Ho * Wo), one copy of the windows, and (Ho, Wo)."""
    windows = _windows(x, kernel, stride, padding, dilation)  # (N, C, Ho, Wo, kh, kw)
    n, c, ho, wo = windows.shape[:4]
    cols = windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, groups, c // groups * kernel[0] * kernel[1], ho * wo)
    return cols, (ho, wo)


def _conv_forward(input, weight, params):
    x, w = _lift(input), _lift(weight)
    stride, padding, dilation, groups = _lift_params(params)
    cols, (ho, wo) = _columns(x, w.shape[2:], stride, padding, dilation, groups)
    out = xp.matmul(w.reshape(groups, w.shape[0] // groups, cols.shape[2]), cols)  # (N, G, O/G, Ho * Wo)
    return out.reshape((x.shape[0], w.shape[0], ho, wo) if input.ndim == 4 else (x.shape[0], w.shape[0], wo))


def _grad_by_group(grad, groups):
    n, o, *spatial = grad.shape
    return grad.reshape(n, groups, o // groups, prod(spatial))  # (N, G, O/G, Ho * Wo)


# `params` is (stride, padding, dilation, groups), normalised: one int per spatial dim for stride and
# dilation, one (before, after) pair per spatial dim for padding.

@defop("ConvolutionBackward0",
       vjp=(lambda g, weight, input_shape, params: convolution_input_grad(g, weight, input_shape, params),  # D(g, W)
            lambda g, input, weight_shape, params: convolution_weight_grad(input, g, weight_shape, params),  # E(x, g)
            lambda g, input_shape: reduction.sum(g, (0,) + tuple(range(2, len(input_shape))))),
       jvp=(lambda input_t, weight, params: convolution(input_t, weight, None, params),
            lambda weight_t, input, params: convolution(input, weight_t, None, params),
            lambda bias_t, input_shape: reshape(bias_t, (-1,) + (1,) * (len(input_shape) - 2))),
       promote="none")
def convolution(input, weight, bias, params):
    """Batched 1-d or 2-d convolution (cross-correlation) with normalised `params`; see `conv2d`."""
    out = _conv_forward(input, weight, params)
    if bias is not None:
        out += bias.reshape((-1,) + (1,) * (out.ndim - 2))
    return out


@defop("ConvolutionBackwardBackward0",
       vjp=(lambda g, weight, params: convolution(g, weight, None, params),                        # C(h, W)
            lambda g, grad, weight_shape, params: convolution_weight_grad(g, grad, weight_shape, params)),  # E(h, g)
       jvp=(lambda grad_t, weight, input_shape, params: convolution_input_grad(grad_t, weight, input_shape, params),
            lambda weight_t, grad, input_shape, params: convolution_input_grad(grad, weight_t, input_shape, params)),
       promote="none")
def convolution_input_grad(grad, weight, input_shape, params):
    """The gradient of a convolution with respect to its input: a transposed convolution (col2im)."""
    w = _lift(weight)
    stride, padding, dilation, groups = _lift_params(params)
    o, cg, kh, kw = w.shape
    cols = xp.matmul(w.reshape(groups, o // groups, cg * kh * kw).swapaxes(-1, -2), _grad_by_group(grad, groups))
    n, ho, wo = grad.shape[0], *_lift(grad).shape[2:]
    image = _col2im(cols.reshape(n, groups * cg, kh, kw, ho, wo), input_shape[2:], stride, padding, dilation)
    return image.reshape(input_shape)


@defop("ConvolutionBackwardBackward0",
       vjp=(lambda g, grad, input_shape, params: convolution_input_grad(grad, g, input_shape, params),  # D(g, H)
            lambda g, input, params: convolution(input, g, None, params)),                               # C(x, H)
       jvp=(lambda input_t, grad, weight_shape, params: convolution_weight_grad(input_t, grad, weight_shape, params),
            lambda grad_t, input, weight_shape, params: convolution_weight_grad(input, grad_t, weight_shape, params)),
       promote="none")
def convolution_weight_grad(input, grad, weight_shape, params):
    """The gradient of a convolution with respect to its weight: output gradient times columns."""
    stride, padding, dilation, groups = _lift_params(params)
    kernel = (1,) * (4 - len(weight_shape)) + tuple(weight_shape[2:])
    cols, _ = _columns(_lift(input), kernel, stride, padding, dilation, groups)
    per_item = xp.matmul(_grad_by_group(grad, groups), cols.swapaxes(-1, -2))  # (N, G, O/G, K)
    return per_item.sum(axis=0).reshape(weight_shape)


def _conv_check(input, weight, bias, stride, padding, dilation, groups):
    """PyTorch's argument checks of a convolution, in its order and words; returns normalised args."""
    dims = len(weight.shape) - 2
    args = {"stride": stride, "padding": padding, "dilation": dilation}
    for arg, value in args.items():
        if not isinstance(value, str) and len(value) != dims:
            if len(value) != 1:
                raise RuntimeError(f"expected {arg} to be a single integer value or a list of {dims} values to "
                                   f"match the convolution dimensions, but got {arg}={list(value)}")
            args[arg] = value * dims
    stride, padding, dilation = args["stride"], args["padding"], args["dilation"]
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if padding == "same" and any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
    elif any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d < 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    w_shape, x_shape = list(weight.shape), list(input.shape)
    if len(x_shape) != len(w_shape):
        raise RuntimeError(f"Expected {len(w_shape)}-dimensional input for {len(w_shape)}-dimensional weight "
                           f"{w_shape}, but got {len(x_shape)}-dimensional input of size {x_shape} instead")
    if w_shape[0] < groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got "
                           f"weight of size {w_shape} instead")
    if w_shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{w_shape}] instead")
    if x_shape[1] != w_shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {w_shape}, expected input{x_shape} to have "
                           f"{w_shape[1] * groups} channels, but got {x_shape[1]} channels instead")
    if bias is not None and list(bias.shape) != w_shape[:1]:
        raise RuntimeError(f"Given weight of size {w_shape}, expected bias to be 1-dimensional with {w_shape[0]} "
                           f"elements, but got bias of size {list(bias.shape)} instead")
    spans = [d * (k - 1) + 1 for d, k in zip(dilation, w_shape[2:])]
    if padding == "valid":
        padding = ((0, 0),) * dims
    elif padding == "same":  # an odd total is padded more after, as PyTorch does
        padding = tuple(((span - 1) // 2, span - 1 - (span - 1) // 2) for span in spans)
        if any(before != after for before, after in padding):
            warnings.warn("Using padding='same' with even kernel lengths and odd dilation may require a zero-padded "
                          "copy of the input be created", UserWarning, stacklevel=4)
    else:
        padding = tuple((p, p) for p in padding)
    padded = [n + a + b for n, (a, b) in zip(x_shape[2:], padding)]
    if any(n < span for n, span in zip(padded, spans)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel "
                           f"size: ({' x '.join(map(str, spans))}). Kernel size can't be greater than actual "
                           f"input size")
    _check_backend(input, weight, bias, stride, dilation, groups)
    return stride, padding, dilation


def _uses_onednn(x, w, stride, dilation, groups):
    """Whether PyTorch's CPU convolution picks oneDNN: its error messages differ from the native kernel's.

    PyTorch's heuristic (ConvParams::use_mkldnn), on the 2-d view of a 1-d convolution; its thread
    count is taken to be above one, as on any multi-core machine.
    """
    n, (kh, kw) = x.shape[0], w.shape[-2:] if w.ndim == 4 else (1, w.shape[-1])
    return x.dtype.name == "float32" and (
        any(s != 1 for s in stride) or any(d != 1 for d in dilation) or n >= 16 or (kh, kw) != (1, 1)
        or (os.cpu_count() or 1) > 1) and (groups > 1 or (kh > 3 and kw > 3) or n > 1 or x.size > 20480)


def _check_backend(input, weight, bias, stride, dilation, groups):
    x, w = getattr(input, "_data", input), getattr(weight, "_data", weight)
    b = getattr(bias, "_data", bias)
    if b is not None and b.dtype != x.dtype:
        raise RuntimeError(f"Input type ({_C_NAMES[x.dtype.name]}) and bias type ({_C_NAMES[b.dtype.name]}) should "
                           "be the same")
    onednn = _uses_onednn(x, w, stride, dilation, groups)
    if x.dtype != w.dtype:
        if onednn:
            raise RuntimeError(f"Input type (torch.FloatTensor) and weight type (torch.{_SCALAR_NAMES[w.dtype.name]}"
                               "Tensor) should be the same or input should be a MKLDNN tensor and weight is a dense "
                               "tensor")
        raise RuntimeError(f"expected scalar type {_SCALAR_NAMES[x.dtype.name]} but found "
                           f"{_SCALAR_NAMES[w.dtype.name]}")
    if 0 in dilation:
        if onednn:
            raise RuntimeError("non-positive dilation is not supported")
        lifted = [1] * (2 - len(dilation)) + list(dilation)
        raise RuntimeError(f"dilation should be greater than zero, but got {lifted}")
    _not_for("slow_conv2d_cpu", x, "bc")


def _conv(dims, input, weight, bias, stride, padding, dilation, groups):
    name = f"conv{dims}d"
    if len(input.shape) not in (dims + 1, dims + 2):
        raise RuntimeError(f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input to {name}, but got "
                           f"input of size: {list(input.shape)}")
    unbatched = len(input.shape) == dims + 1
    if unbatched:
        input = unsqueeze(input, 0)

    def expand(value):  # an int or a 1-list means one value per dim (PyTorch's int[2] argument)
        value = (value,) if isinstance(value, int) else tuple(value)
        return value * dims if len(value) == 1 else value
    stride, dilation = expand(stride), expand(dilation)
    padding = padding if isinstance(padding, str) else expand(padding)
    stride, padding, dilation = _conv_check(input, weight, bias, stride, padding, dilation, groups)
    out = convolution(input, weight, bias, (stride, padding, dilation, groups))
    return _squeeze_dim(out, 0) if unbatched else out


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d convolution (cross-correlation, as in every deep-learning library) of (N, C, H, W) or (C, H, W).

    Args:
        weight: (out_channels, in_channels / groups, kh, kw).
        padding: an int, a pair, 'valid' (none) or 'same' (output as large as the input; stride 1
            only, and an odd total padding goes one more to the bottom/right, as in PyTorch).
        groups: split the channels into this many independent convolutions.

    Example:
        >>> tapegrad.conv2d(tapegrad.ones(1, 1, 3, 3), tapegrad.ones(1, 1, 2, 2))
        tensor([[[[4., 4.],
                  [4., 4.]]]])
    """
    return _conv(2, input, weight, bias, stride, padding, dilation, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d convolution of (N, C, L) or (C, L) with weight (out_channels, in_channels / groups, k)."""
    return _conv(1, input, weight, bias, stride, padding, dilation, groups)


# ---------------------------------------------------------------- pooling: shapes and checks

def _pool_geometry(shape, kernel, stride, padding, dilation, ceil_mode):
    """Output size, and the (before, after) padding that makes every window whole, per spatial dim."""
    sizes, pads = [], []
    for n, k, s, p, d in zip(shape[-2:], kernel, stride, padding, dilation):
        span = d * (k - 1) + 1
        out = (n + 2 * p - span + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (out - 1) * s >= n + p:  # the last window must start inside the input or left padding
            out -= 1
        sizes.append(out)
        pads.append((p, max(0, (out - 1) * s + span - n - p)))
    return tuple(sizes), tuple(pads)


def _pool_check(shape, kernel, stride, padding, dilation, ceil_mode):
    """PyTorch's checks of a 2-d pooling (pooling_output_shape per dim, then pool2d_shape_check)."""
    for k, s, p, d in zip(kernel, stride, padding, dilation):
        if s == 0:
            raise RuntimeError("stride should not be zero")
        if p < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {p}")
        if p > int((d * (k - 1) + 1) / 2):  # C++ division
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k} and dilation={d}")
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    if kh <= 0 or kw <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {kh} kW: {kw}")
    if sh <= 0 or sw <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got dH: {sh} dW: {sw}")
    if dh <= 0 or dw <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {dh} dilationW: {dw}")
    if len(shape) not in (3, 4) or 0 in shape[-3:]:
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but "
                           f"got:{list(shape)}")
    (ho, wo), _ = _pool_geometry(shape, kernel, stride, padding, dilation, ceil_mode)
    if ho < 1 or wo < 1:
        c, h, w = shape[-3:]
        raise RuntimeError(f"Given input size: ({c}x{h}x{w}). Calculated output size: ({c}x{ho}x{wo}). Output size "
                           "is too small")


_POOL_ARGS = {"kernel_size": "kernel_size must either be a single int, or a tuple of two ints",
              "stride": "stride must either be omitted, a single int, or a tuple of two ints",
              "padding": "padding must either be a single int, or a tuple of two ints",
              "dilation": "dilation must be either a single int, or a tuple of two ints"}


def _pool_args(name, kernel_size, stride, padding, dilation):
    """kernel, stride, padding, dilation as pairs; stride None or [] means the kernel size."""
    def pair(value, arg):
        if isinstance(value, int):
            return (value, value)
        value = tuple(value)
        if len(value) not in (1, 2):
            raise RuntimeError(f"{name}: {_POOL_ARGS[arg]}")
        return value * 2 if len(value) == 1 else value
    kernel = pair(kernel_size, "kernel_size")
    empty = stride is None or (not isinstance(stride, int) and len(stride) == 0)
    return kernel, kernel if empty else pair(stride, "stride"), pair(padding, "padding"), pair(dilation, "dilation")


def _not_for(name, array, kinds="b"):
    if array.dtype.kind in kinds:
        raise NotImplementedError(f"\"{name}\" not implemented for '{_SCALAR_NAMES[array.dtype.name]}'")


def _ints_1d(error, kernel_size, stride, *others):
    """1-d pooling arguments as ints (stride None or [] stays None); a sequence must hold one int."""
    values = []
    for name, value in (("kernel_size", kernel_size), ("stride", stride)) + others:
        if value is not None and not isinstance(value, int):
            value = tuple(value)
            if len(value) > 1 or (len(value) == 0 and name != "stride"):
                raise RuntimeError(error(name, len(value)))
            value = value[0] if value else None
        values.append(value)
    return values


_MAX_POOL1D_ARGS = {"kernel_size": "an int, list of ints or tuple", "stride": "None, an int, list of ints, or tuple",
                    "padding": "an int, list of ints, or tuple", "dilation": "an int, list of ints or tuple"}


# ---------------------------------------------------------------- max pooling

def _max_pool_indices(x, kernel, stride, padding, dilation, ceil_mode):
    """Flat index (into H * W) of each window's max, chosen as PyTorch chooses it.

    PyTorch starts at the window's first position inside the input and moves only to a strictly
    larger value or a NaN: the first max wins, and the last NaN. One vectorised step per offset;
    no masked writes (a random mask costs NumPy branch mispredictions): max, and arithmetic on int8.
    """
    (ho, wo), pads = _pool_geometry(x.shape, kernel, stride, padding, dilation, ceil_mode)
    low = -xp.inf if x.dtype.kind == "f" else xp.iinfo(x.dtype).min
    windows = _windows(x, kernel, stride, pads, dilation, fill=low)[..., :ho, :wo, :, :]
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    rows, cols = xp.arange(ho) * sh - pads[0][0], xp.arange(wo) * sw - pads[1][0]
    first = xp.maximum(0, -(rows // dh))[:, None] * kw + xp.maximum(0, -(cols // dw))[None, :]
    best = xp.full(windows.shape[:-2], low, x.dtype)
    pick = xp.array(xp.broadcast_to(first, best.shape), xp.int8 if kh * kw < 128 else xp.int32)
    nan = x.dtype.kind == "f" and x.size and xp.isnan(x.min())
    for i in range(kh):
        for j in range(kw):
            value = windows[..., i, j]
            better = value > best
            if nan:
                better |= xp.isnan(value)
            xp.maximum(best, value, out=best)  # NaN sticks, as in PyTorch
            pick += better * (i * kw + j - pick)
    offsets = (xp.arange(kh)[:, None] * dh * x.shape[-1] + xp.arange(kw)[None, :] * dw).reshape(-1)
    return xp.take(offsets, pick) + (rows[:, None] * x.shape[-1] + cols[None, :])


@defop("MaxPool2DWithIndicesBackward0",
       vjp=lambda g, input_shape, positions, overlapping: _max_pool2d_scatter(g, positions, input_shape, overlapping),
       jvp="linear", promote="none")
def _max_pool2d(input, positions, overlapping):
    """Each window's max, read at its argmax: `positions` are flat indices into the whole input."""
    return xp.take(input, positions)


@defop("MaxPool2DWithIndicesBackwardBackward0",
       vjp=lambda g, positions, overlapping: _max_pool2d(g, positions, overlapping), jvp="linear", promote="none")
def _max_pool2d_scatter(grad, positions, input_shape, overlapping):
    """The gradient of max pooling: each output's gradient added at its argmax."""
    out = xp.zeros(input_shape, grad.dtype)
    if overlapping:  # windows share pixels: two outputs may pick the same one
        xp.add.at(out.reshape(-1), positions.reshape(-1), grad.reshape(-1))
    else:
        xp.put(out, positions, grad)
    return out


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over each kh x kw window of (N, C, H, W) or (C, H, W); padding counts as -inf.

    The gradient goes to each window's argmax: among equal maxima the first in row-major order
    (PyTorch's choice). With `return_indices`, also the argmax as flat int64 positions in H * W.

    Example:
        >>> tapegrad.max_pool2d(tapegrad.arange(16.).reshape(1, 4, 4), 2)
        tensor([[[ 5.,  7.],
                 [13., 15.]]])
    """
    kernel, stride, padding, dilation = _pool_args("max_pool2d", kernel_size, stride, padding, dilation)
    if len(input.shape) not in (3, 4):
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    _pool_check(input.shape, kernel, stride, padding, dilation, ceil_mode)
    data = getattr(input, "_data", input)
    _not_for("max_pool2d", data)
    indices = _max_pool_indices(data, kernel, stride, padding, dilation, ceil_mode)
    *lead, h, w = data.shape
    positions = indices + (xp.arange(prod(lead)) * (h * w)).reshape(*lead, 1, 1)
    overlapping = any(s < d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))
    out = _max_pool2d(input, positions, overlapping)
    return (out, _make(indices)) if return_indices else out


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over each window of (N, C, L) or (C, L): max_pool2d on a height-1 image, as in PyTorch."""
    shape = input.shape
    if len(shape) not in (2, 3) or 0 in shape[-2:]:
        raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
                           f"input, but got:{list(shape)}")
    k, s, p, d = _ints_1d(lambda name, n: f"max_pool1d() {name} must be {_MAX_POOL1D_ARGS[name]} of ints of size 1 "
                          f"but got size {n}", kernel_size, stride, ("padding", padding), ("dilation", dilation))
    s = k if s is None else s
    for name, value, low in (("kernel_size", k, 1), ("stride", s, 1), ("padding", p, 0), ("dilation", d, 1)):
        if value < low:
            raise RuntimeError(f"max_pool1d() {name} must be {'greater than zero' if low else 'non-negative'}, "
                               f"but got {value}")
        if name == "padding" and p > k // 2:
            raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got padding={p} "
                               f"and kernel_size={k}")
    (_, out), _ = _pool_geometry((1, shape[-1]), (1, k), (1, s), (0, p), (1, d), ceil_mode)
    if out < 1:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {out}")
    result = max_pool2d(unsqueeze(input, -2), (1, k), (1, s), (0, p), (1, d), ceil_mode, return_indices)
    if return_indices:
        return _squeeze_dim(result[0], -2), _make(result[1]._data[..., 0, :])
    return _squeeze_dim(result, -2)


# ---------------------------------------------------------------- average pooling

def _avg_geometry(shape, params):
    """Output size, padding, and the divisor of each output (an int, or an (Ho, Wo) array).

    params: (kernel, stride, padding, ceil_mode, count_include_pad, divisor_override), normalised.
    """
    kernel, stride, padding, ceil_mode, count_include_pad, divisor_override = params
    (ho, wo), pads = _pool_geometry(shape, kernel, stride, padding, (1, 1), ceil_mode)
    if divisor_override:
        return (ho, wo), pads, divisor_override
    counts = []
    for n, out, k, s, p in zip(shape[-2:], (ho, wo), kernel, stride, padding):
        start = xp.arange(out) * s - p
        end = xp.minimum(start + k, n + p)  # PyTorch counts the padding, not what lies beyond it (ceil_mode)
        counts.append(end - start if count_include_pad else xp.minimum(end, n) - xp.maximum(start, 0))
    return (ho, wo), pads, xp.outer(*counts)


def _divide(values, divisor, dtype):
    if dtype.kind in "iu":  # integer average: truncated toward zero, as in C++
        return (xp.sign(values) * (xp.abs(values) // divisor)).astype(dtype)
    return values / (divisor if isinstance(divisor, int) else divisor.astype(dtype))


@defop("AvgPool2DBackward0", vjp=lambda g, input_shape, params: _avg_pool2d_backward(g, input_shape, params),
       jvp="linear", promote="none")
def _avg_pool2d(input, params):
    """Mean of each window; see `avg_pool2d` and `_avg_geometry`."""
    (ho, wo), pads, divisor = _avg_geometry(input.shape, params)
    windows = _windows(input, params[0], params[1], pads, (1, 1))[..., :ho, :wo, :, :]
    return _divide(windows.sum(axis=(-2, -1), dtype=input.dtype), divisor, input.dtype)


@defop("AvgPool2DBackwardBackward0", vjp=lambda g, params: _avg_pool2d(g, params), jvp="linear", promote="none")
def _avg_pool2d_backward(grad, input_shape, params):
    """The gradient of average pooling: g / divisor spread back over each window (col2im)."""
    (ho, wo), pads, divisor = _avg_geometry(input_shape, params)
    scaled = _divide(grad, divisor, grad.dtype)
    cols = xp.broadcast_to(scaled[..., None, None, :, :], scaled.shape[:-2] + tuple(params[0]) + (ho, wo))
    return _col2im(cols, input_shape[-2:], params[1], pads, (1, 1))


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over each kh x kw window of (N, C, H, W) or (C, H, W).

    With `count_include_pad` (the default) zero padding counts in the divisor, except padding added
    only by `ceil_mode` (PyTorch's rule); `divisor_override` replaces the divisor.
    """
    kernel, stride, padding, _ = _pool_args("avg_pool2d", kernel_size, stride, padding, 1)
    if divisor_override == 0 and divisor_override is not None:
        raise RuntimeError("divisor must be not zero")
    shape = input.shape
    if len(shape) < 3:
        n = max(len(shape), 1)
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got -3)")
    _pool_check(shape, kernel, stride, padding, (1, 1), ceil_mode)
    _not_for("avg_pool2d", getattr(input, "_data", input))
    return _avg_pool2d(input, (kernel, stride, padding, ceil_mode, count_include_pad, divisor_override))


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mean over each window of (N, C, L) or (C, L): avg_pool2d on a height-1 image, as in PyTorch."""
    k, s, p = _ints_1d(lambda name, n: f"avg_pool1d() argument '{name}' should contain one int (got {n})",
                       kernel_size, stride, ("padding", padding))
    if len(input.shape) not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {len(input.shape)}-dimensional tensor for argument "
                           "#1 'self' (while checking arguments for avg_pool1d)")
    out = avg_pool2d(unsqueeze(input, -2), (1, k), None if s is None else (1, s), (0, p), ceil_mode,
                     count_include_pad)
    return _squeeze_dim(out, -2)


# ---------------------------------------------------------------- adaptive average pooling

def _averaging_matrix(size, out, dtype):
    """(out, size): row i averages input positions floor(i size / out) to ceil((i + 1) size / out)."""
    i = xp.arange(out)
    start, end = i * size // out, -(-(i + 1) * size // out)
    positions = xp.arange(size)
    inside = (positions >= start[:, None]) & (positions < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


@defop("AdaptiveAvgPool2DBackward0", vjp=lambda g, input_shape: _adaptive_avg_pool2d_backward(g, input_shape),
       jvp="linear", promote="none")
def _adaptive_avg_pool2d(input, output_size):
    """A_h @ input @ A_w^T with averaging matrices; see `adaptive_avg_pool2d`."""
    h, w = input.shape[-2:]
    rows, cols = _averaging_matrix(h, output_size[0], input.dtype), _averaging_matrix(w, output_size[1], input.dtype)
    return xp.matmul(xp.matmul(rows, input), cols.T)


@defop("AdaptiveAvgPool2DBackwardBackward0", vjp=lambda g, grad_shape: _adaptive_avg_pool2d(g, grad_shape[-2:]),
       jvp="linear", promote="none")
def _adaptive_avg_pool2d_backward(grad, input_shape):
    """The gradient of adaptive average pooling: A_h^T @ g @ A_w."""
    (h, w), (oh, ow) = input_shape[-2:], grad.shape[-2:]
    rows, cols = _averaging_matrix(h, oh, grad.dtype), _averaging_matrix(w, ow, grad.dtype)
    return xp.matmul(xp.matmul(rows.T, grad), cols)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed output size (oh, ow); a None entry keeps that input size.

    Windows may overlap and differ in size by one. Output (1, 1) is recorded as a mean
    (MeanBackward1), as PyTorch does.
    """
    size = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    if len(size) != 2:
        raise RuntimeError("adaptive_avg_pool2d: output_size must be 2")
    shape = input.shape
    if len(shape) not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {list(shape)}")
    for dim in range(len(shape) - 3, len(shape)):
        if shape[dim] == 0:
            raise RuntimeError("adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {list(shape)} with dimension {dim} being empty")
    _not_for("adaptive_avg_pool2d", getattr(input, "_data", input), "biu")
    size = tuple(n if s is None else s for s, n in zip(size, shape[-2:]))
    if size == (1, 1):
        return reduction.mean(input, (-1, -2), keepdim=True)
    return _adaptive_avg_pool2d(input, size)
