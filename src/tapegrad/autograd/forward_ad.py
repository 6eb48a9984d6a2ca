"""Forward-mode AD with dual tensors: PyTorch's `torch.autograd.forward_ad`.

Inside `dual_level()`, `make_dual(x, u)` gives a tensor carrying the tangent `u`; every op called
on it computes its output's tangent with the op's declared JVP rule (`ops._registry.apply_jvp`),
so `unpack_dual(f(make_dual(x, u))).tangent` is the Jacobian-vector product J_f(x) u, in one
forward pass. Ops written as plain functions of other ops get their tangents through their parts.

A tangent is a Tensor kept in the dual tensor's `_fw_tangents` dict, keyed by level; exiting the
level drops every tangent made in it. As in PyTorch, only one level can be active (no nesting).

In-place ops and index assignment (`x.mul_(y)`, `x[i] = v`) are followed while a level is active:
`Tensor._inplace` and `ops.indexing.write_region` are wrapped on entering the level and restored on
exiting it, so the written tensor (and the base of a written view) gets the new tangent.

Differences from PyTorch: tangents are plain values, never differentiable themselves (PyTorch's
carry a grad_fn); the primal of `unpack_dual` is a ViewBackward0 view (PyTorch: Identity); a view
made before its base had a tangent does not share the tangent the base gets later.

Backward rules run with create_graph=True are ops on Tensors, so they propagate tangents too:
`autograd.grad` of a function of dual tensors gives gradients whose tangents are
Hessian-vector products (forward-over-reverse).

Example:
    >>> import tapegrad.autograd.forward_ad as fwAD
    >>> x = tapegrad.tensor([1.0, 2.0])
    >>> with fwAD.dual_level():
    ...     y = fwAD.make_dual(x, tapegrad.ones(2)) ** 2
    ...     fwAD.unpack_dual(y).tangent
    tensor([2., 4.])
"""
import weakref
from typing import NamedTuple

from .._tensor import Tensor, _make, _tensor_types
from ..ops import _registry

__all__ = ["UnpackedDualTensor", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual",
           "dual_level"]

_current_level = -1
_duals = []  # weak references to the tensors given a tangent in the current level
_patched = {}  # what the level replaced (see _follow_inplace), restored on exit


def _remember(tensor):
    _duals.append(weakref.ref(tensor))


def enter_dual_level():
    """Enter a new forward-AD level and return it (0: PyTorch supports one level at a time).

    Example:
        >>> level = fwAD.enter_dual_level()
        >>> fwAD.exit_dual_level(level=level)
    """
    global _current_level
    if _current_level >= 0:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _current_level = 0
    _registry._fw_level = 0
    _registry._fw_hook = _remember
    _follow_inplace()
    _registry._forward_ad = True
    return _current_level


def exit_dual_level(*, level=None):
    """Exit the forward-AD level: every tangent made in it is dropped.

    Example:
        >>> fwAD.enter_dual_level()
        0
        >>> fwAD.exit_dual_level()
    """
    global _current_level
    if level is None:
        level = _current_level
    if level != _current_level:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one "
                           "that was created. This is not supported.")
    if level < 0:
        raise RuntimeError("Dual level must be a positive number.")
    _registry._forward_ad = False
    _registry._fw_level = -1
    _unfollow_inplace()
    for ref in _duals:
        tensor = ref()
        if tensor is not None and tensor._fw_tangents is not None:
            tensor._fw_tangents.pop(level, None)
            if not tensor._fw_tangents:
                del tensor.__dict__["_fw_tangents"]
    _duals.clear()
    _current_level = level - 1


def make_dual(tensor, tangent, *, level=None):
    """A dual tensor: a view of `tensor` carrying `tangent` as its forward gradient.

    Example:
        >>> with fwAD.dual_level():
        ...     d = fwAD.make_dual(tapegrad.tensor([1.0, 2.0]), tapegrad.tensor([1.0, 0.0]))
        ...     fwAD.unpack_dual(d.exp()).tangent
        tensor([2.7183, 0.0000])
    """
    if level is None:
        level = _current_level
    if level < 0:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level "
                           "exists, make sure to enter_dual_level() first.")
    if not (tensor.is_floating_point() or tensor.is_complex()):
        raise ValueError(f"Expected primal to be floating point or complex, but got: {tensor.dtype}")
    if not (tangent.is_floating_point() or tangent.is_complex()):
        raise ValueError(f"Expected tangent to be floating point or complex, but got: {tangent.dtype}")
    if level != _current_level:
        raise RuntimeError("Invalid level given to _make_dual")
    if tensor._fw_tangents is not None and level in tensor._fw_tangents:
        raise RuntimeError("Making a dual Tensor based on a Tensor that already has a forward gradient "
                           f"at the same level {level} is not supported.")
    if tangent.shape != tensor.shape:
        raise RuntimeError("Trying to set a forward gradient that has a different size than that of the "
                           f"original Tensor, this is not supported. Tensor is of size {list(tensor.shape)} "
                           f"while the given forward gradient is of size {list(tangent.shape)}.")
    dual = tensor.view(tensor.shape)
    dual.__dict__["_fw_tangents"] = {level: tangent}
    _remember(dual)
    return dual


class UnpackedDualTensor(NamedTuple):
    """What `unpack_dual` returns: the primal and its tangent (None when it has none).

    Example:
        >>> fwAD.UnpackedDualTensor(tapegrad.ones(1), None)
        UnpackedDualTensor(primal=tensor([1.]), tangent=None)
    """

    primal: Tensor
    tangent: Tensor | None


def unpack_dual(tensor, *, level=None):
    """Split a dual tensor into (primal, tangent): the primal is a view without the tangent.

    Example:
        >>> with fwAD.dual_level():
        ...     fwAD.unpack_dual(fwAD.make_dual(tapegrad.ones(1), tapegrad.zeros(1)))
        UnpackedDualTensor(primal=tensor([1.]), tangent=tensor([0.]))
    """
    if level is None:
        level = _current_level
    if level < 0:
        return UnpackedDualTensor(tensor, None)
    tangents = tensor._fw_tangents
    if tangents and level != _current_level:  # PyTorch checks the level only on a dual tensor
        raise RuntimeError("Invalid level given to _fw_primal")
    tangent = tangents.get(level) if tangents is not None else None
    primal = tensor.view(tensor.shape)
    primal.__dict__.pop("_fw_tangents", None)
    return UnpackedDualTensor(primal, tangent)


class dual_level:
    """Context manager (and decorator) in which forward-AD computations happen.

    Example:
        >>> with fwAD.dual_level():
        ...     y = fwAD.make_dual(tapegrad.tensor(3.0), tapegrad.tensor(1.0)) ** 2
        ...     fwAD.unpack_dual(y).tangent
        tensor(6.)
    """

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, exc_type, exc_value, traceback):
        exit_dual_level()

    def __call__(self, function):
        import functools

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with dual_level():
                return function(*args, **kwargs)
        return wrapper


# ---- in-place writes: the tangent follows the new value ----------------------------------------

def _tangent(tensor):
    tangents = tensor._fw_tangents
    return tangents.get(_current_level) if tangents is not None else None


def _set_tangent(tensor, tangent):
    if tangent is None:
        if tensor._fw_tangents is not None:
            tensor._fw_tangents.pop(_current_level, None)
        return
    if tensor._fw_tangents is None:
        tensor.__dict__["_fw_tangents"] = {}
    tensor._fw_tangents[_current_level] = tangent
    _remember(tensor)


def _writable_tangent(tensor):
    """The tensor's tangent as an array that can be written in place (zeros when it had none)."""
    tangent = _tangent(tensor)
    if tangent is None or not tangent._data.flags.writeable or tangent._data.dtype != tensor._data.dtype:
        from .. import _backend as B
        data = B.xp.zeros(tensor._data.shape, tensor._data.dtype)
        if tangent is not None:
            data[...] = tangent._data
        tangent = _make(data)
        _set_tangent(tensor, tangent)
    return tangent


def _follow_inplace():
    from ..ops import indexing
    inplace, write_region = Tensor._inplace, indexing.write_region
    _patched["inplace"], _patched["write_region"] = inplace, write_region

    def inplace_with_tangent(self, result):
        had = _tangent(self) is not None or (self._base is not None and _tangent(self._base) is not None)
        out = inplace(self, result)
        tangent = _tangent(result)
        if self._data.dtype.kind not in "fc" or not (had or tangent is not None):
            return out
        new = tangent._data if tangent is not None else 0
        if self._base is not None and (_tangent(self._base) is not None or _tangent(self) is None):
            # the view's tangent is the base's, viewed: write it there
            region = self._view_fn(_writable_tangent(self._base)._data)
            region[...] = new
            _set_tangent(self, _make(region))
        else:  # in place, as PyTorch does: views of the tangent see the change
            _writable_tangent(self)._data[...] = new
        return out

    def write_region_with_tangent(target, view_fn, index, value):
        value_tangent = _tangent(value) if type(value) in _tensor_types else None
        follow = target._data.dtype.kind in "fc" and (value_tangent is not None or _tangent(target) is not None)
        write_region(target, view_fn, index, value)
        if follow:
            data = _writable_tangent(target)._data
            region = view_fn(data) if view_fn is not None else data
            region[index] = value_tangent._data if value_tangent is not None else 0
        return None

    Tensor._inplace = inplace_with_tangent
    indexing.write_region = write_region_with_tangent


def _unfollow_inplace():
    from ..ops import indexing
    if _patched:
        Tensor._inplace = _patched.pop("inplace")
        indexing.write_region = _patched.pop("write_region")
