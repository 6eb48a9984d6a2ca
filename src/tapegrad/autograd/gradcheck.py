"""gradcheck and gradgradcheck: derivatives checked against finite differences, as PyTorch does.

`gradcheck` builds the full Jacobian twice, per input and per output: numerically, by central
differences (one pair of forward calls per input element, perturbing the input in place), and
analytically, one row per output element from `autograd.grad` with a unit vector as grad_output.
The two must agree within `atol + rtol * |numerical|`; otherwise a `GradcheckError` names the
output and input and prints both Jacobians in PyTorch's words. `gradgradcheck` runs `gradcheck`
on the function that returns the gradients (built with `create_graph=True`), so it checks second
derivatives [PyTorch `torch/autograd/gradcheck.py`, slow mode].

Example:
    >>> x = tapegrad.randn(3, dtype=tapegrad.float64, requires_grad=True)
    >>> tapegrad.autograd.gradcheck(lambda t: (t * t).sin(), (x,))
    True
"""
import warnings

import tapegrad

from .. import _backend as B
from . import grad as _grad

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]

FAILED_NONDET_MSG = """\n
NOTE: If your op relies on non-deterministic operations i.e., it is listed here:
https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html
this failure might be expected.

If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck.
If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with `nondet_tol=<tol>` as a keyword argument.
- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test
  to have `gradcheck_nondet_tol=<tol>`.
- is a Module test (e.g., in common_nn.py), then modify the corresponding
  module_test entry to have `gradcheck_nondet_tol=<tol>`
"""


class GradcheckError(RuntimeError):
    """Raised by gradcheck and gradgradcheck when a derivative is wrong.

    Example:
        >>> try: gradcheck(wrong_fn, (x,))
        ... except GradcheckError as e: print(e)
    """


def _as_tuple(x):
    if isinstance(x, tuple):
        return x
    return tuple(x) if isinstance(x, list) else (x,)


def _differentiable_outputs(x):
    return tuple(o for o in _as_tuple(x) if o.requires_grad)


def _diff_inputs(inputs):
    return [t for t in inputs if isinstance(t, tapegrad.Tensor) and t.requires_grad]


def _check_inputs(tupled_inputs):
    any_input_requiring_grad = False
    for idx, inp in enumerate(tupled_inputs):
        if isinstance(inp, tapegrad.Tensor) and inp.requires_grad:
            if inp.dtype not in (tapegrad.float64, getattr(tapegrad, "complex128", None)):
                warnings.warn(f"Input #{idx} requires gradient and is not a double precision floating point "
                              "or complex. This check will likely fail if all the inputs are not of double "
                              "precision floating point or complex. ", stacklevel=3)
            if any(st == 0 and sz > 1 for st, sz in zip(inp._data.strides, inp._data.shape)):
                raise RuntimeError(f"The {idx}th input has a dimension with stride 0. gradcheck only supports "
                                   "inputs that are non-overlapping to be able to compute the numerical "
                                   "gradients correctly. You should call .contiguous on the input before "
                                   "passing it to gradcheck.")
            any_input_requiring_grad = True
    if not any_input_requiring_grad:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of them "
                         "have requires_grad=True.")


def _numerical_jacobian(func, inputs, eps):
    """jacobians[j][i]: d output i / d diff-input j as an (input numel, output numel) array."""
    jacobians = []
    for inp in _diff_inputs(inputs):
        data = inp._data
        columns = []
        for k in range(data.size):
            index = B.xp.unravel_index(k, data.shape)
            orig = data[index].copy()
            # in place on the raw array, as PyTorch's `entry.copy_`; grad mode stays on, because
            # gradgradcheck's function itself calls autograd.grad
            data[index] = orig - eps
            out_a = [o._data.copy() for o in _as_tuple(func(*inputs))]
            data[index] = orig + eps
            out_b = [o._data.copy() for o in _as_tuple(func(*inputs))]
            data[index] = orig
            columns.append([((b - a) / (2 * eps)).reshape(-1) for a, b in zip(out_a, out_b)])
        n_out = len(columns[0]) if columns else len(_as_tuple(func(*inputs)))
        jacobians.append([B.xp.stack([col[i] for col in columns]) if columns
                          else B.xp.zeros((0, 0)) for i in range(n_out)])
    return jacobians


def _analytical_jacobian(inputs, output):
    """Rows from VJPs of unit vectors: a list (per diff input) of (input numel, output numel) arrays,
    plus whether all gradient dtypes and sizes were right."""
    diff = _diff_inputs(inputs)
    jacobians = [B.xp.zeros((t._data.size, output._data.size), dtype=t._data.dtype) for t in diff]
    types_ok = sizes_ok = True
    for j in range(output._data.size):
        unit = B.xp.zeros(output._data.size, dtype=output._data.dtype)
        unit[j] = 1
        grad_output = tapegrad._tensor._make(unit.reshape(output._data.shape))
        grads = _grad(output, diff, grad_output, retain_graph=True, allow_unused=True)
        for k, (g, t) in enumerate(zip(grads, diff)):
            if g is None:
                continue
            if g.dtype != t.dtype:
                types_ok = False
            if g.shape != t.shape:
                sizes_ok = False
                continue
            jacobians[k][:, j] = g._data.reshape(-1)
    return jacobians, types_ok, sizes_ok


def _tensor(array):
    return tapegrad._tensor._make(B.xp.ascontiguousarray(array))


def _allclose(analytical, numerical, rtol, atol):
    a = analytical.astype(B.xp.result_type(analytical, numerical))
    return bool(B.xp.allclose(a, numerical, rtol=rtol, atol=atol))


def _check_analytical(inputs, output, nondet_tol, check_grad_dtypes):
    jacobians1, types_ok, sizes_ok = _analytical_jacobian(inputs, output)
    jacobians2, _, _ = _analytical_jacobian(inputs, output)
    reentrant = all(
        (B.xp.abs(j1 - j2).max(initial=0.0) <= nondet_tol) for j1, j2 in zip(jacobians1, jacobians2))
    if not types_ok and check_grad_dtypes:
        raise GradcheckError("Gradient has dtype mismatch")
    if not sizes_ok:
        raise GradcheckError("Analytical gradient has incorrect size")
    if not reentrant:
        raise GradcheckError("Backward is not reentrant, i.e., running backward with same input and "
                             "grad_output multiple times gives different values, although analytical "
                             "gradient matches numerical gradient."
                             f"The tolerance for nondeterminism was {nondet_tol}." + FAILED_NONDET_MSG)
    return jacobians1


def _test_backward_mul_by_grad_output(outputs, inputs):
    """A zero grad_output must give zero gradients of the inputs' dtype and size."""
    diff = _diff_inputs(inputs)
    grads = _grad(outputs, diff, [tapegrad.zeros_like(o) for o in outputs], allow_unused=True)
    for gi, di in zip(grads, diff):
        if gi is None:
            continue
        if gi.shape == di.shape and B.xp.any(gi._data != 0):
            raise GradcheckError("backward not multiplied by grad_output")
        if gi.dtype != di.dtype:
            raise GradcheckError("grad is incorrect type")
        if gi.size() != di.size():
            raise GradcheckError("grad is incorrect size")


def _gradcheck_helper(func, inputs, eps, atol, rtol, nondet_tol, check_grad_dtypes):
    tupled_inputs = _as_tuple(inputs)
    _check_inputs(tupled_inputs)
    func_out = _as_tuple(func(*tupled_inputs))
    outputs = _differentiable_outputs(func_out)
    numerical = _numerical_jacobian(func, tupled_inputs, eps)
    if not outputs:
        for per_input in numerical:
            for jacobian in per_input:
                if B.xp.any(jacobian != 0):
                    raise GradcheckError("Numerical gradient for function expected to be zero")
        return True
    # numerical[j][i] -> [i][j], keeping the outputs that require grad (PyTorch's order)
    numerical = [[numerical[j][i] for j in range(len(numerical))]
                 for i, o in enumerate(func_out) if o.requires_grad]
    for i, o in enumerate(outputs):
        analytical = _check_analytical(tupled_inputs, o, nondet_tol, check_grad_dtypes)
        for j, (a, n) in enumerate(zip(analytical, numerical[i])):
            if not _allclose(a, n, rtol, atol):
                raise GradcheckError(f"Jacobian mismatch for output {i:d} with respect to input {j:d},\n"
                                     f"numerical:{_tensor(n)}\nanalytical:{_tensor(a)}\n")
    _test_backward_mul_by_grad_output(outputs, tupled_inputs)
    return True


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True,
              fast_mode=False, masked=None):
    """Check the gradients of `func` at `inputs` against central finite differences.

    Every input with requires_grad=True is checked (use float64: other dtypes warn, as in
    PyTorch). Returns True, or raises `GradcheckError` (returns False when
    raise_exception=False). `fast_mode`, `check_batched_grad`, `check_undefined_grad` and
    `masked` are accepted for compatibility; the full (slow-mode) check always runs, and a None
    gradient is always treated as zero.

    Example:
        >>> x = tapegrad.randn(2, 3, dtype=tapegrad.float64, requires_grad=True)
        >>> gradcheck(lambda t: t.exp().sum(dim=1), x)
        True
    """
    if check_batched_forward_grad and not check_forward_ad:
        raise AssertionError("Setting check_batched_forward_grad=True requires check_forward_ad to be True")
    if check_batched_grad and not check_backward_ad:
        raise AssertionError("Setting check_batched_grad=True requires check_backward_ad to be True")
    try:
        if not check_backward_ad:
            return True
        return _gradcheck_helper(func, inputs, eps, atol, rtol, nondet_tol, check_grad_dtypes)
    except GradcheckError:
        if raise_exception:
            raise
        return False


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False, masked=False):
    """Check second derivatives: gradcheck of (inputs, grad_outputs) -> grad(func, inputs, grad_outputs).

    Without `grad_outputs`, random ones in [-1, 1) are drawn, requiring grad, like PyTorch's.

    Example:
        >>> x = tapegrad.randn(3, dtype=tapegrad.float64, requires_grad=True)
        >>> gradgradcheck(lambda t: t ** 3, x)
        True
    """
    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError("Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True")
    if check_undefined_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_undefined_grad=True requires check_rev_over_rev to be True")
    if check_batched_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_batched_grad=True requires check_rev_over_rev to be True")
    tupled_inputs = _as_tuple(inputs)
    if grad_outputs is None:
        outputs = _differentiable_outputs(func(*tupled_inputs))
        tupled_grad_outputs = tuple(
            (tapegrad.rand(x.shape, dtype=x.dtype if x.dtype.is_floating_point else tapegrad.float64) * 2 - 1)
            .requires_grad_(True) for x in outputs)
    else:
        tupled_grad_outputs = _as_tuple(grad_outputs)
    num_outputs = len(tupled_grad_outputs)
    diff_input_args_indices = {i for i, x in enumerate(tupled_inputs)
                               if isinstance(x, tapegrad.Tensor) and x.requires_grad}
    diff_grad_output_indices = {i for i, x in enumerate(tupled_grad_outputs) if x.requires_grad}

    def new_func(*args):
        input_args = tuple(x.requires_grad_() if i in diff_input_args_indices else x
                           for i, x in enumerate(args[:-num_outputs]))
        outputs = _differentiable_outputs(func(*input_args))
        grad_outputs = tuple(x.requires_grad_() if i in diff_grad_output_indices else x
                             for i, x in enumerate(args[-num_outputs:]))
        diff_input_args = tuple(x for i, x in enumerate(input_args) if i in diff_input_args_indices)
        grad_inputs = _grad(outputs, diff_input_args, grad_outputs, create_graph=True, allow_unused=True)
        return tuple(g for g in grad_inputs if g is not None)

    return gradcheck(new_func, tupled_inputs + tupled_grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad, check_grad_dtypes=check_grad_dtypes,
                     check_batched_grad=check_batched_grad, fast_mode=fast_mode,
                     check_forward_ad=check_fwd_over_rev, check_backward_ad=check_rev_over_rev,
                     masked=masked)
