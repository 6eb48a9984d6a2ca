"""Custom differentiable operations: `Function`, its `ctx`, and `once_differentiable`.

A subclass of `Function` gives a `forward` (run on Tensors with grad mode off) and a `backward`
(the gradients of the inputs from those of the outputs). `Cls.apply(*args)` runs the forward and,
when an input requires grad, records ONE graph node for the call, named `<ClassName>Backward` as
PyTorch names it. That node is also the `ctx` the user's methods receive (as in PyTorch, where
`y.grad_fn` is the ctx): it keeps the saved tensors, `needs_input_grad` and the user's attributes.

The user's backward always sees Tensors. Without create_graph the engine carries raw arrays (NOTE
[gradient values] in graph.py): they are wrapped on the way in and unwrapped on the way out, and the
backward runs with grad mode off. With create_graph it runs with grad mode on, so a backward written
with tapegrad ops is recorded and can be differentiated again.
"""
import functools

from .. import _backend as B
from .. import _tensor as T  # the module, not its names: autograd is imported while _tensor loads
from .grad_mode import _state
from .graph import Node, SavedTensor

_ONCE_DIFFERENTIABLE_ERROR = "trying to differentiate twice a function that was marked with @once_differentiable"
_LEAF_DIRTY = "a leaf Variable that requires grad has been used in an in-place operation."
_LEGACY = ("Legacy autograd function with non-static forward method is deprecated. Please use new-style "
           "autograd function with static forward method. (Example: "
           "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")


class FunctionCtx:
    """What `forward`/`setup_context` and `backward` share: saved tensors, flags, any attribute.

    Example:
        >>> class Square(tapegrad.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x * x
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         x, = ctx.saved_tensors
        ...         return 2 * x * g
    """

    _to_save = ()
    _dirty = ()
    _non_differentiable = ()
    materialize_grads = True
    needs_input_grad = ()

    def save_for_backward(self, *tensors):
        """Keep tensors (or None) for backward; they are checked against later in-place changes.

        Example:
            >>> ctx.save_for_backward(x, out)  # inside forward or setup_context
        """
        for t in tensors:
            if t is not None and type(t) not in T._tensor_types:
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{tensors.index(t)} is of type {type(t).__name__}")
        self._to_save = tensors

    def save_for_forward(self, *tensors):
        """Keep tensors for the forward-mode `jvp` (PyTorch's `ctx.save_for_forward`).

        Example:
            >>> ctx.save_for_forward(x)
        """
        self.__dict__["_saved_for_forward"] = tensors

    def mark_dirty(self, *tensors):
        """Declare the inputs that forward changed in place (they must be returned as outputs).

        Example:
            >>> x.mul_(2); ctx.mark_dirty(x); return x  # inside forward
        """
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        """Declare outputs that get no gradient (indices, masks): they won't require grad.

        Example:
            >>> ctx.mark_non_differentiable(indices)  # inside forward
        """
        self._non_differentiable = tensors

    def set_materialize_grads(self, value):
        """Whether None gradients of outputs reach backward as zeros (default True) or as None.

        Example:
            >>> ctx.set_materialize_grads(False)  # inside forward
        """
        self.materialize_grads = bool(value)

    @property
    def saved_tensors(self):
        """The tensors given to `save_for_backward`, after checking none was changed in place.

        Inside `jvp`, the tensors given to `save_for_forward` (as in PyTorch).
        """
        if "_in_jvp" in self.__dict__:
            return tuple(self.__dict__.get("_saved_for_forward", ()))
        saved = self._saved
        if saved is None:
            return tuple(self._to_save)
        result = []
        for value, output_nr in zip(saved, self._saved_output_nrs):
            if type(value) is SavedTensor:
                value = value.unpack(self, True)
                if output_nr is not None:  # a saved output, rebuilt around its array with this node
                    value._output_nr = output_nr
            result.append(value)
        return tuple(result)

    @property
    def saved_variables(self):
        """The old name of `saved_tensors`."""
        return self.saved_tensors


class BackwardFunction(Node, FunctionCtx):
    """The node (and ctx) of one `Function.apply` call; subclassed per Function as `<Name>Backward`."""

    __slots__ = ()
    _forward_cls = None
    _saved_output_nrs = ()

    def __init__(self):
        Node.__init__(self)

    def __repr__(self):  # PyTorch's text, so printed output matches it
        return f"<torch.autograd.function.{type(self).__name__} object at {hex(id(self))}>"

    def apply(self, grad_outputs):
        """Call the user's backward with Tensors; check and return the inputs' gradients."""
        as_tensor = _state.enabled
        grads = []
        for g, meta in zip(grad_outputs, self._output_meta):
            if g is None:
                if self.materialize_grads and meta is not None:
                    g = T._make(B.xp.zeros(meta[0], dtype=meta[1]))
            elif type(g) not in T._tensor_types:
                g = T._make(g)
            grads.append(g)
        result = self._forward_cls.backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        expected = self._n_inputs
        if len(result) != expected:
            if len(result) > expected and all(r is None for r in result[expected:]):
                result = result[:expected]
            else:
                raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                                   f"(expected {expected}, got {len(result)})")
        out = []
        for position, r in enumerate(result):
            meta = self._input_meta[position]
            if meta is None:  # not a Tensor in forward
                if r is not None:
                    raise RuntimeError(f"function {self.name()} returned a gradient different than None at "
                                       f"position {position + 1}, but the corresponding forward input was "
                                       "not a Variable")
                continue
            if r is not None:
                r = self._checked(r, meta, len(out))
                if not as_tensor:
                    r = r._data if type(r) in T._tensor_types else B.xp.asarray(r)
                    if r.base is None:
                        r = r.view()  # the user may keep it: see NOTE [gradient ownership]
            out.append(r)
        return out

    def _checked(self, grad, meta, index):
        """PyTorch's validate_outputs: sum a broadcast gradient back, refuse a wrong shape, cast."""
        from ..ops import sum_to_size, to_dtype
        if type(grad) not in T._tensor_types:
            grad = T._make(B.xp.asarray(grad))
        shape, dtype = meta
        if grad.shape != shape:
            if not _expandable(shape, grad.shape):
                raise RuntimeError(f"Function {self.name()} returned an invalid gradient at index {index} - "
                                   f"got {list(grad.shape)} but expected shape compatible with {list(shape)}")
            grad = sum_to_size(grad, shape)
        if grad._data.dtype != dtype:
            from .._dtype import from_np
            grad = to_dtype(grad, from_np(dtype))
        return grad


def _expandable(shape, target):
    """Whether `shape` broadcasts to `target` (so a gradient of shape `target` sums back to it)."""
    if len(shape) > len(target):
        return False
    return all(s == t or s == 1 for s, t in zip(reversed(shape), reversed(target)))


class Function:
    """Base class of custom differentiable operations; call them with `Cls.apply(*args)`.

    Subclasses define `forward(ctx, *args)` (or `forward(*args)` plus `setup_context(ctx, inputs,
    output)`) and `backward(ctx, *grad_outputs)`, both `@staticmethod`; backward returns one gradient
    (or None) per forward argument. An optional `jvp(ctx, *tangents)` serves forward-mode AD.

    Example:
        >>> class Exp(tapegrad.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         y = x.exp()
        ...         ctx.save_for_backward(y)
        ...         return y
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         y, = ctx.saved_tensors
        ...         return g * y
        >>> x = tapegrad.tensor(0.0, requires_grad=True)
        >>> y = Exp.apply(x); y
        tensor(1., grad_fn=<ExpBackward>)
        >>> y.backward(); x.grad
        tensor(1.)
    """

    _backward_cls = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "vjp" in cls.__dict__ and "backward" not in cls.__dict__:  # `vjp` is another name for backward
            cls.backward = cls.__dict__["vjp"]
        cls._backward_cls = type(cls.__name__ + "Backward", (BackwardFunction,),
                                 {"__slots__": (), "_forward_cls": cls})

    def __call__(self, *args, **kwargs):
        raise RuntimeError(_LEGACY)

    @staticmethod
    def forward(ctx, *args, **kwargs):
        """The operation on Tensors (grad mode is off here); returns a Tensor or a tuple."""
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Optional: fill ctx from the inputs and output, for a forward that takes no ctx."""
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        """The gradients of the inputs (one per forward argument, None allowed) from the outputs'."""
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        """Optional: the output tangents from the input tangents, for forward-mode AD."""
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use "
                                  "it with forward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward on `args` and, when an input requires grad, record one node for the call.

        Example:
            >>> y = Exp.apply(x)  # see the class docstring
        """
        if cls._backward_cls is None:
            raise RuntimeError("Function.apply must be called on a subclass of Function")
        is_tensor = [type(a) in T._tensor_types for a in args]
        recording = _state.enabled and any(t and a._requires_grad for t, a in zip(is_tensor, args))
        ctx = cls._backward_cls()
        ctx.needs_input_grad = tuple(recording and t and a._requires_grad for t, a in zip(is_tensor, args))
        custom_setup = cls.setup_context is not Function.setup_context
        previous = _state.enabled
        _state.enabled = False
        try:
            if custom_setup:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        finally:
            _state.enabled = previous
        result = _record(ctx, args, is_tensor, output) if recording else output
        from . import forward_ad  # late: forward_ad needs the Tensor class
        if forward_ad._current_level >= 0:
            _forward_mode(cls, ctx, args, is_tensor, result, forward_ad)
        return result


def _forward_mode(cls, ctx, args, is_tensor, result, forward_ad):
    """Inside a dual level: the outputs' tangents from the user's `jvp` (PyTorch's error without one)."""
    tangents = [forward_ad._tangent(a) if t else None for t, a in zip(is_tensor, args)]
    if all(t is None for t in tangents):
        return
    if cls.jvp is Function.jvp:
        Function.jvp(ctx)  # raises PyTorch's NotImplementedError
    tangents = [T._make(B.xp.zeros_like(a._data)) if t and tangent is None else tangent
                for t, a, tangent in zip(is_tensor, args, tangents)]
    ctx.__dict__["_in_jvp"] = True
    previous = _state.enabled
    _state.enabled = False
    try:
        out_tangents = cls.jvp(ctx, *tangents)
    finally:
        _state.enabled = previous
        ctx.__dict__.pop("_in_jvp", None)
    outputs = result if isinstance(result, tuple) else (result,)
    out_tangents = out_tangents if isinstance(out_tangents, tuple) else (out_tangents,)
    for out, tangent in zip(outputs, out_tangents):
        if type(out) in T._tensor_types and tangent is not None:
            forward_ad._set_tangent(out, tangent)


def _record(ctx, args, is_tensor, output):
    """Make ctx the grad_fn of the outputs; keep what backward needs to check its gradients."""
    ctx.next_edges = tuple(a._edge() if a._requires_grad else None
                           for t, a in zip(is_tensor, args) if t)
    ctx._n_inputs = len(args)
    ctx._input_meta = [(a._data.shape, a._data.dtype) if t else None for t, a in zip(is_tensor, args)]
    single = not isinstance(output, tuple)
    outputs = (output,) if single else output
    dirty = {id(t) for t in ctx._dirty}
    non_diff = {id(t) for t in ctx._non_differentiable}
    input_ids = {id(a) for t, a in zip(is_tensor, args) if t}
    ctx.num_outputs = len(outputs)
    meta, wrapped, out_nr = [], [], {}
    for i, t in enumerate(outputs):
        if type(t) not in T._tensor_types:
            meta.append(None)
            wrapped.append(t)
            continue
        meta.append((t._data.shape, t._data.dtype))
        if id(t) in dirty:
            if t._requires_grad and t._grad_fn is None:
                raise RuntimeError(_LEAF_DIRTY)
            t._counter.value += 1
            t.__dict__.pop("_base", None)
            t._grad_fn, t._requires_grad = ctx, True
        elif id(t) in non_diff or t._data.dtype.kind not in "fc":
            if id(t) in input_ids or t._requires_grad:
                t = t.detach()
        else:
            if id(t) in input_ids or "_base" in t.__dict__:
                alias = T._make(t._data, grad_fn=ctx)  # an input returned as it is: a new tensor, same memory
                alias._counter = t._counter
                t = alias
            t._grad_fn, t._requires_grad = ctx, True
        if t._grad_fn is ctx:
            t._output_nr = i
            out_nr[id(outputs[i])] = i
            out_nr[id(t)] = i
        wrapped.append(t)
    ctx._output_meta = meta
    if ctx._dirty:
        for t in ctx._dirty:
            if id(t) not in out_nr:
                raise RuntimeError("Some elements marked as dirty during the forward method were not returned "
                                   "as output. The inputs that are modified inplace must all be outputs of the "
                                   "Function.")
    saved, nrs = [], []
    for t in ctx._to_save:
        if t is None:
            saved.append(None)
            nrs.append(None)
        elif id(t) in out_nr and id(t) not in input_ids or id(t) in dirty:
            saved.append(SavedTensor(None, t._data, t._counter))
            nrs.append(out_nr[id(t)])
        else:
            saved.append(SavedTensor(t, t._data, t._counter))
            nrs.append(None)
    ctx._saved = saved
    ctx._saved_output_nrs = nrs
    ctx.__dict__.pop("_to_save", None)
    return wrapped[0] if single else tuple(wrapped)


class _ErrorNode(Node):
    """The node behind a @once_differentiable backward's results: differentiating them raises."""

    __slots__ = ()

    def name(self):
        return "torch::autograd::Error"

    def apply(self, grad_outputs):
        raise RuntimeError(_ONCE_DIFFERENTIABLE_ERROR)


_ErrorNode.__name__ = _ErrorNode.__qualname__ = "Error"


def once_differentiable(fn):
    """Decorate a backward that is not itself differentiable: it runs with grad mode off, and
    differentiating its results (double backward) raises PyTorch's error.

    Example:
        >>> class Exp(tapegrad.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         return x.exp()
        ...     @staticmethod
        ...     @once_differentiable
        ...     def backward(ctx, g):
        ...         return g * g  # any NumPy code would do here
    """
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        previous = _state.enabled
        _state.enabled = False
        try:
            outputs = fn(ctx, *args)
        finally:
            _state.enabled = previous
        if not previous:
            return outputs
        edges = tuple(a._edge() for a in args if type(a) in T._tensor_types and a._requires_grad)
        if not edges:
            return outputs
        single = not isinstance(outputs, tuple)
        outputs = (outputs,) if single else outputs
        node = _ErrorNode(edges)
        node.num_outputs = len(outputs)
        wrapped = []
        for i, out in enumerate(outputs):
            if type(out) in T._tensor_types:
                out = T._make(out._data, grad_fn=node)
                out._output_nr = i
            wrapped.append(out)
        return wrapped[0] if single else tuple(wrapped)
    return wrapper


__all__ = ["Function", "FunctionCtx", "once_differentiable", "BackwardFunction"]
