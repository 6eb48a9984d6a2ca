"""Activation functions of `nn.functional`: one block each, forward on arrays and its derivatives beside it.

Every kink takes PyTorch's side (elu's negative branch includes 0, hardtanh's gradient is 0 on its
bounds...), and nothing overflows or warns for large inputs: exponentials only ever see the
non-positive side (`softplus(1000.)` is 1000, `logsigmoid(-1000.)` is -1000). `gelu` needs erf,
which NumPy lacks: `_erf_array` (ops/special.py) is a vectorised float64 erf (within 2 ulp of libm's).
Ops whose `F` function takes `inplace=` are declared under a private name; the public function
computes out of place and, for `inplace=True`, writes the result into the input through
`Tensor._inplace`, recording the node PyTorch records for the in-place form (EluBackward1...).
`softsign` and `tanhshrink` are compositions, as in PyTorch (their nodes are DivBackward0 and
SubBackward0).
"""
import math

from .. import _backend as B
from .special import _erf_array, erf  # noqa: F401  (_erf_array: the kernel gelu's forward uses)
from ._registry import defop
from .elementwise import abs, div, exp, relu, sigmoid, sub, tanh
from .reduction import _dims

xp = B.xp

PUBLIC = ("selu", "celu", "threshold", "selu_", "celu_", "threshold_")  # see elementwise.py's note
METHODS = ()     # PyTorch binds none of these as Tensor methods
INPLACE = ()
FUNCTIONAL = ("softplus", "gelu", "silu", "mish", "elu", "selu", "celu", "leaky_relu", "hardtanh", "relu6",
              "hardsigmoid", "hardswish", "logsigmoid", "softsign", "tanhshrink", "threshold", "glu",
              "elu_", "selu_", "celu_", "leaky_relu_", "hardtanh_", "threshold_")

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT1_2 = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_GELU_BETA = math.sqrt(2 / math.pi)  # tanh approximation: tanh(beta (x + kappa x^3))
_GELU_KAPPA = 0.044715
_ONE_SIXTH_FLOAT32 = 0.1666666716337204
_INPLACE_ELU_NEGATIVE = (
    "In-place elu backward calculation is triggered with a negative slope which is not supported. This is "
    "caused by calling in-place forward function with a negative slope, please call out-of-place version "
    "instead.")
_INPLACE_LEAKY_NEGATIVE = (
    "In-place leakyReLu backward calculation is triggered with a negative slope which is not supported. This "
    "is caused by calling in-place forward function with a negative slope, please call out-of-place version "
    "instead. File an issue at https://github.com/pytorch/pytorch if you do require supporting in-place "
    "leakRelu backward calculation with negative slope")
_TYPE_NAMES = {"bool": "Bool", "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte"}


def _floating(kernel, input):
    """PyTorch's error for a kernel that exists for floating dtypes only."""
    if input.dtype.kind in "biu":
        name = _TYPE_NAMES.get(input.dtype.name, input.dtype.name)
        raise NotImplementedError(f'"{kernel}" not implemented for \'{name}\'')


def _quiet():
    return xp.errstate(divide="ignore", invalid="ignore", over="ignore")


# ---------------------------------------------------------------- smooth activations

def _softplus_grad(g, input, beta, threshold):
    # d/dx log(1 + e^(beta x)) / beta = sigmoid(beta x); exactly 1 past the threshold, as in PyTorch.
    # On the threshold itself it is sigmoid(threshold), a constant (PyTorch's second derivative is 0 there).
    scaled = input * beta
    at_threshold = 1 / (1 + math.exp(-threshold)) if threshold >= 0 else 1 - 1 / (1 + math.exp(threshold))
    return (g * (sigmoid(scaled) * (scaled < threshold) + (scaled > threshold))
            + (g * at_threshold) * (scaled == threshold))


@defop("SoftplusBackward0", vjp=lambda g, input, beta, threshold: _softplus_grad(g, input, beta, threshold),
       jvp="elementwise")
def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e^(beta input)) / beta, and input itself where beta * input > threshold.

    Computed without overflow: `softplus(tensor(1000.))` is 1000 with any threshold.

    Example:
        >>> F.softplus(tapegrad.tensor([0.0, 30.0]))
        tensor([ 0.6931, 30.0000])
    """
    _floating("softplus_cpu", input)
    scaled = input * beta
    with _quiet():  # beta = 0 divides by zero (inf, as in PyTorch)
        smooth = (xp.maximum(scaled, 0) + xp.log1p(xp.exp(-xp.abs(scaled)))) / beta
    return xp.where(scaled > threshold, input, smooth)


def _gelu_grad(g, input, approximate):
    if approximate == "tanh":
        # d/dx x/2 (1 + t), t = tanh(beta (x + kappa x^3)):  (1 + t)/2 + x/2 (1 - t^2) beta (1 + 3 kappa x^2)
        square = input * input
        t = tanh((input + input * square * _GELU_KAPPA) * _GELU_BETA)
        return g * ((t + 1) * 0.5 + input * 0.5 * (1 - t * t) * ((square * (3 * _GELU_KAPPA) + 1) * _GELU_BETA))
    # d/dx x Phi(x) = Phi(x) + x phi(x)
    cdf = (erf(input * _SQRT1_2) + 1) * 0.5
    return g * (cdf + input * (exp(input * input * -0.5) * _INV_SQRT_2PI))


@defop("GeluBackward0", vjp=lambda g, input, approximate: _gelu_grad(g, input, approximate), jvp="elementwise")
def gelu(input, approximate="none"):
    """x * Phi(x), Phi the standard normal CDF; `approximate='tanh'` uses PyTorch's tanh formula.

    Example:
        >>> F.gelu(tapegrad.tensor([-1.0, 0.0, 1.0]))
        tensor([-0.1587,  0.0000,  0.8413])
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    _floating("GeluKernelImpl", input)
    if approximate == "tanh":
        with _quiet():  # x^3 overflows for huge |x|; tanh(inf) is still right
            return input * 0.5 * (1 + xp.tanh((input + input * input * input * _GELU_KAPPA) * _GELU_BETA))
    # in float64 whatever the dtype: 1 + erf cancels for negative x (PyTorch's float32 loses ~1e-4 at -3)
    wide = input.astype(xp.float64)
    return (wide * 0.5 * (1 + _erf_array(wide * _SQRT1_2))).astype(input.dtype, copy=False)


def _silu_grad(g, input):
    s = sigmoid(input)
    return g * (s * (1 + input * (1 - s)))    # d/dx x s(x) = s (1 + x (1 - s))


@defop("SiluBackward0", vjp=_silu_grad, jvp="elementwise")
def _silu(input):
    _floating("silu_cpu", input)
    return input * sigmoid(input)


def silu(input, inplace=False):
    """x * sigmoid(x) (swish)."""
    return _maybe_inplace(input, _silu(input), inplace)


def _mish_grad(g, input):
    t = tanh(softplus(input))
    return g * (t + input * sigmoid(input) * (1 - t * t))   # d/dx x t = t + x sigmoid(x) (1 - t^2)


@defop("MishBackward0", vjp=_mish_grad, jvp="elementwise")
def _mish(input):
    _floating("mish_cpu", input)
    return input * xp.tanh(xp.maximum(input, 0) + xp.log1p(xp.exp(-xp.abs(input))))


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    return _maybe_inplace(input, _mish(input), inplace)


@defop("LogSigmoidBackward0", vjp=lambda g, input: g * sigmoid(-input), jvp="elementwise")
def logsigmoid(input):
    """log(sigmoid(x)), stable for any x: `logsigmoid(tensor(-1000.))` is -1000.

    Example:
        >>> F.logsigmoid(tapegrad.tensor([0.0]))
        tensor([-0.6931])
    """
    _floating("log_sigmoid_cpu", input)
    return xp.minimum(input, 0) - xp.log1p(xp.exp(-xp.abs(input)))


def softsign(input):
    """x / (1 + |x|), composed as PyTorch composes it (its node is DivBackward0)."""
    return div(input, abs(input) + 1)


def tanhshrink(input):
    """x - tanh(x), composed as PyTorch composes it (its node is SubBackward0)."""
    return sub(input, tanh(input))


# ---------------------------------------------------------------- the elu family

# PyTorch's elu(x, alpha, scale, input_scale): scale x for x > 0, alpha scale (e^(input_scale x) - 1)
# for x <= 0; selu and celu are elus. The negative branch owns 0: the gradient there is
# alpha scale input_scale.
def _elu_forward(input, alpha, scale, input_scale):
    _floating("elu_cpu", input)
    negative = xp.expm1(xp.minimum(input, 0) * input_scale) * (alpha * scale)  # no overflow for x > 0
    return xp.where(input > 0, input * scale, negative)


def _elu_grad(g, input, alpha, scale, input_scale):
    # e^(input_scale min(x, 0)): never overflows; min written with relu so it stays differentiable
    negative = exp(-relu(-input) * input_scale) * (alpha * scale * input_scale)
    return g * (negative + (scale - negative) * (input > 0))


def _elu_result_grad(g, out, alpha, scale, input_scale):
    # from the output (the input is overwritten): d/dx = input_scale (out + alpha scale) where out <= 0
    if alpha * scale < 0:
        raise RuntimeError(_INPLACE_ELU_NEGATIVE)
    negative = (out + alpha * scale) * input_scale
    return g * (negative + (scale - negative) * (out > 0))


@defop("EluBackward0", vjp=_elu_grad, jvp="elementwise")
def _elu(input, alpha=1.0, scale=1.0, input_scale=1.0):
    return _elu_forward(input, alpha, scale, input_scale)


@defop("EluBackward1", vjp=_elu_result_grad, jvp="elementwise")
def _elu_inplace(input, alpha=1.0, scale=1.0, input_scale=1.0):
    return _elu_forward(input, alpha, scale, input_scale)


def _celu_check(alpha):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")


@defop("CeluBackward0", vjp=lambda g, input, alpha: _elu_grad(g, input, alpha, 1.0, 1 / alpha), jvp="elementwise")
def _celu(input, alpha=1.0):
    _celu_check(alpha)
    return _elu_forward(input, alpha, 1.0, 1 / alpha)


@defop("CeluBackward1", vjp=lambda g, out, alpha: _elu_result_grad(g, out, alpha, 1.0, 1 / alpha),
       jvp="elementwise")
def _celu_inplace(input, alpha=1.0):
    _celu_check(alpha)
    return _elu_forward(input, alpha, 1.0, 1 / alpha)


def elu(input, alpha=1.0, inplace=False):
    """x for x > 0, alpha (e^x - 1) otherwise; the gradient at 0 is alpha.

    Example:
        >>> F.elu(tapegrad.tensor([-1.0, 2.0]))
        tensor([-0.6321,  2.0000])
    """
    if inplace:
        return input._inplace(_elu_inplace(input, alpha))
    return _elu(input, alpha)


def selu(input, inplace=False):
    """scale * elu(x, alpha) with the self-normalising constants (recorded as EluBackward0, as in PyTorch)."""
    if inplace:
        return input._inplace(_elu_inplace(input, _SELU_ALPHA, _SELU_SCALE))
    return _elu(input, _SELU_ALPHA, _SELU_SCALE)


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha (e^(x/alpha) - 1)); alpha = 0 is refused."""
    if inplace:
        return input._inplace(_celu_inplace(input, alpha))
    return _celu(input, alpha)


# ---------------------------------------------------------------- piecewise-linear activations

def _leaky_result_grad(g, out, negative_slope):
    if negative_slope < 0:
        raise RuntimeError(_INPLACE_LEAKY_NEGATIVE)
    return g * (out > 0) + (g * negative_slope) * ~(out > 0)


def _leaky_forward(input, negative_slope):
    _floating("leaky_relu_cpu", input)
    return xp.where(input > 0, input, input * negative_slope)


# PyTorch's `x > 0 ? 1 : slope`: the slope of 0 (and of nan) is negative_slope
@defop("LeakyReluBackward0",
       vjp=lambda g, input, negative_slope: g * (input > 0) + (g * negative_slope) * ~(input > 0),
       jvp="elementwise")
def _leaky_relu(input, negative_slope=0.01):
    return _leaky_forward(input, negative_slope)


@defop("LeakyReluBackward1", vjp=_leaky_result_grad, jvp="elementwise")
def _leaky_relu_inplace(input, negative_slope=0.01):
    return _leaky_forward(input, negative_slope)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x for x > 0, negative_slope * x otherwise (the gradient at 0 is negative_slope)."""
    if inplace:
        return input._inplace(_leaky_relu_inplace(input, negative_slope))
    return _leaky_relu(input, negative_slope)


# PyTorch's `x <= min || x >= max ? 0 : 1`: 0 on the bounds themselves, 1 for nan
@defop("HardtanhBackward0",
       vjp=lambda g, input, min_val, max_val: g * ~((input <= min_val) | (input >= max_val)), jvp="elementwise")
def _hardtanh(input, min_val=-1.0, max_val=1.0):
    if input.dtype.kind == "b":
        raise RuntimeError("Bool inputs not supported for hardtanh")
    return xp.clip(input, min_val, max_val).astype(input.dtype, copy=False)  # integers stay integers


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """input clamped to [min_val, max_val]; integer tensors are accepted, as in PyTorch.

    Example:
        >>> F.hardtanh(tapegrad.tensor([-2.0, 0.5, 3.0]))
        tensor([-1.0000,  0.5000,  1.0000])
    """
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _maybe_inplace(input, _hardtanh(input, min_val, max_val), inplace)


def relu6(input, inplace=False):
    """min(max(x, 0), 6): hardtanh(x, 0, 6), recorded as HardtanhBackward0 as in PyTorch."""
    return _maybe_inplace(input, _hardtanh(input, 0.0, 6.0), inplace)


# PyTorch's slope is 1/6 rounded to float32 (its kernel's `1.0f / 6.0f`), in float64 too
@defop("HardsigmoidBackward0", vjp=lambda g, input: g * _ONE_SIXTH_FLOAT32 * (input > -3) * (input < 3),
       jvp="elementwise")
def _hardsigmoid(input):
    _floating("hardsigmoid_cpu", input)
    return xp.minimum(xp.maximum(input + 3, 0), 6) / 6


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6 (the gradient is 0 at -3 and 3)."""
    return _maybe_inplace(input, _hardsigmoid(input), inplace)


# d/dx x relu6(x + 3)/6 = x/3 + 1/2 inside (-3, 3); PyTorch gives the ends to the flat sides (0 at -3,
# 1 at 3)
@defop("HardswishBackward0",
       vjp=lambda g, input: g * (input / 3 + 0.5) * (input > -3) * (input < 3) + g * (input >= 3),
       jvp="elementwise")
def _hardswish(input):
    _floating("hardswish_cpu", input)
    return input * xp.minimum(xp.maximum(input + 3, 0), 6) / 6


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6."""
    return _maybe_inplace(input, _hardswish(input), inplace)


def _threshold_forward(input, threshold, value):
    if input.dtype.kind == "b":
        raise NotImplementedError("\"threshold_cpu\" not implemented for 'Bool'")
    return xp.where(input <= threshold, value, input).astype(input.dtype, copy=False)  # nan stays nan


@defop("ThresholdBackward0", vjp=lambda g, input, threshold: g * ~(input <= threshold), jvp="elementwise")
def _threshold(input, threshold, value):
    return _threshold_forward(input, threshold, value)


# In place, PyTorch still decides the gradient by the original input (kept by Tensor._inplace)
@defop("ThresholdBackward1", vjp=lambda g, input, threshold: g * ~(input <= threshold), jvp="elementwise")
def _threshold_inplace(input, threshold, value):
    return _threshold_forward(input, threshold, value)


def threshold(input, threshold, value, inplace=False):
    """input where input > threshold, else value (gradient 0 there).

    Example:
        >>> F.threshold(tapegrad.tensor([0.5, 2.0]), 1.0, -1.0)
        tensor([-1.,  2.])
    """
    if inplace:
        return input._inplace(_threshold_inplace(input, threshold, value))
    return _threshold(input, threshold, value)


# ---------------------------------------------------------------- in-place forms

def _maybe_inplace(input, result, inplace):
    return input._inplace(result) if inplace else result


def elu_(input, alpha=1.0):
    """elu in place (recorded as EluBackward1, which uses the output; alpha < 0 fails in backward)."""
    return elu(input, alpha, inplace=True)


def selu_(input):
    """selu in place (EluBackward1)."""
    return selu(input, inplace=True)


def celu_(input, alpha=1.0):
    """celu in place (CeluBackward1)."""
    return celu(input, alpha, inplace=True)


def leaky_relu_(input, negative_slope=0.01):
    """leaky_relu in place (LeakyReluBackward1; a negative slope fails in backward, as in PyTorch)."""
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """hardtanh in place."""
    return hardtanh(input, min_val, max_val, inplace=True)


def threshold_(input, threshold, value):
    """threshold in place (ThresholdBackward1)."""
    return input._inplace(_threshold_inplace(input, threshold, value))


# ---------------------------------------------------------------- glu

def _glu_dim(input, dim):
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d, = _dims(dim, input.ndim)
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    return d


@defop("SliceBackward0",
       vjp=lambda g, dim, second: _glu_join(g * 0, g, dim) if second else _glu_join(g, g * 0, dim),
       jvp="linear")
def _glu_half(input, dim, second):
    """The first or the second half of `input` along dim (glu's derivative splits with it)."""
    dim %= input.ndim
    half = input.shape[dim] // 2
    return input[(slice(None),) * dim + (slice(half, None) if second else slice(None, half),)].copy()


@defop("CatBackward0",
       vjp=(lambda g, dim: _glu_half(g, dim, False), lambda g, dim: _glu_half(g, dim, True)),
       jvp=(lambda first_t, dim: _glu_join(first_t, first_t * 0, dim),
            lambda second_t, dim: _glu_join(second_t * 0, second_t, dim)))
def _glu_join(first, second, dim):
    """The two halves put back together along dim."""
    return xp.concatenate((first, second), axis=dim)


def _glu_grad(g, input, dim):
    # out = a sigmoid(b):  d/da = sigmoid(b),  d/db = a sigmoid(b) (1 - sigmoid(b))
    a, b = _glu_half(input, dim, False), _glu_half(input, dim, True)
    s = sigmoid(b)
    return _glu_join(g * s, g * a * (s * (1 - s)), dim)


def _glu_tangent(input_t, input, dim):
    a, b = _glu_half(input, dim, False), _glu_half(input, dim, True)
    s = sigmoid(b)
    return _glu_half(input_t, dim, False) * s + a * (s * (1 - s)) * _glu_half(input_t, dim, True)


@defop("GluBackward0", vjp=_glu_grad, jvp=_glu_tangent)
def glu(input, dim=-1):
    """a * sigmoid(b), where a and b are the two halves of input along dim (which must be even).

    Example:
        >>> F.glu(tapegrad.tensor([1.0, 0.0]))
        tensor([0.5000])
    """
    _floating("glu_cpu", input)
    d = _glu_dim(input, dim)
    half = input.shape[d] // 2
    lead = (slice(None),) * d
    return input[lead + (slice(None, half),)] * sigmoid(input[lead + (slice(half, None),)])
