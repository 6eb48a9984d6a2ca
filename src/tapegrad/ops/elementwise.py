"""Elementwise ops: one block each, forward on arrays and its derivatives beside it.

Rules use only operators and ops functions (see ops/_registry.py). Broadcasting is the registry's
job: a rule returns the gradient at the output's shape. `math` constants, never NumPy float64
scalars, so that float32 stays float32 (NEP 50 treats NumPy scalars as strongly typed).
"""
from .. import _backend as B
from .. import _dtype as D
from ._registry import defop

xp = B.xp

# The names this module adds to `tapegrad` (PUBLIC) and to Tensor as methods (METHODS, each called
# with the tensor as first argument) and as in-place methods `name_` (INPLACE). ops/__init__.py and
# _methods.py read these tables; a new op adds its name here, nowhere else.
PUBLIC = ("add", "sub", "rsub", "mul", "div", "neg", "reciprocal", "pow", "exp", "log", "sqrt", "abs", "sign",
          "sin", "cos", "tanh", "sigmoid", "relu", "clone", "square", "remainder", "floor_divide", "eq", "ne",
          "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor")
METHODS = ("add", "sub", "mul", "div", "neg", "reciprocal", "pow", "exp", "log", "sqrt", "abs", "sign", "sin",
           "cos", "tanh", "sigmoid", "relu", "clone", "square", "remainder", "floor_divide", "eq", "ne", "lt",
           "le", "gt", "ge", "logical_and", "logical_or", "logical_xor")
INPLACE = ("add", "sub", "mul", "div", "pow", "exp", "log", "sqrt", "abs", "neg", "sin", "cos", "tanh",
           "sigmoid", "relu", "reciprocal", "sign", "square")
_BOOL = xp.dtype(bool)
# PyTorch returns inf/nan at poles silently; NumPy would warn. Only the ops that can hit a pole pay
# for the switch (about 1 us); the engine switches once per backward pass for all rules.
def _quiet():
    return xp.errstate(divide="ignore", invalid="ignore", over="ignore")


@defop("AddBackward0",
       vjp=(lambda g: g,                                          # d(a + alpha b)/da = 1
            lambda g, alpha: g if alpha == 1 else g * alpha),     # d/db = alpha
       jvp=(lambda input_t: input_t, lambda other_t, alpha: other_t * alpha))
def add(input, other, alpha=1):
    """input + alpha * other, broadcasting as PyTorch does.

    Example:
        >>> tapegrad.add(tapegrad.tensor([1., 2.]), 1)
        tensor([2., 3.])
    """
    if alpha == 1:
        return input + other
    _integral_alpha(input, other, alpha)
    return input + other * alpha


@defop("SubBackward0",
       vjp=(lambda g: g,
            lambda g, alpha: -g if alpha == 1 else g * -alpha),
       jvp=(lambda input_t: input_t, lambda other_t, alpha: other_t * -alpha),
       check=lambda input, other: _no_bool_subtraction(input, other))
def sub(input, other, alpha=1):
    """input - alpha * other."""
    if alpha == 1:
        return input - other
    _integral_alpha(input, other, alpha)
    return input - other * alpha


@defop("RsubBackward1",
       vjp=(lambda g, alpha: -g if alpha == 1 else g * -alpha,    # d(b - alpha a)/da = -alpha
            lambda g: g),                                          # d/db = 1
       jvp=(lambda input_t, alpha: input_t * -alpha, lambda other_t: other_t),
       check=lambda input, other: _no_bool_subtraction(input, other))
def rsub(input, other, alpha=1):
    """other - alpha * input (what `2 - x` computes)."""
    return other - input if alpha == 1 else other - input * alpha


@defop("MulBackward0",
       vjp=(lambda g, other: g * other,                           # d(a*b)/da = b
            lambda g, input: g * input),                          # d(a*b)/db = a
       jvp=(lambda input_t, other: input_t * other, lambda other_t, input: input * other_t))
def mul(input, other):
    """Multiply elementwise."""
    return input * other


@defop("DivBackward0",
       vjp=(lambda g, other: g / other,                           # d(a/b)/da = 1/b
            lambda g, input, other: -g * input / (other * other)),  # d(a/b)/db = -a/b^2
       jvp=(lambda input_t, other: input_t / other, lambda other_t, input, other: -other_t * input / (other * other)),
       promote="float")
def div(input, other):
    """True division; integer inputs give the default float dtype, as in PyTorch."""
    with _quiet():
        return input / other


@defop("NegBackward0", vjp=lambda g: -g, jvp="linear")
def neg(input):
    """-input."""
    if input.dtype.kind == "b":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                           "to invert a mask, use the `~` or `logical_not()` operator instead.")
    return -input


def _integral_alpha(input, other, alpha):
    if type(alpha) is float and all(getattr(a, "dtype", xp.dtype(float)).kind in "biu" for a in (input, other)):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")


def _no_bool_subtraction(input, other):
    if getattr(input, "dtype", None) == _BOOL or getattr(other, "dtype", None) == _BOOL or \
            type(input) is bool or type(other) is bool:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                           "trying to invert a mask, use the `~` or `logical_not()` operator instead.")


@defop("ReciprocalBackward0", vjp=lambda g, out: -g * out * out, jvp="elementwise", promote="float")
def reciprocal(input):
    """1 / input."""
    with _quiet():
        return 1 / input


@defop("PowBackward0",
       vjp=lambda g, input, exponent: _pow_scalar_grad(g, input, exponent),
       jvp="elementwise", domain=(0, None))
def pow_scalar(input, exponent):
    """input ** exponent for a Python number exponent."""
    if input.dtype.kind == "b":
        if type(exponent) is bool:
            return input if exponent else xp.ones_like(input)  # PyTorch: bool ** bool-number stays bool
        input = input.astype(xp.int64 if type(exponent) is int else D.get_default_dtype().np)
    if exponent == 2:
        return input * input
    if type(exponent) is float and input.dtype.kind in "biu":
        input = input.astype(D.get_default_dtype().np)
    elif type(exponent) is int and exponent < 0 and input.dtype.kind in "iu":
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    with _quiet():
        return input ** exponent


def _pow_scalar_grad(g, input, exponent):
    # d(x^n)/dx = n x^(n-1), recorded in full as PyTorch does (so higher derivatives keep a graph);
    # n == 0 gives zeros, not 0 * x^-1 (which is nan at 0)
    if exponent == 0:
        return g * 0
    return g * (pow(input, exponent - 1) * exponent)


@defop("PowBackward1",
       vjp=(lambda g, input, other: g * (other * pow(input, other - 1)),   # d(a^b)/da = b a^(b-1)
            lambda g, out, input: g * (out * log(input))),                  # d(a^b)/db = a^b ln a
       jvp=(lambda input_t, input, other: input_t * (other * pow(input, other - 1)),
            lambda other_t, out, input: other_t * (out * log(input))),
       domain=(0, None))
def pow_tensor(input, other):
    """input ** other with a tensor exponent."""
    _no_bool("pow", input, other)
    with _quiet():
        return input ** other


def _log_scalar(value):
    import math
    return math.log(value) if value > 0 else float("nan")


def pow(input, exponent):
    """input ** exponent; either may be a Python number.

    Example:
        >>> tapegrad.pow(tapegrad.tensor(3.0), 2)
        tensor(9.)
    """
    from .._tensor import _tensor_types
    if type(exponent) not in _tensor_types:
        if type(input) not in _tensor_types:
            return input ** exponent  # raw arrays inside a derivative rule
        return pow_scalar(input, exponent)
    if type(input) not in _tensor_types:
        return _pow_base(exponent, input) if _is_number(input) else pow_tensor(input, exponent)
    return pow_tensor(input, exponent)


def _is_number(value):
    return isinstance(value, (int, float))


@defop("PowBackward2", vjp=lambda g, out, base: g * (out * _log_scalar(base)), jvp="elementwise")
def _pow_base(exponent, base):
    """base ** exponent for a Python number base and a tensor exponent (integers stay integers)."""
    if exponent.dtype.kind in "biu":
        if type(base) is bool and exponent.dtype == bool:
            _no_bool("pow", exponent)
        # PyTorch's promotion: a float base makes the default float dtype, an int base keeps integers
        exponent = exponent.astype(D.get_default_dtype().np if type(base) is float else
                                   (xp.int64 if exponent.dtype == bool else exponent.dtype))
    with _quiet():
        return base ** exponent


def _no_bool(name, *arrays):
    """PyTorch implements some kernels for no bool tensor: its NotImplementedError, word for word."""
    if any(getattr(a, "dtype", None) == _BOOL for a in arrays):
        raise NotImplementedError(f'"{name}" not implemented for \'Bool\'')


@defop("ExpBackward0", vjp=lambda g, out: g * out, jvp="elementwise", promote="float")
def exp(input):
    """e ** input."""
    return xp.exp(input)


@defop("LogBackward0", vjp=lambda g, input: g / input, jvp="elementwise", promote="float",
       domain=(0, None))
def log(input):
    """Natural logarithm."""
    with _quiet():
        return xp.log(input)


@defop("SqrtBackward0", vjp=lambda g, out: g / (out * 2), jvp="elementwise", promote="float",
       domain=(0, None))
def sqrt(input):
    """Square root."""
    with _quiet():
        return xp.sqrt(input)


@defop("AbsBackward0", vjp=lambda g, input: g * sign(input), jvp="elementwise")
def abs(input):
    """|input|; its gradient at 0 is 0, as in PyTorch."""
    _no_bool("abs_cpu", input)
    return xp.abs(input)


@defop("SignBackward0", vjp=lambda g, input: g * 0, jvp="elementwise")
def sign(input):
    """-1, 0 or 1 (a bool tensor is its own sign)."""
    return input.copy() if input.dtype == bool else xp.sign(input)


@defop("SinBackward0", vjp=lambda g, input: g * cos(input), jvp="elementwise", promote="float")
def sin(input):
    """Sine."""
    return xp.sin(input)


@defop("CosBackward0", vjp=lambda g, input: -g * sin(input), jvp="elementwise", promote="float")
def cos(input):
    """Cosine."""
    return xp.cos(input)


@defop("TanhBackward0", vjp=lambda g, out: g * (1 - out * out), jvp="elementwise", promote="float")
def tanh(input):
    """Hyperbolic tangent; its derivative reuses the output: 1 - tanh^2."""
    return xp.tanh(input)


@defop("SigmoidBackward0", vjp=lambda g, out: g * (out * (1 - out)), jvp="elementwise", promote="float")
def sigmoid(input):
    """1 / (1 + e^-x), computed without overflow for large |x|."""
    # exp of -|x| never overflows; the two branches are the same function.
    e = xp.exp(-xp.abs(input))
    return xp.where(input >= 0, 1 / (1 + e), e / (1 + e))


@defop("ReluBackward0", vjp=lambda g, out: g * (out > 0), jvp="elementwise")
def relu(input):
    """max(input, 0); its gradient at 0 is 0."""
    if input.dtype == bool:
        raise RuntimeError("Boolean inputs not supported for relu")
    return xp.maximum(input, 0)


@defop("CloneBackward0", vjp=lambda g: g, jvp="linear")
def clone(input, memory_format=None):
    """A copy that stays in the graph (gradient passes through unchanged)."""
    return input.copy()


@defop("CopyBackwards", vjp=lambda g: g, jvp="linear")
def copy_value(input):
    """A copy recorded as PyTorch records `copy_` (and AccumulateGrad's copy under create_graph)."""
    return input.copy()



@defop("CopyBackwards", vjp=(lambda g: g * 0,       # the old value is gone: no gradient
                             lambda g: g),          # d/d(src) = 1 (the registry sums broadcasts)
       jvp=(lambda input_t: input_t * 0, lambda src_t: src_t), promote="none")
def overwrite(input, src):
    """src broadcast to input's shape and dtype: the value `input.copy_(src)` leaves."""
    return xp.array(xp.broadcast_to(src, input.shape), dtype=input.dtype)


@defop("FillBackward2", vjp=lambda g: g * 0, jvp=lambda input_t: input_t * 0)  # constant: zero tangent
def fill(input, value):
    """input's shape and dtype filled with a number: the value `input.fill_(value)` leaves."""
    return xp.full(input.shape, value, dtype=input.dtype)


@defop("ZeroBackward0", vjp=lambda g: g * 0, jvp="linear")
def zero(input):
    """Zeros of input's shape and dtype: the value `input.zero_()` leaves."""
    return xp.zeros(input.shape, dtype=input.dtype)


@defop("RemainderBackward0",
       vjp=(lambda g: g,                                                 # d(a mod b)/da = 1
            lambda g, input, other: -g * floor_divide(input, other)),   # d/db = -floor(a/b)
       jvp=(lambda input_t: input_t, lambda other_t, input, other: -other_t * floor_divide(input, other)))
def remainder(input, other):
    """Python's modulo (the result has the sign of `other`), as `%`."""
    with _quiet():
        return xp.remainder(input, other)


@defop("FloorDivideBackward0", vjp=(lambda g: g * 0, lambda g: g * 0), jvp=(lambda input_t: input_t * 0,
       lambda other_t: other_t * 0), differentiable=False)
def floor_divide(input, other):
    """Division rounded down, as `//` (no gradient: PyTorch defines none)."""
    with _quiet():
        return xp.floor_divide(input, other)


def square(input):
    """input * input (recorded as PowBackward0, as in PyTorch)."""
    return pow_scalar(input, 2)


def _comparison(ufunc):
    def compare(input, other):
        from .._tensor import _make, _tensor_types
        a = input._data if type(input) in _tensor_types else input
        b = other._data if type(other) in _tensor_types else other
        return _make(B.as_array(ufunc(a, b)))
    compare.__name__ = ufunc.__name__
    compare.__doc__ = f"Elementwise {ufunc.__name__} (a bool tensor; no gradient)."
    return compare


eq = _comparison(xp.equal)
ne = _comparison(xp.not_equal)
lt = _comparison(xp.less)
le = _comparison(xp.less_equal)
gt = _comparison(xp.greater)
ge = _comparison(xp.greater_equal)
logical_and = _comparison(xp.logical_and)
logical_or = _comparison(xp.logical_or)
logical_xor = _comparison(xp.logical_xor)
bitwise_and = _comparison(xp.bitwise_and)
bitwise_or = _comparison(xp.bitwise_or)
bitwise_xor = _comparison(xp.bitwise_xor)
