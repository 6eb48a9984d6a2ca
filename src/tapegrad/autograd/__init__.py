"""PyTorch's autograd API: backward, grad, Variable and the grad-mode switches.

`backward` and `grad` check their arguments as PyTorch does, then hand (node, slot) pairs to the
engine; they are the only code that turns Tensors into graph edges and back.
"""
from .. import _backend as B
from .. import _errors
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled,  # noqa: F401
                        is_inference_mode_enabled, no_grad, set_grad_enabled)
from .engine import run_backward
from .graph import Node, accumulate_into
from .function import Function, FunctionCtx, once_differentiable
from .anomaly_mode import detect_anomaly, is_anomaly_enabled, set_detect_anomaly  # noqa: F401


def Variable(data, requires_grad=False, volatile=False):
    """The legacy wrapper old tutorials use: since PyTorch 0.4 it just returns a Tensor.

    Example:
        >>> from tapegrad.autograd import Variable
        >>> Variable(tapegrad.ones(2), requires_grad=True)
        tensor([1., 1.], requires_grad=True)
    """
    from .._tensor import Tensor
    if not isinstance(data, Tensor):
        raise TypeError("Variable data has to be a tensor, but got " + type(data).__name__)
    if requires_grad:
        if data._data.dtype.kind not in "fc":
            raise RuntimeError(_errors.INTEGER_REQUIRES_GRAD)  # the constructor's wording, not requires_grad_'s
        data.requires_grad_(True)
    return data


def _as_tuple(value):
    if value is None:
        return None
    from .._tensor import Tensor
    return (value,) if isinstance(value, Tensor) else tuple(value)


def _root_grads(outputs, grad_outputs, create_graph):
    """The seed gradient of each output: given, or ones for one-element outputs (PyTorch's rule)."""
    from .._tensor import Tensor, _make
    grads = []
    for i, out in enumerate(outputs):
        given = grad_outputs[i] if grad_outputs is not None else None
        if given is None:
            if out._data.size != 1:
                raise RuntimeError(_errors.IMPLICIT_GRAD_NONSCALAR)
            given = _make(_ones_like(out._data))
        elif not isinstance(given, Tensor):
            raise TypeError(f"gradients can be either Tensors or None, but got {type(given).__name__}")
        if given.shape != out.shape:
            raise RuntimeError(_errors.GRAD_SHAPE_MISMATCH.format(
                index=i, grad_shape=given.shape, out_shape=out.shape))
        # the user's tensor goes on as a view, so that no .grad ever aliases it (NOTE [gradient ownership])
        grads.append(given if create_graph else given._data.view())
    return grads


def _check_grad_types(grads):
    from .._tensor import Tensor
    for g in grads or ():
        if g is not None and not isinstance(g, Tensor):
            raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")


def _ones_like(array):
    return B.xp.ones(array.shape, dtype=array.dtype)


def _roots(outputs):
    roots = []
    for i, out in enumerate(outputs):
        if not out._requires_grad:
            raise RuntimeError(_errors.NO_GRAD_FN.format(index=i))
        roots.append(out._edge())
    return roots


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None,
             inputs=None, **unexpected):
    """Accumulate the gradients of `tensors` into the `.grad` of the leaves (or of `inputs`).

    Args:
        grad_tensors: the vector of the vector-Jacobian product, one per tensor; may be left out
            only for tensors with one element ("grad can be implicitly created only for scalar outputs").
        retain_graph: keep the saved tensors for another backward (default: create_graph).
        create_graph: record the backward pass, for higher-order derivatives.
        inputs: accumulate only into these tensors.

    Example:
        >>> x = tapegrad.tensor(3.0, requires_grad=True)
        >>> tapegrad.autograd.backward(x ** 2); x.grad
        tensor(6.)
    """
    if unexpected:
        raise TypeError(f"backward() got an unexpected keyword argument '{next(iter(unexpected))}'")
    outputs = _as_tuple(tensors)
    if grad_tensors is None:
        grad_tensors = grad_variables
    grads = _as_tuple(grad_tensors) if grad_tensors is not None else None
    _check_grad_types(grads)
    if grads is not None and len(grads) != len(outputs):
        raise RuntimeError(f"got {len(grads)} tensors and {len(outputs)} gradients")
    if retain_graph is None:
        retain_graph = create_graph
    roots = _roots(outputs)
    root_grads = _root_grads(outputs, grads, create_graph)
    if inputs is None:
        run_backward(roots, root_grads, retain_graph=retain_graph, create_graph=create_graph)
        return
    inputs = _as_tuple(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    captures = [t._edge() for t in inputs]
    captured = run_backward(roots, root_grads, retain_graph=retain_graph, create_graph=create_graph,
                            captures=captures, accumulate=True)
    for t, grad in zip(inputs, captured):
        if t._grad_fn is not None and grad is not None:  # leaves accumulated in their AccumulateGrad
            accumulate_into(t, grad)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Return d(outputs)/d(inputs) without touching any `.grad`.

    Args:
        grad_outputs: the vector of the vector-Jacobian product; may be left out only
            when every output has one element, as in PyTorch.
        create_graph: record the backward pass so the result can be differentiated again.
        allow_unused: return None for an input the outputs don't depend on (else an error).

    Example:
        >>> x = tapegrad.tensor(5.0, requires_grad=True)
        >>> tapegrad.autograd.grad(x ** 3, x, create_graph=True)
        (tensor(75., grad_fn=<MulBackward0>),)
    """
    from .._tensor import _make
    if is_grads_batched:
        return _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused,
                             materialize_grads)
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    grads = _as_tuple(grad_outputs) if grad_outputs is not None else None
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    _check_grad_types(grads)
    if retain_graph is None:
        retain_graph = create_graph
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError(_errors.NOT_REQUIRING_GRAD_INPUT)
    roots = _roots(outputs)
    root_grads = _root_grads(outputs, grads, create_graph)
    captured = run_backward(roots, root_grads, retain_graph=retain_graph, create_graph=create_graph,
                            captures=[t._edge() for t in inputs], accumulate=False)
    result = []
    for i, (t, g) in enumerate(zip(inputs, captured)):
        if g is None:
            if materialize_grads:
                g = _make(_zeros_like(t._data))
            elif not allow_unused:
                raise RuntimeError(_errors.UNUSED_INPUT.format(index=i))
        elif not create_graph:
            g = _make(g if g.flags.writeable and g.base is None else g.copy())
        result.append(g)
    return tuple(result)


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads):
    """`grad(..., is_grads_batched=True)`: the first dim of each grad_output indexes a batch of VJPs.

    PyTorch vectorises this with vmap; tapegrad runs one backward per batch entry (same results).
    """
    from .. import ops
    grads = _as_tuple(grad_outputs)
    size = grads[0].shape[0]
    rows = [grad(outputs, inputs, tuple(g[i] for g in grads),
                 retain_graph=True if i < size - 1 else retain_graph,  # the last one frees the graph
                 create_graph=create_graph, allow_unused=allow_unused, materialize_grads=materialize_grads)
            for i in range(size)]
    return tuple(None if rows[0][j] is None else ops.stack([row[j] for row in rows])
                 for j in range(len(rows[0])))


def _zeros_like(array):
    return B.xp.zeros(array.shape, dtype=array.dtype)


__all__ = ["Variable", "backward", "grad", "Node", "Function", "FunctionCtx", "once_differentiable",
           "no_grad", "enable_grad", "set_grad_enabled",
           "inference_mode", "is_grad_enabled"]

from . import functional  # noqa: E402
from .gradcheck import gradcheck, gradgradcheck  # noqa: E402

__all__ += ["functional", "gradcheck", "gradgradcheck"]
