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
from .. import _errors
from .._tensor import Tensor, _make, _tensor_types
from ..autograd.grad_mode import _state
from ..autograd.anomaly_mode import _anomaly
from ..autograd.graph import Node, SavedTensor, VersionCounter, _sequence, note_creation

xp = B.xp
ndarray = B.ndarray
REGISTRY = {}  # public name -> OpDef, for the generic op tests
_SCALARS = (int, float, bool)
_CPP_NAMED = {"CopyBackwards"}  # nodes whose name() PyTorch prefixes with its C++ namespace
# Forward-mode AD (autograd/forward_ad.py): while a dual level is active every op call takes the
# general path, which attaches the output's tangent. With no level, one global read per call.
_forward_ad = False
_fw_level = -1
_fw_hook = None  # forward_ad's callback, told of each tensor given a tangent (to drop it on exit)


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
        self.jvp_params = [_rule_params(rule) for rule in jvp] if isinstance(jvp, tuple) else None
        self._save_plans = {}

    def save_plan(self, needs):
        """What to save when the inputs flagged in `needs` want gradients (cached per pattern).

        Returns (sources, rule_slots): one (kind, key) per saved value, and for each input the
        positions of its rule's arguments among the saved values.
        """
        plan = self._save_plans.get(needs)
        if plan is None:
            names = []
            for need, params in zip(needs, self.rule_params):
                if need:
                    names.extend(p for p in params if p not in names)
            sources = tuple(self._source(name) for name in names)
            rule_slots = tuple(tuple(names.index(p) for p in params) if need else None
                               for need, params in zip(needs, self.rule_params))
            plan = self._save_plans[needs] = (sources, rule_slots)
        return plan

    def _source(self, name):
        """How to get a saved value at forward time: ('out'|'input'|'shape'|'dtype'|'arg', key)."""
        inputs = self.input_names
        if name == "out":
            return ("out", None)
        if name in inputs:
            return ("input", inputs.index(name))
        for suffix in ("_shape", "_dtype"):
            if name.endswith(suffix) and name[:-6] in inputs:
                return (suffix[1:], inputs.index(name[:-6]))
        if name not in self.arg_names:
            raise TypeError(f"rule of {self.name} names {name!r}, which is neither an input, 'out', "
                            f"an input's _shape/_dtype nor an argument of the forward")
        return ("arg", (self.arg_names.index(name), name))


def _rule_params(rule):
    return tuple(inspect.signature(rule).parameters)[1:]  # the first one is the gradient `g`


class OpNode(Node):
    """A recorded op: runs the op's VJP rules for the inputs that need a gradient."""

    __slots__ = ("_rule_slots",)
    op = None  # the OpDef, set on each generated subclass
    _shapes = None  # per input: the shape to sum its gradient back to (set only when broadcasting)
    _dtypes = None  # per input: the dtype to cast its gradient back to (set only when promoted)

    def apply(self, grad_outputs):
        g = grad_outputs[0]
        op = self.op
        if g is None:
            return (None,) * op.n_inputs
        as_tensor = _state.enabled
        saved = self._saved
        shapes = self._shapes
        dtypes = self._dtypes
        results = []
        for i, slots in enumerate(self._rule_slots):
            if slots is None:
                results.append(None)
                continue
            if slots:
                args = []
                for k in slots:
                    value = saved[k]
                    if type(value) is SavedTensor:
                        # the common case inline: an intact array; errors and Tensors in unpack()
                        if as_tensor or value.released or value.counter.value != value.version:
                            value = value.unpack(self, as_tensor)
                        else:
                            value = value.data
                    args.append(value)
                grad = op.vjp[i](g, *args)
            else:
                grad = op.vjp[i](g)
            if grad is None:  # the rule says: no gradient for this input (PyTorch's undefined grad)
                results.append(None)
                continue
            # broadcast inputs: reduce back; an op that changes shapes already returns the right one
            if shapes is not None and shapes[i] is not None and grad.shape != shapes[i]:
                grad = sum_to_size(grad, shapes[i])
            if dtypes is not None and dtypes[i] is not None:
                grad = to_dtype(grad, dtypes[i])
            if grad is g and not as_tensor:
                grad = g.view()  # see NOTE [gradient ownership]
            results.append(grad)
        return results


def defop(node_name, vjp, jvp=None, *, promote="same", view=False, domain=None, samples=None,
          differentiable=True, check=None):
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
        check: check(*inputs) raising PyTorch's error for inputs it refuses; run only on the general
            path, which every call with non-float or mixed dtypes takes.
    """
    rules = vjp if isinstance(vjp, tuple) else (vjp,)
    if callable(jvp):
        jvp = (jvp,)

    def decorate(forward):
        signature = inspect.signature(forward)
        params = tuple(signature.parameters)
        defaults = {k: p.default for k, p in signature.parameters.items()
                    if p.default is not inspect.Parameter.empty}
        n = len(rules)
        op = OpDef(forward.__name__, node_name, forward, rules, jvp, n, params, defaults, promote, view,
                   domain, samples)
        op.check = check
        op.var_positional = next((k for k, p in signature.parameters.items()
                                  if p.kind is inspect.Parameter.VAR_POSITIONAL), None)
        node_class = type(node_name, (OpNode,), {"__slots__": (), "op": op})
        if node_name in _CPP_NAMED:
            node_class.name = lambda self: "torch::autograd::" + node_name
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

    def unary(*args, **kwargs):
        # The hot path of unary ops (x.exp()): no extra arguments, nothing to promote.
        if kwargs or len(args) != 1 or _forward_ad:
            return public(*args, **kwargs)
        x = args[0]
        if type(x) not in _tensor_types:
            return forward(x)  # a raw array: a derivative rule running without create_graph
        data = x._data
        if promote == "float" and data.dtype.kind in "biu":
            return public(*args)
        out = forward(data)
        if type(out) is not ndarray:
            out = xp.asarray(out)
        if x._requires_grad and _state.enabled and differentiable:
            return _record(op, node_class, args, (data,), out, (), kwargs)
        return _make(out)

    def binary(*args, **kwargs):
        # The hot path of binary ops (x * y, x * 2.0): float tensors of one dtype, or a Python number.
        if kwargs or len(args) != 2 or _forward_ad:
            return public(*args, **kwargs)
        a, b = args
        ta = type(a) in _tensor_types
        tb = type(b) in _tensor_types
        if not (ta or tb):
            return forward(a, b)
        if not ta:
            return public(*args)
        first = a._data
        other = b._data if tb else b
        if first.dtype.kind != "f" or not (
                (tb and other.dtype is first.dtype) or type(other) is float or type(other) is int):
            return public(*args)
        try:
            out = forward(first, other)
        except ValueError as error:
            raise _broadcast_error(error, first, other) from None
        if type(out) is not ndarray:
            out = xp.asarray(out)
        if _state.enabled and differentiable and (a._requires_grad or (tb and b._requires_grad)):
            return _record(op, node_class, args, (first, other), out, (), kwargs)
        return _make(out)

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
        if op.check is not None:
            op.check(*arrays)
        if promote != "none":
            first = arrays[0]
            if n == 1:
                if promote == "float" and first.dtype.kind in "biu":
                    arrays = _promote(arrays, inputs, promote)
            elif n == 2:
                # the common cases need no work: float array with a Python number or the same dtype
                other = arrays[1]
                if not (type(first) is ndarray and first.dtype.kind == "f" and (
                        type(other) is float or type(other) is int
                        or (type(other) is ndarray and other.dtype is first.dtype))):
                    arrays = _promote(arrays, inputs, promote)
            else:
                arrays = _promote(arrays, inputs, promote)
        try:
            out = forward(*arrays, *extras, **kwargs)
        except ValueError as error:
            if n == 2:
                raise _broadcast_error(error, *arrays) from None
            raise
        if type(out) is not ndarray:
            out = xp.asarray(out)
        if not (requires and _state.enabled and differentiable):
            result = _make(out)
        else:
            result = _record(op, node_class, inputs, arrays, out, extras, kwargs)
        if view:
            _mark_view(result, inputs[0], out, extras, kwargs, forward)
        if _forward_ad and differentiable:
            _attach_tangent(op, inputs, arrays, out, extras, kwargs, result)
        return result

    if view or promote == "none":
        return public
    return unary if n == 1 else binary if n == 2 else public


def _attach_tangent(op, inputs, arrays, out, extras, kwargs, result):
    """Forward-mode AD: give `result` the tangent the op's JVP rule computes from its inputs'.

    A saved output of the node is rebuilt as a Tensor carrying the tangent too, so that derivative
    rules run with create_graph (forward-over-reverse) see the output's tangent.
    """
    if out.dtype.kind not in "fc":
        return
    level = _fw_level
    tangents = []
    found = False
    for a, array in zip(inputs, arrays):
        tangent = None
        if type(a) in _tensor_types and a._fw_tangents is not None:
            tangent = a._fw_tangents.get(level)
            if tangent is not None:
                found = True
                tangent = tangent._data
                if type(array) is ndarray and tangent.dtype != array.dtype and array.dtype.kind in "fc":
                    tangent = tangent.astype(array.dtype)
        tangents.append(tangent)
    if not found:
        return
    tangent = apply_jvp(op, arrays, tangents, out, extras, kwargs)
    if tangent is None:
        return
    if type(tangent) is not ndarray:
        tangent = xp.asarray(tangent)
    if tangent.dtype != out.dtype:
        tangent = tangent.astype(out.dtype)
    if tangent.shape != out.shape:
        tangent = xp.broadcast_to(tangent, out.shape)
    tangent = _make(tangent)
    result.__dict__["_fw_tangents"] = {level: tangent}
    _fw_hook(result)
    node = result._grad_fn
    saved = node._saved if node is not None else None
    if saved:
        for k, value in enumerate(saved):
            if type(value) is SavedTensor and value.tensor is None and value.data is out:
                carrier = _make(out, grad_fn=node)
                carrier._counter = value.counter
                carrier.__dict__["_fw_tangents"] = {level: tangent}
                _fw_hook(carrier)
                value.tensor = carrier


def _broadcast_error(error, a, b):
    """NumPy's broadcast error as PyTorch words it (naming the first mismatching dimension)."""
    if not str(error).startswith("operands could not be broadcast"):
        return error
    shape_a, shape_b = xp.shape(a), xp.shape(b)
    for back in range(1, min(len(shape_a), len(shape_b)) + 1):
        n, m = shape_a[-back], shape_b[-back]
        if n != m and n != 1 and m != 1:
            dim = max(len(shape_a), len(shape_b)) - back
            return RuntimeError(_errors.BROADCAST_MISMATCH.format(a=n, b=m, dim=dim))
    return RuntimeError(str(error))


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
    """Make the node: edges, what the rules need, and how to bring gradients back to each input.

    The hottest function of the library: called once per recorded op, so it builds the node and
    the output Tensor inline rather than through their constructors.
    """
    out_shape = out.shape
    out_dtype = out.dtype
    needs = []
    edges = []
    shapes = dtypes = None
    i = 0
    for a in inputs:
        if type(a) in _tensor_types and a._requires_grad:
            needs.append(True)
            grad_fn = a._grad_fn if a._base is None else a.grad_fn  # a view may need re-deriving
            edges.append((grad_fn, a._output_nr) if grad_fn is not None else (a._grad_accumulator(), 0))
            array = arrays[i]
            if array.shape != out_shape:  # broadcast: reduce the gradient back (decided now)
                shapes = shapes or [None] * len(inputs)
                shapes[i] = array.shape
            own_dtype = a._data.dtype  # before promotion: the gradient goes back in this dtype
            if own_dtype is not out_dtype and own_dtype != out_dtype:
                dtypes = dtypes or [None] * len(inputs)
                dtypes[i] = own_dtype
        else:
            needs.append(False)
            edges.append(None)
        i += 1
    node = object.__new__(node_class)  # Node.__init__, inline
    node.next_edges = tuple(edges)
    node.seq = next(_sequence)
    if _anomaly.enabled:  # keep the forward traceback for backward's error report
        note_creation(node)
    if shapes is not None:
        node._shapes = shapes
    if dtypes is not None:
        node._dtypes = dtypes
    result = object.__new__(Tensor)  # _make(out, node, True), inline
    result._data = out
    result._requires_grad = True
    result._grad_fn = node
    counter = result._counter = VersionCounter()
    sources, node._rule_slots = op.save_plan(tuple(needs))
    if not sources:
        node._saved = None
        return result
    saved = []
    for kind, key in sources:
        if kind == "out":
            saved.append(SavedTensor(None, out, counter))
        elif kind == "input" and type(inputs[key]) in _tensor_types:
            a = inputs[key]
            saved.append(SavedTensor(a, arrays[key], a._counter))
        else:
            saved.append(_saved_value(op, kind, key, inputs, arrays, result, extras, kwargs))
    node._saved = saved
    return result


def _saved_value(op, kind, key, inputs, arrays, result, extras, kwargs):
    if kind == "out":
        return SavedTensor(None, result._data, result._counter)
    if kind == "input":
        a = inputs[key]
        return SavedTensor(a, arrays[key], a._counter) if type(a) in _tensor_types else arrays[key]
    if kind == "shape":
        return arrays[key].shape
    if kind == "dtype":
        return D.from_np(arrays[key].dtype)
    position, name = key
    if name in kwargs:
        return kwargs[name]
    if name == op.var_positional:  # `*dims`: the rule gets the whole tuple
        return extras[position:]
    return extras[position] if position < len(extras) else op.defaults[name]


def _mark_view(result, base, out, extras, kwargs, forward):
    """Share the version counter with the viewed tensor and remember how to replay the view.

    Only when NumPy really returned a view: reshape of a non-contiguous array copies.
    """
    if out.base is None or not (out.base is base._data or out.base is base._data.base):
        return
    result._counter = base._counter
    result._view_version = base._counter.value
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
    if lead < 0:
        raise RuntimeError(f"expand({D.legacy_name(D.from_np(input.dtype))}{{{list(input.shape)}}}, "
                           f"size={list(size)}): the number of sizes provided ({len(size)}) must be greater "
                           f"or equal to the number of dimensions in the tensor ({input.ndim})")
    shape = tuple(input.shape[i - lead] if s == -1 else s for i, s in enumerate(size))
    for i, n in enumerate(input.shape):
        if n != 1 and n != shape[i + lead]:
            raise RuntimeError(f"The expanded size of the tensor ({shape[i + lead]}) must match the existing "
                               f"size ({n}) at non-singleton dimension {i + lead}.  Target sizes: "
                               f"{list(size)}.  Tensor sizes: {list(input.shape)}")
    return xp.broadcast_to(input, shape)


# d(cast)/dx = 1: the registry casts each gradient back to its input's dtype.
@defop("ToCopyBackward0", vjp=lambda g: g, jvp="linear", promote="none")
def to_dtype(input, dtype):
    """Cast to a dtype (the gradient is cast back)."""
    np_dtype = D.to_np(dtype)
    return input if input.dtype == np_dtype else input.astype(np_dtype)



def apply_jvp(op, arrays, tangents, out, extras=(), kwargs=None):
    """The output tangent of one call of `op`, from its input tangents, by the op's JVP rules.

    Works on backend arrays; a None tangent is a zero and its rule is skipped (JAX's `Zero`).
    "linear" runs the forward on the tangent; "elementwise" runs the (diagonal) VJP rule with the
    tangent in place of the gradient. Forward-mode AD (autograd/forward_ad.py) is built on this.
    """
    kwargs = kwargs or {}
    jvp = op.jvp
    if all(t is None for t in tangents):
        return None
    if jvp == "linear":
        return op.forward(tangents[0], *extras, **kwargs)
    if jvp == "elementwise":
        return op.vjp[0](tangents[0], *[_jvp_arg(op, name, arrays, out, extras, kwargs)
                                        for name in op.rule_params[0]])
    total = None
    for rule, names, tangent in zip(jvp, op.jvp_params, tangents):
        if tangent is None:
            continue
        term = rule(tangent, *[_jvp_arg(op, name, arrays, out, extras, kwargs) for name in names])
        term = xp.broadcast_to(term, out.shape)
        total = term if total is None else total + term
    return total.astype(out.dtype, copy=False)


def _jvp_arg(op, name, arrays, out, extras, kwargs):
    kind, key = op._source(name)
    if kind == "out":
        return out
    if kind == "input":
        return arrays[key]
    if kind == "shape":
        return xp.shape(arrays[key])
    if kind == "dtype":
        return D.from_np(arrays[key].dtype)
    position, arg = key
    if arg in kwargs:
        return kwargs[arg]
    if arg == op.var_positional:
        return extras[position:]
    return extras[position] if position < len(extras) else op.defaults[arg]
