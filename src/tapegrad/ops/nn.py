"""Fused ops behind `nn.functional`, where one rule is more stable or faster than a composition.

`binary_cross_entropy_with_logits` never forms sigmoid(x) and log of it separately: with large
logits that would overflow or lose every digit. Written as softplus(-x) + (1 - y) x.
"""
from .. import _backend as B
from ._registry import defop
from .elementwise import sigmoid

xp = B.xp

PUBLIC = ()  # nn ops are public through nn.functional; see the note on these tables in elementwise.py
METHODS = ()
INPLACE = ()
FUNCTIONAL = ()


def _softplus_neg(x):
    """log(1 + e^-x) without overflow: max(-x, 0) + log1p(e^-|x|)."""
    return xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


def _reduce(values, reduction):
    if reduction == "mean":
        return values.mean()
    if reduction == "sum":
        return values.sum()
    return values


def _bce_logits_grad_input(g, input, target, weight, pos_weight, reduction):
    # L = (1 - y) x + c softplus(-x), c = 1 + (p - 1) y  =>  dL/dx = c sigmoid(x) - c + 1 - y
    s = sigmoid(input)
    grad = s - target if pos_weight is None else (s - 1) * (1 + (pos_weight - 1) * target) + (1 - target)
    return _scale(g, grad, weight, reduction, input)


def _bce_logits_grad_target(g, input, pos_weight, weight, reduction):
    # dL/dy = -x + (p - 1) softplus(-x)
    grad = -input if pos_weight is None else (pos_weight - 1) * _softplus_neg_op(input) - input
    return _scale(g, grad, weight, reduction, input)


def _reduce_tangent(tangent, reduction):
    from .reduction import mean, sum
    return mean(tangent) if reduction == "mean" else sum(tangent) if reduction == "sum" else tangent


def _scale(g, grad, weight, reduction, input):
    if weight is not None:
        grad = grad * weight
    if reduction == "mean":
        return grad * (g / _numel(input))
    return grad * g


def _numel(x):
    n = 1
    for s in x.shape:
        n *= s
    return n


@defop("SoftplusBackward0", vjp=lambda g, input: -g * sigmoid(-input), jvp="elementwise")
def _softplus_neg_op(input):
    return _softplus_neg(input)


@defop("BinaryCrossEntropyWithLogitsBackward0",
       vjp=(lambda g, input, target, weight, pos_weight, reduction:
            _bce_logits_grad_input(g, input, target, weight, pos_weight, reduction),
            lambda g, input, pos_weight, weight, reduction:
            _bce_logits_grad_target(g, input, pos_weight, weight, reduction)),
       jvp=(lambda input_t, input, target, weight, pos_weight, reduction: _reduce_tangent(
            input_t * _bce_logits_grad_input(1.0, input, target, weight, pos_weight, "none"), reduction),
            lambda target_t, input, pos_weight, weight, reduction: _reduce_tangent(
            target_t * _bce_logits_grad_target(1.0, input, pos_weight, weight, "none"), reduction)))
def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction="mean"):
    """Sigmoid then binary cross-entropy, fused and stable for any logit size."""
    if input.shape != target.shape:
        raise ValueError(f"Target size (torch.Size({list(target.shape)})) must be the same as input size "
                         f"(torch.Size({list(input.shape)}))")
    softplus = _softplus_neg(input)
    if pos_weight is not None:
        softplus = softplus * (1 + (pos_weight - 1) * target)
    loss = (1 - target) * input + softplus
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)
