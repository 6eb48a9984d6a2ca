"""The losses of `nn.functional`: nll_loss and cross_entropy, regression losses, binary cross-entropy, KL.

Split off from ops/nn.py, which imports this module at its bottom and lists these names in its
tables. Fused where PyTorch fuses (NllLossBackward0, MseLossBackward0, SmoothL1LossBackward0,
HuberLossBackward0, BinaryCrossEntropyBackward0) and composed where PyTorch composes
(cross_entropy = log_softmax + nll_loss, label smoothing, class-probability targets, l1_loss,
kl_div), so every node is the one PyTorch records. nll_loss's gradient is g times a constant
built from the target and the class weights (not from the input): linear in g, so second order
needs no more. The reductions follow PyTorch: 'mean' of nll_loss divides by the summed weights of
the targets that are not ignored (nan when there are none).
"""
import warnings

from .. import _backend as B
from .. import _dtype as D
from .._tensor import _scalar_type_name
from ..autograd.grad_mode import _state
from ._registry import _broadcast_error, defop, expand
from .elementwise import abs, exp, log, sign
from .indexing import region_zero
from .nn import log_softmax
from .reduction import mean as _mean
from .reduction import sum as _sum
from .shape import reshape, unsqueeze

xp = B.xp

PUBLIC = ()  # the loss functions are public through nn.functional only (ops/nn.py adds FUNCTIONAL)
METHODS = ()
INPLACE = ()
FUNCTIONAL = ("nll_loss", "cross_entropy", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
              "binary_cross_entropy", "kl_div")


# ---------------------------------------------------------------- shared helpers

def _legacy_reduction(reduction, size_average, reduce):
    """The deprecated size_average/reduce flags as a reduction string, with PyTorch's warning."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' "
                  "instead.", stacklevel=3)
    return reduction


def _checked_reduction(reduction):
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
                      stacklevel=3)
        return "mean"
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduction(reduction, size_average=None, reduce=None):
    return _checked_reduction(_legacy_reduction(reduction, size_average, reduce))


def _apply_reduction(loss, reduction):
    return _mean(loss) if reduction == "mean" else _sum(loss) if reduction == "sum" else loss


def _reduce_array(values, reduction):
    if reduction == "none":
        return values
    if reduction == "sum":
        return values.sum()
    with xp.errstate(invalid="ignore", divide="ignore"):  # the mean of nothing is nan, quietly
        return values.sum() / values.size if values.size == 0 else values.mean()


def _weighted(loss, weight, input_shape, reduction, by_weight):
    """PyTorch 2.13's `weight=` of mse_loss, l1_loss and huber_loss (elementwise weights)."""
    if tuple(weight.shape) != tuple(input_shape):
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return _sum(loss)
    if reduction == "mean":
        return _sum(loss) / _sum(weight) if by_weight else _mean(loss)
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")


def _warn_size(input, target):
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size (torch.Size({list(target.shape)})) that is different to the input "
                      f"size (torch.Size({list(input.shape)})). This will likely lead to incorrect results due "
                      "to broadcasting. Please ensure they have the same size.", stacklevel=3)


def _broadcast_pair(a, b):
    """torch.broadcast_tensors for two tensors: the ones whose shape changes are expanded."""
    try:
        shape = xp.broadcast_shapes(tuple(a.shape), tuple(b.shape))
    except ValueError:
        raise _broadcast_error(ValueError("operands could not be broadcast"), a._data, b._data) from None
    return tuple(t if tuple(t.shape) == shape else expand(t, shape) for t in (a, b))


def _count(input, target):
    n = 1
    for s in xp.broadcast_shapes(input.shape, target.shape):
        n *= s
    return n


def _per_element(g, slope, reduction, count):
    """The gradient of a reduced elementwise loss: g times the slope (over n for 'mean')."""
    return slope * (g / max(count, 1)) if reduction == "mean" else slope * g


def _no_weight_grad(weight, function):
    if weight is not None and weight.requires_grad and _state.enabled:
        raise RuntimeError(f"The function '{function}' is not differentiable with respect to argument 'weight'. "
                           "This input cannot have requires_grad True.")


# DivBackward1: PyTorch's node for a tensor divided by a number computed in C++ (a count).
@defop("DivBackward1", vjp=lambda g, other: g / other, jvp="linear")
def _div_by_count(input, other):
    with xp.errstate(invalid="ignore", divide="ignore"):
        return input / other


# ---------------------------------------------------------------- nll_loss

def _class_dim(ndim):
    return 0 if ndim == 1 else 1


def _nll_forward(input, target, weight, reduction, ignore_index):
    class_dim = _class_dim(input.ndim)
    valid = target != ignore_index
    index = xp.expand_dims(xp.where(valid, target, 0), class_dim)
    picked = xp.take_along_axis(input, index, class_dim).squeeze(class_dim)
    w = (weight[index.squeeze(class_dim)] if weight is not None else xp.ones(target.shape, input.dtype)) * valid
    losses = xp.where(valid, -(picked * w), 0).astype(input.dtype, copy=False)
    if reduction != "mean":
        return _reduce_array(losses, reduction)
    with xp.errstate(invalid="ignore", divide="ignore"):  # every target ignored: 0 / 0 = nan, as PyTorch
        return losses.sum() / w.sum()


def _nll_coefficients(input_shape, input_dtype, target, weight, reduction, ignore_index):
    """d(loss)/d(input) for a unit gradient: -w[t] at each target's class, 0 elsewhere (a constant)."""
    class_dim = _class_dim(len(input_shape))
    dtype = D.to_np(input_dtype)
    valid = target != ignore_index
    index = xp.expand_dims(xp.where(valid, target, 0), class_dim)
    w = (weight[index.squeeze(class_dim)] if weight is not None else xp.ones(target.shape, dtype)) * valid
    if reduction == "mean":
        with xp.errstate(invalid="ignore", divide="ignore"):
            w = w / w.sum()
    coefficients = xp.zeros(input_shape, dtype)
    xp.put_along_axis(coefficients, index, xp.expand_dims(xp.where(valid, -w, 0).astype(dtype), class_dim),
                      class_dim)
    return coefficients


def _nll_grad(g, input_shape, input_dtype, target, weight, reduction, ignore_index):
    coefficients = _nll_coefficients(input_shape, input_dtype, target, weight, reduction, ignore_index)
    if reduction == "none":
        return unsqueeze(g, _class_dim(len(input_shape))) * coefficients
    return g * coefficients


def _nll_tangent(input_t, input_shape, input_dtype, target, weight, reduction, ignore_index):
    coefficients = _nll_coefficients(input_shape, input_dtype, target, weight, reduction, ignore_index)
    if reduction == "none":
        return _sum(input_t * coefficients, _class_dim(len(input_shape)))
    return _sum(input_t * coefficients)


@defop("NllLossBackward0", vjp=_nll_grad, jvp=_nll_tangent)
def _nll_loss(input, target, weight=None, reduction="mean", ignore_index=-100):
    return _nll_forward(input, target, weight, reduction, ignore_index)


@defop("NllLoss2DBackward0", vjp=_nll_grad, jvp=_nll_tangent)
def _nll_loss2d(input, target, weight=None, reduction="mean", ignore_index=-100):
    return _nll_forward(input, target, weight, reduction, ignore_index)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood: -weight[t] * input[n, t] per target t (class dim 1, or 0 for 1-d input).

    Targets equal to ignore_index contribute nothing; 'mean' divides by the summed weights of the
    others. Inputs of more than 2 dims are (N, C, d1, ...) with targets (N, d1, ...).
    """
    return _nll_nd(input, target, weight, _reduction(reduction, size_average, reduce), ignore_index)


def _nll_nd(input, target, weight, reduction, ignore_index):
    ndim = input.ndim
    if ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {ndim})")
    batch = target.shape[0] if target.ndim else 0
    if ndim != 1 and input.shape[0] != batch:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({batch}).")
    if ndim == 1 and target.ndim == 1 and target.shape[0] != 1:
        raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {target.shape[0]}")
    if ndim in (3,) or ndim > 4:
        n, c = input.shape[:2]
        if tuple(target.shape[1:]) != tuple(input.shape[2:]):
            raise RuntimeError(f"Expected target size {[n] + list(input.shape[2:])}, got {list(target.shape)}")
        flat = reshape(input, (n, c, 1, -1) if input.numel() else (n, c, 0, 0))
        result = _nll_call(_nll_loss2d, flat, reshape(target, (n, 1, -1) if target.numel() else (n, 0, 0)),
                           weight, reduction, ignore_index)
        return reshape(result, (n,) + tuple(input.shape[2:])) if reduction == "none" else result
    if ndim == 4:
        return _nll_call(_nll_loss2d, input, target, weight, reduction, ignore_index)
    if ndim == 1 and target.ndim == 1:
        target = reshape(target, ())
    return _nll_call(_nll_loss, input, target, weight, reduction, ignore_index)


def _nll_call(op, input, target, weight, reduction, ignore_index):
    spatial = op is _nll_loss2d
    _no_weight_grad(weight, "nll_loss2d_forward" if spatial else "nll_loss_forward")
    classes = input.shape[_class_dim(input.ndim)]
    if spatial:
        if target.ndim != 3:
            raise RuntimeError(f"only batches of spatial targets supported (3D tensors) but got targets of "
                               f"dimension: {target.ndim}")
        if weight is not None and weight.numel() != classes:
            raise RuntimeError("weight tensor should be defined either for all or no classes")
        if (input.shape[0], *input.shape[2:]) != tuple(target.shape):
            raise RuntimeError(f"size mismatch (got input: {list(input.shape)} , target: {list(target.shape)}")
    else:
        if target.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if weight is not None and (weight.ndim != 1 or weight.numel() != classes):
            raise RuntimeError(f"weight tensor should be defined either for all {classes} classes or no classes but "
                               f"got weight tensor of shape: {list(weight.shape)}")
    if target.dtype.name not in ("int64", "uint8"):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_scalar_type_name(target.dtype)}")
    if not input.dtype.is_floating_point:
        kernel = "nll_loss2d_forward_out_frame" if spatial else "nll_loss_out_frame"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_scalar_type_name(input.dtype)}'")
    if weight is not None and weight.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {_scalar_type_name(input.dtype)} but found "
                           f"{_scalar_type_name(weight.dtype)}")
    targets = target._data
    bad = (targets != ignore_index) & ((targets < 0) | (targets >= classes))
    if bad.any():
        raise IndexError(f"Target {int(targets[bad][0])} is out of bounds.")
    return op(input, targets, None if weight is None else weight._data, reduction, ignore_index)


# ---------------------------------------------------------------- cross_entropy

def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """log_softmax over the class dim (1, or 0 for 1-d input) followed by nll_loss.

    A float target of the input's shape holds class probabilities instead of class indices.
    With label_smoothing e, the loss is (1 - e) nll + e/C times the loss against the uniform
    distribution, as in PyTorch.

    Example:
        >>> F.cross_entropy(tapegrad.tensor([[1e4, 0.]]), tapegrad.tensor([1]))
        tensor(10000.)
    """
    reduction = _reduction(reduction, size_average, reduce)
    class_dim = _class_dim(input.ndim)
    if tuple(input.shape) == tuple(target.shape):
        if not target.dtype.is_floating_point:
            raise RuntimeError("Expected floating point type for target with class probabilities, got "
                               f"{_scalar_type_name(target.dtype)}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _cross_entropy_probabilities(input, target, weight, reduction, label_smoothing, class_dim)
    if label_smoothing > 0.0:
        _check_smoothing(label_smoothing)
        return _cross_entropy_smoothed(input, target, weight, reduction, ignore_index, label_smoothing, class_dim)
    return _nll_nd(log_softmax(input, class_dim), target, weight, reduction, ignore_index)


def _check_smoothing(label_smoothing):
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")


def _class_shape(ndim, class_dim, classes):
    shape = [1] * ndim
    shape[class_dim] = classes
    return tuple(shape)


def _cross_entropy_probabilities(input, target, weight, reduction, label_smoothing, class_dim):
    classes = input.shape[class_dim]
    if weight is not None and (weight.ndim != 1 or weight.numel() != classes):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {classes} classes or no "
                           f"classes but got weight tensor of shape: {list(weight.shape)}")
    log_probabilities = log_softmax(input, class_dim)
    if label_smoothing > 0.0:
        _check_smoothing(label_smoothing)
        target = target * (1 - label_smoothing) + label_smoothing / classes
    product = log_probabilities * target
    if weight is not None:
        product = product * reshape(weight, _class_shape(input.ndim, class_dim, classes))
    if reduction == "none":
        return -_sum(product, class_dim)
    if reduction == "sum":
        return -_sum(product)
    return _div_by_count(-_sum(product), input.numel() // classes if classes else 0)


def _cross_entropy_smoothed(input, target, weight, reduction, ignore_index, label_smoothing, class_dim):
    classes = input.shape[class_dim]
    log_probabilities = log_softmax(input, class_dim)
    nll = _nll_nd(log_probabilities, target, weight, reduction, ignore_index)
    ignored = target._data == ignore_index
    if weight is not None:
        weighted = log_probabilities * reshape(weight, _class_shape(input.ndim, class_dim, classes))
        smooth = -_sum(weighted, class_dim)
    else:
        smooth = -_sum(log_probabilities, class_dim)
    if ignored.any():  # masked_fill: the gradient there is exactly 0 even when the mean divides by 0
        smooth = region_zero(smooth, None, ignored)
    if reduction == "mean":
        if weight is not None:
            kept = target._data[~ignored]
            smooth = _sum(smooth) / float(weight._data[kept].sum())
        else:
            smooth = _sum(smooth) / int((~ignored).sum())
    elif reduction == "sum":
        smooth = _sum(smooth)
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / classes)


# ---------------------------------------------------------------- mse, l1, smooth_l1, huber

@defop("MseLossBackward0",
       vjp=(lambda g, input, target, reduction:
            _per_element(g, (input - target) * 2.0, reduction, _count(input, target)),
            lambda g, input, target, reduction:
            _per_element(g, (target - input) * 2.0, reduction, _count(input, target))),
       jvp=(lambda input_t, input, target, reduction: _apply_reduction(input_t * ((input - target) * 2.0), reduction),
            lambda target_t, input, target, reduction:
            _apply_reduction(target_t * ((target - input) * 2.0), reduction)))
def _mse_loss(input, target, reduction="mean"):
    diff = input - target
    return _reduce_array(diff * diff, reduction)


def _check_float_kernel(input, target, kernel):
    if not D.result_type(input, target).is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_scalar_type_name(input.dtype)}'")


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean (or sum, or none) of (input - target)^2; broadcasts with PyTorch's warning.

    Example:
        >>> F.mse_loss(tapegrad.tensor([1., 3.]), tapegrad.tensor([0., 0.]))
        tensor(5.)
    """
    _warn_size(input, target)
    reduction = _legacy_reduction(reduction, size_average, reduce)
    input_shape = input.shape
    input, target = _broadcast_pair(input, target)
    if weight is not None:
        return _weighted((input - target) ** 2, weight, input_shape, reduction, by_weight=True)
    reduction = _checked_reduction(reduction)
    _check_float_kernel(input, target, "mse_cpu")
    return _mse_loss(input, target, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean (or sum, or none) of |input - target|, composed as in PyTorch (MeanBackward0 on AbsBackward0)."""
    _warn_size(input, target)
    reduction = _legacy_reduction(reduction, size_average, reduce)
    input_shape = input.shape
    input, target = _broadcast_pair(input, target)
    if weight is not None:
        return _weighted(abs(input - target), weight, input_shape, reduction, by_weight=True)
    return _apply_reduction(abs(input - target), _checked_reduction(reduction))


def _huber_slope(input, target, delta):
    """d huber(z)/dz, z = input - target: z inside (-delta, delta), delta sign(z) outside."""
    z = input - target
    inside = abs(z) < delta
    return z * inside + sign(z) * ~inside * delta


def _smooth_l1_slope(input, target, beta):
    return _huber_slope(input, target, beta) / beta


@defop("SmoothL1LossBackward0",
       vjp=(lambda g, input, target, reduction, beta:
            _per_element(g, _smooth_l1_slope(input, target, beta), reduction, _count(input, target)),
            lambda g, input, target, reduction, beta:  # the same with the roles swapped, as PyTorch
            _per_element(g, _smooth_l1_slope(target, input, beta), reduction, _count(input, target))),
       jvp=(lambda input_t, input, target, reduction, beta:
            _apply_reduction(input_t * _smooth_l1_slope(input, target, beta), reduction),
            lambda target_t, input, target, reduction, beta:
            _apply_reduction(target_t * _smooth_l1_slope(target, input, beta), reduction)))
def _smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    z = xp.abs(input - target)
    return _reduce_array(xp.where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta), reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 z^2 / beta where |z| < beta, else |z| - 0.5 beta (z = input - target); beta=0 is l1_loss."""
    _warn_size(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    input, target = _broadcast_pair(input, target)
    if beta == 0.0:
        return _apply_reduction(abs(input - target), reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _check_float_kernel(input, target, "smooth_l1_cpu")
    return _smooth_l1_loss(input, target, reduction, beta)


@defop("HuberLossBackward0",
       vjp=(lambda g, input, target, reduction, delta:
            _per_element(g, _huber_slope(input, target, delta), reduction, _count(input, target)),
            lambda g, input, target, reduction, delta:
            _per_element(g, _huber_slope(target, input, delta), reduction, _count(input, target))),
       jvp=(lambda input_t, input, target, reduction, delta:
            _apply_reduction(input_t * _huber_slope(input, target, delta), reduction),
            lambda target_t, input, target, reduction, delta:
            _apply_reduction(target_t * _huber_slope(target, input, delta), reduction)))
def _huber_loss(input, target, reduction="mean", delta=1.0):
    z = xp.abs(input - target)
    return _reduce_array(xp.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta)), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 z^2 where |z| < delta, else delta (|z| - 0.5 delta): smooth_l1_loss times delta (beta = delta)."""
    _warn_size(input, target)
    input_shape = input.shape
    input, target = _broadcast_pair(input, target)
    if weight is not None:
        return _weighted(huber_loss(input, target, "none", delta), weight, input_shape, reduction, by_weight=False)
    reduction = _checked_reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _check_float_kernel(input, target, "huber_cpu")
    return _huber_loss(input, target, reduction, delta)


# ---------------------------------------------------------------- binary_cross_entropy, kl_div

def _bce_input_grad(g, input, target, weight, reduction):
    # dL/dx = w (x - y) / max(x (1 - x), 1e-12): PyTorch's clamp of the denominator
    denominator = (1 - input) * input
    denominator = denominator + (1e-12 - denominator) * (denominator < 1e-12)
    slope = (input - target) / denominator
    return _per_element(g, slope if weight is None else slope * weight, reduction, _count(input, target))


def _bce_target_grad(g, input, target, weight, reduction):
    slope = -log(input / (1 - input))  # dL/dy = -logit(x), as PyTorch (no clamp)
    return _per_element(g, slope if weight is None else slope * weight, reduction, _count(input, target))


@defop("BinaryCrossEntropyBackward0",
       vjp=(_bce_input_grad, _bce_target_grad),
       jvp=(lambda input_t, input, target, weight, reduction:
            _apply_reduction(input_t * _bce_input_grad(1.0, input, target, weight, "none"), reduction),
            lambda target_t, input, target, weight, reduction:
            _apply_reduction(target_t * _bce_target_grad(1.0, input, target, weight, "none"), reduction)),
       domain=(0, 1))
def _binary_cross_entropy(input, target, weight=None, reduction="mean"):
    if not ((input >= 0) & (input <= 1)).all():
        raise RuntimeError("all elements of input should be between 0 and 1")
    if not ((target >= 0) & (target <= 1)).all():
        raise RuntimeError("all elements of target should be between 0 and 1")
    with xp.errstate(divide="ignore"):  # log(0) = -inf, clamped to -100 as in PyTorch
        loss = (target - 1) * xp.maximum(xp.log1p(-input), -100) - target * xp.maximum(xp.log(input), -100)
    return _reduce_array(loss if weight is None else loss * weight, reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-w (y log x + (1 - y) log(1 - x)) for probabilities x; each log is clamped at -100, as in PyTorch.

    Example:
        >>> F.binary_cross_entropy(tapegrad.tensor([0., 1.]), tapegrad.tensor([1., 1.]), reduction="none")
        tensor([100.,  -0.])
    """
    reduction = _reduction(reduction, size_average, reduce)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size (torch.Size({list(target.shape)})) that is different to the input "
                         f"size (torch.Size({list(input.shape)})) is deprecated. Please ensure they have the same "
                         "size.")
    _no_weight_grad(weight, "binary_cross_entropy")
    if target.dtype != input.dtype:
        raise RuntimeError(f"Found dtype {_scalar_type_name(target.dtype)} but expected "
                           f"{_scalar_type_name(input.dtype)}")
    if weight is not None:  # a constant of the input's dtype, broadcast to the target's shape
        weight = xp.broadcast_to(weight._data.astype(input._data.dtype, copy=False), tuple(target.shape))
    return _binary_cross_entropy(input, target, weight, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL divergence sum target (log target - input), with `input` given as log-probabilities.

    reduction='batchmean' divides the sum by the batch size (the true KL); 'mean' divides by the
    number of elements and warns, as in PyTorch.
    """
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(reduction, size_average, reduce)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    if reduction != "batchmean":
        reduction = _checked_reduction(reduction)
    if log_target:
        loss = exp(target) * (target - input)
    else:  # xlogy(t, t) - t x: t log t is 0 where t == 0
        zero = target == 0
        loss = target * log(target + zero) - target * input
    if reduction == "batchmean":
        total = _sum(loss)
        return total / input.shape[0] if input.ndim else total
    return _apply_reduction(loss, reduction)
