"""Tests for tapegrad.autograd.gradcheck / gradgradcheck: right functions pass, wrong rules are caught
with PyTorch's message, word for word."""
import importlib
import warnings

import pytest
from checks import assert_raises_like_torch, requires_torch, torch_or_none

import tapegrad
from tapegrad.autograd import gradcheck, gradgradcheck
from tapegrad.autograd.gradcheck import GradcheckError
from tapegrad.ops import REGISTRY, defop


@pytest.fixture(scope="module")
def wrong_cube():
    """x ** 3 with a deliberately wrong VJP (2x instead of 3x^2) and a right one for its gradient."""

    @defop("WrongCubeBackward0", vjp=lambda g, x: g * 2 * x)
    def wrong_cube(x):
        return x * x * x

    yield wrong_cube
    REGISTRY.pop("wrong_cube", None)  # keep the generic op tests' table clean


def _torch_wrong_cube(torch):
    class WrongCube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x

    return WrongCube.apply


def _x(lib, requires_grad=True):
    return lib.tensor([0.3, -1.2, 0.7], dtype=lib.float64, requires_grad=requires_grad)


def test_correct_functions_pass(lib):
    x = _x(lib)
    y = lib.tensor([[0.5, -1.0], [2.0, 0.3]], dtype=lib.float64, requires_grad=True)
    assert lib.autograd.gradcheck(lambda a: (a * a).sin(), (x,)) is True
    assert lib.autograd.gradcheck(lambda a, b: ((a[:2] * b).sum(), b.exp()), (x, y)) is True
    assert lib.autograd.gradcheck(lambda a, b: (a.sum() * b).tanh(), (x, y.detach())) is True
    assert lib.autograd.gradcheck(lambda a: a.exp().sum(dim=0), x) is True


def test_second_order_passes(lib):
    x = _x(lib)
    y = lib.tensor([[0.5, -1.0], [2.0, 0.3]], dtype=lib.float64, requires_grad=True)
    assert lib.autograd.gradgradcheck(lambda a: (a ** 3).sum() * a, (x,)) is True
    assert lib.autograd.gradgradcheck(lambda a, b: (a.sum() * b).tanh(), (x, y),
                                      (lib.ones(2, 2, dtype=lib.float64),)) is True


def test_wrong_backward_is_caught(wrong_cube):
    x = _x(tapegrad)
    with pytest.raises(GradcheckError) as info:
        gradcheck(wrong_cube, (x,))
    message = str(info.value)
    assert message.startswith("Jacobian mismatch for output 0 with respect to input 0,\nnumerical:tensor(")
    assert "\nanalytical:tensor(" in message
    assert isinstance(info.value, RuntimeError)
    assert gradcheck(wrong_cube, (x,), raise_exception=False) is False


@requires_torch
def test_wrong_backward_message_matches_torch(wrong_cube):
    torch = torch_or_none()
    with pytest.raises(GradcheckError) as ours:
        gradcheck(wrong_cube, (_x(tapegrad),))
    torch_error = importlib.import_module("torch.autograd.gradcheck").GradcheckError
    with pytest.raises(torch_error) as theirs:
        torch.autograd.gradcheck(_torch_wrong_cube(torch), (_x(torch),))
    assert str(ours.value) == str(theirs.value)


def test_gradgradcheck_checks_the_backward_as_written(wrong_cube):
    # the wrong VJP g * 2x is itself differentiated correctly, so only first order fails
    x = _x(tapegrad)
    assert gradgradcheck(wrong_cube, (x,)) is True
    assert gradcheck(wrong_cube, (x,), raise_exception=False) is False


@pytest.fixture(scope="module")
def cube_with_wrong_second_order():
    """x ** 3 with a right VJP 3 g x^2, written with a square whose own VJP is wrong (g x, not 2 g x)."""

    @defop("WrongSquareBackward0", vjp=lambda g, x: g * x)
    def wrong_square(x):
        return x * x

    @defop("GoodCubeBackward0", vjp=lambda g, x: g * 3 * wrong_square(x))
    def good_cube(x):
        return x * x * x

    yield good_cube
    REGISTRY.pop("wrong_square", None)
    REGISTRY.pop("good_cube", None)


def test_wrong_second_derivative_is_caught(cube_with_wrong_second_order):
    x = _x(tapegrad)
    assert gradcheck(cube_with_wrong_second_order, (x,)) is True
    with pytest.raises(GradcheckError, match="^Jacobian mismatch for output 0 with respect to input 0,"):
        gradgradcheck(cube_with_wrong_second_order, (x,))
    assert gradgradcheck(cube_with_wrong_second_order, (x,), raise_exception=False) is False


def test_single_precision_warns(lib):
    x = lib.ones(2, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert lib.autograd.gradcheck(lambda a: a * 2, (x,), eps=1e-3, atol=1e-2)
    assert [str(w.message) for w in caught] == [
        "Input #0 requires gradient and is not a double precision floating point or complex. This check "
        "will likely fail if all the inputs are not of double precision floating point or complex. "]


@requires_torch
@pytest.mark.parametrize("case", [
    lambda lib: lib.autograd.gradcheck(lambda a: a * 2, (_x(lib, False),)),
    lambda lib: lib.autograd.gradcheck(lambda a: a.detach() * 2, (_x(lib),)),
    lambda lib: lib.autograd.gradcheck(lambda a: a.detach() + a * 0 + a.detach() ** 2, (_x(lib),)),
    lambda lib: lib.autograd.gradcheck(lambda a: a.expand(2, 3).sum(0), (_x(lib)[:1].expand(3),)),
    lambda lib: lib.autograd.gradgradcheck(lambda a: a * a.detach(), (_x(lib),),
                                            (lib.ones(3, dtype=lib.float64),)),
], ids=["no-input-requires-grad", "no-differentiable-output", "zero-analytical", "stride-0",
        "second-order-zero"])
def test_errors_match_torch(case):
    assert_raises_like_torch(case)


def test_raise_exception_false_returns_false(lib):
    f = lambda a: a.detach() + a * 0 + a.detach() ** 2  # noqa: E731
    assert lib.autograd.gradcheck(f, (_x(lib),), raise_exception=False) is False


def test_gradcheck_catches_a_wrong_custom_function(lib):
    class WrongCube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 2 * x ** 2  # should be 3 x^2

    x = lib.tensor([0.5, -1.25], dtype=lib.float64, requires_grad=True)
    assert lib.autograd.gradcheck(WrongCube.apply, (x,), raise_exception=False) is False
    with pytest.raises(RuntimeError, match="Jacobian mismatch for output 0 with respect to input 0"):
        lib.autograd.gradcheck(WrongCube.apply, (x,))
