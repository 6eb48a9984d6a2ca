"""Functions behind the nn layers (`torch.nn.functional`).

Defined here: the few whose signature differs from the op they call (softmax's `_stacklevel`,
linear's dispatch). Everything listed in an ops module's FUNCTIONAL table (losses, normalisation,
dropout, embedding, activations, convolutions...) is added by `_export_ops` at the bottom.
"""
import warnings

from .. import ops


def linear(input, weight, bias=None):
    """input @ weight^T + bias, recorded under PyTorch's node names (AddmmBackward0 for a batch)."""
    if input.ndim == 2 and bias is not None:
        return ops.addmm(bias, input, ops.t(weight))
    if bias is None:
        return ops.matmul(input, ops.t(weight))
    flat = ops.reshape(input, (-1, input.shape[-1]))
    out = ops.addmm(bias, flat, ops.t(weight))
    return ops.view(out, tuple(input.shape[:-1]) + (weight.shape[0],))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Binary cross-entropy of sigmoid(input) against target, computed stably from the logits.

    Example:
        >>> F.binary_cross_entropy_with_logits(tapegrad.zeros(2), tapegrad.ones(2))
        tensor(0.6931)
    """
    def array(t):  # weights are constants of the input's dtype (PyTorch does not promote to them)
        if t is None:
            return None
        return (t._data if hasattr(t, "_data") else t).astype(input._data.dtype, copy=False)
    return ops.nn.binary_cross_entropy_with_logits(input, target, array(weight), array(pos_weight), reduction)


def relu(input, inplace=False):
    """max(input, 0)."""
    return ops.relu(input)


def sigmoid(input):
    """1 / (1 + e^-input)."""
    return ops.sigmoid(input)


def tanh(input):
    """Hyperbolic tangent."""
    return ops.tanh(input)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) along dim, stable for any logits; without dim PyTorch's implicit choice (warns).

    Example:
        >>> F.softmax(tapegrad.tensor([0., 0.]), dim=0)
        tensor([0.5000, 0.5000])
    """
    if dim is None:
        dim = _get_softmax_dim("softmax", input.ndim, _stacklevel)
    return ops.softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(x)) along dim, computed as x - max - log(sum(exp(x - max)))."""
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.ndim, _stacklevel)
    return ops.log_softmax(input, dim, dtype)


def _get_softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  "as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _export_ops():
    """The functions the ops modules list in their FUNCTIONAL tables (activations, convolutions...)."""
    from .. import ops
    for name in ops.FUNCTIONAL:
        globals().setdefault(name, getattr(ops, name))


_export_ops()
