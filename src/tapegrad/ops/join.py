"""Joining and splitting: cat/concat/concatenate, stack, hstack/vstack; split, chunk, unbind.

`cat` and `stack` take any number of tensors, while `defop` declares a fixed number of inputs (one VJP
and one JVP each): `_per_arity` makes the op for each count the first time it is used. REGISTRY keeps
one entry per op (the op for two tensors, which the generic op tests call).

PyTorch records `split`, `chunk` and `unbind` as one node with several outputs (SplitBackward0,
SplitWithSizesBackward0, UnbindBackward0); the registry records single-output nodes, so each piece is
a view op of its own, under PyTorch's node name, whose gradient is the piece put back in its place in
zeros of the input's shape. The engine adds the pieces' gradients up.

Dims given to the recorded ops count from the end (negative): a padding spec (last dim first) then
needs no ndim, so a rule can write one from `dim` alone.
"""
import inspect

from .. import _backend as B
from .._tensor import _tensor_types
from ._registry import REGISTRY, defop, sum_to_size
from .shape import _pad_dim, _slice_along, _unslice, _wrap_dim, narrow, reshape, unsqueeze

xp = B.xp

PUBLIC = ("cat", "concat", "concatenate", "stack", "hstack", "vstack", "split", "chunk", "unbind")
METHODS = ("split", "chunk", "unbind")
INPLACE = ()


# ---------------------------------------------------------------- one op per number of inputs

def _per_arity(cache, make, n):
    """The op made by make(n) for n tensor inputs, made once per n."""
    public = cache.get(n)
    if public is None:
        pair = cache.get(2)
        public = cache[n] = make(n)
        if pair is not None:  # REGISTRY keeps one entry per name: the op for two inputs
            REGISTRY[pair.op.name] = pair.op
    return public


def _variadic(forward, n, arguments):
    """Give forward(*arrays, **arguments) the signature (tensor0, ..., tensor{n-1}, *, arguments...).

    defop reads the inputs (and what each rule may save) from the forward's parameter names.
    """
    forward.__signature__ = inspect.Signature(
        [inspect.Parameter(f"tensor{i}", inspect.Parameter.POSITIONAL_OR_KEYWORD) for i in range(n)]
        + [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY) for name in arguments])
    return forward


def _tensor_list(name, tensors):
    if type(tensors) in _tensor_types:
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    tensors = list(tensors)
    raw = tensors and all(type(t) is B.ndarray for t in tensors)  # a derivative rule's arrays
    for i, t in enumerate(tensors):
        if type(t) not in _tensor_types and not raw:
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return tensors


# ---------------------------------------------------------------- cat

def _cat_vjp(i):
    def rule(g, dim, spans):
        if spans[i] is None:  # a skipped empty 1-D input: an empty gradient
            return reshape(narrow(g, dim, 0, 0), (0,))
        before, length, _ = spans[i]
        return narrow(g, dim, before, length)  # d(cat)/d(input i) = its slice
    return rule


def _cat_jvp(i):
    def rule(input_t, dim, spans):
        if spans[i] is None:
            return sum_to_size(input_t, ())  # a zero: an empty input adds nothing
        before, _, after = spans[i]
        return _pad_dim(input_t, dim, before, after)
    return rule


def _make_cat(n):
    def cat(*arrays, dim, spans):
        kept = [a for a, span in zip(arrays, spans) if span is not None]
        return xp.concatenate(kept, axis=dim) if kept else xp.concatenate(arrays)
    return defop("CatBackward0", vjp=tuple(_cat_vjp(i) for i in range(n)),
                 jvp=tuple(_cat_jvp(i) for i in range(n)))(_variadic(cat, n, ("dim", "spans")))


_CATS = {}
_cat_pair = _per_arity(_CATS, _make_cat, 2)


def _cat_layout(shapes, dim):
    """(dim from the end, per input (before, length, after) along it or None if skipped), or PyTorch's error.

    As PyTorch, empty 1-D tensors are skipped (accepted whatever the other shapes), and the dim is
    checked against the first tensor that is not skipped.
    """
    for i, shape in enumerate(shapes):
        if not shape:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    kept = [i for i, shape in enumerate(shapes) if shape != (0,)]
    if not kept:
        return -1, (None,) * len(shapes)
    first = shapes[kept[0]]
    ndim = len(first)
    d = _wrap_dim(dim, ndim)
    starts = {}
    total = 0
    for i in kept:
        shape = shapes[i]
        if len(shape) != ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ndim} and {len(shape)}")
        for k in range(ndim):
            if k != d and shape[k] != first[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size {first[k]} "
                                   f"but got size {shape[k]} for tensor number {i} in the list.")
        starts[i] = total
        total += shape[d]
    spans = tuple((starts[i], shapes[i][d], total - starts[i] - shapes[i][d]) if i in starts else None
                  for i in range(len(shapes)))
    return d - ndim, spans


def cat(tensors, dim=0):
    """Concatenate tensors along an existing dim, promoting dtypes as PyTorch does.

    Empty 1-D tensors (shape (0,)) are skipped whatever the other shapes, as in PyTorch (they still
    take part in dtype promotion).

    Example:
        >>> tapegrad.cat([tapegrad.ones(1, 2), tapegrad.zeros(1, 2)])
        tensor([[1., 1.],
                [0., 0.]])
    """
    tensors = _tensor_list("cat", tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    dim, spans = _cat_layout([tuple(t.shape) for t in tensors], dim)
    return _per_arity(_CATS, _make_cat, len(tensors))(*tensors, dim=dim, spans=spans)


def concat(tensors, dim=0):
    """Alias of `cat`."""
    return cat(tensors, dim)


def concatenate(tensors, axis=0):
    """Alias of `cat` (NumPy's name, with `axis`)."""
    return cat(tensors, axis)


# ---------------------------------------------------------------- stack

def _stack_vjp(i):
    return lambda g, dim: _unbind_piece(g, dim, i)  # d(stack)/d(input i) = its entry


def _stack_jvp(i, n):
    return lambda input_t, dim: _pad_dim(unsqueeze(input_t, dim), dim, i, n - 1 - i)


def _make_stack(n):
    def stack(*arrays, dim):
        return xp.stack(arrays, axis=dim)
    return defop("StackBackward0", vjp=tuple(_stack_vjp(i) for i in range(n)),
                 jvp=tuple(_stack_jvp(i, n) for i in range(n)))(_variadic(stack, n, ("dim",)))


_STACKS = {}
_stack_pair = _per_arity(_STACKS, _make_stack, 2)


def stack(tensors, dim=0):
    """Join tensors of one shape along a new dim `dim`.

    Example:
        >>> tapegrad.stack([tapegrad.ones(2), tapegrad.zeros(2)], dim=1)
        tensor([[1., 0.],
                [1., 0.]])
    """
    tensors = _tensor_list("stack", tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shapes = [tuple(t.shape) for t in tensors]
    for i, shape in enumerate(shapes):
        if shape != shapes[0]:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shapes[0])} at entry 0 "
                               f"and {list(shape)} at entry {i}")
    ndim = len(shapes[0]) + 1
    return _per_arity(_STACKS, _make_stack, len(tensors))(*tensors, dim=_wrap_dim(dim, ndim) - ndim)


def hstack(tensors):
    """Concatenate along dim 1, or dim 0 when the first tensor is 1-D (0-d tensors count as 1-D)."""
    tensors = _tensor_list("hstack", tensors)
    if not tensors:
        raise RuntimeError("hstack expects a non-empty TensorList")
    tensors = [reshape(t, (1,)) if t.ndim == 0 else t for t in tensors]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    """Concatenate along dim 0, 0-d and 1-D tensors taken as rows."""
    tensors = _tensor_list("vstack", tensors)
    if not tensors:
        raise RuntimeError("vstack expects a non-empty TensorList")
    tensors = [reshape(t, (1, 1)) if t.ndim == 0 else unsqueeze(t, 0) if t.ndim == 1 else t for t in tensors]
    return cat(tensors, 0)


# ---------------------------------------------------------------- split, chunk, unbind

def _piece_op(node_name, name):
    """A slice along a dim, recorded under the node name PyTorch uses for the op that made it."""
    def piece(input, dim, start, length):
        return _slice_along(input, dim, start, length)
    piece.__name__ = name
    return defop(node_name, vjp=lambda g, input_shape, dim, start, length: _unslice(g, input_shape, dim, start, length),
                 jvp="linear", view=True)(piece)


_split_piece = _piece_op("SplitBackward0", "_split_piece")
_split_with_sizes_piece = _piece_op("SplitWithSizesBackward0", "_split_with_sizes_piece")


def _unselect(g, input_shape, dim, index):
    """The adjoint of taking entry `index` along dim: g put back in zeros of the input's shape."""
    ndim = len(input_shape)
    dim = dim % ndim - ndim
    return _pad_dim(unsqueeze(g, dim), dim, index, input_shape[dim] - 1 - index)


@defop("UnbindBackward0", vjp=lambda g, input_shape, dim, index: _unselect(g, input_shape, dim, index),
       jvp="linear", view=True)
def _unbind_piece(input, dim, index):
    return input[(slice(None),) * (dim % input.ndim) + (index, Ellipsis)]  # Ellipsis: a view even when 0-d


def split(tensor, split_size_or_sections, dim=0):
    """Views of consecutive pieces along `dim`: of `split_size` each (the last may be smaller), or of
    the given sizes.

    Each piece's grad_fn is a node of its own (SplitBackward0 or SplitWithSizesBackward0), where
    PyTorch has one node shared by all the pieces.

    Example:
        >>> [p.tolist() for p in tapegrad.arange(5).split(2)]
        [[0, 1], [2, 3], [4]]
    """
    if tensor.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    dim = _wrap_dim(dim, tensor.ndim)
    n = tensor.shape[dim]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative entries, but got "
                               f"split_sizes={sizes}")
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                               f"dimension {dim}), but got split_sizes={sizes}")
        starts = [sum(sizes[:i]) for i in range(len(sizes))]
        return tuple(_split_with_sizes_piece(tensor, dim, s, k) for s, k in zip(starts, sizes))
    size = int(split_size_or_sections)
    if size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
    if size == 0 and n != 0:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
    count = max(-(-n // size), 1) if size else 1
    return tuple(_split_piece(tensor, dim, i * size, min(size, n - i * size)) for i in range(count))


def chunk(input, chunks, dim=0):
    """Split into `chunks` views of equal size along `dim` (the last smaller; fewer if the size runs out)."""
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    dim = _wrap_dim(dim, input.ndim)
    n = input.shape[dim]
    size = -(-n // chunks)
    if size == 0 and n == 0:  # an empty dim still gives `chunks` pieces (PyTorch: split_with_sizes)
        return split(input, [0] * chunks, dim)
    return split(input, size, dim)


def unbind(input, dim=0):
    """The entries along `dim`, each a view with that dim removed (one UnbindBackward0 node each)."""
    if input.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    dim = _wrap_dim(dim, input.ndim)
    return tuple(_unbind_piece(input, dim, i) for i in range(input.shape[dim]))
