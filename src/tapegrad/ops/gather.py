"""Ops that index along one dim with an index tensor: gather, scatter, scatter_add, index_select,
index_add, index_copy, index_fill, take, take_along_dim (masked_* and index_put are in indexing.py).

Each public function checks its arguments as PyTorch does (same errors) and turns the index into a
*region* of the input, `(view_fn, index)` as in indexing.py: `view_fn` is None or `_flat` (a 0-d
tensor acts as 1-d, as in PyTorch), `index` a NumPy index (for gather, `_along` builds the index
that `take_along_axis` would use). The op itself is then one of four moves on that region, under
PyTorch's node name:

    get   out = input[region]                gather, index_select, take (indexing.py: masked_select)
    put   out = input; out[region] = src      scatter, index_copy (masked_scatter, index_put)
    add   out = input; out[region] += src     scatter_add, index_add (index_put(accumulate=True))
    fill  out = input; out[region] = value    scatter(value=), index_fill (masked_fill)

and its gradients are the adjoint moves, written as PyTorch's derivatives.yaml writes them
(gather's is a scatter-add into zeros, scatter's src gets a gather of the gradient, ...). The
scatter-add into zeros is indexing.py's `region_scatter` (NumPy's `add.at`), so repeated indices
accumulate. Indices are copied when the op is called: a later in-place change of the index tensor
cannot alter a saved region.
"""
import numbers
import warnings

from .. import _backend as B
from .._tensor import _make, _tensor_types
from ..autograd.grad_mode import _state
from ..autograd.graph import Node
from ._registry import defop, expand
from .indexing import (_broadcast, _check_bounds, _fit, _flat, _get, _put, _region, _scatter_back, _size,
                       _tensor_arg, _type_name, _wrap_dim, region_get, region_scatter)
from . import reduction, shape  # modules, not names: reduction -> shape -> indexing -> here is a cycle

xp = B.xp

PUBLIC = ("index_select", "gather", "scatter", "scatter_add", "index_add", "index_copy", "index_fill", "take",
          "take_along_dim")  # see the note on these tables in elementwise.py
METHODS = PUBLIC
INPLACE = ("scatter", "scatter_add", "index_add", "index_copy", "index_fill")
_INDEX_TYPES = (xp.dtype(xp.int64), xp.dtype(xp.int32))


def _part(array, part):
    """The part of `src` that a scatter uses (src may be larger than the index); `part` None: all."""
    return array if part is None else _get(array, *part)


def _to_part(x, part):
    return x if part is None else region_get(x, *part)


def _from_part(g, shape, part):
    return g if part is None else region_scatter(g, shape, *part)


@defop("GatherBackward0", vjp=_scatter_back, jvp="linear")
def _gather(input, view_fn, index):
    """input at the region: see `gather`."""
    return _get(input, view_fn, index)


@defop("IndexSelectBackward0", vjp=_scatter_back, jvp="linear")
def _index_select(input, view_fn, index):
    """input at the region: see `index_select`."""
    return _get(input, view_fn, index)


@defop("TakeBackward0", vjp=_scatter_back, jvp="linear")
def _take(input, view_fn, index):
    """input at the region: see `take`."""
    return _get(input, view_fn, index)


@defop("ScatterBackward0",
       vjp=(lambda g, view_fn, index: _scatter_fill(g, view_fn, index, 0),     # overwritten: no gradient
            lambda g, src_shape, view_fn, index, part: _from_part(_gather(g, view_fn, index), src_shape, part)),
       jvp=(lambda input_t, view_fn, index: _scatter_fill(input_t, view_fn, index, 0),
            lambda src_t, input_shape, view_fn, index, part:
                region_scatter(_to_part(src_t, part), input_shape, view_fn, index)),
       promote="none")
def _scatter(input, src, view_fn, index, part):
    """input with src written at the region: see `scatter`."""
    return _put(input, view_fn, index, _part(src, part))


@defop("ScatterBackward1", vjp=lambda g, view_fn, index: _scatter_fill(g, view_fn, index, 0),
       jvp=lambda input_t, view_fn, index: _scatter_fill(input_t, view_fn, index, 0))
def _scatter_fill(input, view_fn, index, value):
    """input with a number written at the region: see `scatter`."""
    return _put(input, view_fn, index, value)


@defop("ScatterAddBackward0",
       vjp=(lambda g: g,
            lambda g, src_shape, view_fn, index, part: _from_part(_gather(g, view_fn, index), src_shape, part)),
       jvp=(lambda input_t: input_t,
            lambda src_t, input_shape, view_fn, index, part:
                region_scatter(_to_part(src_t, part), input_shape, view_fn, index)),
       promote="none")
def _scatter_add(input, src, view_fn, index, part):
    """input with src added at the region: see `scatter_add`."""
    return _put(input, view_fn, index, _part(src, part), add=True)


def _scale(x, alpha):
    return x if alpha == 1 else x * alpha


@defop("IndexAddBackward0",
       vjp=(lambda g: g,
            lambda g, source_shape, view_fn, index, alpha: _fit(_scale(_index_select(g, view_fn, index), alpha),
                                                                source_shape)),
       jvp=(lambda input_t: input_t,
            lambda source_t, input_shape, view_fn, index, alpha:
                region_scatter(_scale(source_t, alpha), input_shape, view_fn, index)),
       promote="none")
def _index_add(input, source, view_fn, index, alpha):
    """input with alpha * source added at the region: see `index_add`."""
    return _put(input, view_fn, index, xp.asarray(_scale(source, alpha)).astype(input.dtype, copy=False), add=True)


@defop("IndexCopyBackward0",
       vjp=(lambda g, view_fn, index: _index_fill(g, view_fn, index, 0),
            lambda g, source_shape, view_fn, index: _fit(_index_select(g, view_fn, index), source_shape)),
       jvp=(lambda input_t, view_fn, index: _index_fill(input_t, view_fn, index, 0),
            lambda source_t, input_shape, view_fn, index: region_scatter(source_t, input_shape, view_fn, index)),
       promote="none")
def _index_copy(input, source, view_fn, index):
    """input with source written at the region: see `index_copy`."""
    return _put(input, view_fn, index, source)


@defop("IndexFillBackward0", vjp=lambda g, view_fn, index: _index_fill(g, view_fn, index, 0),
       jvp=lambda input_t, view_fn, index: _index_fill(input_t, view_fn, index, 0))
def _index_fill(input, view_fn, index, value):
    """input with a number written at the region: see `index_fill`."""
    return _put(input, view_fn, index, value)


# d/d(value) counts each filled entry once: `unique` is the region without repeated indices.
@defop("IndexFillBackward1",
       vjp=(lambda g, view_fn, index: _index_fill(g, view_fn, index, 0),
            lambda g, view_fn, unique: reduction.sum(_index_select(g, view_fn, unique))),
       jvp=(lambda input_t, view_fn, index: _index_fill(input_t, view_fn, index, 0),
            lambda value_t, input_shape, view_fn, unique: region_scatter(value_t, input_shape, view_fn, unique)),
       promote="none")
def _index_fill_tensor(input, value, view_fn, index, unique):
    """input with a 0-d tensor's value written at the region: see `index_fill`."""
    return _put(input, view_fn, index, value.astype(input.dtype))


def _dim_of_tensor(dim, ndim):
    """The dim check of index_add and take_along_dim: a 0-d tensor has no dim 0 there."""
    if ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return _wrap_dim(dim, ndim)


def _along(index, dim):
    """The NumPy index that reads input[p with p[dim] replaced by index[p]] at each position p of index."""
    ndim = index.ndim
    return tuple(index if d == dim else xp.arange(n).reshape((-1,) + (1,) * (ndim - 1 - d))
                 for d, n in enumerate(index.shape))


def _on_dim(data, dim, index):
    """The region of index_select/index_add/...: `index` along `dim` (a 0-d tensor acts as 1-d)."""
    if data.ndim == 0:
        return _flat, (index,)
    return None, (slice(None),) * dim + (index,)


def index_select(input, dim, index):
    """The slices of `input` at `index` (a 1-d int tensor) along `dim`; repeated indices repeat.

    Example:
        >>> x = tapegrad.tensor([[1., 2.], [3., 4.]])
        >>> tapegrad.index_select(x, 0, tapegrad.tensor([1, 1]))
        tensor([[3., 4.],
                [3., 4.]])
    """
    data, idx = input._data, _tensor_arg(index, "index_select", "index", 3)
    dim = _wrap_dim(dim, data.ndim)
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if idx.dtype not in _INDEX_TYPES:
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if data.ndim == 0 and idx.size != 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {idx.size} value(s)")
    size = _size(data, dim)
    bad = (idx < 0) | (idx >= size)
    if bad.any():
        if data.ndim > 1 and (dim == 1 or data.size == 0):  # PyTorch's kernel for these words it so
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={int(idx[bad][0])} axis_dim={size}")
        raise IndexError("index out of range in self")
    if data.ndim == 0:
        return _index_select(input, None, Ellipsis)
    return _index_select(input, None, (slice(None),) * dim + (idx.reshape(-1).astype(xp.intp),))


def _gather_checks(function, data, dim, idx, src=None, value=False):
    """PyTorch's scatter_gather shape checks, in its order (src: scatter's source, if a tensor)."""
    if idx.dtype not in _INDEX_TYPES:
        raise RuntimeError(f"{function}(): Expected dtype int32/int64 for index")
    if src is not None and src.dtype != data.dtype:
        raise RuntimeError(f"{function}(): Expected self.dtype to be equal to src.dtype")
    name = "input" if function == "gather" else "self"
    if max(idx.ndim, 1) != max(data.ndim, 1):
        raise RuntimeError(f"Index tensor must have the same number of dimensions as {name} tensor")
    for d in range(idx.ndim):
        if src is not None and src.ndim and d >= src.ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-src.ndim}, {src.ndim - 1}], "
                             f"but got {d})")
        too_big = d != dim and idx.shape[d] > _size(data, d)
        if function == "gather" and too_big:
            raise RuntimeError(f"Size does not match at dimension {d} expected index {list(idx.shape)} to be no "
                               f"larger than self {list(data.shape)} apart from dimension {dim}")
        if too_big or (src is not None and idx.shape[d] > _size(src, d)):
            message = (f"Expected index {list(idx.shape)} to be no larger than self {list(data.shape)} apart "
                       f"from dimension {dim}")
            if not value:
                message += f" and to be no larger size than src {list(src.shape)}"
            raise RuntimeError(message)
    if src is not None and max(src.ndim, 1) != max(idx.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    _check_bounds(idx, _size(data, dim), dim)


def _gather_region(data, dim, idx):
    idx = idx.astype(xp.intp)
    if data.ndim == 0:
        return _flat, (idx,)
    if idx.ndim == 0:
        return None, (idx,)
    return None, _along(idx, dim)


def gather(input, dim, index, *, sparse_grad=False):
    """out[p] = input[p with p[dim] replaced by index[p]], for every position p of `index`.

    `index` has input's number of dims and is no larger than input except along `dim`; its
    gradient adds into zeros (repeated indices accumulate), as PyTorch's scatter_add.

    Example:
        >>> x = tapegrad.tensor([[1., 2.], [3., 4.]])
        >>> tapegrad.gather(x, 1, tapegrad.tensor([[1, 1], [0, 1]]))
        tensor([[2., 2.],
                [3., 4.]])
    """
    data, idx = input._data, _tensor_arg(index, "gather", "index", 3)
    dim = _wrap_dim(dim, data.ndim)
    if idx.size:  # PyTorch checks nothing more for an empty index
        _gather_checks("gather", data, dim, idx)
    return _gather(input, *_gather_region(data, dim, idx))


def _scatter_parts(input, dim, index, src, value):
    """Checks, then the region of input and the part of src (None when src is all used)."""
    data, idx = input._data, _tensor_arg(index, "scatter", "index", 3)
    dim = _wrap_dim(dim, data.ndim)
    source = None if src is None else src._data
    if idx.size:
        _gather_checks("scatter", data, dim, idx, source, value)
    view_fn, region = _gather_region(data, dim, idx if data.ndim > 1 else idx.reshape(-1))
    if source is None:
        return view_fn, region, None
    shape = idx.shape if data.ndim > 1 else (idx.size,)
    if source.shape == shape:
        return view_fn, region, None
    if source.ndim <= 1:
        return view_fn, region, (_flat, slice(0, idx.size))
    return view_fn, region, (None, tuple(slice(0, n) for n in shape))


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """A copy of input with src[p] (or the number `value`) written at p with p[dim] = index[p].

    Gradients as PyTorch's: src gets the gradient gathered at index (so an entry written twice
    gets both), input gets zero where it was overwritten. `reduce="add"|"multiply"` combines
    instead of writing; PyTorch has no derivative for it (backward raises, as PyTorch does).

    Example:
        >>> tapegrad.scatter(tapegrad.zeros(2, 2), 1, tapegrad.tensor([[1], [0]]), 5.0)
        tensor([[0., 5.],
                [5., 0.]])
    """
    if src is not None and type(src) not in _tensor_types:
        src, value = None, src
    if src is None and not isinstance(value, numbers.Number):
        raise TypeError("scatter(): expected a Tensor src or a Number value, got "
                        f"{type(value if src is None else src).__name__}")
    view_fn, region, part = _scatter_parts(input, dim, index, src, src is None)
    if reduce is not None:
        return _scatter_reduce(input, src, value, view_fn, region, part, reduce)
    if src is None:
        return _scatter_fill(input, view_fn, region, value)
    return _scatter(input, src, view_fn, region, part)


def scatter_add(input, dim, index, src):
    """A copy of input with src[p] added at p with p[dim] = index[p]; repeated indices add up.

    Example:
        >>> tapegrad.scatter_add(tapegrad.zeros(3), 0, tapegrad.tensor([0, 2, 0]), tapegrad.ones(3))
        tensor([2., 0., 1.])
    """
    view_fn, region, part = _scatter_parts(input, dim, index, src, False)
    return _scatter_add(input, src, view_fn, region, part)


class _ScatterNotImplemented(Node):
    """scatter with reduce=: PyTorch defines no derivative, so backward raises its error."""

    __slots__ = ()

    def name(self):
        return "torch::autograd::NotImplemented"

    def apply(self, grad_outputs):
        raise RuntimeError("derivative for aten::scatter is not implemented")


_ScatterNotImplemented.__name__ = _ScatterNotImplemented.__qualname__ = "NotImplemented"  # PyTorch's class name


def _scatter_reduce(input, src, value, view_fn, region, part, reduce):
    if reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if src is not None:
        warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and will be removed in a "
                      "future PyTorch release. Use torch.scatter_reduce instead for more reduction options.",
                      UserWarning, stacklevel=3)
    out = input._data.copy()
    ufunc = xp.add if reduce == "add" else xp.multiply
    ufunc.at(_region(out, view_fn), region, value if src is None else _part(src._data, part))
    inputs = (input,) if src is None else (input, src)
    if not (_state.enabled and any(t._requires_grad for t in inputs)):
        return _make(out)
    return _make(out, _ScatterNotImplemented(tuple(t._edge() if t._requires_grad else None for t in inputs)))


def index_add(input, dim, index, source, *, alpha=1):
    """A copy of input with alpha * source added at `index` (1-d) along `dim`; repeats add up.

    Example:
        >>> tapegrad.index_add(tapegrad.zeros(3), 0, tapegrad.tensor([0, 0]), tapegrad.ones(2), alpha=2)
        tensor([4., 0., 0.])
    """
    data, idx = input._data, _tensor_arg(index, "index_add", "index", 3)
    source_data = _tensor_arg(source, "index_add", "source", 4)
    dim = _wrap_dim(dim, data.ndim)
    if idx.ndim > 1:
        raise IndexError(f"index_add_(): Index is supposed to be a vector, but got dim: {idx.ndim} with type: "
                         f"{_type_name(idx)} and size: {list(idx.shape)}")
    if idx.dtype not in _INDEX_TYPES:
        raise RuntimeError(f"index_add_(): Expected dtype int32/int64 for index but got: {_type_name(idx)}")
    if data.dtype != source_data.dtype:
        raise RuntimeError(f"index_add_(): self ({_type_name(data)}) and source ({_type_name(source_data)}) must "
                           "have the same scalar type")
    if dim and dim >= source_data.ndim:
        raise RuntimeError(f"index_add_(): Indexing dim {dim} is out of bounds of the source tensor with dim "
                           f"{source_data.ndim}")
    if idx.size != (source_data.shape[dim] if source_data.ndim else 1):
        if not source_data.ndim:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        raise RuntimeError(f"index_add_(): Number of indices ({idx.size}) should be equal to source.size(dim): "
                           f"({source_data.shape[dim]}), for dim: {dim}")
    self_slice, source_slice = data.shape, source_data.shape
    if data.ndim and source_data.ndim:
        self_slice, source_slice = self_slice[:dim] + self_slice[dim + 1:], source_slice[:dim] + source_slice[dim + 1:]
    if self_slice != source_slice:
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the specified dimension. "
                           f"Got self.shape = {list(data.shape)} source.shape = {list(source_data.shape)}")
    if data.ndim <= 1:
        if ((idx < 0) | (idx >= _size(data, 0))).any():
            raise IndexError("index out of range in self")
    else:
        _check_bounds(idx, data.shape[dim], dim)
    return _index_add(input, source, *_on_dim(data, dim, idx.reshape(-1).astype(xp.intp)), alpha)


def index_copy(input, dim, index, source):
    """A copy of input with source's slices written at `index` (1-d) along `dim`.

    Example:
        >>> tapegrad.index_copy(tapegrad.zeros(3), 0, tapegrad.tensor([2, 0]), tapegrad.tensor([5., 6.]))
        tensor([6., 0., 5.])
    """
    data, idx = input._data, _tensor_arg(index, "index_copy", "index", 3)
    source_data = _tensor_arg(source, "index_copy", "source", 4)
    dim = _wrap_dim(dim, data.ndim)
    if idx.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {idx.ndim})")
    if source_data.ndim == 0 and idx.size != 1:
        raise IndexError(f"index_copy_(): When source is scalar, index should have one element (got {idx.size})")
    if source_data.ndim != data.ndim and source_data.ndim and data.ndim:
        raise IndexError("index_copy_(): When source and destination are not scalars, their dimensionality must "
                         f"match. Source dimensionality ({source_data.ndim}), destination dimensionality "
                         f"({data.ndim})")
    if idx.dtype != xp.int64:
        raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got {_type_name(idx)}")
    if data.dtype != source_data.dtype:
        raise RuntimeError("index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{_type_name(data)} and (source) {_type_name(source_data)}")
    self_slice = data.shape[:dim] + data.shape[dim + 1:]
    source_slice = source_data.shape[:dim] + source_data.shape[dim + 1:]
    if self_slice != source_slice:
        raise RuntimeError("index_copy_(): Source/destination tensor must have same slice shapes. Destination slice "
                           f"shape: {' '.join(map(str, self_slice))} at dimension {dim} and source slice shape: "
                           f"{' '.join(map(str, source_slice))} at dimension 0.")
    if source_data.ndim and idx.size != source_data.shape[dim]:
        raise IndexError(f"index_copy_(): Number of indices ({idx.size}) should be equal to source.size(dim) "
                         f"({source_data.shape[dim]})")
    _check_bounds(idx, _size(data, dim), dim, error=IndexError, prefix="index_copy_(): ")
    return _index_copy(input, source, *_on_dim(data, dim, idx.reshape(-1).astype(xp.intp)))


def index_fill(input, dim, index, value):
    """A copy of input with the slices at `index` along `dim` set to `value`.

    `value` is a number or a 0-d tensor, which then gets the gradient of every filled entry
    (each counted once, however often its index repeats).

    Example:
        >>> tapegrad.index_fill(tapegrad.zeros(2, 2), 1, tapegrad.tensor([1]), 7.)
        tensor([[0., 7.],
                [0., 7.]])
    """
    data, idx = input._data, _tensor_arg(index, "index_fill", "index", 3)
    dim = _wrap_dim(dim, data.ndim)
    if idx.dtype != xp.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if idx.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    if type(value) in _tensor_types and value.ndim:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.ndim} dimension(s).")
    size = _size(data, dim)
    _check_bounds(idx, size, dim, negative=True, error=IndexError)
    idx = idx.reshape(-1).astype(xp.intp)
    view_fn, region = _on_dim(data, dim, idx)
    if type(value) not in _tensor_types:
        return _index_fill(input, view_fn, region, value)
    unique = _on_dim(data, dim, xp.unique(idx % max(size, 1)))[1]
    return _index_fill_tensor(input, value, view_fn, region, unique)


def take(input, index):
    """input as if flattened, at `index` (int64, any shape; negative counts from the end).

    Example:
        >>> tapegrad.take(tapegrad.tensor([[1., 2.], [3., 4.]]), tapegrad.tensor([[3, -4]]))
        tensor([[4., 1.]])
    """
    data, idx = input._data, _tensor_arg(index, "take", "index", 2)
    if idx.dtype != xp.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {_type_name(idx)}")
    bad = (idx < -data.size) | (idx >= data.size)
    if bad.any():
        raise IndexError(f"out of range: tried to access index {int(idx[bad][0])} on a tensor of {data.size} "
                         "elements.")
    return _take(input, _flat, idx.astype(xp.intp))


def take_along_dim(input, indices, dim=None):
    """gather along `dim` after broadcasting input and indices against each other (except along
    `dim`); with dim None, `take` on the flattened input (recorded as a gather, as in PyTorch).

    Indices out of range wrap around modulo the size, as PyTorch 2.13 computes them.

    Example:
        >>> x = tapegrad.tensor([[10., 30., 20.], [60., 40., 50.]])
        >>> tapegrad.take_along_dim(x, tapegrad.tensor([[1], [0]]), 1)
        tensor([[30.],
                [60.]])
    """
    data, idx = input._data, _tensor_arg(indices, "take_along_dim", "indices", 2)
    if dim is None:
        return gather(shape.reshape(input, -1), 0, shape.reshape(indices, -1))
    if data.ndim != idx.ndim:
        raise RuntimeError("torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {data.ndim} dimensions for input, and {idx.ndim} dimensions for indices")
    if idx.dtype != xp.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got {_type_name(idx)}")
    dim = _dim_of_tensor(dim, data.ndim)
    index_shape = _broadcast(data.shape[:dim] + idx.shape[dim:dim + 1] + data.shape[dim + 1:], idx.shape)
    input_shape = _broadcast(idx.shape[:dim] + data.shape[dim:dim + 1] + idx.shape[dim + 1:], data.shape)
    if input_shape != data.shape:
        input = expand(input, input_shape)
    size = input_shape[dim]
    idx = xp.broadcast_to(idx % size if size else idx, index_shape)
    return _gather(input, None, _along(idx.astype(xp.intp), dim))
