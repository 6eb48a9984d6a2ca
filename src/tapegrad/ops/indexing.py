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
"""
import re

from .. import _backend as B
from .. import _errors
from .._tensor import _tensor_types
from ..autograd.grad_mode import _state
from ..autograd.graph import Node
from ._registry import defop, sum_to_size, to_dtype

xp = B.xp

PUBLIC = ()  # see the note on these tables in elementwise.py
METHODS = ()
INPLACE = ()


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
        finally:
            _state.enabled = previous
        view._requires_grad = True
