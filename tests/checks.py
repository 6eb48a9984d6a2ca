"""Shared gradient checker for tapegrad op tests.

Method: directional derivative checks.  The idea comes from HIPS autograd's ``check_vjp``
(autograd/test_util.py) and PyTorch's "fast gradcheck" (``gradcheck(..., fast_mode=True)``, see
https://pytorch.org/docs/stable/notes/gradcheck.html).  We never build the full Jacobian J (one
finite difference per input element).  Instead we draw a random input direction u and a random
output cotangent v, then compare two scalars:

    reverse mode:   <J^T v, u>       (J^T v from lib.autograd.grad(out, inputs, grad_outputs=v))
    numerically:    (<v, f(x + eps u)> - <v, f(x - eps u)>) / (2 eps)     (central difference)

Each direction gives one scalar whatever the size of the tensors, at the cost of two extra forwards.
For random u and v a wrong Jacobian entry shows up with probability 1.  Everything runs in float64
with eps=1e-6, so the finite-difference error (about eps^2 from truncation plus 1e-16/eps from
rounding) stays far below the tolerances.  Second order applies the same check to the scalar
function x -> <J(x)^T v, w>, whose gradient (through create_graph=True) is a Hessian-vector product.
When real PyTorch is installed it is also used as an oracle: the same fn on the same numpy inputs
must give the same values, dtype and VJPs.
"""
import inspect

import numpy as np
import pytest

EPS = 1e-6  # finite-difference step in float64
N_DIRECTIONS = 2  # random directions per check


def torch_or_none():
    """Return the real PyTorch module if it is importable, else None (never tapegrad aliased as torch)."""
    try:
        import torch
    except Exception:
        return None
    if getattr(torch, "__name__", None) != "torch" or not hasattr(torch, "__version__"):
        return None
    if "tapegrad" in (getattr(torch, "__file__", None) or ""):
        return None
    return torch


requires_torch = pytest.mark.skipif(torch_or_none() is None, reason="torch not installed (test oracle)")


def to_numpy(x):
    """Convert a tensor from either library (or anything array-like) to a numpy array."""
    if hasattr(x, "detach"):
        x = x.detach().numpy()
    return np.asarray(x)


def assert_close(a, b, atol=1e-5, rtol=1e-4, msg=""):
    """Assert that a and b (tensors of either library, arrays or scalars) have the same shape and are
    elementwise close: |a - b| <= atol + rtol * |b|, with NaNs in the same places counted as equal."""
    a, b = to_numpy(a), to_numpy(b)
    if a.shape != b.shape:
        raise AssertionError(f"{msg}shape mismatch: {a.shape} vs {b.shape}")
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    if not np.allclose(a64, b64, atol=atol, rtol=rtol, equal_nan=True):
        err = np.nanmax(np.abs(a64 - b64)) if a.size else 0.0
        raise AssertionError(f"{msg}values differ (max |diff| = {err:.3g}, atol={atol}, rtol={rtol}):\n"
                             f"{a}\nvs\n{b}")


def numerical_grad(f, arrays, eps=1e-6):
    """Full central-difference gradient of a scalar numpy function, for small tests.

    f(*arrays) must return a scalar.  Returns a list of float64 arrays, one per input.  If `arrays`
    is a single ndarray, f is called as f(array) and a single gradient array is returned.
    """
    if isinstance(arrays, np.ndarray):
        return numerical_grad(f, [arrays], eps)[0]
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            orig = a[idx]
            a[idx] = orig + eps
            f_plus = float(f(*arrays))
            a[idx] = orig - eps
            f_minus = float(f(*arrays))
            a[idx] = orig
            g[idx] = (f_plus - f_minus) / (2 * eps)
        grads.append(g)
    return grads


def _sample(rng, shape, domain):
    """Standard normal, or uniform inside `domain` with a margin away from its ends."""
    lo, hi = domain if domain is not None else (None, None)
    if lo is None and hi is None:
        return rng.standard_normal(shape)
    if lo is None:
        lo, hi = hi - 2.5, hi - 0.5
    elif hi is None:
        lo, hi = lo + 0.5, lo + 2.5
    else:
        lo, hi = lo + 0.05 * (hi - lo), hi - 0.05 * (hi - lo)
    return rng.uniform(lo, hi, size=shape)


def _dot(a, b):
    """<a, b> in float64; a may be None (an unused input, meaning zero)."""
    return 0.0 if a is None else float(np.sum(to_numpy(a).astype(np.float64) * b))


def _grad(lib, out, wrt, v, create_graph=False):
    """The VJP of `out` with cotangent v (a numpy array); None entries mean zero."""
    if not getattr(out, "requires_grad", False) or not wrt:
        return [None] * len(wrt)
    v_t = lib.tensor(v.astype(to_numpy(out).dtype))
    return list(lib.autograd.grad(out, wrt, grad_outputs=v_t, create_graph=create_graph, allow_unused=True))


def check_op(fn, shapes, *, lib=None, domain=None, dtype="float64", order=2, compare_torch=True, seed=0,
             atol=1e-5, rtol=1e-4, make_inputs=None, check_float32=True):
    """Check the op built by fn(lib, *tensors) -> tensor on random inputs of the given shapes.

    lib: the library under test (default: tapegrad).  domain: (lo, hi) for the inputs, where either
    end may be None (default: standard normal).  make_inputs(rng) -> list of numpy arrays overrides
    `shapes`.  Floating arrays become lib.tensor(a, requires_grad=True) of `dtype` and are checked;
    integer or bool arrays (indices, masks) are passed as constants.  Checks, with one scalar per
    random direction (N_DIRECTIONS of them): the first-order VJP against central differences; for
    order=2, the gradient of <VJP, w> (built with create_graph=True) against central differences
    of <VJP, w>; with compare_torch, the forward values, dtype and VJPs against real PyTorch if it
    is installed; with check_float32, that float32 inputs give a float32 output (and the same dtype
    as torch).  dtype="float32" uses eps=1e-3 and tolerances of at least 1e-2.  Raises
    AssertionError naming the op, the shapes, the order and the two numbers compared.
    """
    if lib is None:
        import tapegrad as lib
    rng = np.random.default_rng(seed)
    arrays = make_inputs(rng) if make_inputs is not None else [_sample(rng, s, domain) for s in shapes]
    arrays = [np.asarray(a) for a in arrays]
    idx = [i for i, a in enumerate(arrays) if np.issubdtype(a.dtype, np.floating)]
    arrays = [a.astype(dtype) if i in idx else a for i, a in enumerate(arrays)]
    shapes = [a.shape for a in arrays]
    eps = EPS
    if np.dtype(dtype) != np.float64:
        eps, atol, rtol = 1e-3, max(atol, 1e-2), max(rtol, 1e-2)
    try:
        src = inspect.getsource(fn).strip()
    except (OSError, TypeError):
        src = getattr(fn, "__qualname__", repr(fn))

    def compare(what, order_, k, analytic, numeric):
        if not abs(analytic - numeric) <= atol + rtol * max(abs(analytic), abs(numeric)):
            raise AssertionError(
                f"{what} check failed (direction {k}) for op:\n    {src}\nshapes={shapes}, dtype={dtype}, "
                f"order={order_}: analytic {analytic!r} vs finite difference {numeric!r} "
                f"(|diff|={abs(analytic - numeric):.3g}, atol={atol}, rtol={rtol})")

    def leaves(L, arrs):
        return [L.tensor(a, requires_grad=i in idx) for i, a in enumerate(arrs)]

    def shifted(u, sign):
        out = list(arrays)
        for i, ui in zip(idx, u):
            out[i] = (arrays[i].astype(np.float64) + sign * eps * ui).astype(arrays[i].dtype)
        return out

    def forward(arrs):
        with lib.no_grad():
            return to_numpy(fn(lib, *leaves(lib, arrs))).astype(np.float64)

    def vjp_dot_w(arrs, v, w, create_graph):
        """x -> <VJP(x, v), w>: returns (wrt leaves, scalar tensor or None)."""
        xs = leaves(lib, arrs)
        wrt = [xs[i] for i in idx]
        g = _grad(lib, fn(lib, *xs), wrt, v, create_graph=create_graph)
        s = None
        for gi, wi in zip(g, w):
            if gi is not None:
                term = (gi * lib.tensor(wi.astype(dtype))).sum()
                s = term if s is None else s + term
        return wrt, s

    def rand_like_inputs():
        return [rng.standard_normal(arrays[i].shape) for i in idx]

    xs = leaves(lib, arrays)
    out0 = fn(lib, *xs)
    v0 = rng.standard_normal(to_numpy(out0).shape)
    g0 = _grad(lib, out0, [xs[i] for i in idx], v0)

    # Oracle first (clearest message when the forward itself is wrong): same inputs, same v.
    torch = torch_or_none() if compare_torch else None
    if torch is not None and lib is not torch:
        txs = leaves(torch, arrays)
        tout = fn(torch, *txs)
        where = f"vs torch for op:\n    {src}\nshapes={shapes}, dtype={dtype}: "
        if str(out0.dtype) != str(tout.dtype):
            raise AssertionError(f"output dtype {where}{out0.dtype} vs {tout.dtype}")
        assert_close(out0, tout, atol, rtol, msg=f"forward values {where}")
        tg = _grad(torch, tout, [txs[i] for i in idx], v0)
        for n, (a, b) in enumerate(zip(g0, tg)):
            zeros = np.zeros(arrays[idx[n]].shape)
            assert_close(zeros if a is None else a, zeros if b is None else b, atol, rtol,
                         msg=f"order=1 VJP of input {idx[n]} {where}")

    # First order: <J^T v, u> vs central difference of <v, f> along u.
    for k in range(N_DIRECTIONS):
        if k == 0:
            out, v, g = out0, v0, g0
        else:
            xs = leaves(lib, arrays)
            out = fn(lib, *xs)
            v = rng.standard_normal(to_numpy(out).shape)
            g = _grad(lib, out, [xs[i] for i in idx], v)
        u = rand_like_inputs()
        analytic = sum(_dot(gi, ui) for gi, ui in zip(g, u))
        numeric = (_dot(forward(shifted(u, +1)), v) - _dot(forward(shifted(u, -1)), v)) / (2 * eps)
        compare("first-order gradient", 1, k, analytic, numeric)

    # Second order: gradient of s(x) = <J(x)^T v, w> vs central difference of s along u.
    for k in range(N_DIRECTIONS if order >= 2 and idx else 0):
        v, w, u = rng.standard_normal(to_numpy(out0).shape), rand_like_inputs(), rand_like_inputs()
        wrt, s = vjp_dot_w(arrays, v, w, create_graph=True)
        h = [None] * len(wrt)
        if s is not None and getattr(s, "requires_grad", False):
            try:
                h = lib.autograd.grad(s, wrt, allow_unused=True)
            except Exception as e:  # first derivative does not depend on x differentiably: zero
                if "does not require grad" not in str(e):
                    raise
        analytic = sum(_dot(hi, ui) for hi, ui in zip(h, u))
        s_val = [vjp_dot_w(shifted(u, sign), v, w, create_graph=False)[1] for sign in (+1, -1)]
        s_val = [0.0 if s_ is None else float(to_numpy(s_)) for s_ in s_val]
        compare("second-order gradient", 2, k, analytic, (s_val[0] - s_val[1]) / (2 * eps))

    if check_float32:
        a32 = [a.astype(np.float32) if i in idx else a for i, a in enumerate(arrays)]
        out32 = fn(lib, *leaves(lib, a32))
        if str(out0.dtype) == "torch.float64" and str(out32.dtype) != "torch.float32":
            raise AssertionError(f"float32 inputs gave {out32.dtype} for op:\n    {src}\nshapes={shapes}")
        if torch is not None and lib is not torch:
            t32 = fn(torch, *leaves(torch, a32)).dtype
            if str(out32.dtype) != str(t32):
                raise AssertionError(f"float32 output dtype vs torch for op:\n    {src}\n"
                                     f"shapes={shapes}: {out32.dtype} vs {t32}")



def assert_raises_like_torch(call):
    """call(lib) must raise the same exception type with the same message in tapegrad and PyTorch."""
    import tapegrad
    errors = []
    for lib in (tapegrad, torch_or_none()):
        with pytest.raises(Exception) as info:
            call(lib)
        errors.append((type(info.value).__name__, str(info.value)))
    assert errors[0] == errors[1], f"tapegrad raised {errors[0]}, PyTorch {errors[1]}"
