"""defop: one block per op declares its forward, its VJP per input and its JVP.

`@defop(name, vjp=..., jvp=...)` on a forward function (backend arrays in, one array out) makes
the public function, a Node subclass named as PyTorch names it, and the fast path. The registry,
not the op, does the chores:

- fast path: with grad mode off or no input requiring grad, a call is unwrap, forward, wrap;
- inputs: PyTorch's promotion (float32 stays float32; `int_tensor * 0.5` is float32), and for
  `promote="float"` ops integer inputs become the default float dtype first;
- saving: a rule's parameter names say what it needs (input names, `out`, `<input>_shape`,
  `<input>_dtype`, the op's other arguments); only what the rules of inputs that need a gradient use is saved;
- gradients: summed back to each input's shape (decided at forward time) and cast to its dtype.

Rules are written with operators and `tapegrad.ops` functions only, never methods or `xp`:
without create_graph they run on raw arrays (see NOTE [gradient values] in autograd/graph.py), and
every op function passes raw arrays straight to its forward (HIPS's pass-through); with
create_graph they run on Tensors and are recorded, so higher derivatives need no extra formulas.
"""
import inspect

from .. import _backend as B
from .. import _dtype as D
from .._tensor import Tensor, _make, _tensor_types
from ..autograd.grad_mode import _state
from ..autograd.graph import Node, SavedTensor

xp = B.xp
ndarray = B.ndarray
REGISTRY = {}  # public name -> OpDef, for the generic op tests
_SCALARS = (int, float, bool)


class OpDef:
    """Everything known about one op: read by the node class, the tests and (later) forward mode."""

    def __init__(self, name, node_name, forward, vjp, jvp, n_inputs, params, defaults, promote, view,
                 domain, samples):
        self.name, self.node_name, self.forward = name, node_name, forward
        self.vjp, self.jvp, self.n_inputs = vjp, jvp, n_inputs
        self.input_names = params[:n_inputs]
        self.arg_names = params[n_inputs:]  # the non-tensor arguments, in order
        self.defaults = defaults
        self.promote, self.view, self.domain, self.samples = promote, view, domain, samples
        self.rule_params = [_rule_params(rule) for rule in vjp]
        self._save_plans = {}

    def save_plan(self, needs):
        """The names to save when the inputs flagged in `needs` want gradients (cached per pattern)."""
        plan = self._save_plans.get(needs)
        if plan is None:
            names = []
            for need, params in zip(needs, self.rule_params):
                if need:
                    names.extend(p for p in params if p not in names)
            plan = self._save_plans[needs] = tuple(names)
        return plan


def _rule_params(rule):
    return tuple(inspect.signature(rule).parameters)[1:]  # the first one is the gradient `g`


class OpNode(Node):
    """A recorded op: runs the op's VJP rules for the inputs that need a gradient."""

    __slots__ = ("_needs", "_shapes", "_dtypes")
    op = None  # the OpDef, set on each generated subclass

    def apply(self, grad_outputs):
        g = grad_outputs[0]
        op = self.op
        if g is None:
            return (None,) * op.n_inputs
        as_tensor = _state.enabled
        saved = self._saved
        results = []
        for i, need in enumerate(self._needs):
            if not need:
                results.append(None)
                continue
            args = [_unpack(saved[name], self, as_tensor) for name in op.rule_params[i]]
            grad = op.vjp[i](g, *args)
            shape = self._shapes[i]
            if shape is not None:
                grad = sum_to_size(grad, shape)
            dtype = self._dtypes[i]
            if dtype is not None:
                grad = to_dtype(grad, dtype)
            results.append(grad)
        return results


def _unpack(value, node, as_tensor):
    return value.unpack(node, as_tensor) if type(value) is SavedTensor else value


def defop(node_name, vjp, jvp=None, *, promote="same", view=False, domain=None, samples=None,
          differentiable=True):
    """Declare an op: its forward (the decorated function), one VJP per input, and its JVP.

    Args:
        node_name: PyTorch's name of the backward node, e.g. "MulBackward0".
        vjp: a function g, *saved -> gradient of the input, or a tuple of them (one per input).
        jvp: "elementwise" (the VJP with the tangent for g), "linear" (the forward on the tangent),
            or a function / tuple of functions tangent, *saved -> output tangent.
        promote: "same" (PyTorch's promotion), "float" (integers become the default float dtype)
            or "none" (the op does its own dtype work).
        view: the output shares memory (and the version counter) with the first input.
        domain, samples: hints for the generic op tests (see tests/ops/test_registry.py).
    """
    rules = vjp if isinstance(vjp, tuple) else (vjp,)

    def decorate(forward):
        signature = inspect.signature(forward)
        params = tuple(signature.parameters)
        defaults = {k: p.default for k, p in signature.parameters.items()
                    if p.default is not inspect.Parameter.empty}
        n = len(rules)
        op = OpDef(forward.__name__, node_name, forward, rules, jvp, n, params, defaults, promote, view,
                   domain, samples)
        node_class = type(node_name, (OpNode,), {"__slots__": (), "op": op})
        public = _make_public(op, node_class, differentiable)
        public.__name__ = public.__qualname__ = forward.__name__
        public.__doc__ = forward.__doc__
        public.__signature__ = signature
        public.__wrapped_forward__ = forward
        public.op = op
        REGISTRY[op.name] = op
        return public
    return decorate


def _make_public(op, node_class, differentiable):
    n = op.n_inputs
    forward = op.forward
    promote = op.promote
    view = op.view

    def public(*args, **kwargs):
        if len(args) < n:
            args = args + tuple(kwargs.pop(name) for name in op.input_names[len(args):])
        inputs = args[:n]
        extras = args[n:]
        arrays = []
        any_tensor = requires = False
        for a in inputs:
            if type(a) in _tensor_types:
                arrays.append(a._data)
                any_tensor = True
                if a._requires_grad:
                    requires = True
            else:
                arrays.append(a)
        if not any_tensor:  # raw arrays: a derivative rule running without create_graph
            return forward(*arrays, *extras, **kwargs)
        if promote != "none":
            arrays = _promote(arrays, inputs, promote)
        out = forward(*arrays, *extras, **kwargs)
        if type(out) is not ndarray:
            out = xp.asarray(out)
        if not (requires and _state.enabled and differentiable):
            result = _make(out)
        else:
            result = _record(op, node_class, inputs, arrays, out, extras, kwargs)
        if view:
            _mark_view(result, inputs[0], out, extras, kwargs, forward)
        return result
    return public


def _promote(arrays, inputs, promote):
    """Cast the arrays to PyTorch's result dtype where NumPy would choose another one.

    NumPy (2.x, NEP 50) already agrees with PyTorch for one array dtype combined with weak Python
    scalars, except a Python float with an integer array; only the other cases take the slow path.
    """
    dtype = None
    mixed = scalar_float = False
    for a in arrays:
        if type(a) is ndarray:
            if dtype is None:
                dtype = a.dtype
            elif a.dtype != dtype:
                mixed = True
        elif type(a) is float:
            scalar_float = True
        elif isinstance(a, B.generic):  # a NumPy scalar from the user acts as a Python number
            return _promote([x.item() if isinstance(x, B.generic) else x for x in arrays], inputs, promote)
    if dtype is None:
        return arrays
    if not mixed and (dtype.kind in "fc" or (promote != "float" and not scalar_float)):
        return arrays
    target = D.result_type(*inputs)
    if promote == "float" and not (target.is_floating_point or target.is_complex):
        target = D.get_default_dtype()
    np_target = target.np
    return [a.astype(np_target) if type(a) is ndarray and a.dtype != np_target else a for a in arrays]


def _record(op, node_class, inputs, arrays, out, extras, kwargs):
    """Make the node: edges, what the rules need, and how to bring gradients back to each input."""
    needs = tuple(type(a) in _tensor_types and a._requires_grad for a in inputs)
    node = node_class(tuple(a._edge() if need else None for a, need in zip(inputs, needs)))
    out_shape = out.shape
    out_dtype = out.dtype
    node._needs = needs
    node._shapes = tuple(arr.shape if need and arr.shape != out_shape else None
                         for arr, need in zip(arrays, needs))
    node._dtypes = tuple(a._data.dtype if need and a._data.dtype != out_dtype else None
                         for a, need in zip(inputs, needs))
    result = _make(out, node, True)
    plan = op.save_plan(needs)
    if plan:
        saved = {}
        for name in plan:
            saved[name] = _saved_value(op, name, inputs, arrays, result, extras, kwargs)
        node._saved = saved
    return result


def _saved_value(op, name, inputs, arrays, result, extras, kwargs):
    if name == "out":
        return SavedTensor(None, result._data, result._version)
    names = op.input_names
    if name in names:
        i = names.index(name)
        a = inputs[i]
        if type(a) in _tensor_types:
            return SavedTensor(a, arrays[i], a._version)
        return arrays[i]
    if name.endswith("_shape") and name[:-6] in names:
        return arrays[names.index(name[:-6])].shape
    if name.endswith("_dtype") and name[:-6] in names:
        return D.from_np(arrays[names.index(name[:-6])].dtype)
    args = op.arg_names
    if name in kwargs:
        return kwargs[name]
    i = args.index(name)
    return extras[i] if i < len(extras) else op.defaults[name]


def _mark_view(result, base, out, extras, kwargs, forward):
    """Share the version counter with the viewed tensor and remember how to replay the view.

    Only when NumPy really returned a view: reshape of a non-contiguous array copies.
    """
    if out.base is None or not (out.base is base._data or out.base is base._data.base):
        return
    result._version = base._version
    if base._base is not None:
        result._base = base._base
        outer = base._view_fn
        result._view_fn = lambda a: forward(outer(a), *extras, **kwargs)
    else:
        result._base = base
        result._view_fn = lambda a: forward(a, *extras, **kwargs)


# The two ops every gradient may pass through; declared here because the registry itself uses them.

@defop("SumToSizeBackward0", vjp=lambda g, input_shape: expand(g, input_shape), jvp="linear")
def sum_to_size(input, size):
    """Sum `input` down to `size` (the inverse of broadcasting): the registry's unbroadcast."""
    shape = input.shape
    size = tuple(size)
    if shape == size:
        return input
    lead = len(shape) - len(size)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(size) if n == 1 and shape[lead + i] != 1)
    summed = input.sum(axis=axes, keepdims=True) if axes else input
    return summed.reshape(size) if lead else summed


@defop("ExpandBackward0", vjp=lambda g, input_shape: sum_to_size(g, input_shape), jvp="linear", view=True)
def expand(input, *size):
    """Broadcast to a larger shape without copying; -1 keeps a dimension."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    lead = len(size) - input.ndim
    shape = tuple(input.shape[i - lead] if s == -1 else s for i, s in enumerate(size))
    return xp.broadcast_to(input, shape)


# d(cast)/dx = 1: the registry casts each gradient back to its input's dtype.
@defop("ToCopyBackward0", vjp=lambda g: g, jvp="linear", promote="none")
def to_dtype(input, dtype):
    """Cast to a dtype (the gradient is cast back)."""
    np_dtype = D.to_np(dtype)
    return input if input.dtype == np_dtype else input.astype(np_dtype)

