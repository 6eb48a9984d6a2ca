"""Tests of the gradient checker itself (tests/checks.py).

Correct ops must pass at order 2 and deliberately wrong ops must be caught.  The `lib` fixture runs
each test with real PyTorch (lib=torch, explicitly) and with tapegrad once it imports; each variant
is skipped when its library is missing.
"""
import os
import sys
import types

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import assert_close, check_op, numerical_grad, requires_torch, torch_or_none  # noqa: E402


def _import_lib(name):
    if name == "torch":
        return torch_or_none()
    try:
        import tapegrad
        return tapegrad
    except Exception:
        return None


@pytest.fixture(params=["torch", "tapegrad"])
def lib(request):
    mod = _import_lib(request.param)
    if mod is None:
        pytest.skip(f"{request.param} not importable")
    return mod


class Proxy(types.ModuleType):
    """A library that forwards everything to `base` except the given overrides (a fake 'tapegrad')."""

    def __init__(self, base, **overrides):
        super().__init__("proxy")
        self._base = base
        self.__dict__.update(overrides)

    def __getattr__(self, name):
        return getattr(self._base, name)


# ---------------------------------------------------------------- correct ops pass at order 2

CORRECT = [
    ("sin", lambda L, x: L.sin(x), [(3, 4)], None),
    ("mul_broadcast", lambda L, x, y: x * y, [(3, 1), (4,)], None),
    ("sum_dim", lambda L, x: x.sum(dim=1), [(3, 4)], None),
    ("sum_keepdim", lambda L, x: x.sum(0, keepdim=True), [(3, 4)], None),
    ("matmul", lambda L, a, b: a @ b, [(3, 4), (4, 2)], None),
    ("pow", lambda L, x, y: x ** y, [(5,), (5,)], (0, None)),
    ("log", lambda L, x: L.log(x), [(2, 3)], (0, None)),
    ("tanh_domain", lambda L, x: L.tanh(x) * x, [(6,)], (-1, 1)),
    ("scalar_out", lambda L, x: (x * x).sum(), [(3,)], None),
    ("scalar_in", lambda L, x, y: L.exp(x) * y, [(), (2, 2)], None),
]


@pytest.mark.parametrize("name,fn,shapes,domain", CORRECT, ids=[c[0] for c in CORRECT])
def test_correct_ops_pass(lib, name, fn, shapes, domain):
    check_op(fn, shapes, lib=lib, domain=domain, order=2)


def test_linear_op_has_no_second_derivative(lib):
    # The VJP of a linear op does not depend on x: s does not require grad, treated as zero.
    check_op(lambda L, x, y: 3.0 * x - y, [(4,), (4,)], lib=lib, order=2)
    check_op(lambda L, x: L.relu(x), [(10,)], lib=lib, order=2)


def test_non_differentiable_output(lib):
    check_op(lambda L, x: x > 0, [(5,)], lib=lib, check_float32=False)


def test_make_inputs_and_integer_constants(lib):
    def make_inputs(rng):  # distinct values (no ties for max) and an int64 index array (a constant)
        x = rng.permutation(12).reshape(3, 4) + rng.uniform(0, 0.5, (3, 4))
        return [x, np.array([[0, 2], [1, 1], [3, 0]])]

    if not hasattr(lib.Tensor, "gather"):
        pytest.skip("gather and max(dim): issue 3")

    check_op(lambda L, x, i: x.gather(1, i) * x.max(dim=1, keepdim=True).values, None, lib=lib,
             make_inputs=make_inputs)


def test_unused_input(lib):
    check_op(lambda L, x, y: L.sin(x) * 2.0, [(3,), (3,)], lib=lib)


def test_domain_sampling(lib):
    seen = []

    def fn(L, x, y):
        seen.append((x.detach().numpy().copy(), y.detach().numpy().copy()))
        return x * y

    check_op(fn, [(50,), (50,)], lib=lib, domain=(0, None), compare_torch=False)
    xs = np.concatenate([s[0] for s in seen])
    assert 0.5 - 1e-3 < xs.min() and xs.max() < 2.5 + 1e-3
    seen.clear()
    check_op(fn, [(50,), (50,)], lib=lib, domain=(-1, 1), compare_torch=False)
    xs = np.concatenate([s[0] for s in seen])
    assert -0.9 - 1e-3 < xs.min() and xs.max() < 0.9 + 1e-3
    seen.clear()
    check_op(fn, [(50,), (50,)], lib=lib, domain=(None, 0), compare_torch=False)
    xs = np.concatenate([s[0] for s in seen])
    assert -2.5 - 1e-3 < xs.min() and xs.max() < -0.5 + 1e-3


def test_float32_mode(lib):
    check_op(lambda L, x: L.tanh(x) * x, [(4, 3)], lib=lib, dtype="float32")


# ---------------------------------------------------------------- wrong ops are caught


def _scaled_sin(lib, scale, detach_in_backward=False):
    """sin as an autograd.Function whose backward is multiplied by `scale` (and optionally not
    differentiable in x, which gives a wrong second derivative)."""
    if not hasattr(lib, "autograd") or not hasattr(lib.autograd, "Function"):
        pytest.skip("lib has no autograd.Function")

    class BadSin(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return lib.sin(x)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * lib.cos(x.detach() if detach_in_backward else x) * scale

    return BadSin.apply


def test_wrong_first_derivative_is_caught(lib):
    bad = _scaled_sin(lib, 1.1)
    with pytest.raises(AssertionError) as info:
        check_op(lambda L, x: bad(x), [(3, 4)], lib=lib, compare_torch=False)
    msg = str(info.value)
    assert "first-order" in msg and "order=1" in msg and "(3, 4)" in msg and "bad(x)" in msg
    # ... while the same Function with a correct backward passes at order 2.
    good = _scaled_sin(lib, 1.0)
    check_op(lambda L, x: good(x), [(3, 4)], lib=lib, order=2, compare_torch=False)


def test_wrong_gradient_for_one_broadcast_input_is_caught(lib):
    if not hasattr(lib, "autograd") or not hasattr(lib.autograd, "Function"):
        pytest.skip("lib has no autograd.Function")

    class BadMul(lib.autograd.Function):  # forgets to reduce-sum... by using the mean instead
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            return x * y

        @staticmethod
        def backward(ctx, grad):
            x, y = ctx.saved_tensors
            return (grad * y).sum(1, keepdim=True), (grad * x).mean(0)

    with pytest.raises(AssertionError, match="order=1"):
        check_op(lambda L, x, y: BadMul.apply(x, y), [(3, 1), (4,)], lib=lib, compare_torch=False)


def test_wrong_second_derivative_is_caught(lib):
    bad = _scaled_sin(lib, 1.0, detach_in_backward=True)
    check_op(lambda L, x: bad(x), [(5,)], lib=lib, order=1, compare_torch=False)  # first order is right
    with pytest.raises(AssertionError) as info:
        check_op(lambda L, x: bad(x), [(5,)], lib=lib, order=2, compare_torch=False)
    assert "second-order" in str(info.value) and "order=2" in str(info.value)


# ---------------------------------------------------------------- torch as an oracle


@requires_torch
def test_forward_mismatch_with_torch_is_caught(lib):
    fake = Proxy(lib, sin=lambda x: lib.sin(x) + 0.1)  # self-consistent gradients, wrong values
    check_op(lambda L, x: L.sin(x), [(4,)], lib=fake, compare_torch=False)
    with pytest.raises(AssertionError, match="forward values vs torch"):
        check_op(lambda L, x: L.sin(x), [(4,)], lib=fake)


@requires_torch
def test_dtype_mismatch_with_torch_is_caught(lib):
    fake = Proxy(lib, sin=lambda x: lib.sin(x).to(lib.float32))
    with pytest.raises(AssertionError, match="dtype"):
        check_op(lambda L, x: L.sin(x), [(4,)], lib=fake, atol=1e-3, rtol=1e-3)


@requires_torch
def test_float32_upcast_is_caught(lib):
    fake = Proxy(lib, sin=lambda x: lib.sin(x.to(lib.float64)))
    check_op(lambda L, x: L.sin(x), [(4,)], lib=fake, check_float32=False)
    with pytest.raises(AssertionError, match="float32"):
        check_op(lambda L, x: L.sin(x), [(4,)], lib=fake)


@requires_torch
def test_vjp_mismatch_with_torch_is_caught(lib):
    # relu'(0) is a convention (torch: 0).  This relu has 1/2 there, which matches the central
    # difference, so only the oracle can catch it.
    fake = Proxy(lib, relu=lambda x: (x + lib.abs(x)) / 2)
    make = lambda rng: [np.array([-1.0, 0.0, 2.0])]  # noqa: E731
    fn = lambda L, x: L.relu(x)  # noqa: E731
    check_op(fn, None, lib=fake, make_inputs=make, order=1, compare_torch=False)
    with pytest.raises(AssertionError, match="VJP of input 0 vs torch"):
        check_op(fn, None, lib=fake, make_inputs=make, order=1)


# ---------------------------------------------------------------- helpers


def test_numerical_grad():
    a, b = np.array([0.3, -1.2, 2.0]), np.array([[1.5, -0.5, 0.25]])
    ga, gb = numerical_grad(lambda a, b: np.sum(np.sin(a) * b), [a, b])
    assert_close(ga, np.cos(a) * b[0], atol=1e-8, rtol=1e-6)
    assert_close(gb, np.sin(a)[None], atol=1e-8, rtol=1e-6)
    g = numerical_grad(lambda x: np.sum(x ** 3), np.arange(4.0))
    assert_close(g, 3 * np.arange(4.0) ** 2, atol=1e-6, rtol=1e-6)


def test_assert_close(lib):
    t = lib.tensor(np.array([1.0, 2.0]), requires_grad=True) * 1.0
    assert_close(t, np.array([1.0, 2.0 + 1e-9]))
    assert_close([1.0, float("nan")], np.array([1.0, np.nan]))
    with pytest.raises(AssertionError, match="shape"):
        assert_close(t, np.array([[1.0, 2.0]]))
    with pytest.raises(AssertionError, match="differ"):
        assert_close(t, lib.tensor(np.array([1.0, 2.1])))


@requires_torch
def test_torch_or_none_is_real_torch():
    torch = torch_or_none()
    assert torch.__name__ == "torch" and torch.__version__
    assert hasattr(torch.autograd, "gradcheck")
