"""Tests of ops/elementwise.py: every op through the shared checker (tests/checks.py).

Each case is one lambda run through tapegrad and, when installed, real PyTorch: values, dtypes and
VJPs must match torch's, and first- and second-order directional derivatives must match central
differences.
"""
import warnings

import numpy as np
import pytest

from checks import assert_close, check_op, requires_torch, torch_or_none

POSITIVE = (0, None)  # inputs drawn from (0.5, 2.5): away from the poles of log, sqrt, 1/x

# Shapes for binary ops: equal, broadcasting both ways, 0-d with n-d, size-1 dims, empty dims.
BINARY_SHAPES = [
    [(3, 4), (3, 4)],
    [(3, 1), (4,)],
    [(), (2, 3)],
    [(2, 3), ()],
    [(2, 1, 3), (4, 1)],
    [(1,), (3, 1)],
    [(0, 3), (3,)],
    [(2, 0), (1, 1)],
]
UNARY_SHAPES = [(3, 4), (), (1,), (2, 1, 3), (0, 3)]


def _id(shapes):
    return "x".join(str(s).replace(" ", "") for s in shapes)


# ---------------------------------------------------------------- binary ops

BINARY = {
    "add": lambda lib, a, b: lib.add(a, b),
    "add_alpha": lambda lib, a, b: lib.add(a, b, alpha=2.5),
    "add_operator": lambda lib, a, b: a + b,
    "add_method": lambda lib, a, b: a.add(b),
    "sub": lambda lib, a, b: lib.sub(a, b),
    "sub_alpha": lambda lib, a, b: lib.sub(a, b, alpha=-3),
    "sub_operator": lambda lib, a, b: a - b,
    "rsub": lambda lib, a, b: lib.rsub(a, b),
    "rsub_alpha": lambda lib, a, b: lib.rsub(a, b, alpha=2),
    "mul": lambda lib, a, b: lib.mul(a, b),
    "mul_operator": lambda lib, a, b: a * b,
    "div": lambda lib, a, b: lib.div(a, b),
    "div_operator": lambda lib, a, b: a / b,
}


@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=_id)
@pytest.mark.parametrize("name", list(BINARY))
def test_binary(name, shapes):
    # div: keep the divisor away from 0 so the finite differences stay accurate
    domain = POSITIVE if name.startswith("div") else None
    check_op(BINARY[name], shapes, domain=domain)


# A Python number on either side: float32 must stay float32 (check_op's float32 check).
SCALAR_CASES = {
    "x_plus_1": lambda lib, x: x + 1,
    "1_plus_x": lambda lib, x: 1 + x,
    "x_plus_2.5": lambda lib, x: x + 2.5,
    "add_scalar_alpha": lambda lib, x: lib.add(x, 3, alpha=2),
    "x_minus_1": lambda lib, x: x - 1,
    "rsub_2_minus_x": lambda lib, x: 2 - x,
    "rsub_2.5_minus_x": lambda lib, x: 2.5 - x,
    "rsub_fn_scalar": lambda lib, x: lib.rsub(x, 2),
    "x_times_3": lambda lib, x: x * 3,
    "3.5_times_x": lambda lib, x: 3.5 * x,
    "x_times_true": lambda lib, x: x * True,
    "x_div_2": lambda lib, x: x / 2,
    "2_div_x": lambda lib, x: 2 / x,
    "1.5_div_x": lambda lib, x: 1.5 / x,
    "neg_operator": lambda lib, x: -x,
}


@pytest.mark.parametrize("shape", [(3, 4), ()], ids=str)
@pytest.mark.parametrize("name", list(SCALAR_CASES))
def test_binary_with_python_number(name, shape):
    check_op(SCALAR_CASES[name], [shape], domain=POSITIVE if "div" in name else None)


# ---------------------------------------------------------------- unary ops

UNARY = {
    # name: (fn, domain)
    "neg": (lambda lib, x: lib.neg(x), None),
    "neg_method": (lambda lib, x: x.neg(), None),
    "reciprocal": (lambda lib, x: lib.reciprocal(x), POSITIVE),
    "reciprocal_negative": (lambda lib, x: lib.reciprocal(x), (None, 0)),
    "exp": (lambda lib, x: lib.exp(x), None),
    "log": (lambda lib, x: lib.log(x), POSITIVE),
    "sqrt": (lambda lib, x: lib.sqrt(x), POSITIVE),
    "abs": (lambda lib, x: lib.abs(x), None),
    "abs_operator": (lambda lib, x: abs(x), None),
    "sign": (lambda lib, x: lib.sign(x), None),
    "sin": (lambda lib, x: lib.sin(x), None),
    "cos": (lambda lib, x: lib.cos(x), None),
    "tanh": (lambda lib, x: lib.tanh(x), None),
    "sigmoid": (lambda lib, x: lib.sigmoid(x), None),
    "sigmoid_wide": (lambda lib, x: lib.sigmoid(x * 8), None),
    "relu": (lambda lib, x: lib.relu(x), None),
    "clone": (lambda lib, x: lib.clone(x), None),
    "clone_method": (lambda lib, x: x.clone(), None),
    "square": (lambda lib, x: lib.square(x), None),
    "square_method": (lambda lib, x: x.square(), None),
}


@pytest.mark.parametrize("shape", UNARY_SHAPES, ids=str)
@pytest.mark.parametrize("name", list(UNARY))
def test_unary(name, shape):
    fn, domain = UNARY[name]
    check_op(fn, [shape], domain=domain)


def test_clone_is_a_copy():
    import tapegrad
    x = tapegrad.tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    with tapegrad.no_grad():
        y[0] = 5.0
    assert x.tolist() == [1.0, 2.0]


# ---------------------------------------------------------------- pow

@pytest.mark.parametrize("exponent", [0, 1, 2, 0.5, -1, 3, 2.5, -0.5, -2, 1.0, 0.0])
@pytest.mark.parametrize("shape", [(3, 4), ()], ids=str)
def test_pow_scalar_exponent(exponent, shape):
    check_op(lambda lib, x: lib.pow(x, exponent), [shape], domain=POSITIVE)
    check_op(lambda lib, x: x ** exponent, [shape], domain=POSITIVE)


@pytest.mark.parametrize("exponent", [0, 1, 2, 3, -1, -2])
def test_pow_integer_exponent_of_negative_inputs(exponent):
    check_op(lambda lib, x: x ** exponent, [(3, 4)], domain=(None, 0))


@pytest.mark.parametrize("exponent", [0, 0.0, 1, 2, 3])
def test_pow_scalar_exponent_at_zero(exponent):
    # x = 0 sits on the edge of the domain: PyTorch's gradient is 0 * ... rules (no nan for n >= 1,
    # zeros for n == 0), so compare values and gradients with torch directly.
    check_op(lambda lib, x: x ** exponent, [(3,)], make_inputs=lambda rng: [np.array([0.0, 1.5, -2.0])],
             order=1)
    import tapegrad
    x = tapegrad.tensor([0.0, 1.5, -2.0], requires_grad=True)
    (x ** exponent).sum().backward()
    assert not np.isnan(x.grad.numpy()).any()


@pytest.mark.parametrize("shapes", [[(3, 4), (3, 4)], [(3, 1), (4,)], [(), (2, 3)], [(2, 3), ()],
                                    [(2, 1, 3), (4, 1)], [(0, 3), (3,)]], ids=_id)
def test_pow_tensor_exponent(shapes):
    check_op(lambda lib, a, b: lib.pow(a, b), shapes, domain=POSITIVE)
    check_op(lambda lib, a, b: a ** b, shapes, domain=POSITIVE)


@pytest.mark.parametrize("base", [2, 2.5, 0.5, 10])
@pytest.mark.parametrize("shape", [(3, 4), ()], ids=str)
def test_pow_scalar_base(base, shape):
    check_op(lambda lib, x: base ** x, [shape])
    check_op(lambda lib, x: lib.pow(base, x), [shape])


# ---------------------------------------------------------------- numerics and edge cases

def test_sigmoid_large_inputs_do_not_overflow():
    import tapegrad
    data = [-1000.0, -50.0, -20.0, 0.0, 20.0, 50.0, 1000.0]
    for dtype in (tapegrad.float32, tapegrad.float64):
        x = tapegrad.tensor(data, dtype=dtype, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            y = tapegrad.sigmoid(x)
            y.sum().backward()
        assert not np.isnan(y.detach().numpy()).any()
        assert not np.isnan(x.grad.numpy()).any()
        torch = torch_or_none()
        if torch is not None:
            tx = torch.tensor(data, dtype=getattr(torch, str(dtype).split(".")[1]), requires_grad=True)
            ty = torch.sigmoid(tx)
            ty.sum().backward()
            assert_close(y, ty, atol=1e-7, rtol=1e-6)
            assert_close(x.grad, tx.grad, atol=1e-7, rtol=1e-6)


@pytest.mark.parametrize("shape", [(3, 4)], ids=str)
def test_sigmoid_large_inputs_check(shape):
    check_op(lambda lib, x: lib.sigmoid(x * 50), [shape])


@requires_torch
@pytest.mark.parametrize("name", ["abs", "relu", "sign", "sqrt"])
def test_gradient_at_kink_matches_torch(name):
    import tapegrad
    import torch
    data = [0.0, 1.0, -1.0] if name != "sqrt" else [0.0, 1.0, 4.0]
    x = tapegrad.tensor(data, requires_grad=True)
    getattr(tapegrad, name)(x).sum().backward()
    tx = torch.tensor(data, requires_grad=True)
    getattr(torch, name)(tx).sum().backward()
    assert_close(x.grad, tx.grad)


def test_sub_alpha_value():
    import tapegrad
    x = tapegrad.tensor([1.0, 2.0])
    y = tapegrad.tensor([10.0, 20.0])
    assert tapegrad.sub(x, y, alpha=2).tolist() == [-19.0, -38.0]
    assert tapegrad.add(x, y, alpha=2).tolist() == [21.0, 42.0]
    assert tapegrad.rsub(x, y, alpha=2).tolist() == [8.0, 16.0]


@pytest.mark.parametrize("name", list(BINARY)[:4])
def test_binary_float32_gradients(name):
    check_op(BINARY[name], [(3, 1), (4,)], dtype="float32", order=1)


@requires_torch
@pytest.mark.parametrize("case", ["sqrt_backward_at_0", "log_at_0", "div_by_0", "reciprocal_of_0",
                                  "pow_negative_at_0"])
def test_no_numpy_warnings_at_poles(case):
    # PyTorch returns inf/nan at a pole silently; NumPy's RuntimeWarnings must not leak to the user.
    import tapegrad
    import torch
    results = []
    for lib in (tapegrad, torch):
        x = lib.tensor([0.0, 1.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            y = {"sqrt_backward_at_0": lambda: lib.sqrt(x), "log_at_0": lambda: lib.log(x),
                 "div_by_0": lambda: 1.0 / x, "reciprocal_of_0": lambda: lib.reciprocal(x),
                 "pow_negative_at_0": lambda: x ** -1}[case]()
            y.sum().backward()
        results.append((y, x.grad))
    assert_close(results[0][0], results[1][0], msg="values ")
    assert_close(results[0][1], results[1][1], msg="gradients ")


# ---------------------------------------------------------------- copy_ (records `alias`)

@pytest.mark.parametrize("src_shape", [(3, 4), (4,), ()], ids=str)
def test_copy_(src_shape):
    # y.copy_(x): y's old values get no gradient, x gets all of it (summed over broadcast dims)
    def fn(lib, x, w):
        y = w * 2
        y.copy_(x)
        return y * w

    check_op(fn, [src_shape, (3, 4)])


@pytest.mark.parametrize("method", ["fill_", "zero_"])
def test_fill_and_zero(method):
    # y.fill_(v) / y.zero_(): the old values of y get no gradient; the rest of the graph still does
    def fn(lib, w):
        y = w * 2
        getattr(y, method)(*([1.5] if method == "fill_" else []))
        return y * w

    check_op(fn, [(3, 4)])


def test_fill_and_zero_names():
    # PyTorch's node names, pinned as torch 2.13 prints them
    import tapegrad
    w = tapegrad.ones(3, requires_grad=True)
    y = w * 2
    assert type(y.fill_(1.0).grad_fn).__name__ == "FillBackward2"
    assert type(y.zero_().grad_fn).__name__ == "ZeroBackward0"


def test_copy_from_other_dtype():
    def fn(lib, x, w):
        y = w * 1
        y.copy_(x.double())
        return y

    check_op(fn, [(3, 4), (3, 4)], dtype="float32", order=1)


@pytest.mark.parametrize("shapes", [[(3, 4), (3, 4)], [(3, 1), (4,)]], ids=str)
def test_remainder(shapes):
    # inputs kept away from the jumps of mod/floor so that finite differences are valid
    def make_inputs(rng):
        a = rng.uniform(0.1, 0.9, shapes[0]) + rng.integers(-3, 3, shapes[0])
        b = rng.uniform(1.5, 2.5, shapes[1])
        return [a, b]

    check_op(lambda lib, a, b: a % b, None, make_inputs=make_inputs)
