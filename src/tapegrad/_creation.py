"""Making tensors: from data (`tensor`, `as_tensor`, `from_numpy`) and from shapes (`zeros`, `randn`...).

dtype rules as PyTorch's: Python floats give the default dtype (float32), Python ints int64, bools
bool; a NumPy array keeps its dtype (float64 stays float64).
"""
import warnings

from . import _backend as B
from . import _dtype as D
from . import _errors
from ._tensor import Tensor, _make, _size_args, _tensor_types, _check_device

xp = B.xp


def _finish(array, requires_grad, device=None):
    if device is not None:
        _check_device(device)
    t = _make(array)
    if requires_grad:
        if array.dtype.kind not in "fc":
            raise RuntimeError(_errors.INTEGER_REQUIRES_GRAD)
        t._requires_grad = True
    return t


def _infer(data, dtype):
    """A fresh array for `data` with PyTorch's dtype inference."""
    if type(data) in _tensor_types:
        warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() "
                      "or sourceTensor.detach().clone().requires_grad_(True), rather than "
                      "torch.tensor(sourceTensor).", UserWarning, stacklevel=3)
        array = data._data
    elif isinstance(data, (list, tuple)) and any(type(d) in _tensor_types for d in _flat(data)):
        array = xp.array(_unwrap_nested(data))
        if dtype is None and array.dtype == xp.float64 and not _has_float64_tensor(data):
            array = array.astype(D.get_default_dtype().np)
        return array if dtype is None else array.astype(D.to_np(dtype))
    elif isinstance(data, (B.ndarray, B.generic)):
        array = data
    else:
        try:
            array = xp.array(data)
        except ValueError:
            raise ValueError(_ragged_message(data)) from None
        if dtype is None:
            kind = array.dtype.kind
            if kind == "f" and isinstance(data, (list, tuple)) and any(
                    isinstance(d, xp.float64) for d in _flat(data)):
                pass  # NumPy float64 scalars keep their dtype, as PyTorch does
            elif kind == "f":
                array = array.astype(D.get_default_dtype().np)
            elif kind == "c":
                array = array.astype(D._default_complex().np)
            elif kind in "iu" and array.dtype != xp.int64:
                array = array.astype(xp.int64)
            elif kind not in "biuf":
                raise TypeError(f"Could not infer dtype of {type(data).__name__}")
    return xp.array(array, dtype=D.to_np(dtype), copy=True)


def _ragged_message(data):
    """PyTorch's words for a nested list whose rows differ in length."""
    level = [data]
    dim = 0
    while level and all(isinstance(d, (list, tuple)) for d in level):
        lengths = [len(d) for d in level]
        if len(set(lengths)) > 1:
            other = next(n for n in lengths if n != lengths[0])
            return f"expected sequence of length {lengths[0]} at dim {dim} (got {other})"
        level = [x for d in level for x in d]
        dim += 1
    return "too many dimensions or inconsistent nesting in the data"


def _flat(data):
    for d in data:
        if isinstance(d, (list, tuple)):
            yield from _flat(d)
        else:
            yield d


def _unwrap_nested(data):
    if isinstance(data, (list, tuple)):
        return [_unwrap_nested(d) for d in data]
    return data._data if type(data) in _tensor_types else data


def _has_float64_tensor(data):
    return any(type(d) in _tensor_types and d._data.dtype == xp.float64 for d in _flat(data))


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of `data` (a number, nested lists, an array or a tensor).

    Example:
        >>> tapegrad.tensor(3.0, requires_grad=True)
        tensor(3., requires_grad=True)
        >>> tapegrad.tensor([1, 2]).dtype
        torch.int64
    """
    return _finish(_infer(data, dtype), requires_grad, device)


def as_tensor(data, dtype=None, device=None):
    """Like `tensor`, but shares memory with a NumPy array or tensor when the dtype already fits."""
    if type(data) in _tensor_types:
        return data if dtype is None or D.canonical(dtype) is data.dtype else data.to(dtype)
    if isinstance(data, B.ndarray) and (dtype is None or D.to_np(dtype) == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(ndarray):
    """A tensor sharing memory with the NumPy array: changes to one show in the other."""
    if not isinstance(ndarray, B.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    D.from_np(ndarray.dtype)  # PyTorch's error for unsupported dtypes
    return _make(ndarray)


def _filled(fill, size, dtype, requires_grad, device, default=None):
    shape = _size_args(size)
    np_dtype = D.to_np(dtype) if dtype is not None else (default or D.get_default_dtype().np)
    return _finish(xp.full(shape, fill, dtype=np_dtype), requires_grad, device)


def zeros(*size, out=None, dtype=None, device=None, requires_grad=False, **ignored):
    """A tensor of zeros: zeros(2, 3) or zeros((2, 3))."""
    return _out(_filled(0, size, dtype, requires_grad, device), out)


def ones(*size, out=None, dtype=None, device=None, requires_grad=False, **ignored):
    """A tensor of ones."""
    return _out(_filled(1, size, dtype, requires_grad, device), out)


def empty(*size, out=None, dtype=None, device=None, requires_grad=False, **ignored):
    """An uninitialised tensor (tapegrad fills it with zeros: same cost, no surprises)."""
    return _out(_filled(0, size, dtype, requires_grad, device), out)


def full(size, fill_value, *, out=None, dtype=None, device=None, requires_grad=False, **ignored):
    """A tensor filled with `fill_value`; its dtype follows the value (float -> float32)."""
    default = None if isinstance(fill_value, float) else (
        xp.dtype(bool) if isinstance(fill_value, bool) else xp.dtype(xp.int64))
    return _out(_filled(fill_value, (size,), dtype, requires_grad, device, default), out)


def _like(fill, input, dtype, requires_grad):
    np_dtype = D.to_np(dtype) if dtype is not None else input._data.dtype
    return _finish(xp.full(input._data.shape, fill, dtype=np_dtype), requires_grad)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, **ignored):
    """Zeros of input's shape and dtype."""
    return _like(0, input, dtype, requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, **ignored):
    """Ones of input's shape and dtype."""
    return _like(1, input, dtype, requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, **ignored):
    """An uninitialised tensor (zeros) of input's shape and dtype."""
    return _like(0, input, dtype, requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, **ignored):
    """input's shape and dtype filled with `fill_value`."""
    return _like(fill_value, input, dtype, requires_grad)


def arange(start, end=None, step=1, *, out=None, dtype=None, device=None, requires_grad=False):
    """Values from start (default 0) up to end (excluded) by step; int64 unless a float is given.

    Example:
        >>> tapegrad.arange(4.0)
        tensor([0., 1., 2., 3.])
    """
    if end is None:
        start, end = 0, start
    values = [v.item() if type(v) in _tensor_types else v for v in (start, end, step)]
    is_float = any(isinstance(v, float) for v in values)
    np_dtype = D.to_np(dtype) if dtype is not None else (
        D.get_default_dtype().np if is_float else xp.dtype(xp.int64))
    start, end, step = values
    n = max(0, -(-(end - start) // step)) if not is_float else max(0, int(xp.ceil((end - start) / step)))
    array = (start + xp.arange(n, dtype=xp.float64) * step).astype(np_dtype)
    return _out(_finish(array, requires_grad, device), out)


def linspace(start, end, steps, *, out=None, dtype=None, device=None, requires_grad=False):
    """`steps` evenly spaced values from start to end, both included."""
    np_dtype = D.to_np(dtype) if dtype is not None else D.get_default_dtype().np
    return _out(_finish(xp.linspace(start, end, steps).astype(np_dtype), requires_grad, device), out)


def eye(n, m=None, *, out=None, dtype=None, device=None, requires_grad=False):
    """The n x m identity matrix."""
    np_dtype = D.to_np(dtype) if dtype is not None else D.get_default_dtype().np
    return _out(_finish(xp.eye(n, n if m is None else m, dtype=np_dtype), requires_grad, device), out)


def _out(result, out):
    """PyTorch's `out=`: write into the given tensor (resized to fit) and return it."""
    if out is None:
        return result
    out._data = result._data.astype(out._data.dtype) if out._data.shape != result._data.shape \
        else out._data
    out._data[...] = result._data
    out._counter.value += 1
    return out


Tensor  # re-exported
