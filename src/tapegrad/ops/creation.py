"""Tensors made from nothing but a shape (no gradient flows into them)."""
from .. import _backend as B
from .._tensor import _make

xp = B.xp


def full_like(input, fill_value, *, dtype=None, requires_grad=False, **ignored):
    """A tensor of input's shape (and dtype, unless given) filled with `fill_value`."""
    from .. import _dtype as D
    np_dtype = D.to_np(dtype) if dtype is not None else input._data.dtype
    out = _make(xp.full(input._data.shape, fill_value, dtype=np_dtype))
    if requires_grad:
        out.requires_grad_(True)
    return out
