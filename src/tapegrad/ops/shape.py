"""Shape ops: reshape/view, transpose/permute/t, unsqueeze/squeeze, flatten.

All are views in NumPy (reshape only when the memory allows), so their outputs share the version
counter of their input (`view=True`). Each gradient is the inverse shape change.
"""
from .. import _backend as B
from .. import _errors
from ._registry import defop

xp = B.xp

PUBLIC = ("reshape", "flatten", "transpose", "t", "permute", "unsqueeze", "squeeze")  # see elementwise.py
METHODS = ("reshape", "view", "flatten", "transpose", "t", "permute", "unsqueeze", "squeeze")
INPLACE = ()


def _shape_args(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _resolve(shape, numel):
    """Shape with -1 inferred, or PyTorch's error naming the shape and the size."""
    shape = tuple(int(s) for s in shape)
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    if shape.count(-1) == 1:
        if known == 0 or numel % known:
            raise RuntimeError(_errors.SHAPE_INVALID.format(shape=list(shape), numel=numel))
        return tuple(numel // known if s == -1 else s for s in shape)
    if known != numel:
        raise RuntimeError(_errors.SHAPE_INVALID.format(shape=list(shape), numel=numel))
    return shape


@defop("ViewBackward0", vjp=lambda g, input_shape: reshape(g, input_shape), jvp="linear", view=True)
def _reshape_view(input, *shape):
    return input.reshape(_resolve(_shape_args(shape), input.size))


@defop("UnsafeViewBackward0", vjp=lambda g, input_shape: reshape(g, input_shape), jvp="linear")
def _reshape_copy(input, *shape):
    return input.reshape(_resolve(_shape_args(shape), input.size))


def reshape(input, *shape):
    """The same elements in a new shape: a view when the memory allows, else a copy (as PyTorch)."""
    data = getattr(input, "_data", None)
    if data is None:
        return input.reshape(_resolve(_shape_args(shape), input.size))  # a raw array inside a rule
    if data.flags.c_contiguous or _viewable(data, _resolve(_shape_args(shape), data.size)):
        return _reshape_view(input, *shape)
    return _reshape_copy(input, *shape)


def _viewable(array, shape):
    try:
        array.view().shape = shape
        return True
    except AttributeError:
        return False


@defop("ViewBackward0", vjp=lambda g, input_shape: reshape(g, input_shape), jvp="linear", view=True)
def view(input, *shape):
    """The same memory in a new shape; PyTorch's error when that needs a copy (use reshape)."""
    shape = _resolve(_shape_args(shape), input.size)
    out = input.view()
    try:
        out.shape = shape
    except AttributeError:
        raise RuntimeError(_errors.VIEW_INCOMPATIBLE) from None
    return out


@defop("ViewBackward0", vjp=lambda g, input_shape: reshape(g, input_shape), jvp="linear", view=True)
def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one."""
    if input.ndim == 0:
        return input.reshape(1)
    start, end = start_dim % input.ndim, end_dim % input.ndim
    shape = input.shape[:start] + (-1,) + input.shape[end + 1:]
    return input.reshape(shape) if input.size else input.reshape(
        input.shape[:start] + (int(xp.prod(input.shape[start:end + 1])),) + input.shape[end + 1:])


@defop("TransposeBackward0", vjp=lambda g, dim0, dim1: transpose(g, dim0, dim1), jvp="linear", view=True)
def transpose(input, dim0, dim1):
    """Swap two dims."""
    return xp.swapaxes(input, dim0, dim1)


@defop("TBackward0", vjp=lambda g: t(g), jvp="linear", view=True)
def t(input):
    """Transpose a matrix (a vector or a scalar is returned as it is)."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return input.T


def _inverse(dims):
    inverse = [0] * len(dims)
    for i, d in enumerate(dims):
        inverse[d] = i
    return tuple(inverse)


@defop("PermuteBackward0", vjp=lambda g, dims: permute(g, _inverse(_normalise(dims, None))),
       jvp="linear", view=True)
def permute(input, *dims):
    """Reorder the dims: permute(x, 1, 0) or permute(x, (1, 0))."""
    dims = _normalise(dims, input.ndim)
    if len(dims) != input.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match "
                           f"the length of the desired ordering of dimensions i.e. input.dim() = "
                           f"{input.ndim} is not equal to len(dims) = {len(dims)}")
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return xp.transpose(input, dims)


def _normalise(dims, ndim):
    dims = _shape_args(dims)
    ndim = len(dims) if ndim is None else ndim
    return tuple(d % ndim for d in dims) if ndim else dims


@defop("UnsqueezeBackward0", vjp=lambda g, input_shape: reshape(g, input_shape), jvp="linear", view=True)
def unsqueeze(input, dim):
    """Insert a dim of size 1 at `dim`."""
    return xp.expand_dims(input, dim if dim >= 0 else dim + input.ndim + 1)


@defop("SqueezeBackward0", vjp=lambda g, input_shape: reshape(g, input_shape), jvp="linear", view=True)
def _squeeze_all(input):
    return input.reshape(tuple(s for s in input.shape if s != 1))


@defop("SqueezeBackward1", vjp=lambda g, input_shape: reshape(g, input_shape), jvp="linear", view=True)
def _squeeze_dim(input, dim):
    if input.ndim == 0:
        return input
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    dims = {d % input.ndim for d in dims if input.shape[d] == 1}  # PyTorch: a dim not of size 1 stays
    return input.reshape(tuple(s for i, s in enumerate(input.shape) if i not in dims))


@defop("SqueezeBackward4", vjp=lambda g, input_shape: reshape(g, input_shape), jvp="linear", view=True)
def squeeze_for_matmul(input, dim):
    """squeeze(input, dim) as `matmul` records it for a 1-D operand (PyTorch's node name)."""
    return _squeeze_dim.__wrapped_forward__(input, dim)


@defop("UnsafeViewBackward0", vjp=lambda g, input_shape: reshape(g, input_shape), jvp="linear", view=True)
def squeeze_folded(input, dim):
    """squeeze(input, dim) as `matmul` of a 1-D and a batched operand records it (PyTorch's name)."""
    return _squeeze_dim.__wrapped_forward__(input, dim)


def squeeze(input, dim=None):
    """Remove dims of size 1 (all of them, or `dim` if it has size 1)."""
    return _squeeze_all(input) if dim is None else _squeeze_dim(input, dim)
