"""Indexing: get (`x[i]`) and set (`y[i] = v`) with gradients, and writes through views.

A *region* of a tensor is `(view_fn, index)`: `view_fn` replays a chain of view ops on the base
array (None for the tensor itself) and `index` is a NumPy index into that. Three ops on regions
carry all the gradients, each the adjoint of another, so create_graph works through them:

    region_get(x)           -> x's region                      adjoint: region_scatter
    region_scatter(v, shape) -> zeros(shape), region += v      adjoint: region_get
    region_zero(x)          -> x with its region set to 0      adjoint: itself

`y[i] = v` records a `CopySlices` node (PyTorch's name) on y: the gradient of the old y is the
incoming gradient with the region zeroed, and v's gradient is the region of the incoming gradient.
An in-place op on a view is the same write on the view's base, followed by re-deriving the view.

The same writes as functions with tensor indices are here too: `masked_fill`, `masked_select`,
`masked_scatter`, `index_put` (and `nonzero`, which has no gradient). The ops that index along one
dim (gather, scatter, index_select, index_add, take, ...) are in gather.py, which shares the helpers
of this module and whose names join its tables (see the bottom).
"""
import re

from .. import _backend as B
from .. import _errors
from .._tensor import _make, _tensor_types
from ..autograd.grad_mode import _state
from ..autograd.graph import Node
from ._registry import defop, expand, sum_to_size, to_dtype

xp = B.xp

PUBLIC = ("masked_fill", "masked_select", "masked_scatter", "index_put", "nonzero", "argwhere")  # see elementwise.py
METHODS = PUBLIC
INPLACE = ("masked_fill", "masked_scatter", "index_put")


def _to_index(index):
    """A PyTorch index as a NumPy one: Tensors and lists become arrays."""
    if type(index) is tuple:
        return tuple(_to_index_item(i) for i in index)
    return _to_index_item(index)


def _to_index_item(item):
    if type(item) in _tensor_types:
        return item._data
    if isinstance(item, list):
        array = xp.asarray(item)
        return array.astype(xp.int64) if array.size == 0 else array  # x[[]] selects nothing
    if type(item) is slice and item.step is not None and item.step <= 0:
        raise ValueError("step must be greater than zero" if item.step else "slice step cannot be zero")
    return item


def _is_basic(index):
    """Basic indexing (ints, slices, None, ...) gives a view; anything else copies."""
    items = index if type(index) is tuple else (index,)
    return all(i is None or i is Ellipsis or type(i) in (int, slice) for i in items)


def _region(x, view_fn):
    return x if view_fn is None else view_fn(x)


@defop("IndexBackward0",
       vjp=lambda g, input_shape, view_fn, index: region_scatter(g, input_shape, view_fn, index),
       jvp="linear")
def region_get(input, view_fn, index):
    """The region of `input` (see the module docstring)."""
    try:
        return _region(input, view_fn)[index]
    except IndexError as error:
        raise _index_error(error) from None


@defop("IndexPutBackward0", vjp=lambda g, view_fn, index: region_get(g, view_fn, index), jvp="linear")
def region_scatter(values, shape, view_fn, index):
    """zeros(shape) with `values` added into the region (repeated indices accumulate)."""
    out = xp.zeros(shape, dtype=values.dtype)
    target = _region(out, view_fn)
    if _is_basic(index):
        target[index] = values
    else:
        xp.add.at(target, index, values)
    return out


@defop("IndexFillBackward0", vjp=lambda g, view_fn, index: region_zero(g, view_fn, index), jvp="linear")
def region_zero(input, view_fn, index):
    """A copy of `input` with its region set to zero."""
    out = input.copy()
    _region(out, view_fn)[index] = 0
    return out


def _view_getter(name):
    """getitem recorded under the node name PyTorch uses for this kind of index."""
    def getitem(input, index):
        return _basic_get(input, index)
    getitem.__name__ = "getitem_" + name[:-len("Backward0")].lower()  # a distinct REGISTRY entry each
    return defop(name, vjp=lambda g, input_shape, index: region_scatter(g, input_shape, None, index),
                 jvp="linear", view=True)(getitem)


def _basic_get(array, index):
    """array[index] for a basic index, always a view (NumPy gives a copied scalar for all-int indices)."""
    items = index if type(index) is tuple else (index,)
    if Ellipsis not in items:
        items = items + (Ellipsis,)
    try:
        return array[items]
    except IndexError as error:
        raise _index_error(error) from None


def _index_error(error):
    # NumPy says "axis" and "array", PyTorch says "dimension" and "tensor": keep PyTorch's words.
    message = str(error).replace("for axis", "for dimension")
    match = re.match(r"too many indices for array: array is (\d+)-dimensional", message)
    if match:
        message = f"too many indices for tensor of dimension {match.group(1)}"
    return IndexError(message)


_select = _view_getter("SelectBackward0")
_slice = _view_getter("SliceBackward0")
_unsqueeze = _view_getter("UnsqueezeBackward0")
_alias = _view_getter("AliasBackward0")


def getitem(input, index):
    """`input[index]`: a view for basic indices, a copy for advanced ones, with gradient.

    Example:
        >>> x = tapegrad.tensor([[2., 4.]], requires_grad=True)
        >>> x[0, 1]
        tensor(4., grad_fn=<SelectBackward0>)
    """
    index = _to_index(index)
    if input.ndim == 0 and any(type(i) is int for i in (index if type(index) is tuple else (index,))):
        raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                         "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
    if not _is_basic(index):
        return region_get(input, None, index)
    if index is Ellipsis:
        return _alias(input, index)
    last = index[-1] if type(index) is tuple and index else index
    if type(last) is slice or last is Ellipsis:
        return _slice(input, index)
    if last is None:
        return _unsqueeze(input, index)
    return _select(input, index)


class CopySlices(Node):
    """`y[region] = value` recorded: gradients to the old y (region zeroed) and to the value."""

    __slots__ = ("view_fn", "index", "value_shape", "value_dtype", "needs")

    def name(self):
        return "torch::autograd::CopySlices"

    def apply(self, grad_outputs):
        g = grad_outputs[0]
        if g is None:
            return (None, None)
        base_grad = region_zero(g, self.view_fn, self.index) if self.needs[0] else None
        value_grad = None
        if self.needs[1]:
            value_grad = sum_to_size(region_get(g, self.view_fn, self.index), self.value_shape)
            if self.value_dtype is not None:
                value_grad = to_dtype(value_grad, self.value_dtype)
        return (base_grad, value_grad)


class IndexPutBackward0(CopySlices):
    """`y[advanced index] = value`: PyTorch records it as index_put_, under this name."""

    __slots__ = ()

    def name(self):
        return "IndexPutBackward0"


def _check_inplace(target, through_view=False):
    if _state.enabled and target._requires_grad and target._grad_fn is None:
        raise RuntimeError(_errors.VIEW_OF_LEAF_INPLACE if through_view else _errors.LEAF_INPLACE)
    base = target._base
    if _state.enabled and base is not None and base._requires_grad and base._grad_fn is None:
        raise RuntimeError(_errors.VIEW_OF_LEAF_INPLACE)


def write_region(target, view_fn, index, value):
    """Write `value` into `target`'s region, recording CopySlices on target when grads flow."""
    value_is_tensor = type(value) in _tensor_types
    value_data = value._data if value_is_tensor else value
    recording = _state.enabled and (target._requires_grad or (value_is_tensor and value._requires_grad))
    if recording:
        _check_inplace(target)
    region = _region(target._data, view_fn)
    _check_fits(region, index, value_data)
    if not recording:
        region[index] = value_data
        target._counter.value += 1
        return
    needs = (target._requires_grad, value_is_tensor and value._requires_grad)
    node_class = CopySlices if view_fn is not None or _is_basic(index) else IndexPutBackward0
    node = node_class((target._edge() if needs[0] else None, value._edge() if needs[1] else None))
    node.view_fn, node.index, node.needs = view_fn, index, needs
    node.value_shape = value_data.shape if value_is_tensor else ()
    node.value_dtype = value_data.dtype if value_is_tensor and value_data.dtype != target._data.dtype else None
    region[index] = value_data
    target._counter.value += 1
    target._grad_fn = node
    if target._output_nr:
        target._output_nr = 0
    target._requires_grad = True


def _check_fits(region, index, value):
    """PyTorch's error when the value cannot be broadcast into the indexed region (nothing written)."""
    value_shape = xp.shape(value)
    try:
        target_shape = xp.shape(region[index])
    except IndexError as error:
        raise _index_error(error) from None
    try:
        xp.broadcast_shapes(value_shape, target_shape)
        extra = len(value_shape) - len(target_shape)
        if extra <= 0 or all(n == 1 for n in value_shape[:extra]):  # leading 1s are dropped
            return
    except ValueError:
        pass
    if _is_basic(index):  # PyTorch copies into a view: expand's message
        lead = len(target_shape) - len(value_shape)
        for i, n in enumerate(value_shape):
            m = target_shape[lead + i] if lead + i >= 0 else None
            if n != 1 and n != m:
                raise RuntimeError(f"The expanded size of the tensor ({m}) must match the existing size ({n}) at "
                                   f"non-singleton dimension {i}.  Target sizes: {list(target_shape)}.  "
                                   f"Tensor sizes: {list(value_shape)}")
    raise RuntimeError(f"shape mismatch: value tensor of shape {list(value_shape)} cannot be broadcast to "
                       f"indexing result of shape {list(target_shape)}")


def setitem(target, index, value):
    """`target[index] = value`, with gradients to value and to the untouched rest of target."""
    index = _to_index(index)
    if _state.enabled and target._requires_grad and target._grad_fn is None:
        _check_inplace(target, through_view=_is_basic(index))  # PyTorch writes basic indices via a view
    if target._base is None or not (_state.enabled and (
            target._base._requires_grad or (type(value) in _tensor_types and value._requires_grad))):
        if _state.enabled and target._base is not None:
            _check_inplace(target)
        write_region(target, None, index, value)
        return
    _check_inplace(target)
    base = target._base
    write_region(base, target._view_fn, index, value)
    rederive_view(target, base)


def write_through_view(view, result):
    """An in-place op on a view: write the new values into the base, then re-derive the view."""
    base = view._base
    write_region(base, view._view_fn, Ellipsis, result)
    rederive_view(view, base)


@defop("AsStridedBackward0",
       vjp=lambda g, input_shape, view_fn: region_scatter(g, input_shape, view_fn, Ellipsis),
       jvp="linear")
def _view_of_base(input, view_fn):
    return view_fn(input)


def rederive_view(view, base):
    """After its base changed in the graph, the view's gradient must flow through the base."""
    view._view_version = view._counter.value
    if base._grad_fn is not None:
        previous, _state.enabled = _state.enabled, True
        try:
            view._grad_fn = _view_of_base(base, view._view_fn)._grad_fn
            if view._output_nr:
                view._output_nr = 0
        finally:
            _state.enabled = previous
        view._requires_grad = True


# ---------------------------------------------------------------- helpers of the ops with tensor indices

def _flat(array):
    """A 0-d array seen as 1-d (a view), so that an index array can address it."""
    return array.reshape(-1)


def _get(array, view_fn, index):
    out = _region(array, view_fn)[index]
    return out.copy() if index is Ellipsis else B.as_array(out)  # never a view of the input


def _put(input, view_fn, index, values, add=False):
    out = input.copy()
    if add:
        xp.add.at(_region(out, view_fn), index, values)
    else:
        _region(out, view_fn)[index] = values
    return out


def _fit(g, shape):
    """g summed to `shape` when they differ (a broadcast value; a 0-d source written as 1-d)."""
    return g if tuple(g.shape) == tuple(shape) else sum_to_size(g, shape)


def _scatter_back(g, input_shape, view_fn, index):
    # d(input[region])/d(input), transposed: the gradient added into zeros at the region
    return region_scatter(g, input_shape, view_fn, index)


_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
               "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool", "complex64": "ComplexFloat",
               "complex128": "ComplexDouble"}
_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int", "int32": "int",
            "int16": "short int", "int8": "signed char", "uint8": "unsigned char"}


def _type_name(array):
    return _TYPE_NAMES.get(array.dtype.name, array.dtype.name)


def _tensor_arg(value, function, name, position):
    if type(value) not in _tensor_types:
        raise TypeError(f"{function}(): argument '{name}' (position {position}) must be Tensor, not "
                        f"{type(value).__name__}")
    return value._data


def _wrap_dim(dim, ndim):
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


def _check_bounds(index, size, dim, negative=False, error=RuntimeError, prefix=""):
    bad = ((index < -size) if negative else (index < 0)) | (index >= size)
    if bad.any():
        raise error(f"{prefix}index {int(index[bad][0])} is out of bounds for dimension {dim} with size {size}")


def _broadcast(mask_shape, input_shape):
    """The broadcast shape of mask and input; PyTorch's error names the mask as tensor a."""
    try:
        return xp.broadcast_shapes(mask_shape, input_shape)
    except ValueError:
        for back in range(1, min(len(mask_shape), len(input_shape)) + 1):
            a, b = mask_shape[-back], input_shape[-back]
            if a != b and a != 1 and b != 1:
                dim = max(len(mask_shape), len(input_shape)) - back
                raise RuntimeError(_errors.BROADCAST_MISMATCH.format(a=a, b=b, dim=dim)) from None
        raise


def _size(array, dim):
    return array.shape[dim] if array.ndim else 1


# ---------------------------------------------------------------- y[mask] = v, y[mask], y[i, j] = v as functions

@defop("MaskedSelectBackward0", vjp=_scatter_back, jvp="linear")
def _masked_select(input, view_fn, index):
    """input at the region: see `masked_select`."""
    return _get(input, view_fn, index)


@defop("MaskedFillBackward0", vjp=lambda g, mask: _masked_fill(g, mask, 0),
       jvp=lambda input_t, mask: _masked_fill(input_t, mask, 0))
def _masked_fill(input, mask, value):
    """input with a number where mask is True (both broadcast): see `masked_fill`."""
    return xp.where(mask, xp.asarray(value).astype(input.dtype), input)


@defop("MaskedFillBackward1",
       vjp=(lambda g, mask: _masked_fill(g, mask, 0),
            lambda g, mask: reduction.sum(_masked_fill(g, ~mask, 0))),                  # d/d(value) = sum over the mask
       jvp=(lambda input_t, mask: _masked_fill(input_t, mask, 0),
            lambda value_t, mask: _masked_fill(expand(value_t, mask.shape), ~mask, 0)),
       promote="none")
def _masked_fill_tensor(input, value, mask):
    """input with a 0-d tensor's value where mask is True: see `masked_fill`."""
    return xp.where(mask, value.astype(input.dtype), input)


# `mask` is broadcast to the output's shape; `source_part` is (_flat, slice(0, number of Trues)).
@defop("MaskedScatterBackward0",
       vjp=(lambda g, mask: _masked_fill(g, mask, 0),
            lambda g, source_shape, mask, source_part:
                region_scatter(_masked_select(g, None, mask), source_shape, *source_part)),
       jvp=(lambda input_t, mask: _masked_fill(input_t, mask, 0),
            lambda source_t, mask, source_part: region_scatter(region_get(source_t, *source_part), mask.shape,
                                                                None, mask)),
       promote="none")
def _masked_scatter(input, source, mask, source_part):
    """input with source's first elements written where mask is True: see `masked_scatter`."""
    return _put(xp.broadcast_to(input, mask.shape), None, mask, _get(source, *source_part))


@defop("IndexPutBackward0",
       vjp=(lambda g, index, accumulate: g if accumulate else region_zero(g, None, index),
            lambda g, values_shape, index: _fit(region_get(g, None, index), values_shape)),
       jvp=(lambda input_t, index, accumulate: input_t if accumulate else region_zero(input_t, None, index),
            lambda values_t, input_shape, index: region_scatter(values_t, input_shape, None, index)),
       promote="none")
def _index_put(input, values, index, accumulate):
    """input with values written (or added) at a tuple of index arrays: see `index_put`."""
    return _put(input, None, index, values, add=accumulate)


def _check_mask(mask, function, data):
    if mask.dtype != xp.bool_:
        names = _C_NAMES if function == "masked_fill_" else _TYPE_NAMES
        raise RuntimeError(f"{function} only supports boolean masks, but got mask with dtype "
                           f"{names.get(mask.dtype.name, mask.dtype.name)}")
    return _broadcast(mask.shape, data.shape)


def masked_fill(input, mask, value):
    """A copy of input with `value` where the bool `mask` is True (mask and input broadcast).

    `value` is a number or a 0-d tensor; a tensor value gets the sum of the gradient over the mask.

    Example:
        >>> x = tapegrad.tensor([1., -2., 3.])
        >>> x.masked_fill(x < 0, 0.)
        tensor([1., 0., 3.])
    """
    data, mask = input._data, _tensor_arg(mask, "masked_fill", "mask", 2)
    if type(value) in _tensor_types and value.ndim:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.ndim} dimension(s).")
    _check_mask(mask, "masked_fill_", data)
    mask = mask.copy()  # the node keeps it: a later in-place change of the mask must not reach it
    if type(value) in _tensor_types:
        return _masked_fill_tensor(input, value, mask)
    return _masked_fill(input, mask, value)


def masked_select(input, mask):
    """The entries of input where the bool `mask` is True (both broadcast), as a 1-d tensor.

    Example:
        >>> x = tapegrad.tensor([[1., -2.], [-3., 4.]])
        >>> tapegrad.masked_select(x, x > 0)
        tensor([1., 4.])
    """
    data, mask = input._data, _tensor_arg(mask, "masked_select", "mask", 2)
    if mask.dtype != xp.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = _broadcast(mask.shape, data.shape)
    if data.shape != shape:
        input = expand(input, shape)
    return _masked_select(input, None, xp.broadcast_to(mask.copy(), shape))


def masked_scatter(input, mask, source):
    """A copy of input where the entries at the True places of `mask` are source's first elements,
    in order (mask and input broadcast; source needs at least as many elements as Trues).

    Example:
        >>> x = tapegrad.zeros(4)
        >>> x.masked_scatter(tapegrad.tensor([True, False, True, False]), tapegrad.tensor([5., 6., 7.]))
        tensor([5., 0., 6., 0.])
    """
    data, mask = input._data, _tensor_arg(mask, "masked_scatter", "mask", 2)
    source_data = _tensor_arg(source, "masked_scatter", "source", 3)
    shape = _check_mask(mask, "masked_scatter_", data)
    if data.dtype != source_data.dtype:
        raise RuntimeError("masked_scatter: expected self and source to have same dtypes but got"
                           f"{_type_name(data)} and {_type_name(source_data)}")
    mask = xp.broadcast_to(mask.copy(), shape)
    count = int(mask.sum())
    if source_data.size < count:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return _masked_scatter(input, source, mask, (_flat, slice(0, count)))


def index_put(input, indices, values, accumulate=False):
    """A copy of input with `values` written at `input[indices]` (a tuple of index tensors).

    With accumulate=True, values add up, repeated indices included; without, a repeated index
    keeps one of its values.

    Example:
        >>> i = (tapegrad.tensor([0, 0, 2]),)
        >>> tapegrad.index_put(tapegrad.zeros(3), i, tapegrad.ones(3), accumulate=True)
        tensor([2., 0., 1.])
    """
    data = input._data
    if type(indices) not in (tuple, list):
        raise TypeError(f"index_put(): argument 'indices' (position 2) must be tuple of Tensors, not "
                        f"{type(indices).__name__}")
    values_data = _tensor_arg(values, "index_put", "values", 3)
    index = []
    for i, item in enumerate(indices):
        if type(item) not in _tensor_types:
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got {type(item).__name__}")
        array = item._data
        if array.dtype.kind not in "biu":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        index.append(array.astype(bool) if array.dtype == xp.uint8 else array.copy())
    index = tuple(index)
    target = _index_put_shape(data.shape, index)
    if data.dtype != values_data.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got {_type_name(data)} for "
                           f"the destination and {_type_name(values_data)} for the source.")
    try:
        fits = values_data.ndim <= len(target) and xp.broadcast_shapes(values_data.shape, target) == target
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(values_data.shape)} cannot be broadcast to "
                           f"indexing result of shape {list(target)}")
    return _index_put(input, values, index, bool(accumulate))


def _index_put_shape(shape, index):
    """The shape of input[index] for a tuple of index arrays, with PyTorch's errors (nothing is copied)."""
    used = sum(a.ndim if a.dtype == bool else 1 for a in index)
    if used > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)} (got {used})")
    position, selected = 0, []
    for a in index:
        if a.dtype == bool:
            for j, (n, m) in enumerate(zip(a.shape, shape[position:])):
                if n != m:
                    raise IndexError(f"The shape of the mask {list(a.shape)} at index {j} does not match the shape of "
                                     f"the indexed tensor {list(shape)} at index {position + j}")
            selected.append((int(a.sum()),))
            position += a.ndim
        else:
            _check_bounds(a, shape[position], position, negative=True, error=IndexError)
            selected.append(a.shape)
            position += 1
    try:
        return tuple(xp.broadcast_shapes(*selected)) + tuple(shape[position:])
    except ValueError:
        raise IndexError("shape mismatch: indexing tensors could not be broadcast together with shapes "
                         + ", ".join(str(list(s)) for s in selected)) from None


def nonzero(input, *, as_tuple=False):
    """The indices of the nonzero entries: an (n, ndim) int64 tensor, or with as_tuple a tuple of
    1-d tensors, one per dim (a 0-d input counts as 1-d there). No gradient.

    Example:
        >>> tapegrad.nonzero(tapegrad.tensor([[0., 1.], [2., 0.]]))
        tensor([[0, 1],
                [1, 0]])
    """
    data = input._data
    if not as_tuple:
        return _make(xp.argwhere(data).astype(xp.int64))
    return tuple(_make(a.astype(xp.int64)) for a in xp.nonzero(data.reshape(-1) if data.ndim == 0 else data))


def argwhere(input):
    """nonzero(input): the (n, ndim) int64 tensor of the indices of the nonzero entries."""
    return nonzero(input)


# The ops that index along a dim live in gather.py (it imports the helpers above); its names join the tables.
from . import reduction  # noqa: E402  (late: reduction -> shape -> indexing)
from . import gather as _along_dim  # noqa: E402
from .gather import (gather, index_add, index_copy, index_fill, index_select, scatter, scatter_add,  # noqa: E402,F401
                     take, take_along_dim)

PUBLIC += _along_dim.PUBLIC
METHODS += _along_dim.METHODS
INPLACE += _along_dim.INPLACE
