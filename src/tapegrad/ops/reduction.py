"""Reductions: sum and mean over everything or over dims, with keepdim.

A reduction's gradient puts the kept dims back (`_unreduce`) and broadcasts; it saves shapes only,
no arrays (Chainer's `retain_inputs`).
"""
from .. import _backend as B
from ._registry import defop, expand
from .shape import reshape

xp = B.xp

PUBLIC = ("sum", "mean")  # see the note on these tables in elementwise.py
METHODS = ("sum", "mean")
INPLACE = ()


def _dims(dim, ndim):
    """Normalise an int or a tuple of dims (negative allowed) to a sorted tuple."""
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if ndim == 0:  # PyTorch lets a 0-d tensor be reduced over dim 0 or -1
        return ()
    out = []
    for d in dims:
        if not -ndim <= d < ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], "
                             f"but got {d})")
        out.append(d % ndim)
    return tuple(sorted(out))


def _unreduce(g, input_shape, dim, keepdim):
    """Bring a reduced gradient back to the input's shape: reinsert the dims, then broadcast."""
    if not keepdim and dim is not None:
        kept = list(input_shape)
        for d in _dims(dim, len(input_shape)):
            kept[d] = 1
        g = reshape(g, tuple(kept))
    return expand(g, input_shape)


def _numel(shape, dim):
    n = 1
    for d in (range(len(shape)) if dim is None else _dims(dim, len(shape))):
        n *= shape[d]
    return n


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


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum of all elements, or over `dim` (an int or a tuple), keeping reduced dims if `keepdim`.

    Example:
        >>> tapegrad.ones(2, 2, requires_grad=True).sum()
        tensor(4., grad_fn=<SumBackward0>)
    """
    if dtype is not None:
        from ._registry import to_dtype
        input = to_dtype(input, dtype)
    if dim is None:
        return _sum_all(input)
    return _sum_dim(input, dim, keepdim)


@defop("MeanBackward0", vjp=lambda g, input_shape: expand(g / _numel(input_shape, None), input_shape),
       jvp="linear")
def _mean_all(input):
    with xp.errstate(invalid="ignore", divide="ignore"):  # empty: nan, as PyTorch, without a warning
        return input.mean() if input.size else xp.asarray(xp.nan, dtype=input.dtype)


@defop("MeanBackward1",
       vjp=lambda g, input_shape, dim, keepdim: _unreduce(g / _numel(input_shape, dim), input_shape, dim, keepdim),
       jvp="linear")
def _mean_dim(input, dim, keepdim=False):
    if input.size:
        return input.mean(axis=_dims(dim, input.ndim), keepdims=keepdim)
    with xp.errstate(invalid="ignore", divide="ignore"):
        total = input.sum(axis=_dims(dim, input.ndim), keepdims=keepdim)
        return total / _numel(input.shape, dim)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean of all elements, or over `dim`; integer tensors need an explicit float `dtype`."""
    if dtype is not None:
        from ._registry import to_dtype
        input = to_dtype(input, dtype)
    kind = getattr(input, "_data", input).dtype  # a Tensor, or a raw array inside a rule
    if kind.kind not in "fc":
        name = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                "bool": "Bool"}[kind.name]
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating "
                           f"point or complex dtype. Got: {name}")
    if dim is None:
        return _mean_all(input)
    return _mean_dim(input, dim, keepdim)

