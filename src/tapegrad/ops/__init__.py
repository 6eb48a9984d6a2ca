"""The op surface: every differentiable function, declared once with its derivatives.

`REGISTRY` maps each op's name to its `OpDef` (forward, VJPs, JVP, test hints).
"""
from ._registry import REGISTRY, defop, expand, sum_to_size, to_dtype  # noqa: F401
from .elementwise import *  # noqa: F401,F403
from .elementwise import abs, copy_value, fill, floor_divide, overwrite, pow, remainder, zero  # noqa: F401
from .reduction import mean, sum  # noqa: F401
from .shape import flatten, permute, reshape, squeeze, t, transpose, unsqueeze, view  # noqa: F401
from .linalg import addmm, bmm, dot, matmul, mm, mv  # noqa: F401
from .indexing import getitem, setitem, write_through_view  # noqa: F401
from .creation import full_like  # noqa: F401
from . import nn  # noqa: F401
