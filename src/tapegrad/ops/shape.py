"""Shape ops: reshape/view, transpose/permute/movedim, (un)squeeze, (un)flatten, expand/repeat/tile,
flip/roll, narrow, tril/triu, diagonals and padding. Joining and splitting (cat, stack, split, chunk,
unbind) live in ops/join.py; this module re-exports them through its tables.

The views of PyTorch are views here too (`view=True`): their outputs share the version counter of
their input. Each gradient is the inverse shape change, or for the copying ops (flip, roll, repeat,
pad) their adjoint: flip/roll back, sum the tiles, crop the padding.
"""
from .. import _backend as B
from .. import _errors
from ._registry import defop, expand, sum_to_size

xp = B.xp

PUBLIC = ("reshape", "flatten", "unflatten", "transpose", "t", "permute", "movedim", "moveaxis", "unsqueeze",
          "squeeze", "broadcast_to", "tile", "flip", "roll", "narrow", "tril", "triu", "diag", "diagonal",
          "diagonal_copy", "diag_embed", "constant_pad_nd")  # see the note on these tables in elementwise.py
METHODS = ("reshape", "view", "flatten", "unflatten", "transpose", "t", "permute", "movedim", "moveaxis",
           "unsqueeze", "squeeze", "broadcast_to", "repeat", "tile", "flip", "roll", "narrow", "tril", "triu",
           "diag", "diagonal", "diag_embed")
INPLACE = ("tril", "triu")
FUNCTIONAL = ("pad",)


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


def _wrap_dim(dim, ndim):
    """`dim` in [0, ndim) (negative counts from the end), or PyTorch's IndexError; a 0-d tensor takes 0 and -1."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def _dim_list(dims):
    return (dims,) if isinstance(dims, int) else tuple(dims)


def unflatten(input, dim, sizes):
    """Split dim `dim` into `sizes` (one of them may be -1): always a view.

    Example:
        >>> tapegrad.ones(2, 6).unflatten(1, (2, 3)).shape
        torch.Size([2, 2, 3])
    """
    shape = tuple(input.shape)
    d = _wrap_dim(dim, len(shape))
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if -1 not in sizes:
        product = 1
        for s in sizes:
            product *= s
        if product != shape[d]:
            raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {d} "
                               f"({shape[d]}) in the input tensor")
    return view(input, shape[:d] + _resolve(sizes, shape[d]) + shape[d + 1:])


def movedim(input, source, destination):
    """Move dims `source` to positions `destination` (ints or sequences); the others keep their order."""
    ndim = input.ndim
    source, destination = _dim_list(source), _dim_list(destination)
    if len(source) != len(destination):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(source)} dims) should "
                           f"contain the same number of dims as destination ({list(destination)} dims)")
    src = [_wrap_dim(d, ndim) for d in source]
    dst = [_wrap_dim(d, ndim) for d in destination]
    for name, dims, given in (("source", src, source), ("destination", dst, destination)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(given)})")
    if ndim == 0:
        return input[...]  # PyTorch: an alias (AliasBackward0)
    order = [None] * ndim
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(d for d in range(ndim) if d not in src)
    return permute(input, tuple(next(rest) if d is None else d for d in order))


moveaxis = movedim


def broadcast_to(input, *shape):
    """`input` broadcast to `shape` without copying (`expand`; -1 keeps a dim)."""
    return expand(input, *shape)


def _unrepeat(g, input_shape, repeats):
    """The adjoint of repeat: view g as (r0, s0, r1, s1, ...) and sum over the repeat axes."""
    padded = (1,) * (len(repeats) - len(input_shape)) + tuple(input_shape)
    tiled = reshape(g, tuple(n for r, s in zip(repeats, padded) for n in (r, s)))
    return reshape(sum_to_size(tiled, tuple(n for s in padded for n in (1, s))), input_shape)


@defop("RepeatBackward0", vjp=lambda g, input_shape, repeats: _unrepeat(g, input_shape, _shape_args(repeats)),
       jvp="linear")
def repeat(input, *repeats):
    """Tile the tensor `repeats[i]` times along each dim (leading repeats add dims); a copy.

    Example:
        >>> tapegrad.tensor([1, 2]).repeat(2, 2)
        tensor([[1, 2, 1, 2],
                [1, 2, 1, 2]])
    """
    if not repeats:
        raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
    repeats = _shape_args(repeats)
    if len(repeats) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of "
                           "tensor")
    padded = (1,) * (len(repeats) - input.ndim) + input.shape
    shape = [r * s for r, s in zip(repeats, padded)]
    negative = [n for n in shape if n < 0]
    if negative:
        raise RuntimeError(f"Trying to create tensor with negative dimension {negative[0]}: {shape}")
    return xp.tile(input, repeats)


def tile(input, *args, dims=None):
    """`repeat`, with ones prepended when `dims` has fewer entries than the tensor has dims."""
    if dims is None:
        if not args:
            raise TypeError('tile() missing 1 required positional arguments: "dims"')
        dims = _shape_args(args)
    dims = tuple(dims)
    return repeat(input, (1,) * (input.ndim - len(dims)) + dims)


@defop("FlipBackward0", vjp=lambda g, dims: _flip(g, dims), jvp="linear")
def _flip(input, dims):
    dims = [_wrap_dim(d, input.ndim) for d in dims]
    for d in dims:
        if dims.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return xp.flip(input, tuple(dims)).copy() if input.ndim else input.copy()  # a copy, as PyTorch's


def flip(input, *args, dims=None):
    """Reverse the order of the elements along `dims` (a copy, not a view)."""
    return _flip(input, tuple(_shape_args(args) if dims is None else _dim_list(dims)))


def _negated(values):
    return -values if isinstance(values, int) else tuple(-v for v in values)


@defop("RollBackward0", vjp=lambda g, shifts, dims: roll(g, _negated(shifts), dims), jvp="linear")
def roll(input, shifts, dims=None):
    """Shift elements cyclically along `dims` (all dims, flattened, when None)."""
    shifts = _dim_list(shifts)
    if not shifts:
        raise RuntimeError("`shifts` required")
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return xp.roll(input, shifts[0])
    dims = _dim_list(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    if input.ndim == 0:
        raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
    return xp.roll(input, shifts, tuple(_wrap_dim(d, input.ndim) for d in dims))


def _slice_along(input, dim, start, length):
    return input[(slice(None),) * (dim % input.ndim) + (slice(start, start + length),)]


def _pad_dim(x, dim, before, after):
    """x with zeros added (or elements cropped, for negative widths) along dim, given from the end (< 0)."""
    return constant_pad_nd(x, (0, 0) * (-1 - dim) + (before, after))


def _unslice(g, input_shape, dim, start, length):
    """The adjoint of slicing along dim: g placed at `start` in zeros of the input's shape."""
    ndim = len(input_shape)
    n = input_shape[dim % ndim]
    start = int(start) + (n if start < 0 else 0)
    return _pad_dim(g, dim % ndim - ndim, start, n - start - length)


@defop("SliceBackward0", vjp=lambda g, input_shape, dim, start, length: _unslice(g, input_shape, dim, start, length),
       jvp="linear", view=True)
def narrow(input, dim, start, length):
    """Elements start..start+length along `dim` (start may be negative): a view."""
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    dim = _wrap_dim(dim, input.ndim)
    n = input.shape[dim]
    start = int(start)
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    start += n if start < 0 else 0
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return _slice_along(input, dim, start, length)


def _check_matrix(name, input):
    if input.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")


@defop("TrilBackward0", vjp=lambda g, diagonal: tril(g, diagonal), jvp="linear")
def tril(input, diagonal=0):
    """The lower triangle of the last two dims (elements on and below `diagonal`), the rest zero."""
    _check_matrix("tril", input)
    return xp.tril(input, diagonal)


@defop("TriuBackward0", vjp=lambda g, diagonal: triu(g, diagonal), jvp="linear")
def triu(input, diagonal=0):
    """The upper triangle of the last two dims (elements on and above `diagonal`), the rest zero."""
    _check_matrix("triu", input)
    return xp.triu(input, diagonal)


def _diagonal_dims(ndim, dim1, dim2):
    d1, d2 = _wrap_dim(dim1, ndim), _wrap_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


def _diagonal_view(array, offset, dim1, dim2):
    """NumPy's diagonal (a view, read-only by default), writable when the array is."""
    out = xp.diagonal(array, offset, dim1, dim2)
    if array.flags.writeable:
        out.flags.writeable = True
    return out


@defop("DiagonalBackward0",
       vjp=lambda g, input_shape, offset, dim1, dim2: diagonal_backward(g, input_shape, offset, dim1, dim2),
       jvp="linear", view=True)
def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal of each (dim1, dim2) matrix, as a new last dim: a view.

    Example:
        >>> tapegrad.arange(6.).reshape(2, 3).diagonal(1)
        tensor([1., 5.])
    """
    return _diagonal_view(input, offset, *_diagonal_dims(input.ndim, dim1, dim2))


@defop("DiagonalBackward0",
       vjp=lambda g, input_shape, offset, dim1, dim2: diagonal_backward(g, input_shape, offset, dim1, dim2),
       jvp="linear")
def diagonal_copy(input, offset=0, dim1=0, dim2=1):
    """`diagonal`, copied (PyTorch names its node DiagonalBackward0_copy)."""
    return xp.diagonal(input, offset, *_diagonal_dims(input.ndim, dim1, dim2)).copy()


@defop("DiagonalBackwardBackward0", vjp=lambda g, offset, dim1, dim2: diagonal(g, offset, dim1, dim2),
       jvp="linear")
def diagonal_backward(grad, input_sizes, offset, dim1, dim2):
    """Zeros of `input_sizes` with `grad` on the diagonal: the adjoint of `diagonal`."""
    out = xp.zeros(input_sizes, dtype=grad.dtype)
    _diagonal_view(out, offset, *_diagonal_dims(out.ndim, dim1, dim2))[...] = grad
    return out


@defop("DiagEmbedBackward0", vjp=lambda g, offset, dim1, dim2: diagonal(g, offset, dim1, dim2), jvp="linear")
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices (in dims dim1, dim2 of the result) whose diagonal `offset` is the last dim of `input`."""
    d1, d2 = _diagonal_dims(input.ndim + 1, dim1, dim2)
    n = input.shape[-1] + abs(offset)
    rest = iter(input.shape[:-1])
    out = xp.zeros(tuple(n if d in (d1, d2) else next(rest) for d in range(input.ndim + 1)), dtype=input.dtype)
    _diagonal_view(out, offset, d1, d2)[...] = input
    return out


def diag(input, diagonal=0):
    """A vector -> the matrix with it on diagonal `diagonal`; a matrix -> that diagonal (a copy).

    Example:
        >>> tapegrad.diag(tapegrad.tensor([1., 2.]))
        tensor([[1., 0.],
                [0., 2.]])
    """
    if input.ndim == 1:
        return diag_embed(input, diagonal, 0, 1)
    if input.ndim == 2:
        return diagonal_copy(input, diagonal)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


@defop("ConstantPadNdBackward0", vjp=lambda g, pad: constant_pad_nd(g, _negated(pad)),
       jvp=lambda input_t, pad: constant_pad_nd(input_t, pad))
def constant_pad_nd(input, pad, value=0):
    """Pad with `value`: `pad` = (before, after) pairs from the last dim backwards; negative widths crop."""
    pad = tuple(pad)
    ndim = input.ndim
    if len(pad) % 2:
        raise RuntimeError(f"Length of pad must be even but instead it equals {len(pad)}")
    if len(pad) > 2 * ndim:
        raise RuntimeError(f"Length of pad should be no more than twice the number of dimensions of the input. "
                           f"Pad length is {len(pad)}while the input has {ndim}dimensions.")
    source, target, shape = [], [], []
    for d, n in enumerate(input.shape):
        k = 2 * (ndim - 1 - d)
        before, after = pad[k:k + 2] if k < len(pad) else (0, 0)
        kept = n + min(before, 0) + min(after, 0)
        if kept < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        source.append(slice(max(-before, 0), max(-before, 0) + kept))
        target.append(slice(max(before, 0), max(before, 0) + kept))
        shape.append(n + before + after)
    out = xp.zeros(shape, input.dtype) if value == 0 else xp.full(shape, value, input.dtype)
    out[tuple(target)] = input[tuple(source)]
    return out


_PAD_SIZES = ("Supported combinations for non-constant padding:\n"
              "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
              "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
              "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def _border_index(n, before, after, mode):
    """Where each padded position along one dim reads from (reflect, replicate or wrap around)."""
    i = xp.arange(-before, n + after)
    if mode == "reflect":
        return (n - 1) - xp.abs((n - 1) - xp.abs(i))
    if mode == "replicate":
        return xp.clip(i, 0, n - 1)
    return i % n


def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad) // 2 dims: `pad` = (left, right, top, bottom, ...) from the last dim backwards.

    mode "constant" fills with `value` (0) and takes negative widths (crop) on any number of dims;
    "reflect", "replicate" and "circular" pad the last 1-3 dims of a (batched) tensor. Their gradient
    gathers from the borders (recorded as IndexBackward0, where PyTorch names ReflectionPad2DBackward0...).

    Example:
        >>> tapegrad.nn.functional.pad(tapegrad.tensor([[1., 2.]]), (1, 0), value=9.)
        tensor([[9., 1., 2.]])
    """
    for i, p in enumerate(pad):
        if not isinstance(p, int):
            raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, but found element of type "
                            f"{type(p).__name__} at pos {i}")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    ndim, shape, k = input.ndim, list(input.shape), len(pad) // 2
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) > 2 * ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {ndim}")
    if mode == "constant":
        return constant_pad_nd(input, pad, 0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if k not in (1, 2, 3) or ndim not in (k + 1, k + 2):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {ndim}D input tensor.\n{_PAD_SIZES}")
    if mode != "circular" and 0 in shape[ndim - k - 1 if ndim == k + 1 else 1:]:
        raise RuntimeError(f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 batch size and other "
                           f"non-zero dimensions for input, but got: {shape}")
    for j in range(k):
        before, after, n = pad[2 * j], pad[2 * j + 1], shape[ndim - 1 - j]
        if mode == "reflect" and (before >= n or after >= n):
            raise RuntimeError(f"Argument #{4 + 2 * j}: Padding size should be less than the corresponding input "
                               f"dimension, but got: padding ({before}, {after}) at dimension {ndim - 1 - j} of "
                               f"input {shape}")
        if mode == "circular" and (before > n or after > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
    index = xp.ix_(*[_border_index(shape[ndim - 1 - j], pad[2 * j], pad[2 * j + 1], mode) for j in reversed(range(k))])
    return region_get(input, None, (Ellipsis,) + index)


# Imported last: join.py, and indexing.py through gather.py, import this module.
from .indexing import region_get  # noqa: E402
from .join import (PUBLIC as _JOIN_PUBLIC, METHODS as _JOIN_METHODS,  # noqa: E402
                   cat, chunk, concat, concatenate, hstack, split, stack, unbind, vstack)  # noqa: F401

PUBLIC += _JOIN_PUBLIC
METHODS += _JOIN_METHODS
