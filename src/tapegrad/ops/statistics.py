"""Statistics and norms: median, logsumexp, var, std, var_mean, std_mean, norm, and vector_norm
(which `tapegrad.linalg` names, through ops/decomposition.py).

Split from reduction.py, whose helpers it uses: each gradient is `_keep(g) * w` with `w`
d(out)/d(input) at the input's shape, and each JVP the sum of `input_t * w` over the reduced dims.
"""
import builtins
import math
import warnings

from .. import _backend as B
from ._registry import defop, expand, to_dtype
from .elementwise import abs, exp, pow, sign
from .reduction import (_data, _dims, _float_only, _is_empty_list, _keep, _numel, _quiet, _select, _selecting,
                        _sum_over, _ties, _unreduce, mean)

xp = B.xp

PUBLIC = ("median", "logsumexp", "var", "std", "var_mean", "std_mean", "norm")  # see elementwise.py
METHODS = ("median", "logsumexp", "var", "std", "norm")
INPLACE = ()


# ---------------------------------------------------------------- median

_median_dim = _selecting("MedianBackward1", "_median_dim")


def _no_bool(kernel, input):
    if _data(input).dtype == bool:
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


@defop("MedianBackward0",
       vjp=lambda g, input, out, input_dtype: g * _ties(input, out, input_dtype, None, nan=True),
       jvp=lambda input_t, input, out, input_dtype: _sum_over(
           input_t * _ties(input, out, input_dtype, None, nan=True), None, False))
def _median_all(input):
    flat = input.reshape(-1)
    if flat.size == 0:
        return xp.asarray(xp.nan, dtype=input.dtype)
    if input.dtype.kind == "f" and xp.isnan(flat).any():
        return xp.asarray(xp.nan, dtype=input.dtype)
    k = (flat.size - 1) // 2
    return xp.partition(flat, k)[k]


def _lower_median(array, dim):
    # the lower of the two middle values; a slice with a nan gives its first nan, as PyTorch
    k = (array.shape[dim] - 1) // 2
    order = xp.argsort(array, axis=dim, kind="stable")
    indices = xp.take(order, [k], axis=dim)
    if array.dtype.kind == "f":
        nans = xp.isnan(array)
        indices = xp.where(nans.any(axis=dim, keepdims=True), xp.argmax(nans, axis=dim, keepdims=True), indices)
    return indices


def median(input, dim=None, keepdim=False):
    """median(input): the lower median of all elements; median(input, dim, keepdim=False): (values, indices).

    The lower of the two middle values for an even count, and nan if there is a nan, as in PyTorch.
    Over everything, tied medians share the gradient evenly; over a dim it goes to the returned index
    (among equal values PyTorch's choice of index may differ).

    Example:
        >>> tapegrad.tensor([3., 1., 4., 2.]).median()
        tensor(2.)
    """
    if dim is None:
        _no_bool("median_cpu", input)
        return _median_all(input)
    _no_bool("median_out", input)
    return _select("median", input, dim, keepdim, _lower_median, _median_dim)


# ---------------------------------------------------------------- logsumexp

def _logsumexp_weights(input, out, input_shape, dim, keepdim):
    # d logsumexp / d x_i = softmax(x)_i = exp(x_i - out)
    return exp(input - _keep(out, input_shape, dim, keepdim))


@defop("LogsumexpBackward0",
       vjp=lambda g, input, out, input_shape, dim, keepdim: _keep(g, input_shape, dim, keepdim) * _logsumexp_weights(
           input, out, input_shape, dim, keepdim),
       jvp=lambda input_t, input, out, input_shape, dim, keepdim: _sum_over(
           input_t * _logsumexp_weights(input, out, input_shape, dim, keepdim), dim, keepdim),
       promote="float")
def _logsumexp(input, dim, keepdim=False):
    dims = _dims(dim, input.ndim)
    with _quiet():
        top = xp.max(input, axis=dims, keepdims=True, initial=-xp.inf)
        top = xp.where(xp.isfinite(top), top, 0)  # all -inf gives -inf, an inf gives inf, a nan nan
        out = xp.log(xp.exp(input - top).sum(axis=dims, keepdims=True)) + top
    return out if keepdim else out.reshape([n for i, n in enumerate(out.shape) if i not in dims])


def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(input))) over `dim` (an int or a tuple), computed stably; integers give floats.

    Example:
        >>> tapegrad.tensor([0., 0.]).logsumexp(0)
        tensor(0.6931)
    """
    ndim = _data(input).ndim
    if _is_empty_list(dim) and ndim:  # PyTorch's own error for an empty dim list
        raise RuntimeError(f"output with shape [] doesn't match the broadcast shape {[1] * ndim}")
    return _logsumexp(input, dim, keepdim)


# ---------------------------------------------------------------- var, std

def _dof(input_shape, dim, correction):
    return _numel(input_shape, dim) - correction


def _var_weights(input, input_shape, dim, correction):
    """d var / d input = 2 (x - mean) / (N - correction), with PyTorch's values when N <= correction."""
    deviation = input - mean(input, dim, True)
    dof = _dof(input_shape, dim, correction)
    if dof <= 0 and (dim is None or not input_shape):
        # PyTorch: nan where x equals the mean, inf elsewhere (d / d is 1, or nan at 0)
        return (deviation / deviation) * math.inf
    return deviation * (2.0 / dof if dof else math.inf)


def _var_vjp(g, input, input_shape, dim, correction, keepdim):
    return _keep(g, input_shape, dim, keepdim) * _var_weights(input, input_shape, dim, correction)


def _var_jvp(input_t, input, input_shape, dim, correction, keepdim):
    return _sum_over(input_t * _var_weights(input, input_shape, dim, correction), dim, keepdim)


def _std_scale(g, out):
    # d std = d var / (2 std), and 0 where std == 0 (PyTorch's masked_fill)
    return g / (out * 2 + (out == 0)) * (out != 0)


def _std_vjp(g, input, out, input_shape, dim, correction, keepdim):
    return _var_vjp(_std_scale(g, out), input, input_shape, dim, correction, keepdim)


def _std_jvp(input_t, input, out, input_shape, dim, correction, keepdim):
    return _std_scale(_var_jvp(input_t, input, input_shape, dim, correction, keepdim), out)


def _variance(input, dim, correction, keepdim, name):
    """Two-pass variance; warns as PyTorch when N - correction <= 0 (the result is then inf or nan)."""
    dims = tuple(range(input.ndim)) if dim is None else _dims(dim, input.ndim)
    n = _numel(input.shape, dims)
    dof = n - correction
    if dof <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
                      "reduction factor (input numel divided by output numel).", UserWarning, stacklevel=2)
    with _quiet():
        deviation = input - input.sum(axis=dims, keepdims=True) / n
        return (deviation * deviation).sum(axis=dims, keepdims=keepdim) / builtins.max(dof, 0)


def _mean_part(input, dim, keepdim):
    dims = tuple(range(input.ndim)) if dim is None else _dims(dim, input.ndim)
    with _quiet():
        return input.sum(axis=dims, keepdims=keepdim) / _numel(input.shape, dims)


def _variance_op(node_name, forward_name, name, vjp, jvp, sqrt=False):
    def forward(input, dim, correction, keepdim):
        out = _variance(input, dim, correction, keepdim, name)
        return xp.sqrt(out) if sqrt else out
    forward.__name__ = forward.__qualname__ = forward_name
    return defop(node_name, vjp=vjp, jvp=jvp)(forward)


def _mean_op(node_name, forward_name):
    # the mean half of var_mean / std_mean: PyTorch records both halves under one node name
    def forward(input, dim, correction, keepdim):
        return _mean_part(input, dim, keepdim)
    forward.__name__ = forward.__qualname__ = forward_name
    return defop(node_name, vjp=lambda g, input_shape, dim, keepdim: _unreduce(
        g / _numel(input_shape, dim), input_shape, () if dim is None else dim, keepdim), jvp="linear")(forward)


_var = _variance_op("VarBackward0", "_var", "var", _var_vjp, _var_jvp)
_std = _variance_op("StdBackward0", "_std", "std", _std_vjp, _std_jvp, sqrt=True)
_var_of_var_mean = _variance_op("VarMeanBackward0", "_var_of_var_mean", "var_mean", _var_vjp, _var_jvp)
_std_of_std_mean = _variance_op("StdMeanBackward0", "_std_of_std_mean", "std_mean", _std_vjp, _std_jvp, sqrt=True)
_mean_of_var_mean = _mean_op("VarMeanBackward0", "_mean_of_var_mean")
_mean_of_std_mean = _mean_op("StdMeanBackward0", "_mean_of_std_mean")


def _correction(name, dim, unbiased, correction):
    """PyTorch's overloads: (dim, unbiased, keepdim), (unbiased), and (dim, *, correction, keepdim)."""
    if isinstance(dim, bool):  # var(x, False): the first positional argument is `unbiased`
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments: `unbiased` and `correction` "
                        "cannot both be given")
    if correction is None:
        correction = 0 if unbiased is False else 1
    if dim is not None and not isinstance(dim, int):
        dim = tuple(dim)
    return dim, correction


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over everything or `dim` (an int or a tuple), dividing by N - correction.

    `correction` defaults to 1 (Bessel's); the legacy `unbiased=False` means correction=0. When
    N <= correction PyTorch warns and gives inf (or nan); so does this.

    Example:
        >>> tapegrad.tensor([1., 2., 3., 4.]).var()
        tensor(1.6667)
    """
    dim, correction = _correction("var", dim, unbiased, correction)
    _float_only("std and var only support floating point and complex dtypes", input)
    return _var(input, dim, correction, keepdim)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation: sqrt of `var` with the same arguments; its gradient is 0 where it is 0."""
    dim, correction = _correction("std", dim, unbiased, correction)
    _float_only("std and var only support floating point and complex dtypes", input)
    return _std(input, dim, correction, keepdim)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over the same dims, as `var` takes them.

    Example:
        >>> tapegrad.var_mean(tapegrad.tensor([1., 2., 3., 4.]))
        (tensor(1.6667), tensor(2.5000))
    """
    dim, correction = _correction("var_mean", dim, unbiased, correction)
    _float_only("var_mean only support floating point and complex dtypes", input)
    return (_var_of_var_mean(input, dim, correction, keepdim), _mean_of_var_mean(input, dim, correction, keepdim))


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over the same dims, as `std` takes them."""
    dim, correction = _correction("std_mean", dim, unbiased, correction)
    _float_only("std_mean only support floating point and complex dtypes", input)
    return (_std_of_std_mean(input, dim, correction, keepdim), _mean_of_std_mean(input, dim, correction, keepdim))


# ---------------------------------------------------------------- norms

def _norm_weights(input, norm, input_dtype, ord, dim):
    """d ||x||_p / dx (`norm` has its dims kept), with PyTorch's zeros where the norm is 0."""
    p = float(ord)
    if p == 1:
        return sign(input)
    if p == 2:
        return input / (norm + (norm == 0)) * (norm != 0)
    if math.isinf(p):  # the largest (smallest) |x| share the gradient, as amax
        size = abs(input)
        mask = (size == norm) | (size != size)
        return sign(input) * (mask / to_dtype(_sum_over(mask, dim, True), input_dtype))
    if p < 1:
        scaled = sign(input) * pow(abs(input) + (input == 0), p - 1) * (input != 0)
        return scaled * pow(norm, 1 - p)
    scaled = sign(input) * pow(abs(input), p - 1) if p < 2 else input * pow(abs(input), p - 2)
    return scaled * ((norm != 0) / (pow(norm, p - 1) + (norm == 0)))


def _norm_vjp(g, input, out, input_shape, input_dtype, ord, dim, keepdim):
    if float(ord) == 0:  # the 0-"norm" counts nonzeros: PyTorch gives no gradient (None; zeros here)
        return expand(_keep(g, input_shape, dim, keepdim) * 0, input_shape)
    norm = _keep(out, input_shape, dim, keepdim)
    return _keep(g, input_shape, dim, keepdim) * _norm_weights(input, norm, input_dtype, ord, dim)


def _norm_jvp(input_t, input, out, input_shape, input_dtype, ord, dim, keepdim):
    if float(ord) == 0:
        return out * 0
    weights = _norm_weights(input, _keep(out, input_shape, dim, keepdim), input_dtype, ord, dim)
    return _sum_over(input_t * weights, dim, keepdim)


@defop("LinalgVectorNormBackward0", vjp=_norm_vjp, jvp=_norm_jvp)
def _vector_norm(input, ord, dim, keepdim):
    dims = tuple(range(input.ndim)) if dim is None else _dims(dim, input.ndim)
    p = float(ord)
    if p < 0 or math.isinf(p):
        _check_identity(input, dim, dims, p)
    size = xp.abs(input)
    with _quiet():
        if p == 2:
            return xp.sqrt((size * size).sum(axis=dims, keepdims=keepdim))
        if p == 1:
            return size.sum(axis=dims, keepdims=keepdim)
        if p == math.inf:
            return size.max(axis=dims, keepdims=keepdim, initial=0)
        if p == -math.inf:
            return size.min(axis=dims, keepdims=keepdim, initial=math.inf) if size.size else size.sum(
                axis=dims, keepdims=keepdim)
        if p == 0:
            return (size != 0).sum(axis=dims, keepdims=keepdim).astype(input.dtype)
        return (size ** p).sum(axis=dims, keepdims=keepdim) ** (1 / p)


def _check_identity(input, dim, dims, p):
    # inf and negative norms have no value on nothing: PyTorch's words (its missing space included)
    text = f"{p:g}"
    if dim is None or _is_empty_list(dim):
        if input.size == 0:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {text} norm on an empty tensor because the "
                               "operation does not have an identity")
        return
    for d in dims:
        if input.shape[d] == 0:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {text} norm on the dimension {d}because "
                               "this dimension is empty and the operation does not have an identity")


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The vector p-norm of `x` over `dim` (None: all elements) -- torch.linalg.vector_norm.

    ord: any real p, inf (largest |x|), -inf (smallest |x|), or 0 (the count of nonzeros, no gradient).
    The gradient at 0 is 0 (PyTorch's choice), for every p.

    Example:
        >>> tapegrad.linalg.vector_norm(tapegrad.tensor([3., 4.]))
        tensor(5.)
    """
    if dtype is not None:
        x = to_dtype(x, dtype)
    _float_only("linalg.vector_norm: Expected a floating point or complex tensor as input. Got {}", x)
    if dim is not None and not isinstance(dim, int):
        dim = tuple(dim)
    return _vector_norm(x, ord, dim, keepdim)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """The norm of `input` (torch.norm / Tensor.norm): p=2 or 'fro' (default), 1, inf, any real p.

    A number p, or 'fro' over at most two dims, is `vector_norm` over `dim`; PyTorch names every such
    node LinalgVectorNormBackward0. The nuclear norm ('nuc') needs tapegrad.linalg.matrix_norm.

    Example:
        >>> tapegrad.tensor([[3., 4.], [0., 0.]]).norm()
        tensor(5.)
    """
    if out is not None:
        raise TypeError("norm(): the out= argument is not supported")
    if not isinstance(p, str):
        return vector_norm(input, 2 if p is None else p, dim, keepdim, dtype=dtype)
    if p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2):
        return vector_norm(input, 2, dim, keepdim, dtype=dtype)
    dims = list(range(_data(input).ndim)) if dim is None else ([dim] if isinstance(dim, int) else list(dim))
    if p not in ("fro", "nuc"):
        raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
    if len(dims) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(str(d) for d in dims)}")
    from .. import linalg
    if not hasattr(linalg, "matrix_norm"):
        raise NotImplementedError("norm(p='nuc') needs tapegrad.linalg.matrix_norm")
    return linalg.matrix_norm(input, p, dims, keepdim, dtype=dtype)

