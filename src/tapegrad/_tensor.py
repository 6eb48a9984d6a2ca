"""Tensor: a backend array plus the bookkeeping autograd needs.

A Tensor holds its array (`_data`), whether it requires grad, its `.grad`, the node that made it
(`grad_fn`, None for leaves) and a version counter shared with its views. Operators and methods
call the functions of `tapegrad.ops` (bound at the bottom of this module, which is imported last
because ops depend on Tensor); in-place methods go through `_inplace`, which keeps autograd honest.
"""
import warnings
import weakref

from . import _backend as B
from . import _dtype as D
from . import _errors
from ._device import CPU, Size, _check_device, device  # noqa: F401  (re-exported)
from ._printing import format_tensor
from .autograd.grad_mode import _state
from .autograd.graph import AccumulateGrad, RemovableHandle, VersionCounter, tensor_prehook

xp = B.xp
ndarray = B.ndarray


_tensor_types = set()  # Tensor and its subclasses (Parameter): a set lookup is faster than isinstance


class Tensor:
    """An n-dimensional array that records the operations applied to it, for gradients."""

    # Every op writes the slots; the rarer fields are class defaults, set in the instance's __dict__
    # only when used (a view, a leaf's gradient...), which keeps each op's Tensor cheap to make.
    __slots__ = ("_data", "_requires_grad", "_grad_fn", "_counter", "__weakref__", "__dict__")
    _grad = None
    _base = None            # the tensor this one is a view of
    _view_fn = None         # replays the view on the base's array
    _view_version = 0       # the base's version when the view's node was made
    _accumulator = None     # weak reference to a leaf's AccumulateGrad node
    _retains_grad = False
    _grad_req = "add"       # MXNet's face may set "write"
    _output_nr = 0          # which output of its grad_fn this tensor is (nodes may have several)
    _is_inference = False   # made inside inference_mode(): PyTorch keeps such tensors out of autograd
    _fw_tangents = None     # forward-mode AD: {level: tangent}, set by autograd/forward_ad.py
    _post_accumulate_hooks = None  # a leaf's hook(tensor) list, run by AccumulateGrad
    __array_priority__ = 1000  # `ndarray * tensor` calls Tensor.__rmul__, as with PyTorch tensors

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _tensor_types.add(cls)

    def __init__(self, *args, dtype=None, device=None, requires_grad=False):
        # The legacy constructor: Tensor([1, 2]) copies data as float32; Tensor(2, 3) is uninitialised.
        if len(args) == 1 and not isinstance(args[0], int):
            data = args[0]._data if type(args[0]) in _tensor_types else args[0]
            array = xp.array(data, dtype=D.to_np(dtype) or D.get_default_dtype().np)
        else:
            shape = _size_args(args)
            array = xp.zeros(shape, dtype=D.to_np(dtype) or D.get_default_dtype().np)
        _init(self, array, None, False)
        if requires_grad:
            self.requires_grad_(True)

    # ---- autograd bookkeeping -------------------------------------------------------------------

    @property
    def requires_grad(self):
        """Whether gradients flow to this tensor. Only leaves may be switched (`requires_grad_`)."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad=True):
        """Set requires_grad in place on a leaf; returns self.

        Example:
            >>> b = tapegrad.ones(2)
            >>> b.requires_grad_()
            tensor([1., 1.], requires_grad=True)
        """
        if self._grad_fn is not None:
            if requires_grad:
                return self
            raise RuntimeError(_errors.REQUIRES_GRAD_NONLEAF)
        if requires_grad and self._is_inference and not _state.inference:
            raise RuntimeError(_errors.INFERENCE_REQUIRES_GRAD)
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError(_errors.INTEGER_REQUIRES_GRAD_METHOD)
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def grad(self):
        """The accumulated gradient (None until a backward reaches this leaf)."""
        if self._grad is None and self._grad_fn is not None and not self._retains_grad:
            warnings.warn(_errors.NONLEAF_GRAD_ACCESS, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if type(value) not in _tensor_types:
                kind = type(value)
                module = kind.__module__.split(".")[0]
                name = kind.__name__ if module == "builtins" else f"{module}.{kind.__name__}"
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {name}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor of "
                                   f"size '{list(self.shape)}'. Please ensure that the gradient and the tensor "
                                   "are the same size")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{_c_name(value.dtype)}' to a tensor with "
                    f"grad_dtype '{_scalar_type_name(self.dtype)}'. The gradient must match the tensor's "
                    "grad_dtype (defaults to the tensor's dtype). You can set the tensor's grad_dtype attribute "
                    "with a specific dtype, or None to allow any dtype. Set grad_dtype with caution. Diverging "
                    "the dtypes of a tensor and its gradient may break downstream systems that assume they match.")
        self._grad = value

    @property
    def grad_fn(self):
        """The node that made this tensor (None for leaves): where its gradient goes next.

        A view whose base was changed in place since the view was taken now depends on the base's
        new value: its node is re-derived from the base (PyTorch's AsStridedBackward0).
        """
        base = self._base
        if base is not None and self._counter.value != self._view_version:
            self._view_version = self._counter.value
            if base._grad_fn is not None:
                from .ops.indexing import rederive_view
                rederive_view(self, base)
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, node):
        self._grad_fn = node

    @property
    def _version(self):
        """How many in-place changes this tensor's memory has seen (shared with its views)."""
        return self._counter.value

    @property
    def is_leaf(self):
        """True for tensors the user made (and results that don't require grad): they get `.grad`."""
        return self._grad_fn is None

    def retain_grad(self):
        """Keep `.grad` of this non-leaf tensor after backward (leaves keep theirs anyway)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        ref = weakref.ref(self)

        def retain(grad):
            tensor = ref()
            if tensor is not None:
                old = tensor._grad
                if _state.enabled:
                    tensor._grad = grad if old is None else old + grad
                else:
                    tensor._grad = _make(xp.array(grad._data)) if old is None else _make(old._data + grad._data)
        self.__dict__["_retain_hook"] = (retain, self._grad_fn._register_tensor_hook(self._output_nr, retain))

    @property
    def retains_grad(self):
        return bool(self._retains_grad)

    def register_hook(self, hook):
        """hook(grad) runs when this tensor's gradient is computed; it may return a replacement.

        Example:
            >>> x = tapegrad.tensor(2.0, requires_grad=True)
            >>> h = x.register_hook(lambda g: g * 10)
            >>> (x * 3).backward(); x.grad
            tensor(30.)
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self._grad_fn._register_tensor_hook(self._output_nr, hook)
        # A leaf keeps its hooks itself: its AccumulateGrad node is held weakly and may not exist yet.
        hooks = self.__dict__.setdefault("_leaf_hooks", [])
        prehook = tensor_prehook(0, hook)
        hooks.append(prehook)
        return RemovableHandle(hooks, prehook)

    def register_post_accumulate_grad_hook(self, hook):
        """hook(tensor) runs after a backward pass has accumulated into this leaf's `.grad`.

        Example:
            >>> w = tapegrad.tensor(1.0, requires_grad=True)
            >>> h = w.register_post_accumulate_grad_hook(lambda t: print("grad", t.grad))
            >>> (w * 3).backward()
            grad tensor(3.)
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        hooks = self.__dict__.setdefault("_post_accumulate_hooks", [])
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    def is_inference(self):
        """Whether this tensor was made inside `inference_mode()` (it can't join autograd later).

        Example:
            >>> with tapegrad.inference_mode():
            ...     t = tapegrad.ones(2)
            >>> t.is_inference(), tapegrad.ones(2).is_inference()
            (True, False)
        """
        return self._is_inference

    def _grad_accumulator(self):
        """This leaf's AccumulateGrad node, shared by all its uses (kept weakly, as PyTorch does)."""
        node = self._accumulator() if self._accumulator is not None else None
        if node is None:
            node = AccumulateGrad(self)
            self._accumulator = weakref.ref(node)
        return node

    def _edge(self):
        """Where a gradient for this tensor goes: (grad_fn, output_nr) or (its AccumulateGrad, 0)."""
        grad_fn = self.grad_fn if self._base is not None else self._grad_fn
        return (grad_fn, self._output_nr) if grad_fn is not None else (self._grad_accumulator(), 0)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into each leaf's `.grad` (see `tapegrad.autograd.backward`)."""
        from .autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self):
        """A tensor sharing this one's memory (and version counter) but cut from the graph."""
        out = _make(self._data)
        out._counter = self._counter
        return out

    def detach_(self):
        """Cut this tensor from the graph in place: it becomes a leaf that doesn't require grad."""
        self._grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self):
        """The same memory, outside autograd: changes to it are not tracked (PyTorch's `.data`)."""
        return _make(self._data)

    @data.setter
    def data(self, value):
        self._data = value._data if type(value) in _tensor_types else xp.asarray(value)

    # ---- what the tensor is -------------------------------------------------------------------

    @property
    def dtype(self):
        return D.from_np(self._data.dtype)

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        """The shape, or the length of one dimension."""
        if dim is None:
            return Size(self._data.shape)
        ndim = self._data.ndim
        if not -max(ndim, 1) <= dim < max(ndim, 1):
            raise IndexError(f"Dimension out of range (expected to be in range of [{-max(ndim, 1)}, "
                             f"{max(ndim, 1) - 1}], but got {dim})")
        return self._data.shape[dim] if ndim else 1

    def dim(self):
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    @property
    def device(self):
        return CPU

    is_cuda = False
    is_sparse = False
    is_quantized = False
    is_meta = False
    layout = "torch.strided"

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_complex(self):
        return self._data.dtype.kind == "c"

    def is_contiguous(self, memory_format=None):
        return self._data.flags.c_contiguous

    def contiguous(self, memory_format=None):
        return self if self._data.flags.c_contiguous else ops.clone(self)

    def stride(self, dim=None):
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[dim]

    def data_ptr(self):
        return self._data.__array_interface__["data"][0]

    # ---- conversions --------------------------------------------------------------------------

    def item(self):
        """The single value as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(_errors.ITEM_NOT_ONE.format(numel=self._data.size))
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, force=False):
        """The array itself (shared memory); PyTorch refuses while the tensor requires grad."""
        if self._requires_grad and not force:
            raise RuntimeError(_errors.NUMPY_REQUIRES_GRAD)
        return self._data

    def __array__(self, dtype=None, copy=None):
        if self._requires_grad:
            raise RuntimeError(_errors.NUMPY_REQUIRES_GRAD)
        return self._data if dtype is None else self._data.astype(dtype)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        """A new tensor from data, with this tensor's dtype unless given."""
        from ._creation import tensor
        return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
        from ._creation import full
        return full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        return self.new_full(_size_args(size), 0, dtype=dtype, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        return self.new_full(_size_args(size), 1, dtype=dtype, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        return self.new_zeros(*size, dtype=dtype, requires_grad=requires_grad)

    def to(self, *args, **kwargs):
        """Convert dtype (devices: only 'cpu'); returns self when nothing changes."""
        target = kwargs.get("dtype")
        for arg in args:
            if isinstance(arg, D.dtype):
                target = arg
            elif type(arg) in _tensor_types:
                target = arg.dtype
            elif isinstance(arg, (str, device)):
                _check_device(arg)
        if "device" in kwargs:
            _check_device(kwargs["device"])
        if target is None or target is self.dtype:
            return ops.clone(self) if kwargs.get("copy") else self
        return ops.to_dtype(self, target)

    def type(self, dtype=None):
        if dtype is None:
            return D.legacy_name(self.dtype)
        return self.to(dtype)

    def type_as(self, other):
        return self.to(other.dtype)

    def cpu(self):
        return self

    def cuda(self, *args, **kwargs):
        _check_device("cuda")

    def float(self):
        return self.to(D.float32)

    def double(self):
        return self.to(D.float64)

    def half(self):
        return self.to(D.float16)

    def long(self):
        return self.to(D.int64)

    def int(self):
        return self.to(D.int32)

    def bool(self):
        return self.to(D.bool_)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(_errors.BOOL_AMBIGUOUS)
        return bool(self._data.reshape(()))

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __hash__(self):
        return id(self)

    def __repr__(self, *, tensor_contents=None):
        grad_fn = self.grad_fn
        return format_tensor(self._data, D.from_np(self._data.dtype).name,
                             grad_fn_name=type(grad_fn).__name__ if grad_fn is not None else None,
                             requires_grad=self._requires_grad and grad_fn is None)

    __str__ = __repr__

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data, self._requires_grad))

    def __deepcopy__(self, memo):
        if self._grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the "
                               "deepcopy protocol at the moment.  If you were attempting to deepcopy a "
                               "module, this may be because of a torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        out = type(self).__new__(type(self))
        _init(out, self._data.copy(), None, self._requires_grad)
        if self.__dict__:
            import copy
            out.__dict__.update(copy.deepcopy(self.__dict__, memo))
        if self._grad is not None:
            out._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = out
        return out

    # ---- in place -----------------------------------------------------------------------------

    def _inplace(self, result):
        """Make `result` (computed out of place from self) the new value of self, as PyTorch would.

        Checks PyTorch's rules first so that nothing changes when they fail. When the graph is
        recorded, self takes over result's node; a node input that *is* self is first replaced by a
        snapshot of the old value (PyTorch's "original self"), so no gradient reads the new data.
        """
        recording = result._grad_fn is not None
        if self._is_inference and not _state.inference:
            raise RuntimeError(_errors.INFERENCE_INPLACE)
        if _state.enabled and self._requires_grad and self._grad_fn is None:
            raise RuntimeError(_errors.LEAF_INPLACE)
        if result._data.shape != self._data.shape:
            raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
                               f"{list(result._data.shape)}")
        if _state.enabled and self._base is not None and self._base._requires_grad \
                and self._base._grad_fn is None:
            raise RuntimeError(_errors.VIEW_OF_LEAF_INPLACE)
        if result._data.dtype != self._data.dtype and not xp.can_cast(result._data.dtype, self._data.dtype,
                                                                         "same_kind"):
            raise RuntimeError(f"result type {_scalar_type_name(result.dtype)} can't be cast to the desired "
                               f"output type {_scalar_type_name(self.dtype)}")
        if not self._data.flags.writeable:
            raise RuntimeError("unsupported operation: more than one element of the written-to tensor "
                               "refers to a single memory location. Please clone() the tensor before "
                               "performing the operation.")
        if recording:
            _snapshot_self(result._grad_fn, self)
        if recording and self._base is not None:
            ops.write_through_view(self, result)
            return self
        self._data[...] = result._data
        self._counter.value += 1
        if recording:
            self._grad_fn = result._grad_fn
            if self._output_nr != result._output_nr:
                self._output_nr = result._output_nr
            self._requires_grad = True
            if self._retains_grad:  # the retained gradient is now the new value's
                retain, handle = self.__dict__["_retain_hook"]
                handle.remove()
                handle = self._grad_fn._register_tensor_hook(self._output_nr, retain)
                self.__dict__["_retain_hook"] = (retain, handle)
        return self

    def zero_(self):
        """Fill with zeros in place (no gradient flows to the old values)."""
        return self._inplace(ops.zero(self))

    def fill_(self, value):
        """Fill with a number (or a one-element tensor) in place."""
        if type(value) in _tensor_types:
            return self.copy_(value)
        return self._inplace(ops.fill(self, value))

    def copy_(self, src, non_blocking=False):
        """Copy src's values into self (broadcasting, casting), with gradient to src."""
        if type(src) not in _tensor_types:
            src = _make(xp.asarray(src))
        return self._inplace(ops.overwrite(self, src))

    def __setitem__(self, index, value):
        ops.setitem(self, index, value)


def _scalar_type_name(d):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
            "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}.get(d.name, d.name)


def _c_name(d):
    return {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "bool": "bool"}.get(d.name, d.name)


def _snapshot_self(node, tensor):
    """Replace the node's saved first input, if it is `tensor`, by a copy of its current value.

    Only the first input (PyTorch's "original self"): another argument that is the same tensor
    (`y.mul_(y)`) stays saved as it is, so backward raises PyTorch's in-place error, as PyTorch does.
    """
    from .autograd.graph import SavedTensor
    saved = node._saved
    if not saved or not hasattr(node, "op"):
        return
    sources, _ = node.op.save_plan(tuple(slots is not None for slots in node._rule_slots))
    for i, source in enumerate(sources):
        value = saved[i]
        if source == ("input", 0) and type(value) is SavedTensor and value.tensor is tensor:
            old = _make(tensor._data.copy(), grad_fn=tensor._grad_fn, requires_grad=tensor._requires_grad)
            old._accumulator = tensor._accumulator
            saved[i] = SavedTensor(old, old._data, old._counter)


def _size_args(args):
    """Accept zeros(2, 3), zeros((2, 3)), zeros([2, 3]) and zeros(torch.Size([2, 3]))."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    return tuple(int(a) for a in args)


def _init(t, data, grad_fn, requires_grad):
    t._data = data
    t._requires_grad = requires_grad
    t._grad_fn = grad_fn
    t._counter = VersionCounter()
    if _state.inference:
        t._is_inference = True


def _make(data, grad_fn=None, requires_grad=None):
    """Wrap a backend array without checks: the hot path of every op."""
    t = object.__new__(Tensor)
    t._data = data
    t._requires_grad = grad_fn is not None if requires_grad is None else requires_grad
    t._grad_fn = grad_fn
    t._counter = VersionCounter()
    if _state.inference:
        t._is_inference = True
    return t


Tensor._make = staticmethod(_make)
_tensor_types.add(Tensor)


def _rebuild(data, requires_grad):
    t = _make(data)
    t._requires_grad = requires_grad
    return t


from . import ops  # noqa: E402  (late import: ops need Tensor)
from . import _methods  # noqa: E402,F401  (binds the operators and methods to Tensor)
