"""Fused ops behind `nn.functional`, where one rule is more stable or faster than a composition.

`softmax`/`log_softmax` shift by the max before exponentiating, so logits of 1e4 are fine.
`binary_cross_entropy_with_logits` never forms sigmoid(x) and log of it separately: with large
logits that would overflow or lose every digit. Written as softplus(-x) + (1 - y) x.
`layer_norm` and `batch_norm` have one fused backward; their rules recompute the statistics from
the input with ops, so with create_graph they are recorded and second order comes for free.
`dropout`, `one_hot`, `normalize` and `cosine_similarity` are compositions, as in PyTorch.
The losses (nll_loss, cross_entropy, mse_loss, ...) are in ops/loss.py, imported at the bottom.
"""
import math

from .. import _backend as B
from .. import _dtype as D
from .._tensor import _make, _scalar_type_name, _tensor_types
from ..autograd.grad_mode import no_grad
from ._registry import defop, expand, to_dtype
from .elementwise import abs, exp, mul, sigmoid
from .indexing import region_scatter
from .reduction import mean as _mean
from .reduction import sum as _sum
from .shape import reshape

xp = B.xp

PUBLIC = ("softmax", "log_softmax")  # see the note on these tables in elementwise.py
METHODS = ("softmax", "log_softmax")
INPLACE = ()
FUNCTIONAL = ("dropout", "layer_norm", "batch_norm", "embedding", "one_hot", "normalize", "cosine_similarity")


def _wrap_dim(dim, ndim):
    """`dim` in [0, ndim) (a 0-d tensor takes dim 0 or -1), or PyTorch's IndexError."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def _axis(array, dim):
    return dim if array.ndim else None


# ---------------------------------------------------------------- softmax, log_softmax

# d softmax: J = diag(s) - s s^T (symmetric, so the JVP is the VJP formula on the tangent)
@defop("SoftmaxBackward0",
       vjp=lambda g, out, dim: out * (g - _sum(g * out, dim, True)),
       jvp=lambda input_t, out, dim: out * (input_t - _sum(input_t * out, dim, True)))
def _softmax(input, dim):
    axis = _axis(input, dim)
    with xp.errstate(invalid="ignore", over="ignore"):  # a row of -inf gives nan, as PyTorch
        e = xp.asarray(input - input.max(axis=axis, keepdims=True, initial=-xp.inf))  # 0-d: an array
        xp.exp(e, out=e)  # in place: one array fewer
        e /= e.sum(axis=axis, keepdims=True)
        return e


# d log_softmax: J = I - 1 softmax^T
@defop("LogSoftmaxBackward0",
       vjp=lambda g, out, dim: g - exp(out) * _sum(g, dim, True),
       jvp=lambda input_t, out, dim: input_t - _sum(exp(out) * input_t, dim, True))
def _log_softmax(input, dim):
    axis = _axis(input, dim)
    with xp.errstate(invalid="ignore", over="ignore", divide="ignore"):
        shifted = xp.asarray(input - input.max(axis=axis, keepdims=True, initial=-xp.inf))  # 0-d: an array
        shifted -= xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))  # in place: one array fewer
        return shifted


def _softmax_input(input, dim, dtype, kernel):
    if dtype is not None:
        input = to_dtype(input, dtype)
    data = input._data
    if data.dtype.kind not in "fc":
        where = "lastdim_kernel_impl" if dim in (-1, max(data.ndim, 1) - 1) else "kernel_impl"
        raise NotImplementedError(f'"{kernel}_{where}" not implemented for '
                                  f"'{_scalar_type_name(D.from_np(data.dtype))}'")
    return input, _wrap_dim(dim, data.ndim)


def softmax(input, dim, dtype=None):
    """exp(x) / sum(exp(x)) along `dim`, computed stably; `dtype` casts the input first.

    Example:
        >>> tapegrad.softmax(tapegrad.tensor([1e4, 1e4]), 0)
        tensor([0.5000, 0.5000])
    """
    input, dim = _softmax_input(input, dim, dtype, "softmax")
    return _softmax(input, dim)


def log_softmax(input, dim, dtype=None):
    """log(softmax(x)) along `dim`, as x - max - log(sum(exp(x - max))): finite for any logits."""
    input, dim = _softmax_input(input, dim, dtype, "log_softmax")
    return _log_softmax(input, dim)


# ---------------------------------------------------------------- binary_cross_entropy_with_logits

def _softplus_neg(x):
    """log(1 + e^-x) without overflow: max(-x, 0) + log1p(e^-|x|)."""
    return xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


def _reduce(values, reduction):
    if reduction == "mean":
        return values.mean()
    if reduction == "sum":
        return values.sum()
    return values


def _bce_logits_grad_input(g, input, target, weight, pos_weight, reduction):
    # L = (1 - y) x + c softplus(-x), c = 1 + (p - 1) y  =>  dL/dx = c sigmoid(x) - c + 1 - y
    s = sigmoid(input)
    grad = s - target if pos_weight is None else (s - 1) * (1 + (pos_weight - 1) * target) + (1 - target)
    return _scale(g, grad, weight, reduction, input)


def _bce_logits_grad_target(g, input, pos_weight, weight, reduction):
    # dL/dy = -x + (p - 1) softplus(-x)
    grad = -input if pos_weight is None else (pos_weight - 1) * _softplus_neg_op(input) - input
    return _scale(g, grad, weight, reduction, input)


def _reduce_tangent(tangent, reduction):
    return _mean(tangent) if reduction == "mean" else _sum(tangent) if reduction == "sum" else tangent


def _scale(g, grad, weight, reduction, input):
    if weight is not None:
        grad = grad * weight
    if reduction == "mean":
        return grad * (g / max(_numel(input), 1))
    return grad * g


def _numel(x):
    n = 1
    for s in x.shape:
        n *= s
    return n


@defop("SoftplusBackward0", vjp=lambda g, input: -g * sigmoid(-input), jvp="elementwise")
def _softplus_neg_op(input):
    return _softplus_neg(input)


@defop("BinaryCrossEntropyWithLogitsBackward0",
       vjp=(lambda g, input, target, weight, pos_weight, reduction:
            _bce_logits_grad_input(g, input, target, weight, pos_weight, reduction),
            lambda g, input, pos_weight, weight, reduction:
            _bce_logits_grad_target(g, input, pos_weight, weight, reduction)),
       jvp=(lambda input_t, input, target, weight, pos_weight, reduction: _reduce_tangent(
            input_t * _bce_logits_grad_input(1.0, input, target, weight, pos_weight, "none"), reduction),
            lambda target_t, input, pos_weight, weight, reduction: _reduce_tangent(
            target_t * _bce_logits_grad_target(1.0, input, pos_weight, weight, "none"), reduction)))
def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction="mean"):
    """Sigmoid then binary cross-entropy, fused and stable for any logit size."""
    if input.shape != target.shape:
        raise ValueError(f"Target size (torch.Size({list(target.shape)})) must be the same as input size "
                         f"(torch.Size({list(input.shape)}))")
    softplus = _softplus_neg(input)
    if pos_weight is not None:
        softplus = softplus * (1 + (pos_weight - 1) * target)
    loss = (1 - target) * input + softplus
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


# ---------------------------------------------------------------- layer_norm, batch_norm

def _standardize(input, dims, eps):
    """((x - mean) * rstd, rstd) over `dims`, rstd = 1 / sqrt(biased var + eps); made of ops."""
    centered = input - _mean(input, dims, True)
    rstd = (_mean(centered * centered, dims, True) + eps) ** -0.5
    return centered * rstd, rstd


def _standardize_grad(g, xhat, rstd, dims):
    """The (symmetric) Jacobian of standardisation applied to g: rstd (g - mean g - xhat mean(g xhat))."""
    return rstd * (g - _mean(g, dims, True) - xhat * _mean(g * xhat, dims, True))


def _last_dims(normalized_shape):
    return tuple(range(-len(normalized_shape), 0))


def _times(x, factor):
    return x if factor is None else x * factor


def _layer_norm_grad(g, input, weight, normalized_shape, eps):
    dims = _last_dims(normalized_shape)
    xhat, rstd = _standardize(input, dims, eps)
    return _standardize_grad(_times(g, weight), xhat, rstd, dims)


def _layer_norm_tangent(input_t, input, weight, normalized_shape, eps):
    dims = _last_dims(normalized_shape)
    xhat, rstd = _standardize(input, dims, eps)
    return _times(_standardize_grad(input_t, xhat, rstd, dims), weight)


# The weight and bias gradients are returned at the output's shape; the registry sums them back.
@defop("NativeLayerNormBackward0",
       vjp=(_layer_norm_grad,
            lambda g, input, normalized_shape, eps:
            g * _standardize(input, _last_dims(normalized_shape), eps)[0],
            lambda g: g),
       jvp=(_layer_norm_tangent,
            lambda weight_t, input, normalized_shape, eps:
            weight_t * _standardize(input, _last_dims(normalized_shape), eps)[0],
            lambda bias_t: bias_t))
def _layer_norm(input, weight, bias, normalized_shape, eps):
    axes = tuple(range(input.ndim - len(normalized_shape), input.ndim))
    centered = input - input.mean(axis=axes, keepdims=True)
    out = centered / xp.sqrt((centered * centered).mean(axis=axes, keepdims=True) + eps)
    if weight is not None:
        out = out * weight
    return out if bias is None else out + bias


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the last len(normalized_shape) dims (biased variance), then scale and shift.

    Example:
        >>> F.layer_norm(tapegrad.tensor([[1., 3.]]), (2,))
        tensor([[-1.0000,  1.0000]])
    """
    if not isinstance(normalized_shape, (tuple, list)):
        raise TypeError("layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not "
                        f"{type(normalized_shape).__name__}")
    shape = tuple(int(s) for s in normalized_shape)
    size = tuple(input.shape)
    for name, param in (("weight", weight), ("bias", bias)):
        if param is not None and tuple(param.shape) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(param.shape)} and normalized_shape = {list(shape)}")
    if len(size) < len(shape) or size[len(size) - len(shape):] != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape [*, "
                           f"{', '.join(map(str, shape))}], but got input of size{list(size)}")
    _check_floating(input, "LayerNormKernelImpl")
    _check_parameters(input, weight, bias)
    return _layer_norm(input, weight, bias, shape, eps)


def _check_floating(input, kernel):
    if input.dtype.is_floating_point:
        return
    raise NotImplementedError(f"\"{kernel}\" not implemented for '{_scalar_type_name(input.dtype)}'")


def _check_parameters(input, *params):
    for param in params:
        if param is not None and param.dtype != input.dtype:
            raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of "
                               f"{_scalar_type_name(input.dtype)}")


def _channel_axes(ndim):
    return (0,) + tuple(range(2, ndim))


def _channel_shape(ndim):
    return (1, -1) + (1,) * (ndim - 2)


def _bn_standardize(input, mean, var, training, eps):
    """(xhat, rstd): from the batch (made of ops) when training, from the given constants when not."""
    axes = _channel_axes(len(input.shape))
    if training:
        return _standardize(input, axes, eps)
    shape = _channel_shape(len(input.shape))
    rstd = reshape((var + eps) ** -0.5, shape)
    return (input - reshape(mean, shape)) * rstd, rstd


def _bn_input_grad(g, input, weight, mean, var, training, eps):
    shape = _channel_shape(len(input.shape))
    g = g if weight is None else g * reshape(weight, shape)
    xhat, rstd = _bn_standardize(input, mean, var, training, eps)
    return _standardize_grad(g, xhat, rstd, _channel_axes(len(input.shape))) if training else g * rstd


def _bn_input_tangent(input_t, input, weight, mean, var, training, eps):
    shape = _channel_shape(len(input.shape))
    xhat, rstd = _bn_standardize(input, mean, var, training, eps)
    tangent = _standardize_grad(input_t, xhat, rstd, _channel_axes(len(input.shape))) if training \
        else input_t * rstd
    return tangent if weight is None else tangent * reshape(weight, shape)


# `mean`/`var` are the batch statistics when training (the rules recompute them from the input,
# so that they are recorded under create_graph) and the running estimates when not.
@defop("NativeBatchNormBackward0",
       vjp=(_bn_input_grad,
            lambda g, input, mean, var, training, eps:
            _sum(g * _bn_standardize(input, mean, var, training, eps)[0], _channel_axes(len(input.shape))),
            lambda g: _sum(g, _channel_axes(len(g.shape)))),
       jvp=(_bn_input_tangent,
            lambda weight_t, input, mean, var, training, eps:
            reshape(weight_t, _channel_shape(len(input.shape))) * _bn_standardize(input, mean, var, training, eps)[0],
            lambda bias_t, input_shape: reshape(bias_t, _channel_shape(len(input_shape)))))
def _batch_norm(input, weight, bias, mean, var, training, eps):
    shape = _channel_shape(input.ndim)
    out = (input - mean.reshape(shape)) * (1 / xp.sqrt(var.reshape(shape) + eps))
    if weight is not None:
        out = out * weight.reshape(shape)
    return out if bias is None else out + bias.reshape(shape)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalise each channel (dim 1) by the batch statistics (training) or the running ones.

    In training mode running_mean/running_var (when given) are updated in place, as in PyTorch:
    r = (1 - momentum) r + momentum s, with the unbiased batch variance for running_var (and, as
    in PyTorch, without bumping their version counters).
    """
    size = tuple(input.shape)
    if training:
        count = size[0] * math.prod(size[2:]) if size else 1
        if count == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"torch.Size({list(size)})")
        if eps <= 0.0:
            raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    elif eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    channels = size[1] if len(size) > 1 else 0
    for name, param in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                        ("running_var", running_var)):
        if param is not None and param.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {param.numel()}")
    if not training and (running_mean is None or running_var is None):
        name = "running_mean" if running_mean is None else "running_var"
        raise RuntimeError(f"{name} must be defined in evaluation mode")
    _check_floating(input, "batch_norm")
    _check_parameters(input, weight, bias, running_mean, running_var)
    data = input._data
    if training:
        axes = _channel_axes(data.ndim)
        with xp.errstate(invalid="ignore", divide="ignore"):
            mean = data.mean(axis=axes)
            var = ((data - mean.reshape(_channel_shape(data.ndim))) ** 2).mean(axis=axes)
        count = data.size // max(channels, 1)
        # written in place without a version bump: PyTorch's kernel updates them invisibly to autograd too
        if running_mean is not None:
            running_mean._data[...] = running_mean._data * (1 - momentum) + mean * momentum
        if running_var is not None:
            running_var._data[...] = running_var._data * (1 - momentum) + var * (count / (count - 1)) * momentum
    else:  # copies: a later update of the running statistics must not change this node's gradient
        mean, var = running_mean._data.copy(), running_var._data.copy()
    return _batch_norm(input, weight, bias, mean, var, bool(training), eps)


# ---------------------------------------------------------------- dropout, embedding, one_hot

def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1 / (1 - p); identity when not training.

    Uses tapegrad's default generator (`tapegrad.manual_seed`), so the masks are not PyTorch's.
    As in PyTorch, p == 0 or training=False returns `input` itself, and the node is MulBackward0.
    """
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not training or input.numel() == 0:
        return input
    dtype = input._data.dtype
    if dtype.kind not in "fc":
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{_scalar_type_name(input.dtype)}")
    if p == 1:
        noise = xp.zeros((), dtype=dtype)
    else:
        from .._random import _rng
        uniform = _rng(None).random(input.shape, dtype=xp.float32 if dtype == xp.float32 else xp.float64)
        noise = (uniform < 1 - p).astype(dtype) / (1 - p)
    noise = _make(noise)
    return input.mul_(noise) if inplace else mul(input, noise)


def _embedding_grad(g, weight_shape, weight_dtype, indices, padding_idx, scale_grad_by_freq):
    if padding_idx >= 0:
        g = g * (indices != padding_idx)[..., None]
    if scale_grad_by_freq:  # each row's gradient divided by how often its index occurs in the batch
        counts = xp.bincount(indices.reshape(-1), minlength=weight_shape[0])[indices]
        g = g * (1 / counts[..., None]).astype(D.to_np(weight_dtype))
    return region_scatter(g, weight_shape, None, indices)


# The gradient of padding_idx's row is zero, and scale_grad_by_freq divides by the index counts:
# PyTorch's choices, not derivatives; the JVP is the forward on the tangent (PyTorch's auto_linear).
@defop("EmbeddingBackward0", vjp=_embedding_grad, jvp="linear")
def _embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False):
    return weight[indices]


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of `weight` picked by the integer tensor `input`; repeated indices accumulate gradient.

    padding_idx's row gets no gradient; max_norm renormalises the picked rows of `weight` in place
    (without recording it), as in PyTorch. `sparse=True` still gives a dense gradient.

    Example:
        >>> F.embedding(tapegrad.tensor([1, 1]), tapegrad.eye(2))
        tensor([[0., 1.],
                [0., 1.]])
    """
    rows = weight.shape[0] if weight.ndim else 0
    if padding_idx is not None:
        if padding_idx > 0 and padding_idx >= rows or padding_idx < 0 and padding_idx < -rows:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx = padding_idx % rows if padding_idx < 0 else padding_idx
    else:
        padding_idx = -1
    if input.dtype.name not in ("int64", "int32"):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {D.legacy_name(input.dtype)} instead (while checking arguments "
                           "for embedding)")
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    indices = input._data
    if indices.size and (indices.min() < 0 or indices.max() >= rows):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_rows(weight, indices, max_norm, norm_type)
    return _embedding(weight, indices, padding_idx, bool(scale_grad_by_freq))


def _renorm_rows(weight, indices, max_norm, norm_type):
    """PyTorch's embedding_renorm_: rows of norm > max_norm scaled to max_norm / (norm + 1e-7)."""
    rows = xp.unique(indices)
    picked = weight._data[rows]
    norms = (xp.abs(picked) ** norm_type).sum(axis=1) ** (1 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1).astype(picked.dtype)
    with no_grad():
        weight[_make(rows)] = _make(picked * scale[:, None])


def one_hot(tensor, num_classes=-1):
    """int64 one-hot encoding along a new last dim; num_classes=-1 infers max + 1. No gradient.

    Example:
        >>> F.one_hot(tapegrad.tensor([0, 2]))
        tensor([[1, 0, 0],
                [0, 0, 1]])
    """
    if tensor.dtype.name != "int64":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    data = tensor._data
    if data.size == 0:
        if num_classes <= 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        return _make(xp.zeros(data.shape + (num_classes,), dtype=xp.int64))
    if data.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(data.max()) + 1
    elif data.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return _make((data[..., None] == xp.arange(num_classes)).astype(xp.int64))


# ---------------------------------------------------------------- normalize, cosine_similarity

def _clamped_norm(input, p, dim, eps, straight_through=False):
    """max(||input||_p over dim (kept), eps), made of ops; the norm's gradient is 0 at a zero vector.

    Where the clamp is active the gradient through the norm is cut (clamp_min's), unless
    `straight_through` (cosine_similarity clamps under no_grad in PyTorch).
    """
    if p == math.inf or p <= 0:
        raise NotImplementedError(f"normalize: p={p} is not supported (only finite p > 0)")
    if p == 1:
        norm = _sum(abs(input), dim, True)
    else:
        total = _sum(input * input if p == 2 else abs(input) ** p, dim, True)
        zero = total == 0  # sqrt'(0) is infinite: give zero vectors a zero gradient instead
        norm = ((total + zero) ** (1 / p)) * ~zero
    below = norm < eps
    if straight_through:
        return norm + _make(xp.where(_array(below), eps - _array(norm), 0).astype(_array(norm).dtype))
    return norm * ~below + below * eps


def _array(x):
    return x._data if type(x) in _tensor_types else x


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p along dim, eps): unit vectors along `dim` (zero vectors stay zero).

    Example:
        >>> F.normalize(tapegrad.tensor([[3., 4.]]))
        tensor([[0.6000, 0.8000]])
    """
    if not input.dtype.is_floating_point:
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{_scalar_type_name(input.dtype)}")
    denom = expand(_clamped_norm(input, p, dim, eps), tuple(input.shape))
    result = input / denom
    if out is not None:
        with no_grad():
            out.copy_(result)
        return out
    return result


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1/||x1|| * x2/||x2||) along dim, each norm at least eps; broadcasts x1 and x2.

    Example:
        >>> F.cosine_similarity(tapegrad.tensor([[1., 0.]]), tapegrad.tensor([[1., 1.]]))
        tensor([0.7071])
    """
    common = D.result_type(x1, x2)
    if not common.is_floating_point:
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is "
                           f"{_scalar_type_name(common)}")
    x1 = x1 if x1.dtype.is_floating_point else to_dtype(x1, common)
    x2 = x2 if x2.dtype.is_floating_point else to_dtype(x2, common)
    if x1.shape != x2.shape:
        x1, x2 = _broadcast_pair(x1, x2)
    unit1 = x1 / _clamped_norm(x1, 2, dim, eps, straight_through=True)
    unit2 = x2 / _clamped_norm(x2, 2, dim, eps, straight_through=True)
    return _sum(unit1 * unit2, dim)


# The losses live in ops/loss.py (split off to keep this module short); their names join these tables.
from . import loss as _loss  # noqa: E402
from .loss import (_broadcast_pair, binary_cross_entropy, cross_entropy, huber_loss, kl_div,  # noqa: E402,F401
                   l1_loss, mse_loss, nll_loss, smooth_l1_loss)

FUNCTIONAL = FUNCTIONAL + _loss.FUNCTIONAL
