"""Parameter: a Tensor that a Module registers as one of its parameters."""
from .._tensor import Tensor, _init


class Parameter(Tensor):
    """A leaf tensor that requires grad by default and that Modules collect in `parameters()`.

    Example:
        >>> tapegrad.nn.Parameter(tapegrad.ones(2))
        Parameter containing:
        tensor([1., 1.], requires_grad=True)
    """

    def __new__(cls, data=None, requires_grad=True):
        from .. import _creation
        data = _creation.empty(0) if data is None else data
        out = object.__new__(cls)
        _init(out, data._data, None, False)  # shares memory with `data`, as PyTorch does
        if requires_grad:
            out.requires_grad_(True)
        return out

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self._data, self._requires_grad))


def _rebuild_parameter(data, requires_grad):
    from .._tensor import _make
    return Parameter(_make(data), requires_grad)
