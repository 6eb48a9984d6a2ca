"""The op surface: every differentiable function, declared once with its derivatives.

`REGISTRY` maps each op's name to its `OpDef` (forward, VJPs, JVP, test hints). Each topic module
lists what it makes public (PUBLIC), which of those are Tensor methods (METHODS), which have
in-place forms (INPLACE) and which belong to `nn.functional` (FUNCTIONAL); this package merges the
tables, and `tapegrad`, `_methods.py` and `nn/functional.py` read them.
"""
from ._registry import REGISTRY, apply_jvp, defop, expand, sum_to_size, to_dtype  # noqa: F401
from . import activation, conv, decomposition, elementwise, indexing, linalg, nn, reduction, shape, special
from .creation import full_like  # noqa: F401
from .elementwise import (bitwise_and, bitwise_or, bitwise_xor, copy_value, fill, overwrite,  # noqa: F401
                          pow_scalar, pow_tensor, zero)
from .indexing import getitem, setitem, write_through_view  # noqa: F401
from .linalg import t_  # noqa: F401
from .shape import squeeze_folded, squeeze_for_matmul, view  # noqa: F401

_TOPICS = (elementwise, special, activation, reduction, shape, linalg, decomposition, indexing, nn, conv)
PUBLIC = tuple(name for topic in _TOPICS for name in topic.PUBLIC)
METHODS = tuple(name for topic in _TOPICS for name in topic.METHODS)
INPLACE = tuple(name for topic in _TOPICS for name in topic.INPLACE)
FUNCTIONAL = tuple(name for topic in _TOPICS for name in getattr(topic, "FUNCTIONAL", ()))
for _topic in _TOPICS:  # every listed name is reachable as tapegrad.ops.<name>
    for _name in _topic.PUBLIC + _topic.METHODS + _topic.INPLACE + getattr(_topic, "FUNCTIONAL", ()):
        globals()[_name] = getattr(_topic, _name)
del _topic, _name
__all__ = list(PUBLIC)  # what `from tapegrad.ops import *` (and so `tapegrad`) exports
