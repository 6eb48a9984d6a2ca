"""Names that real PyTorch scripts touch first: legacy tensor types, `cuda`, aliases.

Code written for PyTorch must not stop at these: `torch.FloatTensor([1, 2])`,
`torch.cuda.is_available()`, `torch.multiply`, `set_default_device('cpu')`.
"""
import types

from . import _dtype as D
from ._tensor import Tensor, _tensor_types, _check_device
from . import ops


def _legacy_type(name, dtype):
    """A legacy constructor class: FloatTensor([1, 2]), FloatTensor(2, 3); isinstance checks the dtype."""

    class _Meta(type):
        def __instancecheck__(cls, obj):
            return type(obj) in _tensor_types and obj.dtype is dtype

    def __new__(cls, *args, **kwargs):
        return Tensor(*args, dtype=dtype)

    return _Meta(name, (), {"__new__": __new__, "__doc__": f"Legacy constructor of {dtype} tensors."})


FloatTensor = _legacy_type("FloatTensor", D.float32)
DoubleTensor = _legacy_type("DoubleTensor", D.float64)
LongTensor = _legacy_type("LongTensor", D.int64)
IntTensor = _legacy_type("IntTensor", D.int32)
BoolTensor = _legacy_type("BoolTensor", D.bool_)
ByteTensor = _legacy_type("ByteTensor", D.uint8)


def _not_available(*args, **kwargs):
    raise AssertionError("Torch not compiled with CUDA enabled")


cuda = types.SimpleNamespace(
    is_available=lambda: False, device_count=lambda: 0, manual_seed=lambda seed: None,
    manual_seed_all=lambda seed: None, synchronize=lambda *a: None, empty_cache=lambda: None,
    current_device=_not_available, get_device_name=_not_available)

_default_device = ["cpu"]


def set_default_device(device):
    """Only 'cpu' exists in tapegrad for now; other devices raise PyTorch's CUDA error."""
    _check_device(device if device is not None else "cpu")


def get_default_device():
    """The device new tensors go to: always the CPU for now."""
    from ._tensor import CPU
    return CPU


def is_tensor(obj):
    """True for tapegrad Tensors."""
    return type(obj) in _tensor_types


def numel(input):
    """The number of elements of `input`."""
    return input.numel()


multiply = ops.mul
subtract = ops.sub
divide = ops.div
true_divide = ops.div
negative = ops.neg
greater = ops.gt
less = ops.lt
equal = lambda input, other: bool(input.shape == other.shape and (input._data == other._data).all())  # noqa: E731
