"""Graph nodes: what the engine walks.

A `Node` is one recorded operation. It knows where its input gradients go (`next_edges`: one
`(node, input_nr)` pair or None per input), its creation number `seq` (the engine's priority) and
what it saved for its rule. The registry in `ops/_registry.py` makes one Node subclass per op, named
as PyTorch names it (`MulBackward0`); `AccumulateGrad` ends the edges of leaves and writes `.grad`.

NOTE [gradient values]: during a backward pass without `create_graph`, gradients travel as raw
backend arrays and rules run on arrays (HIPS's pass-through), so the graph costs no Tensor wrapping.
With `create_graph=True` they travel as Tensors and the rules are recorded. Hooks always see Tensors.

NOTE [gradient ownership]: an array that reaches AccumulateGrad with `base is None` is fresh and
held by nobody else, so it becomes `.grad` without a copy (PyTorch steals such gradients too). This
holds because every array a rule returns is either new or a view: the registry turns a rule that
passes `g` on unchanged into `g.view()`, and the engine hands the user's `gradient` on as a view.
A rule must never return a saved array itself.

NOTE [saved tensor hooks]: inside `saved_tensors_hooks(pack, unpack)` a SavedTensor keeps
`pack(tensor)` instead of the tensor, and gives `unpack(packed)` back when a rule needs it. Such a
SavedTensor has `version == -1` (no real version is negative), which sends the registry's inlined
fast path to `unpack()`; no in-place check is made for it (the hooks own the value, as in PyTorch).
While no hooks are active the only cost is one test of a module global per saved tensor.
"""
import itertools
import os
import sys
import threading
import traceback

from .. import _backend as B
from .. import _errors
from .._dtype import legacy_name, from_np
from .anomaly_mode import _anomaly
from .grad_mode import _state

_sequence = itertools.count()


class VersionCounter:
    """How many times a tensor's memory was changed in place; shared by a tensor and its views."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


class Node:
    """One operation of the recorded graph; subclasses give `apply` and PyTorch's class name."""

    # Hooks and metadata are rare: class defaults, stored in the instance's __dict__ only when set.
    __slots__ = ("next_edges", "seq", "_saved", "__weakref__", "__dict__")
    num_outputs = 1
    _pre_hooks = None
    _hooks = None

    def __init__(self, next_edges=()):
        self.next_edges = next_edges
        self.seq = next(_sequence)
        self._saved = None

    @property
    def metadata(self):
        """A dict for the user's notes about this node (PyTorch's `grad_fn.metadata`)."""
        return self.__dict__.setdefault("_metadata", {})

    def name(self):
        """PyTorch's name of this node, e.g. 'MulBackward0'."""
        return type(self).__name__

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    @property
    def next_functions(self):
        """((node, input_nr) or (None, 0), ...): where this node sends each input's gradient."""
        return tuple(edge if edge is not None else (None, 0) for edge in self.next_edges)

    def apply(self, grad_outputs):
        """Gradients of the inputs (one per next edge) from those of the outputs."""
        raise NotImplementedError

    def release(self):
        """Free the saved tensors after backward (unless retain_graph): see SavedTensor.unpack."""
        saved = self._saved
        if saved:
            for value in saved:
                if type(value) is SavedTensor:
                    value.release()

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) runs after this node; it may return new grad_inputs."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return RemovableHandle(self._hooks, fn)

    def register_prehook(self, fn):
        """fn(grad_outputs) runs before this node; it may return new grad_outputs."""
        if self._pre_hooks is None:
            self._pre_hooks = []
        self._pre_hooks.append(fn)
        return RemovableHandle(self._pre_hooks, fn)

    def _register_tensor_hook(self, output_nr, fn):
        """A hook of the tensor that is output `output_nr` of this node: fn(grad) -> grad or None."""
        return self.register_prehook(tensor_prehook(output_nr, fn))


def tensor_prehook(output_nr, fn):
    """A node pre-hook that runs a tensor hook fn(grad) -> grad or None on one output's gradient."""
    def prehook(grad_outputs):
        grad = grad_outputs[output_nr]
        if grad is None:
            return None
        result = fn(grad)
        if result is None:
            return None
        if result.shape != grad.shape:
            raise RuntimeError(f"hook '{getattr(fn, '__name__', 'hook')}' has changed the size of value")
        grad_outputs = list(grad_outputs)
        grad_outputs[output_nr] = result
        return grad_outputs
    return prehook


class RemovableHandle:
    """What `register_hook` returns: `handle.remove()` takes the hook out."""

    def __init__(self, hooks, fn):
        self._hooks, self._fn = hooks, fn

    def remove(self):
        try:
            self._hooks.remove(self._fn)
        except ValueError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class AccumulateGrad(Node):
    """The end of a leaf's edges: adds the arriving gradient into `variable.grad`."""

    __slots__ = ("variable",)

    def name(self):
        return "torch::autograd::AccumulateGrad"

    # The leaf keeps the hooks (see Tensor.register_hook): this node is held weakly and may be new.
    @property
    def _pre_hooks(self):
        return self.variable.__dict__.get("_leaf_hooks")

    @_pre_hooks.setter
    def _pre_hooks(self, hooks):
        if hooks is not None:
            self.variable.__dict__["_leaf_hooks"] = hooks

    def __init__(self, variable):
        self.next_edges = ()
        self._saved = None
        self.variable = variable
        # run as soon as ready, as PyTorch does, freeing the gradient early; still unique (see engine)
        self.seq = sys.maxsize - next(_sequence)

    def apply(self, grad_outputs):
        variable = self.variable
        accumulate_into(variable, grad_outputs[0])
        hooks = variable._post_accumulate_hooks
        if hooks and grad_outputs[0] is not None:
            for hook in list(hooks):
                result = hook(variable)
                if result is not None:
                    raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")
        return ()


def accumulate_into(variable, grad):
    """Add `grad` (array or Tensor, see NOTE [gradient values]) into `variable.grad`."""
    if grad is None:
        return
    from .._tensor import Tensor, _make
    if variable._grad_req == "write":  # MXNet's face: the gradient is overwritten, not added
        variable._grad = None
    old = variable._grad
    if type(grad) is Tensor:  # create_graph=True: keep the gradient's graph
        if old is None:
            from ..ops import copy_value, to_dtype
            variable._grad = copy_value(to_dtype(grad, variable.dtype))
        else:
            variable._grad = old + grad
        return
    if old is None:
        if type(grad) is B.ndarray and grad.base is None and grad.dtype == variable._data.dtype:
            variable._grad = _make(grad)  # fresh and unshared: see NOTE [gradient ownership]
        else:  # a view (of a broadcast, of another gradient, of the user's tensor): copy
            variable._grad = _make(B.xp.array(grad, dtype=variable._data.dtype, copy=True))
    elif _state.enabled or not old._data.flags.writeable:
        variable._grad = old + _make(grad)
    else:
        old._data += grad
        old._counter.value += 1


_OUTPUT = "output"  # SavedTensor.tensor of a packed saved output (see NOTE [saved tensor hooks])


class _KeepRef:
    """A strong stand-in for a weak reference: `ref()` gives the object."""

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def __call__(self):
        return self.obj


def _tensor_class():
    from .._tensor import Tensor
    return Tensor


class SavedTensor:
    """A tensor a node keeps for its rule, checked against in-place changes when unpacked.

    An input is kept as its Tensor. An output is kept as its array only, never as the output Tensor
    (that would be a cycle node -> tensor -> node that only the garbage collector frees); when a
    Tensor is needed (create_graph), one is rebuilt around the array with the node as its grad_fn.
    """

    __slots__ = ("tensor", "data", "counter", "version", "released", "unpack_hook")

    def __init__(self, tensor, data, counter):
        if tensor is not None and tensor._is_inference:
            raise RuntimeError(_errors.INFERENCE_SAVED)
        self.tensor = tensor
        self.data = data
        self.counter = counter
        self.version = counter.value
        self.released = False
        if _hooks_active:  # NOTE [saved tensor hooks]
            self._pack(_hook_stack())

    def _pack(self, stack):
        hooks = next((entry for entry in reversed(stack or ()) if type(entry) is tuple), None)
        if hooks is None:  # only disable_saved_tensors_hooks blocks are open
            return
        pack_hook, self.unpack_hook = hooks
        tensor = self.tensor
        if tensor is None:  # a saved output: the hook sees a Tensor of its value
            tensor = _tensor_class()._make(self.data)
            self.tensor = _OUTPUT
        else:  # keep only where the input's gradient goes (its edge), as PyTorch does
            self.tensor = tensor._edge() if tensor._requires_grad else None
        self.data = pack_hook(tensor)
        self.version = -1

    def _unpack_hooked(self, node, as_tensor):
        value = self.unpack_hook(self.data)
        Tensor = _tensor_class()
        if not isinstance(value, Tensor):
            raise TypeError("Output of saved tensor unpack_hook expected to be a Tensor but got "
                            f"result of type {type(value).__name__}")
        if not as_tensor:
            return value._data
        # create_graph: the unpacked value goes back on the saved tensor's place in the graph
        edge = self.tensor
        if edge is None:
            return value.detach()
        if edge is _OUTPUT:
            edge = (node, 0)
        out = Tensor._make(value._data, grad_fn=edge[0])
        if type(edge[0]) is AccumulateGrad:  # a leaf: gradients go to the original leaf's node
            out._grad_fn = None
            out._accumulator = _KeepRef(edge[0])
        elif edge[1]:
            out._output_nr = edge[1]
        return out

    def unpack(self, node, as_tensor):
        if self.released:
            raise RuntimeError(_errors.BACKWARD_TWICE)
        if self.version == -1:
            return self._unpack_hooked(node, as_tensor)
        if self.counter.value != self.version:
            raise RuntimeError(self._modified_message(node))
        if not as_tensor:
            return self.data
        if self.tensor is not None:
            return self.tensor
        out = _tensor_class()._make(self.data, grad_fn=node)
        out._counter = self.counter
        return out

    def release(self):
        self.tensor = self.data = None
        self.released = True

    def _modified_message(self, node):
        producer = ""
        t = self.tensor
        # an input names the node that last wrote it; a saved output names the node that made it
        maker = node if t is None else t._grad_fn
        if maker is not None:
            name = maker.name()
            name = name if name.startswith("torch::") else name.rsplit("Backward", 1)[0]
            producer = f", which is output 0 of {name},"
        shape = ", ".join(str(n) for n in self.data.shape)
        return _errors.MODIFIED_INPLACE.format(
            type_name=legacy_name(from_np(self.data.dtype)), shape=shape, producer=producer,
            version=self.counter.value, expected=self.version)


# ---- saved tensor hooks ------------------------------------------------------------------------

class _HookState(threading.local):
    stack = None


_hook_state = _HookState()
_hooks_active = 0  # how many saved_tensors_hooks / disable blocks are open, in any thread


def _hook_stack():
    return _hook_state.stack


class saved_tensors_hooks:
    """Pack every tensor a node saves with `pack_hook`, unpack it with `unpack_hook` in backward.

    Example:
        >>> def pack(t): return t.detach().numpy().copy()
        >>> def unpack(a): return tapegrad.from_numpy(a)
        >>> x = tapegrad.tensor([1.0, 2.0], requires_grad=True)
        >>> with tapegrad.autograd.graph.saved_tensors_hooks(pack, unpack):
        ...     y = (x * x).sum()
        >>> y.backward(); x.grad
        tensor([2., 4.])
    """

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook

    def __enter__(self):
        _push((self.pack_hook, self.unpack_hook))
        return self

    def __exit__(self, *exc):
        _pop()


class disable_saved_tensors_hooks:
    """Make `saved_tensors_hooks` (and saving under one) raise `error_message` in this block.

    Example:
        >>> with tapegrad.autograd.graph.disable_saved_tensors_hooks("not here"):  # doctest: +SKIP
        ...     with tapegrad.autograd.graph.saved_tensors_hooks(id, id): pass
        RuntimeError: not here
    """

    def __init__(self, error_message):
        self.error_message = error_message

    def __enter__(self):
        _push(self.error_message)
        return self

    def __exit__(self, *exc):
        _pop()


def _push(entry):
    global _hooks_active
    stack = _hook_state.stack
    if stack is None:
        stack = _hook_state.stack = []
    if stack and isinstance(stack[-1], str) and not isinstance(entry, str):
        raise RuntimeError(stack[-1])
    stack.append(entry)
    _hooks_active += 1


def _pop():
    global _hooks_active
    _hook_state.stack.pop()
    _hooks_active -= 1


# ---- anomaly mode --------------------------------------------------------------------------------

def note_creation(node):
    """Record where `node` was made, when anomaly mode is on (see `anomaly_mode`).

    Example:
        >>> note_creation(node)  # doctest: +SKIP
    """
    if _anomaly.enabled:
        # the user's frames only: tapegrad's own calls would bury the line that made the node
        frames = [f for f in traceback.extract_stack()[:-1] if not f.filename.startswith(_PACKAGE_DIR)]
        node._anomaly_trace = "".join(traceback.format_list(frames))
    return node


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
