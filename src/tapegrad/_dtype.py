"""dtypes, PyTorch's type-promotion rules and the default floating dtype.

A `dtype` wraps a backend dtype and carries PyTorch's name. Promotion follows PyTorch, not NumPy:
categories bool < integer < floating; a zero-dim tensor or a Python scalar only decides the result
when its category is higher than every dimensioned operand's (so `float32_tensor * 2.0` and
`float32_tensor + float64_zero_dim` stay float32, and `int_tensor * 0.5` is the default float dtype).
"""
from . import _backend as B

xp = B.xp


class dtype:
    """A tensor element type, printed as PyTorch prints it (`torch.float32`)."""

    __slots__ = ("name", "np", "is_floating_point", "is_complex", "is_signed", "itemsize", "_category", "_legacy")

    def __init__(self, name, np_dtype, category, legacy):
        self.name = name
        self.np = xp.dtype(np_dtype)
        self._category = category  # 0 bool, 1 integer, 2 floating, 3 complex
        self.is_floating_point = category == 2
        self.is_complex = category == 3
        self.is_signed = self.np.kind in "ifc"
        self.itemsize = self.np.itemsize
        self._legacy = legacy

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return (_from_name, (self.name,))

    def to_real(self):
        return self

    def to_complex(self):
        return complex64 if self is float32 else complex128


bool_ = dtype("bool", "bool", 0, "BoolTensor")
uint8 = dtype("uint8", "uint8", 1, "ByteTensor")
int8 = dtype("int8", "int8", 1, "CharTensor")
int16 = dtype("int16", "int16", 1, "ShortTensor")
int32 = dtype("int32", "int32", 1, "IntTensor")
int64 = dtype("int64", "int64", 1, "LongTensor")
float16 = dtype("float16", "float16", 2, "HalfTensor")
float32 = dtype("float32", "float32", 2, "FloatTensor")
float64 = dtype("float64", "float64", 2, "DoubleTensor")
complex64 = dtype("complex64", "complex64", 3, "ComplexFloatTensor")
complex128 = dtype("complex128", "complex128", 3, "ComplexDoubleTensor")

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64, complex64, complex128)
_BY_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
# PyTorch's aliases, exported by the package: torch.float is float32, torch.long is int64, ...
ALIASES = {"float": float32, "double": float64, "half": float16, "long": int64, "int": int32,
           "short": int16, "cfloat": complex64, "cdouble": complex128}

_default = [float32]


def _from_name(name):
    return _BY_NAME[name]


def get_default_dtype():
    """The dtype of tensors made from Python floats (float32 unless changed)."""
    return _default[0]


def set_default_dtype(d):
    """Set the dtype of tensors made from Python floats: float32 or float64, as in PyTorch."""
    if d not in (float32, float64, float16):
        raise TypeError("only floating-point types are supported as the default type")
    _default[0] = d


def from_np(np_dtype):
    """The tapegrad dtype of a backend dtype (float64 arrays stay float64)."""
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        raise TypeError(f"can't convert np.ndarray of type {np_dtype}. The only supported types are: "
                        "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, "
                        "uint8, and bool.") from None


def to_np(d):
    """The backend dtype for a tapegrad dtype, a NumPy dtype, or a Python type (float, int, bool)."""
    if d is None:
        return None
    if type(d) is dtype:
        return d.np
    if d is float:
        return _default[0].np
    if d is int:
        return int64.np
    if d is bool:
        return bool_.np
    return from_np(xp.dtype(d)).np


def canonical(d):
    """Any accepted dtype spelling -> tapegrad dtype."""
    return from_np(to_np(d))


def legacy_name(d):
    """PyTorch's legacy tensor type name, used in some error messages: `torch.FloatTensor`."""
    return "torch." + d._legacy


def scalar_category(value):
    """PyTorch category of a Python scalar: bool 0, int 1, float 2, complex 3."""
    t = type(value)
    if t is bool or t is xp.bool_:
        return 0
    if t is int or isinstance(value, xp.integer):
        return 1
    if t is complex or isinstance(value, xp.complexfloating):
        return 3
    return 2


def result_type(*operands):
    """The dtype PyTorch gives an op on these operands (Tensors, arrays or Python scalars).

    Three tiers decide, in order: tensors with dimensions, zero-dim tensors, Python scalars. A lower
    tier changes the result only when its category is higher; then it brings its own dtype (a tensor)
    or the default one for its category (a scalar: float32 for float, int64 for int).
    """
    tiers = [None, None, None]  # best dtype per tier: dimensioned, zero-dim, scalar category
    for op in operands:
        array = getattr(op, "_data", op)
        if isinstance(array, (B.ndarray, B.generic)):
            d = from_np(array.dtype)
            tier = 0 if array.ndim else 1
            best = tiers[tier]
            tiers[tier] = d if best is None else _promote_pair(best, d)
        else:
            c = scalar_category(op)
            tiers[2] = c if tiers[2] is None else max(tiers[2], c)
    result = tiers[0]
    if tiers[1] is not None:
        result = tiers[1] if result is None else (
            _promote_pair(result, tiers[1]) if tiers[1]._category > result._category else result)
    if tiers[2] is not None:
        category = tiers[2]
        if result is None or category > result._category:
            scalar_dtype = (bool_, int64, _default[0], _default_complex())[category]
            if result is not None and category == 3 and result is float64:
                scalar_dtype = complex128
            result = scalar_dtype
    return result


def _default_complex():
    return complex128 if _default[0] is float64 else complex64


def _promote_pair(a, b):
    """Promotion of two tensor dtypes of the same tier (NumPy agrees except for int x float)."""
    if a is b:
        return a
    if a._category != b._category:
        high, low = (a, b) if a._category > b._category else (b, a)
        if high._category == 3 and low is float64:
            return complex128
        return high
    return _BY_NP[xp.promote_types(a.np, b.np)]
