"""Reductions and scans: sum, mean, prod, max/min, amax/amin, argmax/argmin, all/any, count_nonzero,
cumsum, cumprod. Median, logsumexp, variance and norms are in statistics.py.

A reduction's gradient puts the reduced dims back (`_keep`: size 1, so it broadcasts). Most are
"weighted": d(out)/d(input) is an array `w` of the input's shape, so the VJP is `_keep(g) * w` and
the JVP is the sum of `input_t * w` over the reduced dims. Sum and mean save shapes only, no arrays
(Chainer's `retain_inputs`). Ops that select one element per slice (max(dim), min(dim), median(dim)) take its
indices, found by the public function, as a non-tensor argument: their gradient is a scatter
(`_put_along`), whose own gradient is a gather (`_take_along`).
"""
import builtins

from .. import _backend as B
from .._tensor import _make, _tensor_types
from ._registry import defop, expand, to_dtype
from .shape import reshape

xp = B.xp

PUBLIC = ("sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "all", "any",
          "count_nonzero", "cumsum", "cumprod")  # see the note on these tables in elementwise.py
METHODS = PUBLIC
INPLACE = ()
_INT_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _quiet():
    return xp.errstate(divide="ignore", invalid="ignore", over="ignore")


def _dims(dim, ndim):
    """Normalise an int or a tuple of dims (negative allowed, () meaning all) to a sorted tuple."""
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if ndim == 0:  # PyTorch lets a 0-d tensor be reduced over dim 0 or -1
        for d in dims:
            _dim(d, 0)
        return ()
    if not dims:
        return tuple(range(ndim))
    out = []
    for d in dims:
        d = _dim(d, ndim)
        if d in out:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        out.append(d)
    return tuple(sorted(out))


def _dim(dim, ndim):
    """One dim, checked and made non-negative (a 0-d tensor takes 0 or -1)."""
    n = builtins.max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def _kept_shape(shape, dim):
    dims = range(len(shape)) if dim is None else _dims(dim, len(shape))
    return tuple(1 if i in dims else n for i, n in enumerate(shape))


def _keep(t, input_shape, dim, keepdim):
    """A reduced result or gradient with its reduced dims back as size 1, so that it broadcasts."""
    return t if keepdim else reshape(t, _kept_shape(input_shape, dim))


def _unreduce(g, input_shape, dim, keepdim):
    """Bring a reduced gradient back to the input's shape: reinsert the dims, then broadcast."""
    if not keepdim and dim is not None:
        g = _keep(g, input_shape, dim, keepdim)
    return expand(g, input_shape)


def _sum_over(t, dim, keepdim):
    """Sum over `dim` (None: every dim), for rules."""
    return _sum_dim(t, () if dim is None else dim, keepdim)


def _numel(shape, dim):
    n = 1
    for d in (range(len(shape)) if dim is None else _dims(dim, len(shape))):
        n *= shape[d]
    return n


def _data(input):
    return input._data if type(input) in _tensor_types else input


def _float_only(message, input):
    dtype = _data(input).dtype
    if dtype.kind not in "fc":
        raise RuntimeError(message.format(_INT_NAMES[dtype.name]))


# ---------------------------------------------------------------- sum, mean

@defop("SumBackward0", vjp=lambda g, input_shape: expand(g, input_shape), jvp="linear")
def _sum_all(input):
    return input.sum(dtype=_sum_dtype(input))


@defop("SumBackward1", vjp=lambda g, input_shape, dim, keepdim: _unreduce(g, input_shape, dim, keepdim),
       jvp="linear")
def _sum_dim(input, dim, keepdim=False):
    return input.sum(axis=_dims(dim, input.ndim), keepdims=keepdim, dtype=_sum_dtype(input))


def _sum_dtype(input):
    # PyTorch sums bool and every integer type into int64; floats keep their dtype.
    return xp.int64 if input.dtype.kind in "biu" else None


def _cast(input, dtype):
    return input if dtype is None else to_dtype(input, dtype)


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum of all elements, or over `dim` (an int or a tuple; () means all), keeping reduced dims if `keepdim`.

    Integer and bool tensors sum into int64.

    Example:
        >>> tapegrad.ones(2, 2, requires_grad=True).sum()
        tensor(4., grad_fn=<SumBackward0>)
    """
    input = _cast(input, dtype)
    if dim is None:
        return _sum_all(input)
    return _sum_dim(input, dim, keepdim)


@defop("MeanBackward0", vjp=lambda g, input_shape: expand(g / _numel(input_shape, None), input_shape),
       jvp="linear")
def _mean_all(input):
    with _quiet():  # empty: nan, as PyTorch, without a warning
        return input.mean() if input.size else xp.asarray(xp.nan, dtype=input.dtype)


@defop("MeanBackward1",
       vjp=lambda g, input_shape, dim, keepdim: _unreduce(g / _numel(input_shape, dim), input_shape, dim, keepdim),
       jvp="linear")
def _mean_dim(input, dim, keepdim=False):
    if input.size:
        return input.mean(axis=_dims(dim, input.ndim), keepdims=keepdim)
    with _quiet():
        total = input.sum(axis=_dims(dim, input.ndim), keepdims=keepdim)
        return total / _numel(input.shape, dim)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean of all elements, or over `dim`; integer tensors need an explicit float `dtype`."""
    input = _cast(input, dtype)
    _float_only("mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
                "dtype. Got: {}", input)
    if dim is None:
        return _mean_all(input)
    return _mean_dim(input, dim, keepdim)


# ---------------------------------------------------------------- prod

def _any_true(mask):
    return builtins.bool(any(mask))


def _prod_weights(input, out, dim):
    """d prod / d input_i = the product of the others (`out` has its dims kept).

    With no zero that is out / input. Where a slice has zeros, zeros are set aside: `others` is the
    product of the non-zeros, `zeros` that of the zeros (0, or 1 when there are none), both
    differentiable, so second derivatives are right where a slice has at most one zero.
    """
    zero = input == 0
    if not _any_true(zero):
        return out / input
    nonzero = ~zero
    others = _prod_dim(input * nonzero + zero, () if dim is None else dim, True)
    zeros = _prod_dim(input * zero + nonzero, () if dim is None else dim, True)
    alone = zero & (_sum_over(zero, dim, True) == 1)
    return nonzero * (zeros * others / (input * nonzero + zero)) + alone * others


@defop("ProdBackward0",
       vjp=lambda g, input, out: g * _prod_weights(input, out, None),
       jvp=lambda input_t, input, out: _sum_over(input_t * _prod_weights(input, out, None), None, False))
def _prod_all(input):
    return input.prod(dtype=_sum_dtype(input))


@defop("ProdBackward1",
       vjp=lambda g, input, out, input_shape, dim, keepdim: _keep(g, input_shape, dim, keepdim) * _prod_weights(
           input, _keep(out, input_shape, dim, keepdim), dim),
       jvp=lambda input_t, input, out, input_shape, dim, keepdim: _sum_over(
           input_t * _prod_weights(input, _keep(out, input_shape, dim, keepdim), dim), dim, keepdim))
def _prod_dim(input, dim, keepdim=False):
    return input.prod(axis=_dims(dim, input.ndim), keepdims=keepdim, dtype=_sum_dtype(input))


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product of all elements, or over one `dim` (an int, as PyTorch; not a tuple).

    Integer and bool tensors multiply into int64. The gradient is right with zeros in the input
    (the product of the other elements), as PyTorch's.

    Example:
        >>> tapegrad.tensor([[1., 2.], [3., 4.]]).prod(1)
        tensor([ 2., 12.])
    """
    input = _cast(input, dtype)
    if dim is None:
        return _prod_all(input)
    _int_dim("prod", dim)
    return _prod_dim(input, dim, keepdim)


def _int_dim(name, dim):
    if not isinstance(dim, int):
        raise TypeError(f"{name}(): argument 'dim' (position 1) must be int, not {type(dim).__name__}")


# ---------------------------------------------------------------- max, min, amax, amin, median

def _ties(input, out, input_dtype, dim, nan=False):
    """d max / d input: the elements equal to the result share the gradient evenly (`out` has dims kept).

    With nan=True a nan result sends its gradient to the nans (PyTorch's evenly_distribute_backward).
    """
    mask = input == out
    if nan:
        mask = mask | ((input != input) & (out != out))
    return mask / to_dtype(_sum_over(mask, dim, True), input_dtype)


def _ties_vjp(g, input, out, input_shape, input_dtype, dim, keepdim):
    return _keep(g, input_shape, dim, keepdim) * _ties(input, _keep(out, input_shape, dim, keepdim), input_dtype, dim)


def _ties_jvp(input_t, input, out, input_shape, input_dtype, dim, keepdim):
    weights = _ties(input, _keep(out, input_shape, dim, keepdim), input_dtype, dim)
    return _sum_over(input_t * weights, dim, keepdim)


def _check_reducible(name, input, dims, error=RuntimeError):
    """PyTorch's errors for a max-like reduction over nothing (it has no identity)."""
    if dims is None:
        if input.size == 0:
            tail = "" if error is IndexError else " Specify the reduction dim with the 'dim' argument."
            raise error(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.{tail}")
        return
    for d in dims:
        if input.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _is_empty_list(dim):
    return not isinstance(dim, int) and len(tuple(dim)) == 0


def _max_like(name, reduce):
    # max() and min() of everything: MaxBackward1 / MinBackward1, ties (and nans) share the gradient
    def forward(input):
        _check_reducible(name, input, None)
        return reduce(input)
    forward.__name__ = forward.__qualname__ = f"_{name}_all"
    return defop(f"{name.capitalize()}Backward1",
                 vjp=lambda g, input, out, input_dtype: g * _ties(input, out, input_dtype, None, nan=True),
                 jvp=lambda input_t, input, out, input_dtype: _sum_over(
                     input_t * _ties(input, out, input_dtype, None, nan=True), None, False))(forward)


def _amax_like(name, reduce):
    # amax and amin: AmaxBackward0 / AminBackward0, over an int or a tuple of dims
    def forward(input, dim, keepdim=False):
        dims = _dims(dim, input.ndim)
        _check_reducible(name, input, None if _is_empty_list(dim) else dims)
        return reduce(input, axis=dims, keepdims=keepdim)
    forward.__name__ = forward.__qualname__ = f"_{name}"
    return defop(f"{name.capitalize()}Backward0", vjp=_ties_vjp, jvp=_ties_jvp)(forward)


_max_all = _max_like("max", xp.max)
_min_all = _max_like("min", xp.min)
_amax = _amax_like("amax", xp.max)
_amin = _amax_like("amin", xp.min)


def amax(input, dim=(), keepdim=False):
    """Maximum over `dim` (an int or a tuple; () or None means all dims).

    Unlike `max(dim)`, tied maxima share the gradient evenly, as in PyTorch.

    Example:
        >>> tapegrad.tensor([[1., 5.], [5., 2.]]).amax(0)
        tensor([5., 5.])
    """
    return _amax(input, () if dim is None else dim, keepdim)


def amin(input, dim=(), keepdim=False):
    """Minimum over `dim` (an int or a tuple; () or None means all dims); ties share the gradient."""
    return _amin(input, () if dim is None else dim, keepdim)


def _gather(input, dim, keepdim, indices):
    """The elements of `input` at `indices` (dims kept) along `dim`."""
    if input.ndim == 0:
        return input.copy()
    out = xp.take_along_axis(input, indices, axis=dim % input.ndim)
    return out if keepdim else out.squeeze(dim % input.ndim)


def _selecting(node_name, forward_name):
    # max(dim), min(dim), median(dim), the gather: the gradient goes to the selected index only
    def forward(input, dim, keepdim, indices):
        return _gather(input, dim, keepdim, indices)
    forward.__name__ = forward.__qualname__ = forward_name
    return defop(node_name, vjp=lambda g, input_shape, dim, keepdim, indices: _put_along(
        g, input_shape, dim, keepdim, indices), jvp="linear")(forward)


_max_dim = _selecting("MaxBackward0", "_max_dim")
_min_dim = _selecting("MinBackward0", "_min_dim")


@defop("ScatterBackward0", vjp=lambda g, dim, keepdim, indices: _take_along(g, dim, keepdim, indices),
       jvp="linear")
def _put_along(values, shape, dim, keepdim, indices):
    """zeros(shape) with `values` written at `indices` along `dim`: the gradient of a selection."""
    out = xp.zeros(shape, dtype=values.dtype)
    if not shape:
        return out + values
    dim %= len(shape)
    xp.put_along_axis(out, indices, values if keepdim else xp.expand_dims(values, dim), axis=dim)
    return out


_take_along = _selecting("GatherBackward0", "_take_along")  # the gradient of _put_along


def _return_type(name):
    """A tuple subclass (values, indices) printed as PyTorch's torch.return_types.<name>."""
    def __new__(cls, values, indices):
        return tuple.__new__(cls, (values, indices))

    def __repr__(self):
        return f"torch.return_types.{name}(\nvalues={self[0]!r},\nindices={self[1]!r})"

    return type(name, (tuple,), {
        "__slots__": (), "__new__": __new__, "__repr__": __repr__, "__module__": "torch.return_types",
        "__reduce__": lambda self: (_rebuild, (name, tuple(self))),
        "values": property(lambda self: self[0], doc="the reduced values"),
        "indices": property(lambda self: self[1], doc="where each value was found (int64)"),
        "n_fields": 2, "n_sequence_fields": 2, "n_unnamed_fields": 0})


def _rebuild(name, items):
    return RETURN_TYPES[name](*items)


RETURN_TYPES = {name: _return_type(name) for name in ("max", "min", "median")}


def _select(name, input, dim, keepdim, find, op):
    """(values, indices) of max/min/median over one dim: `find(array, dim)` gives the kept-dim indices."""
    _int_dim(name, dim)
    data = _data(input)
    d = _dim(dim, data.ndim)
    if data.ndim:
        _check_reducible(name, data, (d,))
    indices = find(data.reshape(1) if data.ndim == 0 else data, d)
    values = op(input, dim, keepdim, indices)
    if data.ndim == 0:
        positions = indices.reshape(())
    else:
        positions = indices if keepdim else indices.squeeze(d)
    return RETURN_TYPES[name](values, _make(positions.astype(xp.int64, copy=False)))


# NumPy and PyTorch pick the first maximum (minimum), or the first nan
_first_max = lambda array, dim: xp.argmax(array, axis=dim, keepdims=True)  # noqa: E731
_first_min = lambda array, dim: xp.argmin(array, axis=dim, keepdims=True)  # noqa: E731


def max(input, dim=None, keepdim=False, *, other=None):
    """max(input): the largest element; max(input, dim, keepdim=False): namedtuple (values, indices);
    max(input, other): the elementwise maximum of two tensors (as torch.maximum).

    Over everything, tied maxima share the gradient evenly (MaxBackward1); over a dim, the gradient
    goes to the returned index only (the first maximum, MaxBackward0). A nan is the maximum.

    Example:
        >>> tapegrad.tensor([[1., 5.], [4., 2.]]).max(1)
        torch.return_types.max(
        values=tensor([5., 4.]),
        indices=tensor([1, 0]))
    """
    if other is not None or type(dim) in _tensor_types:
        from .special import maximum  # late: special imports this module
        return maximum(input, dim if other is None else other)
    if dim is None:
        return _max_all(input)
    return _select("max", input, dim, keepdim, _first_max, _max_dim)


def min(input, dim=None, keepdim=False, *, other=None):
    """min(input), min(input, dim, keepdim=False) -> (values, indices), or min(input, other) elementwise.

    Gradients at ties follow PyTorch as for `max`.
    """
    if other is not None or type(dim) in _tensor_types:
        from .special import minimum  # late: special imports this module
        return minimum(input, dim if other is None else other)
    if dim is None:
        return _min_all(input)
    return _select("min", input, dim, keepdim, _first_min, _min_dim)


def _arg(name, input, dim, keepdim, find):
    if dim is not None and not isinstance(dim, int):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    data = _data(input)
    if data.dtype == bool:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        _check_reducible(name, data, None, IndexError)
        out = find(data.reshape(-1))
        if keepdim:
            out = out.reshape((1,) * data.ndim)
    else:
        d = _dim(dim, data.ndim)
        if data.ndim:
            _check_reducible(name, data, (d,))
        out = find(data.reshape(1) if data.ndim == 0 else data, axis=d, keepdims=keepdim)
        if data.ndim == 0:
            out = out.reshape(())
    return _make(xp.asarray(out, dtype=xp.int64))


def argmax(input, dim=None, keepdim=False):
    """Index of the (first) maximum: of the flattened tensor when `dim` is None, else along `dim`.

    An int64 tensor, no gradient. A nan counts as the maximum.

    Example:
        >>> tapegrad.tensor([[1., 5.], [4., 2.]]).argmax()
        tensor(1)
    """
    return _arg("argmax", input, dim, keepdim, xp.argmax)


def argmin(input, dim=None, keepdim=False):
    """Index of the (first) minimum, of the flattened tensor or along `dim`; int64, no gradient."""
    return _arg("argmin", input, dim, keepdim, xp.argmin)


# ---------------------------------------------------------------- all, any, count_nonzero

def _logical(input, dim, keepdim, reduce):
    data = _data(input)
    if dim is None:
        out = reduce(data, keepdims=keepdim)
    elif _is_empty_list(dim):  # PyTorch reduces nothing: each element's truth
        out = data != 0
    else:
        out = reduce(data, axis=_dims(dim, data.ndim), keepdims=keepdim)
    out = xp.asarray(out, dtype=xp.uint8 if data.dtype == xp.uint8 else bool)
    return out if type(input) not in _tensor_types else _make(out)


def all(input, dim=None, keepdim=False):
    """Whether every element is nonzero: over everything, or `dim` (an int or a tuple).

    A bool tensor (uint8 for a uint8 input, as PyTorch), no gradient.
    """
    return _logical(input, dim, keepdim, xp.all)


def any(input, dim=None, keepdim=False):
    """Whether some element is nonzero: over everything, or `dim` (an int or a tuple); bool, no gradient."""
    return _logical(input, dim, keepdim, xp.any)


def count_nonzero(input, dim=None):
    """The number of nonzero elements, over everything or `dim` (an int or a tuple); int64, no gradient."""
    data = _data(input)
    axis = None if dim is None else _dims(dim, data.ndim)
    return _make(xp.asarray(xp.count_nonzero(data, axis=axis), dtype=xp.int64))


# ---------------------------------------------------------------- cumsum, cumprod

def _scan_dtype(input):
    return xp.int64 if input.dtype.kind in "biu" else input.dtype


@defop("CumsumBackward0", vjp=lambda g, dim: _cumsum_reversed(g, dim), jvp="linear")
def _cumsum(input, dim):
    d = _dim(dim, input.ndim)
    if input.ndim == 0:
        return input.astype(_scan_dtype(input))
    return xp.cumsum(input, axis=d, dtype=_scan_dtype(input))


# PyTorch computes the gradient of cumsum as flip(cumsum(flip(g))): FlipBackward0 is its node
@defop("FlipBackward0", vjp=lambda g, dim: _cumsum(g, dim), jvp="linear")
def _cumsum_reversed(input, dim):
    """Sums from each position to the end along `dim`: the gradient of cumsum."""
    if input.ndim == 0:
        return input.copy()
    d = _dim(dim, input.ndim)
    return xp.flip(xp.cumsum(xp.flip(input, d), axis=d), d)


def cumsum(input, dim, *, dtype=None):
    """Running sum along `dim`; integer and bool tensors give int64.

    Example:
        >>> tapegrad.tensor([1., 2., 3.]).cumsum(0)
        tensor([1., 3., 6.])
    """
    _int_dim("cumsum", dim)
    return _cumsum(_cast(input, dtype), dim)


def _cumprod_grad(g, input, out, dim):
    """d/dx_k of sum_j g_j y_j with y = cumprod(x): sum_{j >= k} g_j prod_{i <= j, i != k} x_i.

    Without zeros that is reversed_cumsum(g y) / x. With zeros (PyTorch's O(n) formula): before the
    first zero the same; at the first zero, prod(x before it) * sum over j up to the second zero of
    g_j prod(x between them, up to j); after it 0. Second derivatives are exact for nonzero inputs.
    """
    if input.ndim == 0 or input.shape[dim] <= 1:
        return g
    zero = input == 0
    if not _any_true(zero):
        return _cumsum_reversed(g * out, dim) / input
    zeros_so_far = _cumsum(zero, dim)
    before = zeros_so_far == 0
    first = zeros_so_far == 1
    between = first & ~zero
    safe_before = input * before + ~before
    head = _prod_dim(safe_before, dim, True)  # the product before the first zero
    tail = _cumprod(input * between + ~between, dim)  # the running product after the first zero
    at_first = (zero & first) * (head * _sum_dim(g * first * tail, dim, True))
    return before * (_cumsum_reversed(g * out, dim) / safe_before) + at_first


def _cumprod_jvp(input_t, input, out, dim):
    # dy_j = sum_{k <= j} t_k prod_{i <= j, i != k} x_i: y_j * cumsum(t / x) before the first zero,
    # t at the first zero times the product of the others up to the second zero, then 0
    zero = input == 0
    if not _any_true(zero):
        return out * _cumsum(input_t / input, dim)
    zeros_so_far = _cumsum(zero, dim)
    before = zeros_so_far == 0
    first = zeros_so_far == 1
    at_first = _sum_dim(input_t * (zero & first), dim, True)
    return before * out * _cumsum(input_t / (input * before + ~before), dim) + first * at_first * _cumprod(
        input * ~zero + zero, dim)


@defop("CumprodBackward0", vjp=_cumprod_grad, jvp=_cumprod_jvp)
def _cumprod(input, dim):
    d = _dim(dim, input.ndim)
    if input.ndim == 0:
        return input.astype(_scan_dtype(input))
    return xp.cumprod(input, axis=d, dtype=_scan_dtype(input))


def cumprod(input, dim, *, dtype=None):
    """Running product along `dim`; integer and bool tensors give int64.

    The gradient is right with zeros in the input (first order; second order for nonzero inputs).

    Example:
        >>> tapegrad.tensor([1., 2., 3.]).cumprod(0)
        tensor([1., 2., 6.])
    """
    _int_dim("cumprod", dim)
    return _cumprod(_cast(input, dtype), dim)


from .statistics import logsumexp, median, norm, std, std_mean, var, var_mean, vector_norm  # noqa: E402, F401
from . import statistics as _statistics  # noqa: E402

# statistics.py is a topic of its own; until ops/__init__.py lists it, its names come through here
PUBLIC = PUBLIC + _statistics.PUBLIC
METHODS = METHODS + _statistics.METHODS
