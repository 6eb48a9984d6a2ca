"""Higher-level derivatives as functions: vjp, jvp, jacobian, hessian, hvp and vhp.

Everything here is built from `tapegrad.autograd.grad` alone, with `create_graph=True` where a
derivative must itself be differentiated [PyTorch `torch/autograd/functional.py`, HIPS autograd's
`hessian = jacobian(jacobian(f))`]. It follows PyTorch's module step by step, so the output
structures (a tensor for a tensor input, tuples for tuple inputs, tuples of tuples for several
outputs and inputs) and the `strict=True` errors are PyTorch's, word for word. Forward-mode products
(`jvp`, `hvp`) use the "double backward trick": the VJP g(u) = J^T u is linear in u, so the VJP of
g with respect to u, taken at direction v, is J v.

Example:
    >>> from tapegrad.autograd.functional import jacobian
    >>> jacobian(lambda x: x ** 2, tapegrad.tensor([1., 2.]))
    tensor([[2., 0.],
            [0., 4.]])
"""
import tapegrad

from . import grad as _grad
from .grad_mode import enable_grad, is_grad_enabled, set_grad_enabled

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


# ---------------------------------------------------------------------------------------------
# Helpers: turn arguments into tuples and back, check them, fill in zeros (PyTorch's, one for one)

def _as_tuple(inp, arg_name=None, fn_name=None):
    """Return (was it a tuple, the tuple of Tensors); check the types when names are given."""
    if arg_name is None and fn_name is None:
        if isinstance(inp, tuple):
            return inp
        return tuple(inp) if isinstance(inp, list) else (inp,)
    is_inp_tuple = isinstance(inp, tuple)
    if not is_inp_tuple:
        inp = (inp,)
    for i, el in enumerate(inp):
        if not isinstance(el, tapegrad.Tensor):
            where = f"value at index {i}" if is_inp_tuple else f"given {arg_name}"
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of "
                            f"Tensors but the {where} has type {_type_name(el)}.")
    return is_inp_tuple, inp


def _type_name(value):
    if isinstance(value, tapegrad.Tensor):
        return "<class 'torch.Tensor'>"
    return str(type(value))


def _tuple_postprocess(res, to_unpack):
    """Undo `_as_tuple`: unwrap the levels the user did not pass as tuples."""
    if isinstance(to_unpack, tuple):
        if not to_unpack[1]:
            res = tuple(el[0] for el in res)
        if not to_unpack[0]:
            res = res[0]
    elif not to_unpack:
        res = res[0]
    return res


def _grad_preprocess(inputs, create_graph, need_graph):
    """Fresh tensors to differentiate with respect to: views (to keep the user's graph) or detached."""
    res = []
    for inp in inputs:
        if create_graph and inp.requires_grad:
            res.append(inp.view_as(inp))
        else:
            res.append(inp.detach().requires_grad_(need_graph))
    return tuple(res)


def _grad_postprocess(inputs, create_graph):
    if isinstance(inputs[0], tapegrad.Tensor):
        return inputs if create_graph else tuple(inp.detach() for inp in inputs)
    return tuple(_grad_postprocess(inp, create_graph) for inp in inputs)


def _validate_v(v, other, is_other_tuple):
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for idx, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.size() != el_other.size():
            prepend = f"Entry {idx} in " if is_other_tuple else ""
            raise RuntimeError(f"{prepend}v has invalid size: should be {el_other.size()} but got "
                               f"{el_v.size()}.")


_REQUIRES_GRAD_ERRORS = {
    "hessian": ("The hessian of the user-provided function with respect to input {i} is independent "
                "of the input. This is not allowed in strict mode. You should ensure that your function "
                "is thrice differentiable and that the hessian depends on the inputs."),
    "jacobian": ("While computing the hessian, found that the jacobian of the user-provided function "
                 "with respect to input {i} is independent of the input. This is not allowed in strict "
                 "mode. You should ensure that your function is twice differentiable and that the "
                 "jacobian depends on the inputs (this would be violated by a linear function for "
                 "example)."),
    "grad_inputs": ("The gradient with respect to input {i} is independent of the inputs of the "
                    "user-provided function. This is not allowed in strict mode."),
    "outputs": ("Output {i} of the user-provided function does not require gradients. The outputs must "
                "be computed in a differentiable manner from the input when running in strict mode."),
}


def _check_requires_grad(inputs, input_type, strict):
    """In strict mode, refuse results that do not depend on the inputs."""
    if not strict:
        return
    for i, inp in enumerate(inputs):
        if inp is None:
            raise RuntimeError(f"The output of the user-provided function is independent of input {i}."
                               " This is not allowed in strict mode.")
        if not inp.requires_grad:
            raise RuntimeError(_REQUIRES_GRAD_ERRORS[input_type].format(i=i))


def _autograd_grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """`autograd.grad` over the outputs that require grad; None for every input when none does."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    kept = [(out, g) for out, g in zip(outputs, grad_outputs) if out is not None and out.requires_grad]
    if not kept:
        return (None,) * len(inputs)
    return _grad(tuple(out for out, _ in kept), inputs, tuple(g for _, g in kept), allow_unused=True,
                 create_graph=create_graph, retain_graph=retain_graph)


_FILL_ERRORS = {
    "back": ("The output of the user-provided function is independent of input {i}. This is not "
             "allowed in strict mode."),
    "back_trick": ("The gradient with respect to the input is independent of entry {i} in the "
                   "grad_outputs when using the double backward trick to compute forward mode "
                   "gradients. This is not allowed in strict mode."),
    "double_back": ("The jacobian of the user-provided function is independent of input {i}. This is "
                    "not allowed in strict mode."),
    "double_back_trick": ("The hessian of the user-provided function is independent of entry {i} in the "
                          "grad_jacobian. This is not allowed in strict mode as it prevents from using "
                          "the double backward trick to replace forward mode AD."),
}


def _fill_in_zeros(grads, refs, strict, create_graph, stage):
    """Replace None gradients by zeros shaped like `refs` (or raise in strict mode)."""
    res = []
    for i, grads_i in enumerate(grads):
        if grads_i is None:
            if strict:
                raise RuntimeError(_FILL_ERRORS[stage].format(i=i))
            grads_i = tapegrad.zeros_like(refs[i])
        elif strict and create_graph and not grads_i.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of input {i}. "
                               "This is not allowed in strict mode when create_graph=True.")
        res.append(grads_i)
    return tuple(res)


def _prepare_v(v, inputs, create_graph, fn_name, is_inputs_tuple):
    """Check the direction v of jvp/hvp/vhp against the inputs (None only for one scalar input)."""
    if v is not None:
        _, v = _as_tuple(v, "v", fn_name)
        v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
        _validate_v(v, inputs, is_inputs_tuple)
    elif len(inputs) != 1 or inputs[0].nelement() != 1:
        raise RuntimeError("The vector v can only be None if the input to the user-provided function is "
                           "a single Tensor with a single element.")
    return v


# ---------------------------------------------------------------------------------------------
# The public functions

def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """Return (func(inputs), v^T J): the vector-Jacobian product at `inputs`.

    Example:
        >>> out, g = vjp(lambda x: (x ** 2).sum(), tapegrad.tensor([1., 2.]))
        >>> g
        tensor([2., 4.])
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "vjp")
        _check_requires_grad(outputs, "outputs", strict=strict)
        if v is not None:
            _, v = _as_tuple(v, "v", "vjp")
            v = _grad_preprocess(v, create_graph=create_graph, need_graph=False)
            _validate_v(v, outputs, is_outputs_tuple)
        elif len(outputs) != 1 or outputs[0].nelement() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function returns a "
                               "single Tensor with a single element.")
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        grad_res = _autograd_grad(outputs, inputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, inputs, strict, create_graph, "back")
    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(result, is_inputs_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """Return (func(inputs), J v): the Jacobian-vector product, by the double backward trick.

    Example:
        >>> out, t = jvp(lambda x: x ** 2, tapegrad.tensor([1., 2.]), tapegrad.tensor([1., 0.]))
        >>> t
        tensor([2., 0.])
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        v = _prepare_v(v, inputs, create_graph, "jvp", is_inputs_tuple)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jvp")
        _check_requires_grad(outputs, "outputs", strict=strict)
        # u -> J^T u is linear in u; its VJP along v is J v
        grad_outputs = tuple(tapegrad.zeros_like(out, requires_grad=True) for out in outputs)
        grad_inputs = _autograd_grad(outputs, inputs, grad_outputs, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict=strict)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        grad_res = _autograd_grad(grad_inputs, grad_outputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, outputs, strict, create_graph, "back_trick")
    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(result, is_outputs_tuple)


def _forward_ad():
    """The forward-mode AD module if it exists and is usable, else None."""
    try:
        from . import forward_ad
    except ImportError:
        return None
    if not all(hasattr(forward_ad, name) for name in ("dual_level", "make_dual", "unpack_dual")):
        return None
    return forward_ad


def _jacfwd(func, inputs, strict=False, vectorize=False):
    """The Jacobian column by column, pushing unit tangents through forward-mode AD."""
    if strict:
        raise RuntimeError('torch.autograd.functional.jacobian: `strict=True` and `strategy="forward-mode"` '
                           'are not supported together (yet). Please either set `strict=False` or '
                           '`strategy="reverse-mode"`.')
    if not vectorize:
        raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
                                  "only implemented for `vectorize=True`.")
    fwAD = _forward_ad()
    if fwAD is None:
        raise NotImplementedError("tapegrad.autograd.functional.jacobian: strategy=\"forward-mode\" needs "
                                  "tapegrad.autograd.forward_ad, which is not available; use "
                                  "strategy=\"reverse-mode\".")
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    columns = [[] for _ in inputs]  # columns[j][k]: the output tangents for the k-th element of input j
    is_outputs_tuple, primals = False, ()
    for j, inp in enumerate(inputs):
        for k in range(inp.nelement()):
            with fwAD.dual_level():
                duals = []
                for jj, other in enumerate(inputs):
                    tangent = tapegrad.zeros_like(other)
                    if jj == j:
                        tangent.view(-1)[k] = 1
                    duals.append(fwAD.make_dual(other, tangent))
                is_outputs_tuple, outs = _as_tuple(func(*duals), "outputs of the user-provided function",
                                                   "jacobian")
                unpacked = [fwAD.unpack_dual(o) for o in outs]
                primals = tuple(p for p, _ in unpacked)
                columns[j].append(tuple(tapegrad.zeros_like(p) if t is None else t for p, t in unpacked))
    # lists, not tuples, for several inputs or outputs: what PyTorch's forward-mode path returns
    jacobian_output_input = [
        [tapegrad.stack([col[i] for col in columns[j]], dim=-1).reshape(out.shape + inputs[j].shape)
         for j in range(len(inputs))]
        for i, out in enumerate(primals)]
    return _tuple_postprocess(jacobian_output_input, (is_outputs_tuple, is_inputs_tuple))


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """Return the Jacobian of `func` at `inputs`, one row (one backward pass) per output element.

    A tensor input and output give a tensor of shape output.shape + input.shape; tuples give a
    tuple (per input) or a tuple of tuples (per output, then per input), as in PyTorch.
    `vectorize` is accepted for compatibility: rows are computed one by one either way.

    Example:
        >>> jacobian(lambda x: x.exp(), tapegrad.tensor([0., 1.]))
        tensor([[1.0000, 0.0000],
                [0.0000, 2.7183]])
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If '
                             'your function has more outputs than inputs, "forward-mode" tends to be more '
                             'performant. Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError('torch.autograd.functional.jacobian: `create_graph=True` and '
                                      '`strategy="forward-mode"` are not supported together (yet). Please '
                                      'either set `create_graph=False` or `strategy="reverse-mode"`.')
        return _jacfwd(func, inputs, strict, vectorize)

    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        outputs = func(*inputs)
        is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function",
                                              "jacobian")
        _check_requires_grad(outputs, "outputs", strict=strict)
        if vectorize and strict:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` "
                               "are not supported together. Please either set `strict=False` or "
                               "`vectorize=False`.")
        jacobian_output_input = []
        for i, out in enumerate(outputs):
            rows = tuple([] for _ in inputs)
            flat = out.reshape(-1)
            for j in range(out.nelement()):
                vj = _autograd_grad((flat[j],), inputs, retain_graph=True, create_graph=create_graph)
                for el_idx, (rows_el, vj_el, inp_el) in enumerate(zip(rows, vj, inputs)):
                    if vj_el is not None:
                        if strict and create_graph and not vj_el.requires_grad:
                            raise RuntimeError("The jacobian of the user-provided function is independent "
                                               f"of input {i}. This is not allowed in strict mode when "
                                               "create_graph=True.")
                        rows_el.append(vj_el)
                    else:
                        if strict:
                            raise RuntimeError(f"Output {i} of the user-provided function is independent "
                                               f"of input {el_idx}. This is not allowed in strict mode.")
                        rows_el.append(tapegrad.zeros_like(inp_el))
            jacobian_output_input.append(tuple(
                _stack_rows(rows_el, out.shape + inputs[el_idx].shape, inputs[el_idx])
                for el_idx, rows_el in enumerate(rows)))
        jacobian_output_input = _grad_postprocess(tuple(jacobian_output_input), create_graph)
        return _tuple_postprocess(jacobian_output_input, (is_outputs_tuple, is_inputs_tuple))


def _stack_rows(rows, shape, like):
    if not rows:  # an output with no elements
        return like.new_zeros(shape)
    return tapegrad.stack(rows, dim=0).view(shape)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """Return the Hessian of a scalar function: the Jacobian of its gradient.

    For a tuple of inputs the result is a tuple of tuples: block (i, j) is d2f / dx_i dx_j.

    Example:
        >>> hessian(lambda x: (x ** 3).sum(), tapegrad.tensor([1., 2.]))
        tensor([[ 6.,  0.],
                [ 0., 12.]])
    """
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def ensure_single_output_function(*inp):
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(t_out, "outputs", strict=strict)
        if is_out_tuple or not isinstance(out, tapegrad.Tensor):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.nelement() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should contain a "
                               "single element")
        return out.squeeze()

    def jac_func(*inp):
        if outer_jacobian_strategy == "forward-mode":
            inp = tuple(t.requires_grad_(True) for t in inp)
        jac = jacobian(ensure_single_output_function, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
        return jac

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                   strategy=outer_jacobian_strategy)
    return _tuple_postprocess(res, (is_inputs_tuple, is_inputs_tuple))


def _scalar_output(func, inputs, fn_name, strict):
    outputs = func(*inputs)
    is_outputs_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", fn_name)
    _check_requires_grad(outputs, "outputs", strict=strict)
    if is_outputs_tuple or not isinstance(outputs[0], tapegrad.Tensor):
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].nelement() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should contain a "
                           "single element")
    return is_outputs_tuple, outputs


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """Return (func(inputs), v^T H): a vector-Hessian product, by two backward passes.

    Example:
        >>> out, r = vhp(lambda x: (x ** 3).sum(), tapegrad.tensor([1., 2.]), tapegrad.ones(2))
        >>> r
        tensor([ 6., 12.])
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vhp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        v = _prepare_v(v, inputs, create_graph, "vhp", is_inputs_tuple)
        is_outputs_tuple, outputs = _scalar_output(func, inputs, "vhp", strict)
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        grad_res = _autograd_grad(jac, inputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, inputs, strict, create_graph, "double_back")
    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(result, is_inputs_tuple)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """Return (func(inputs), H v): a Hessian-vector product, by the double backward trick.

    Example:
        >>> out, r = hvp(lambda x: (x ** 3).sum(), tapegrad.tensor([1., 2.]), tapegrad.ones(2))
        >>> r
        tensor([ 6., 12.])
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hvp")
        inputs = _grad_preprocess(inputs, create_graph=create_graph, need_graph=True)
        v = _prepare_v(v, inputs, create_graph, "hvp", is_inputs_tuple)
        is_outputs_tuple, outputs = _scalar_output(func, inputs, "hvp", strict)
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict=strict)
        grad_jac = tuple(tapegrad.zeros_like(inp, requires_grad=True) for inp in inputs)
        double_back = _autograd_grad(jac, inputs, grad_jac, create_graph=True)
        _check_requires_grad(jac, "hessian", strict=strict)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        grad_res = _autograd_grad(double_back, grad_jac, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, inputs, strict, create_graph, "double_back_trick")
    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return _tuple_postprocess(outputs, is_outputs_tuple), _tuple_postprocess(result, is_inputs_tuple)
