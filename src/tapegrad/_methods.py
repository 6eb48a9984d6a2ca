"""Tensor's operators and op methods: each one is the op function of the same name.

Kept apart from `_tensor.py` so that the class reads as data plus bookkeeping and this module as a
table: `x * y` is `ops.mul(x, y)`, `x.sum(0)` is `ops.sum(x, 0)`, `x.add_(y)` records `ops.add` and
writes the result into x through `Tensor._inplace`.
"""
from . import ops
from ._tensor import Tensor, _make


def bind_methods():
    """Tensor methods and operators, each a call of the op of the same name."""
    for name in ops.METHODS:
        setattr(Tensor, name, getattr(ops, name))
    Tensor.expand = ops.expand
    Tensor.multiply, Tensor.subtract, Tensor.divide, Tensor.true_divide = ops.mul, ops.sub, ops.div, ops.div
    Tensor.negative, Tensor.absolute = ops.neg, ops.abs
    Tensor.expand_as = lambda self, other: ops.expand(self, other.shape)
    Tensor.view_as = lambda self, other: ops.view(self, other.shape)
    Tensor.reshape_as = lambda self, other: ops.reshape(self, other.shape)
    Tensor.T = property(lambda self: ops.permute(self, tuple(range(self.ndim - 1, -1, -1))))
    Tensor.mT = property(lambda self: ops.transpose(self, -2, -1))
    Tensor.swapaxes = Tensor.swapdims = ops.transpose

    Tensor.__add__ = Tensor.__radd__ = ops.add
    Tensor.__sub__ = ops.sub
    Tensor.__rsub__ = lambda self, other: ops.rsub(self, other)
    Tensor.__mul__ = Tensor.__rmul__ = ops.mul
    Tensor.__truediv__ = ops.div
    Tensor.__rtruediv__ = lambda self, other: ops.mul(ops.reciprocal(self), other)
    Tensor.__neg__ = ops.neg
    Tensor.__pos__ = lambda self: self
    Tensor.__abs__ = ops.abs
    Tensor.__pow__ = ops.pow
    Tensor.__rpow__ = lambda self, other: ops.pow(other, self)
    Tensor.__mod__ = Tensor.remainder = ops.remainder
    Tensor.__rmod__ = lambda self, other: ops.remainder(other, self)
    Tensor.__floordiv__ = Tensor.floor_divide = ops.floor_divide
    Tensor.__rfloordiv__ = lambda self, other: ops.floor_divide(other, self)
    Tensor.__matmul__ = ops.matmul
    Tensor.__rmatmul__ = lambda self, other: ops.matmul(other, self)
    Tensor.__eq__, Tensor.__ne__ = ops.eq, ops.ne
    Tensor.__lt__, Tensor.__le__, Tensor.__gt__, Tensor.__ge__ = ops.lt, ops.le, ops.gt, ops.ge
    Tensor.__and__ = Tensor.__rand__ = ops.bitwise_and
    Tensor.__or__ = Tensor.__ror__ = ops.bitwise_or
    Tensor.__xor__ = Tensor.__rxor__ = ops.bitwise_xor
    Tensor.__invert__ = lambda self: _make(~self._data)
    Tensor.__getitem__ = ops.getitem

    def inplace(fn):
        def apply(self, *args, **kwargs):
            return self._inplace(fn(self, *args, **kwargs))
        apply.__name__ = fn.__name__ + "_"
        apply.__doc__ = f"In-place {fn.__name__}: self = {fn.__name__}(self, ...); returns self."
        return apply

    for name in ops.INPLACE:
        if name + "_" not in Tensor.__dict__:  # a topic module may define a special in-place form
            setattr(Tensor, name + "_", inplace(getattr(ops, name)))
    Tensor.__iadd__, Tensor.__isub__ = Tensor.add_, Tensor.sub_
    Tensor.__imul__, Tensor.__itruediv__, Tensor.__ipow__ = Tensor.mul_, Tensor.div_, Tensor.pow_


bind_methods()
