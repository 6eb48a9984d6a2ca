"""Elementwise math beyond the arithmetic core: logs and roots, rounding, trigonometric and hyperbolic
functions, erf, clamp, minimum/maximum, where, lerp, and the float predicates (isnan, signbit...).

Same form as ops/elementwise.py: one block per op, forward on arrays beside its derivatives. Where
PyTorch records different nodes for one public function (clamp with number or tensor bounds, round
with decimals, fmod and lerp with a number), the public function picks the op and each op carries
PyTorch's node name. Rules use only operators and ops functions; masks are comparisons, which work
on arrays and Tensors alike, and `where(mask, g, 0.0)` keeps float32 gradients float32.
"""
import math
import types

from .. import _backend as B
from .. import _dtype as D
from .. import _errors
from .._tensor import _c_name, _make, _scalar_type_name, _tensor_types
from ._registry import defop
from .elementwise import _no_bool, _quiet, div, exp, pow, zero

xp = B.xp

PUBLIC = ("log1p", "expm1", "log2", "log10", "rsqrt", "floor", "ceil", "round", "trunc", "fix", "frac", "fmod",
          "tan", "asin", "acos", "atan", "atan2", "arcsin", "arccos", "arctan", "arctan2", "sinh", "cosh", "asinh",
          "acosh", "atanh", "arcsinh", "arccosh", "arctanh", "erf", "erfc", "clamp", "clip", "clamp_min",
          "clamp_max", "minimum", "maximum", "where", "lerp", "hypot", "logaddexp", "logaddexp2", "isnan",
          "isinf", "isfinite", "isposinf", "isneginf", "nan_to_num", "logical_not", "signbit")
METHODS = PUBLIC  # every one is also a Tensor method (`where` through _FunctionAndMethod, below)
INPLACE = ("log1p", "expm1", "log2", "log10", "rsqrt", "floor", "ceil", "round", "trunc", "fix", "frac", "fmod",
           "tan", "asin", "acos", "atan", "atan2", "arcsin", "arccos", "arctan", "arctan2", "sinh", "cosh", "asinh",
           "acosh", "atanh", "arcsinh", "arccosh", "arctanh", "erf", "erfc", "clamp", "clip", "clamp_min",
           "clamp_max", "lerp", "hypot", "nan_to_num", "logical_not")
FUNCTIONAL = ()

_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _not_for(kernel, array, kinds):
    """PyTorch's NotImplementedError for a dtype its CPU kernel lacks ('"hypot_cpu" not implemented...')."""
    if array.dtype.kind in kinds:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_scalar_type_name(array.dtype)}\'')


def _broadcast(compute, *arrays):
    """compute(), with NumPy's broadcast error for these operands (in PyTorch's order) worded as PyTorch's."""
    try:
        return compute()
    except ValueError:
        shape = ()
        for array in arrays:
            other = xp.shape(array)
            for back in range(1, min(len(shape), len(other)) + 1):
                n, m = shape[-back], other[-back]
                if n != m and n != 1 and m != 1:
                    dim = max(len(shape), len(other)) - back
                    raise RuntimeError(_errors.BROADCAST_MISMATCH.format(a=n, b=m, dim=dim)) from None
            shape = xp.broadcast_shapes(shape, other)
        raise


def _with_numbers(input, *numbers):
    """input cast to the dtype PyTorch gives it combined with these Python numbers (int tensor, float: float)."""
    if input.dtype.kind == "f":
        return input
    target = D.result_type(input, *[n for n in numbers if n is not None]).np
    return input if input.dtype == target else input.astype(target)


# ---------------------------------------------------------------- unary float functions
# One row each: public name, PyTorch's node, the forward on arrays, the VJP (the JVP is the same
# diagonal), the domain the generic tests draw from, and the docstring. Integers become floats.

def _unary(name, node_name, function, vjp, domain, doc, quiet=True):
    def forward(input):
        if not quiet:
            return function(input)
        with _quiet():  # PyTorch returns inf/nan at poles and outside the domain without a warning
            return function(input)
    forward.__name__ = forward.__qualname__ = name
    forward.__doc__ = doc
    return defop(node_name, vjp=vjp, jvp="elementwise", promote="float", domain=domain)(forward)


log1p = _unary("log1p", "Log1PBackward0", xp.log1p, lambda g, input: g / (input + 1), (-1, None),
               "log(1 + input), accurate for small inputs.")
expm1 = _unary("expm1", "Expm1Backward0", xp.expm1, lambda g, out: g * (out + 1), None,
               "e ** input - 1, accurate for small inputs.")
# math.log, not xp.log: a NumPy float64 scalar turns float32 gradients into float64.
log2 = _unary("log2", "Log2Backward0", xp.log2, lambda g, input: g / (input * math.log(2)), (0, None),
              "Base-2 logarithm.")
log10 = _unary("log10", "Log10Backward0", xp.log10, lambda g, input: g / (input * math.log(10)), (0, None),
               "Base-10 logarithm.")
rsqrt = _unary("rsqrt", "RsqrtBackward0", lambda x: 1 / xp.sqrt(x),
               lambda g, out: g * (out * out * out) * -0.5,  # d(x^-1/2)/dx = -x^-3/2 / 2
               (0, None), "1 / sqrt(input).")
tan = _unary("tan", "TanBackward0", xp.tan, lambda g, out: g * (out * out + 1), None,
             "Tangent; its derivative reuses the output: 1 + tan^2.", quiet=False)
asin = _unary("asin", "AsinBackward0", xp.arcsin, lambda g, input: g * rsqrt(1 - input * input), (-1, 1),
              "Inverse sine (nan outside [-1, 1]).")
acos = _unary("acos", "AcosBackward0", xp.arccos, lambda g, input: -g * rsqrt(1 - input * input), (-1, 1),
              "Inverse cosine (nan outside [-1, 1]).")
atan = _unary("atan", "AtanBackward0", xp.arctan, lambda g, input: g / (input * input + 1), None,
              "Inverse tangent.", quiet=False)
sinh = _unary("sinh", "SinhBackward0", xp.sinh, lambda g, input: g * cosh(input), None, "Hyperbolic sine.")
cosh = _unary("cosh", "CoshBackward0", xp.cosh, lambda g, input: g * sinh(input), None, "Hyperbolic cosine.")
asinh = _unary("asinh", "AsinhBackward0", xp.arcsinh, lambda g, input: g * rsqrt(input * input + 1), None,
               "Inverse hyperbolic sine.", quiet=False)
acosh = _unary("acosh", "AcoshBackward0", xp.arccosh, lambda g, input: g * rsqrt(input * input - 1), (1, None),
               "Inverse hyperbolic cosine (nan below 1).")
atanh = _unary("atanh", "AtanhBackward0", xp.arctanh, lambda g, input: g / (1 - input * input), (-1, 1),
               "Inverse hyperbolic tangent (+-inf at +-1, nan beyond).")
erf = _unary("erf", "ErfBackward0", lambda x: _erf_array(x),
             lambda g, input: g * exp(-(input * input)) * _TWO_OVER_SQRT_PI, None,  # 2/sqrt(pi) e^-x^2
             "The error function, 2/sqrt(pi) times the integral of e^(-t^2) from 0 to input.", quiet=False)
erfc = _unary("erfc", "ErfcBackward0", lambda x: _erf_family(x, complement=True),
              lambda g, input: g * exp(-(input * input)) * -_TWO_OVER_SQRT_PI, None,
              "1 - erf(input), accurate where erf is close to 1 (erfc(10) = 2.1e-45 in float64).", quiet=False)


_ATAN2_VJP = (lambda g, input, other: g * other / (input * input + other * other),    # d atan2(y, x)/dy
              lambda g, input, other: -g * input / (input * input + other * other))  # d atan2(y, x)/dx


@defop("Atan2Backward0", vjp=_ATAN2_VJP, jvp=_ATAN2_VJP, promote="float")
def atan2(input, other):
    """The angle of the point (other, input), in (-pi, pi]: atan(input / other) in the right quadrant."""
    with _quiet():
        return xp.arctan2(input, other)


arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
arcsinh, arccosh, arctanh = asinh, acosh, atanh


# ---------------------------------------------------------------- rounding
# Piecewise constant: PyTorch's gradient is zeros (not g * 0, which would keep a nan of g).

def _rounding(name, input):
    _no_bool(f"{name}_vml_cpu", input)
    return input.dtype.kind in "iu"  # integers are already round: a copy, of the same dtype


@defop("FloorBackward0", vjp=lambda g: zero(g), jvp="elementwise")
def floor(input):
    """Round down (integer tensors are returned as a copy, keeping their dtype)."""
    return input.copy() if _rounding("floor", input) else xp.floor(input)


@defop("CeilBackward0", vjp=lambda g: zero(g), jvp="elementwise")
def ceil(input):
    """Round up (integer tensors are returned as a copy)."""
    return input.copy() if _rounding("ceil", input) else xp.ceil(input)


@defop("TruncBackward0", vjp=lambda g: zero(g), jvp="elementwise")
def trunc(input):
    """Round toward zero (integer tensors are returned as a copy)."""
    return input.copy() if _rounding("trunc", input) else xp.trunc(input)


fix = trunc


@defop("RoundBackward0", vjp=lambda g: zero(g), jvp="elementwise")
def _round(input):
    return input.copy() if _rounding("round", input) else xp.round(input)


@defop("RoundBackward1", vjp=lambda g: zero(g), jvp="elementwise")
def _round_decimals(input, decimals):
    _not_for("round_cpu", input, "biu")
    return xp.round(input, decimals)


def round(input, *, decimals=None):
    """Round half to even (2.5 -> 2.), to `decimals` places if given (negative: tens, hundreds...).

    An explicit `decimals` (even 0) records RoundBackward1, as PyTorch does; integer tensors refuse it.

    Example:
        >>> tapegrad.round(tapegrad.tensor([0.5, 1.5, 2.5]))
        tensor([0., 2., 2.])
        >>> tapegrad.round(tapegrad.tensor([1.2345, 1234.5]), decimals=-1)
        tensor([   0., 1230.])
    """
    return _round(input) if decimals is None else _round_decimals(input, decimals)


@defop("FracBackward0", vjp=lambda g: g, jvp="elementwise")
def frac(input):
    """input - trunc(input), keeping the sign of input (floats only)."""
    _not_for("frac_cpu", input, "biu")
    return input - xp.trunc(input)


@defop("FmodBackward0", vjp=lambda g: g, jvp="elementwise")
def _fmod_scalar(input, other):
    input = _with_numbers(input, other)
    if input.dtype.kind in "biu" and other == 0:
        raise RuntimeError("ZeroDivisionError")
    with _quiet():
        return xp.fmod(input, other)


_FMOD_VJP = (lambda g: g,                                                 # d fmod(a, b)/da = 1
             lambda g, input, other: -g * trunc(div(input, other)))       # d/db = -trunc(a/b)


@defop("FmodBackward1", vjp=_FMOD_VJP, jvp=_FMOD_VJP)
def _fmod_tensor(input, other):
    if input.dtype.kind in "biu" and other.dtype.kind in "biu" and not other.all():
        raise RuntimeError("ZeroDivisionError")
    with _quiet():
        return xp.fmod(input, other)


def fmod(input, other):
    """C's remainder: the result has the sign of `input` (`remainder`, `%`, follow `other`).

    Example:
        >>> tapegrad.fmod(tapegrad.tensor([-3., 3.]), 2)
        tensor([-1.,  1.])
    """
    return _fmod_tensor(input, other) if type(other) in _tensor_types else _fmod_scalar(input, other)


# ---------------------------------------------------------------- erf and erfc
# NumPy has no erf. Both are computed in float64 to about 1e-15 (relative), from two expansions
# that need no table of coefficients (tested against math.erf / math.erfc over the whole range):
#   small |x|: erf(x) = 2/sqrt(pi) e^(-x^2) sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)), all terms >= 0;
#   large x:   erfc(x) = e^(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))).

def _exp_minus_square(x):
    """e^(-x^2) without the rounding error of x*x, which e^ would multiply by x^2 (x <= 30)."""
    high = xp.round(x * 4096) / 4096  # at most 17 significant bits: high * high is exact
    low = x - high
    return xp.exp(-high * high) * xp.exp(-low * (x + high))



# erf(c + h) = erf(c) + 2/sqrt(pi) e^(-c^2) sum_k (-1)^k H_k(c) h^(k+1) / (k+1)!   (H_k: Hermite)
# Centres c every 1/32 on [0, 6] with erf(c) from libm; |h| <= 1/64 makes 9 terms enough for
# float64. Beyond 6, erf rounds to 1.
_ERF_STEP = 32
_ERF_CENTRES = xp.arange(6 * _ERF_STEP + 1) / _ERF_STEP
_ERF_AT_CENTRES = xp.array([math.erf(c) for c in _ERF_CENTRES.tolist()])
_ERF_SLOPE_AT_CENTRES = xp.array([2 / math.sqrt(math.pi) * math.exp(-c * c) for c in _ERF_CENTRES.tolist()])
_ERF_TERMS = 9


def _erf_array(x):
    """erf of a floating array, in its dtype (computed in float64: within 2 ulp of libm)."""
    a = xp.abs(x.astype(xp.float64))
    inside = a < 6.0
    a_in = xp.where(inside, a, 0.0)  # also sends nan to a harmless centre; restored below
    i = xp.rint(a_in * _ERF_STEP).astype(xp.intp)
    c = _ERF_CENTRES[i]
    h = a_in - c
    # q_k = (-1)^k H_k(c) h^k / k!  from H_(k+1) = 2c H_k - 2k H_(k-1)
    q_previous, q = xp.zeros_like(h), xp.ones_like(h)
    total = h.copy()
    for k in range(1, _ERF_TERMS):
        q, q_previous = -(h / k) * (2 * c * q + 2 * h * q_previous), q
        total += q * (h / (k + 1))
    value = _ERF_AT_CENTRES[i] + _ERF_SLOPE_AT_CENTRES[i] * total
    value = xp.where(inside, value, xp.minimum(a, 1.0))  # 1 beyond 6; nan stays nan
    return xp.copysign(value, x).astype(x.dtype, copy=False)



def _erf_series(x):
    """erf(x) for 0 <= x < 2: 20 terms reach 1e-16 below x = 1, 40 terms at x = 2."""
    terms = 40 if x.size and x.max() >= 1 else 20
    term, total = x.copy(), x.copy()
    twice_square = 2 * x * x
    for n in range(terms):
        term *= twice_square
        term *= 1 / (2 * n + 3)
        total += term
    return total * _exp_minus_square(x) * _TWO_OVER_SQRT_PI


def _erfc_fraction(x):
    """erfc(x) for x >= 1.5 (nan stays nan), by the continued fraction, evaluated from its tail."""
    x = xp.minimum(x, 30.0)  # erfc(30) underflows to 0; keeps inf out of x - round(x)
    smallest = xp.fmin.reduce(x) if x.size else 3.0  # ignoring nan
    depth = 80 if smallest < 2 else 50 if smallest < 2.5 else 40 if smallest < 3 else 30
    tail = x
    for k in range(depth, 0, -1):
        tail = x + (k / 2) / tail
    return _exp_minus_square(x) / (tail * math.sqrt(math.pi))


def _erf_family(input, complement):
    x = input.astype(xp.float64)
    size = xp.abs(x)
    result = xp.empty_like(x)
    # below 1, 20 terms of the series do; the fraction takes over at 2 for erf, 1.5 for erfc
    small = size < 1
    middle = ~small & (size < (1.5 if complement else 2.0))  # nan is in neither: the fraction passes it on
    large = ~(small | middle)
    result[small] = _erf_series(size[small])
    result[middle] = _erf_series(size[middle])
    fraction = _erfc_fraction(size[large])
    if complement:
        result[~large] = 1 - result[~large]
        result[large] = fraction
        return xp.where(x < 0, 2 - result, result).astype(input.dtype, copy=False)
    result[large] = 1 - fraction
    return xp.copysign(result, x).astype(input.dtype, copy=False)


# ---------------------------------------------------------------- clamp
# Gradient conventions of PyTorch: the input gets g where min <= input <= max (both ends included);
# a tensor min gets g where input < min (and min < max), a tensor max where input > max (or max < min:
# then max wins). A number and a 0-d tensor as bounds count as numbers (ClampBackward1).

def _inside(input, min, max):
    if min is None:
        return input <= max
    if max is None:
        return input >= min
    return (input >= min) & (input <= max)


def _clamp_array(input, min, max):
    if min is not None:
        input = xp.maximum(input, min)
    return input if max is None else xp.minimum(input, max)


@defop("ClampBackward1", vjp=lambda g, input, min, max: where(_inside(input, min, max), g, 0.0),
       jvp="elementwise")
def _clamp_scalar(input, min, max):
    return _clamp_array(_with_numbers(input, min, max), min, max)


_CLAMP_VJP = (lambda g, input, min, max: where(_inside(input, min, max), g, 0.0),
              lambda g, input, min, max: where((input < min) & (min < max), g, 0.0),
              lambda g, input, min, max: where((input > max) | (max < min), g, 0.0))


@defop("ClampBackward0", vjp=_CLAMP_VJP, jvp=_CLAMP_VJP)
def _clamp_tensor(input, min, max):
    return _broadcast(lambda: _clamp_array(input, min, max), input, min, max)


_MIN_VJP = (lambda g, input, min: where(input >= min, g, 0.0), lambda g, input, min: where(input < min, g, 0.0))
_MAX_VJP = (lambda g, input, max: where(input <= max, g, 0.0), lambda g, input, max: where(input > max, g, 0.0))


@defop("ClampBackward0", vjp=_MIN_VJP, jvp=_MIN_VJP)
def _clamp_tensor_min(input, min):
    return xp.maximum(input, min)


@defop("ClampBackward0", vjp=_MAX_VJP, jvp=_MAX_VJP)
def _clamp_tensor_max(input, max):
    return xp.minimum(input, max)


@defop("ClampMinBackward0", vjp=lambda g, input, min: where(input >= min, g, 0.0), jvp="elementwise")
def _clamp_min_scalar(input, min):
    return xp.maximum(_with_numbers(input, min), min)


@defop("ClampMinBackward1", vjp=_MIN_VJP, jvp=_MIN_VJP)
def _clamp_min_tensor(input, min):
    return xp.maximum(input, min)


@defop("ClampMaxBackward0", vjp=lambda g, input, max: where(input <= max, g, 0.0), jvp="elementwise")
def _clamp_max_scalar(input, max):
    return xp.minimum(_with_numbers(input, max), max)


@defop("ClampMaxBackward1", vjp=_MAX_VJP, jvp=_MAX_VJP)
def _clamp_max_tensor(input, max):
    return xp.minimum(input, max)


def _is_tensor(value):
    return type(value) in _tensor_types


def clamp(input, min=None, max=None):
    """Limit input to [min, max]; each bound a number, a tensor (broadcast) or None.

    min > max gives max everywhere. nan in the input stays nan. The gradient passes where
    min <= input <= max, bounds included (PyTorch's subgradient choice).

    Example:
        >>> tapegrad.clamp(tapegrad.tensor([-2., 0.5, 3.]), min=0, max=1)
        tensor([0.0000, 0.5000, 1.0000])
    """
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if _is_tensor(min) != _is_tensor(max) and min is not None and max is not None:
        # a number with a 0-d tensor: PyTorch reads the tensor as a number (and refuses other mixes,
        # which take the tensor path here, as does a 0-d tensor that requires grad)
        min, max = (b.item() if _is_tensor(b) and b.ndim == 0 and not b.requires_grad else b for b in (min, max))
    if not (_is_tensor(min) or _is_tensor(max)):
        return _clamp_scalar(input, min, max)
    if max is None:
        return _clamp_tensor_min(input, min)
    if min is None:
        return _clamp_tensor_max(input, max)
    return _clamp_tensor(input, min, max)


def clamp_min(input, min):
    """max(input, min) for a number or tensor `min` (the gradient passes where input >= min)."""
    return _clamp_min_tensor(input, min) if _is_tensor(min) else _clamp_min_scalar(input, min)


def clamp_max(input, max):
    """min(input, max) for a number or tensor `max` (the gradient passes where input <= max)."""
    return _clamp_max_tensor(input, max) if _is_tensor(max) else _clamp_max_scalar(input, max)


clip = clamp


# ---------------------------------------------------------------- binary elementwise

# Ties split the gradient half and half; a nan on either side gives both sides the full gradient.
_MAXIMUM_VJP = (lambda g, input, other: where(input == other, g / 2, where(input < other, 0.0, g)),
                lambda g, input, other: where(input == other, g / 2, where(input > other, 0.0, g)))
_MINIMUM_VJP = (_MAXIMUM_VJP[1], _MAXIMUM_VJP[0])


@defop("MaximumBackward0", vjp=_MAXIMUM_VJP, jvp=_MAXIMUM_VJP)
def maximum(input, other):
    """Elementwise larger of two tensors; nan if either is nan (see `fmax` in PyTorch for the other choice)."""
    return xp.maximum(input, other)


@defop("MinimumBackward0", vjp=_MINIMUM_VJP, jvp=_MINIMUM_VJP)
def minimum(input, other):
    """Elementwise smaller of two tensors; nan if either is nan. Ties split the gradient evenly."""
    return xp.minimum(input, other)


_HYPOT_VJP = (lambda g, input, out: g * input / out, lambda g, other, out: g * other / out)


@defop("HypotBackward0", vjp=_HYPOT_VJP, jvp=_HYPOT_VJP)
def hypot(input, other):
    """sqrt(input^2 + other^2) without overflow or underflow in the squares (floats only)."""
    _not_for("hypot_cpu", input, "biu")
    return xp.hypot(input, other)


_LOGADDEXP_VJP = (lambda g, input, other: g / (exp(other - input) + 1),      # d/da = e^a / (e^a + e^b)
                  lambda g, input, other: g / (exp(input - other) + 1))


@defop("LogaddexpBackward0", vjp=_LOGADDEXP_VJP, jvp=_LOGADDEXP_VJP)
def logaddexp(input, other):
    """log(e^input + e^other) without overflow (floats only)."""
    _not_for("logaddexp_cpu", input, "biu")
    return xp.logaddexp(input, other)


_LOGADDEXP2_VJP = (lambda g, input, other: g / (pow(2.0, other - input) + 1),
                   lambda g, input, other: g / (pow(2.0, input - other) + 1))


@defop("Logaddexp2Backward0", vjp=_LOGADDEXP2_VJP, jvp=_LOGADDEXP2_VJP)
def logaddexp2(input, other):
    """log2(2^input + 2^other) without overflow (floats only)."""
    _not_for("logaddexp2_cpu", input, "biu")
    return xp.logaddexp2(input, other)


# ---------------------------------------------------------------- lerp

def _lerp_dtypes(kernel, input, *others):
    _not_for(kernel, input, "biu")
    for name, array in others:
        if array.dtype != input.dtype and array.ndim:  # PyTorch lets a 0-d tensor differ
            raise RuntimeError(f"expected dtype {_c_name(input.dtype)} for `{name}` but got dtype "
                               f"{_c_name(array.dtype)}")


@defop("LerpBackward0", vjp=(lambda g, weight: g * (1 - weight), lambda g, weight: g * weight),
       jvp=(lambda input_t, weight: input_t * (1 - weight), lambda end_t, weight: end_t * weight), promote="none")
def _lerp_scalar(input, end, weight):
    _lerp_dtypes("lerp_kernel_scalar", input, ("end", end))
    end = end.astype(input.dtype, copy=False)
    # PyTorch's two forms: exact at weight 0 and at weight 1
    return input + weight * (end - input) if -0.5 < weight < 0.5 else end - (end - input) * (1 - weight)


_LERP_VJP = (lambda g, weight: g * (1 - weight),       # d/d input
             lambda g, weight: g * weight,             # d/d end
             lambda g, input, end: g * (end - input))  # d/d weight


@defop("LerpBackward1", vjp=_LERP_VJP, jvp=_LERP_VJP, promote="none")
def _lerp_tensor(input, end, weight):
    _lerp_dtypes("lerp_kernel_tensor", input, ("end", end), ("weight", weight))
    end, weight = end.astype(input.dtype, copy=False), weight.astype(input.dtype, copy=False)
    _broadcast(lambda: xp.broadcast_shapes(input.shape, end.shape, weight.shape), input, end, weight)
    small = xp.abs(weight) < 0.5
    return xp.where(small, input + weight * (end - input), end - (end - input) * (1 - weight))


def lerp(input, end, weight):
    """input + weight * (end - input); `weight` a number or a tensor (all three broadcast).

    Example:
        >>> tapegrad.lerp(tapegrad.tensor([0., 10.]), tapegrad.tensor([1., 20.]), 0.5)
        tensor([ 0.5000, 15.0000])
    """
    return _lerp_tensor(input, end, weight) if _is_tensor(weight) else _lerp_scalar(input, end, weight)


# ---------------------------------------------------------------- where and nan_to_num

_WHERE_VJP = (lambda g, condition: where(condition, g, 0.0), lambda g, condition: where(condition, 0.0, g))


@defop("WhereBackward0", vjp=_WHERE_VJP, jvp=_WHERE_VJP)
def _where(input, other, condition):
    return _broadcast(lambda: xp.where(condition, input, other), condition, input, other)


def _where_function(condition, input=None, other=None):
    """input where condition is True, else other (all three broadcast); either may be a number.

    With the condition alone: the indices of its True elements, one tensor per dim (`nonzero`).
    The condition must be bool (uint8 is accepted, as PyTorch still does with a warning).
    As a method, `x.where(condition, y)` is `where(condition, x, y)`.

    Example:
        >>> x = tapegrad.tensor([-1., 2.])
        >>> tapegrad.where(x > 0, x, 0.)
        tensor([0., 2.])
    """
    if not _is_tensor(condition):  # a raw array: inside a derivative rule
        if _is_tensor(input) or _is_tensor(other):
            return _where(input, other, condition)
        return xp.where(condition, input, other)
    mask = condition._data
    if mask.dtype != bool:
        if mask.dtype != xp.uint8:
            raise RuntimeError("where expected condition to be a boolean tensor, but got a tensor with dtype "
                               f"{_scalar_type_name(mask.dtype)}")
        mask = mask.astype(bool)
    if input is None and other is None:
        return tuple(_make(index) for index in xp.nonzero(xp.atleast_1d(mask)))
    if _is_tensor(input) or _is_tensor(other):
        return _where(input, other, mask)
    dtype = D.result_type(input, other).np  # two numbers: PyTorch's dtype for them
    return _make(xp.where(mask, xp.asarray(input, dtype=dtype), xp.asarray(other, dtype=dtype)))


def _where_method(self, condition, other):
    """x.where(condition, y): x where condition is True, else y (as `where(condition, x, y)`)."""
    return _where_function(condition, self, other)


class _FunctionAndMethod:
    """A public function whose Tensor method takes its arguments in another order (`x.where(c, y)`)."""

    def __init__(self, function, method):
        self.__name__ = self.__qualname__ = "where"
        self.__doc__ = function.__doc__
        self.__wrapped__ = function
        self._function, self._method = function, method

    def __call__(self, *args, **kwargs):
        return self._function(*args, **kwargs)

    def __get__(self, instance, owner=None):
        return self if instance is None else types.MethodType(self._method, instance)

    def __repr__(self):
        return f"<function {self.__name__}>"


where = _FunctionAndMethod(_where_function, _where_method)


@defop("NanToNumBackward0", vjp=lambda g, input: g * isfinite(input), jvp="elementwise")
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """nan -> `nan`, inf -> `posinf`, -inf -> `neginf` (default: the dtype's largest and smallest values).

    The gradient passes through the finite entries only.
    """
    if input.dtype.kind != "f":
        return input.copy()
    return xp.nan_to_num(input, nan=nan, posinf=posinf, neginf=neginf)


# ---------------------------------------------------------------- predicates (bool results, no gradient)

def _predicate(ufunc, name, doc):
    def predicate(input):
        if type(input) not in _tensor_types:
            return ufunc(input)  # a raw array: inside a derivative rule
        return _make(B.as_array(ufunc(input._data)))
    predicate.__name__ = predicate.__qualname__ = name
    predicate.__doc__ = doc
    return predicate


isnan = _predicate(xp.isnan, "isnan", "True where input is nan (a bool tensor; no gradient).")
isinf = _predicate(xp.isinf, "isinf", "True where input is inf or -inf (a bool tensor).")
isfinite = _predicate(xp.isfinite, "isfinite", "True where input is neither nan nor +-inf (a bool tensor).")
isposinf = _predicate(xp.isposinf, "isposinf", "True where input is +inf (a bool tensor).")
isneginf = _predicate(xp.isneginf, "isneginf", "True where input is -inf (a bool tensor).")
signbit = _predicate(xp.signbit, "signbit", "True where the sign bit is set: -0.0 and -nan too (a bool tensor).")
logical_not = _predicate(xp.logical_not, "logical_not",
                         "True where input is zero (a bool tensor); `x.logical_not_()` keeps x's dtype.")
