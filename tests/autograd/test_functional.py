"""Tests for tapegrad.autograd.functional: values, output structures and strict-mode errors vs PyTorch.

Each case is one function of `lib` run on tapegrad and on torch; the nested tuple structure and
every tensor in it must agree.
"""
import numpy as np
import pytest
from checks import assert_close, assert_raises_like_torch, requires_torch, torch_or_none

import tapegrad

X = [0.3, -1.2, 0.7]
Y = [[0.5, -1.0], [2.0, 0.3]]

# torch's forward-mode path goes through vmap, which warns about torch.jit.script
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")


def _inputs(lib):
    return lib.tensor(X, dtype=lib.float64), lib.tensor(Y, dtype=lib.float64)


def _ones(lib, *shape):
    return lib.ones(*shape, dtype=lib.float64)


def _square_sin(a):
    return (a ** 2).sin()


def _two_outputs(a, b):
    return (a[:2] * b).sum(), b.exp()


def _scalar(a, b):
    return (a.sum() * b ** 2).sum() + (a ** 3).sum()


CASES = {
    "jacobian_tensor": lambda lib, F, x, y: F.jacobian(_square_sin, x),
    "jacobian_tuples": lambda lib, F, x, y: F.jacobian(_two_outputs, (x, y)),
    "jacobian_tuple_in": lambda lib, F, x, y: F.jacobian(lambda a, b: a * b.sum(), (x, y)),
    "jacobian_tuple_out": lambda lib, F, x, y: F.jacobian(lambda a: (a.exp(), a.sum()), x),
    "jacobian_unused": lambda lib, F, x, y: F.jacobian(lambda a, b: a * 2, (x, y)),
    "jacobian_vectorize": lambda lib, F, x, y: F.jacobian(_square_sin, x, vectorize=True),
    "hessian_tensor": lambda lib, F, x, y: F.hessian(lambda a: (a ** 3).sum(), x),
    "hessian_tuples": lambda lib, F, x, y: F.hessian(_scalar, (x, y)),
    "vjp": lambda lib, F, x, y: F.vjp(_square_sin, x, _ones(lib, 3)),
    "vjp_scalar": lambda lib, F, x, y: F.vjp(lambda a: a.sum(), x[0]),
    "vjp_tuples": lambda lib, F, x, y: F.vjp(_two_outputs, (x, y), (lib.tensor(2.0, dtype=lib.float64),
                                                                   _ones(lib, 2, 2))),
    "jvp": lambda lib, F, x, y: F.jvp(_square_sin, x, _ones(lib, 3)),
    "jvp_tuples": lambda lib, F, x, y: F.jvp(_two_outputs, (x, y), (_ones(lib, 3), _ones(lib, 2, 2))),
    "hvp": lambda lib, F, x, y: F.hvp(_scalar, (x, y), (_ones(lib, 3), _ones(lib, 2, 2))),
    "vhp": lambda lib, F, x, y: F.vhp(_scalar, (x, y), (_ones(lib, 3), _ones(lib, 2, 2))),
    "hvp_tensor": lambda lib, F, x, y: F.hvp(lambda a: (a ** 3).sum(), x, x),
    "jacobian_forward": lambda lib, F, x, y: F.jacobian(_square_sin, x, strategy="forward-mode",
                                                        vectorize=True),
    "jacobian_forward_tuples": lambda lib, F, x, y: F.jacobian(_two_outputs, (x, y), strategy="forward-mode",
                                                               vectorize=True),
    "hessian_forward_over_reverse": lambda lib, F, x, y: F.hessian(
        lambda a: (a ** 3).sum() * a.sum(), x, outer_jacobian_strategy="forward-mode", vectorize=True),
}
FORWARD = {"jacobian_forward", "jacobian_forward_tuples", "hessian_forward_over_reverse"}


def _structure(value):
    if isinstance(value, (tuple, list)):
        return type(value).__name__, tuple(_structure(v) for v in value)
    return tuple(value.shape)


def _flatten(value):
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _flatten(v)]
    return [value]


@requires_torch
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name):
    torch = torch_or_none()
    ours = CASES[name](tapegrad, tapegrad.autograd.functional, *_inputs(tapegrad))
    theirs = CASES[name](torch, torch.autograd.functional, *_inputs(torch))
    assert _structure(ours) == _structure(theirs)
    for a, b in zip(_flatten(ours), _flatten(theirs)):
        assert name in FORWARD or not a.requires_grad  # torch's forward-over-reverse keeps a grad_fn
        assert a.dtype == tapegrad.float64
        assert_close(a, b, atol=1e-10, rtol=1e-10)


def test_jacobian_is_a_tensor_for_tensor_in_and_out(lib):
    jac = lib.autograd.functional.jacobian(lambda a: a.exp(), lib.tensor([0.0, 1.0]))
    assert isinstance(jac, lib.Tensor)
    assert_close(jac, np.diag(np.exp([0.0, 1.0])))


def test_create_graph_keeps_results_differentiable(lib):
    x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
    jac = lib.autograd.functional.jacobian(lambda a: a ** 3, x, create_graph=True)
    assert jac.requires_grad
    (g,) = lib.autograd.grad(jac.sum(), x)
    assert_close(g, [6.0, 12.0])  # d/dx of 3 x^2 on the diagonal


def test_hvp_equals_hessian_times_v(lib):
    F = lib.autograd.functional
    x = lib.tensor(X, dtype=lib.float64)
    v = lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64)

    def f(a):
        return (a.tanh() * a.sum()).sum()

    H = F.hessian(f, x)
    _, hv = F.hvp(f, x, v)
    _, vh = F.vhp(f, x, v)
    assert_close(hv, H @ v, atol=1e-12)
    assert_close(vh, v @ H, atol=1e-12)


def test_does_not_touch_user_grads(lib):
    x = lib.tensor(X, dtype=lib.float64, requires_grad=True)
    lib.autograd.functional.hessian(lambda a: (a ** 3).sum(), x)
    assert x.grad is None


ERRORS = [
    lambda lib, F, x, y: F.jacobian(lambda a, b: a * 2, (x, y), strict=True),
    lambda lib, F, x, y: F.jacobian(lambda a: a.detach(), x, strict=True),
    lambda lib, F, x, y: F.hessian(lambda a: a.sum(), x, strict=True),
    lambda lib, F, x, y: F.hessian(lambda a: (a * a).sum(), x, strict=True, create_graph=True),
    lambda lib, F, x, y: F.hessian(_square_sin, x),
    lambda lib, F, x, y: F.hessian(lambda a: (a.sum(), a.sum()), x),
    lambda lib, F, x, y: F.vjp(_square_sin, x),
    lambda lib, F, x, y: F.vjp(_square_sin, x, lib.ones(2)),
    lambda lib, F, x, y: F.jvp(_two_outputs, (x, y), (lib.ones(3),)),
    lambda lib, F, x, y: F.jvp(lambda a: x * 2, x, x, strict=True),
    lambda lib, F, x, y: F.jvp(_square_sin, x),
    lambda lib, F, x, y: F.hvp(_square_sin, x, x),
    lambda lib, F, x, y: F.hvp(lambda a: a.sum(), x, x, strict=True),
    lambda lib, F, x, y: F.vhp(lambda a: (a * a).sum(), x, 1),
    lambda lib, F, x, y: F.vhp(lambda a: a.sum(), x, x, strict=True),
    lambda lib, F, x, y: F.jacobian(_square_sin, [x]),
    lambda lib, F, x, y: F.jacobian(_square_sin, (x, 2)),
    lambda lib, F, x, y: F.jacobian(_square_sin, x, strategy="sideways"),
    lambda lib, F, x, y: F.jacobian(_square_sin, x, strategy="forward-mode"),
    lambda lib, F, x, y: F.jacobian(_square_sin, x, strategy="forward-mode", create_graph=True),
    lambda lib, F, x, y: F.jacobian(_square_sin, x, strategy="forward-mode", strict=True, vectorize=True),
    lambda lib, F, x, y: F.jacobian(_square_sin, x, strict=True, vectorize=True),
    lambda lib, F, x, y: F.hessian(_square_sin, x, outer_jacobian_strategy="sideways"),
]


@requires_torch
@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_errors_match_torch(case):
    assert_raises_like_torch(lambda lib: ERRORS[case](lib, lib.autograd.functional, *_inputs(lib)))
