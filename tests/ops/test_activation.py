"""Tests of ops/activation.py: every activation through the shared checker (tests/checks.py), their
gradients at the kinks against PyTorch, the in-place forms, large inputs and PyTorch's errors.
"""
import math
import warnings

import numpy as np
import pytest

from checks import assert_close, check_op, requires_torch, torch_or_none

import tapegrad
from tapegrad.ops import activation

F = tapegrad.nn.functional
SHAPES = [(3, 4), (), (1,), (2, 1, 3), (0, 3)]


def _f(lib):
    return lib.nn.functional


ACTIVATIONS = {
    "softplus": lambda lib, x: _f(lib).softplus(x),
    "softplus_beta": lambda lib, x: _f(lib).softplus(x, beta=2.0, threshold=1.5),
    "gelu": lambda lib, x: _f(lib).gelu(x),
    "gelu_tanh": lambda lib, x: _f(lib).gelu(x, approximate="tanh"),
    "silu": lambda lib, x: _f(lib).silu(x),
    "mish": lambda lib, x: _f(lib).mish(x),
    "elu": lambda lib, x: _f(lib).elu(x),
    "elu_alpha": lambda lib, x: _f(lib).elu(x, alpha=2.5),
    "selu": lambda lib, x: _f(lib).selu(x),
    "torch_selu": lambda lib, x: lib.selu(x),
    "celu": lambda lib, x: _f(lib).celu(x),
    "celu_alpha": lambda lib, x: lib.celu(x, alpha=0.5),
    "leaky_relu": lambda lib, x: _f(lib).leaky_relu(x),
    "leaky_relu_slope": lambda lib, x: _f(lib).leaky_relu(x, 0.3),
    "hardtanh": lambda lib, x: _f(lib).hardtanh(x),
    "hardtanh_bounds": lambda lib, x: _f(lib).hardtanh(x, min_val=-0.5, max_val=1.5),
    "relu6": lambda lib, x: _f(lib).relu6(x * 4),
    "hardsigmoid": lambda lib, x: _f(lib).hardsigmoid(x * 3),
    "hardswish": lambda lib, x: _f(lib).hardswish(x * 3),
    "logsigmoid": lambda lib, x: _f(lib).logsigmoid(x),
    "softsign": lambda lib, x: _f(lib).softsign(x),
    "tanhshrink": lambda lib, x: _f(lib).tanhshrink(x),
    "threshold": lambda lib, x: _f(lib).threshold(x, 0.25, -2.0),
    "torch_threshold": lambda lib, x: lib.threshold(x, -0.5, 3.0),
}


def _id(shape):
    return str(shape).replace(" ", "")


@pytest.mark.parametrize("shape", SHAPES, ids=_id)
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation(name, shape):
    check_op(ACTIVATIONS[name], [shape])


# In place on a non-leaf: the node PyTorch records for the in-place form, checked at order 2 too.
INPLACE = {
    "elu": lambda lib, x: _f(lib).elu(x * 1, inplace=True),
    "elu_": lambda lib, x: _f(lib).elu_(x * 1, 0.5),
    "selu": lambda lib, x: _f(lib).selu(x * 1, inplace=True),
    "torch_selu_": lambda lib, x: lib.selu_(x * 1),
    "celu": lambda lib, x: _f(lib).celu(x * 1, 2.0, inplace=True),
    "torch_celu_": lambda lib, x: lib.celu_(x * 1),
    "leaky_relu": lambda lib, x: _f(lib).leaky_relu(x * 1, 0.2, inplace=True),
    "leaky_relu_": lambda lib, x: _f(lib).leaky_relu_(x * 1),
    "hardtanh": lambda lib, x: _f(lib).hardtanh(x * 1, -0.5, 0.5, inplace=True),
    "hardtanh_": lambda lib, x: _f(lib).hardtanh_(x * 1),
    "relu6": lambda lib, x: _f(lib).relu6(x * 4, inplace=True),
    "hardsigmoid": lambda lib, x: _f(lib).hardsigmoid(x * 3, inplace=True),
    "hardswish": lambda lib, x: _f(lib).hardswish(x * 3, inplace=True),
    "silu": lambda lib, x: _f(lib).silu(x * 1, inplace=True),
    "mish": lambda lib, x: _f(lib).mish(x * 1, inplace=True),
    "threshold": lambda lib, x: _f(lib).threshold(x * 1, 0.1, 2.0, inplace=True),
    "threshold_": lambda lib, x: _f(lib).threshold_(x * 1, 0.1, 2.0),
    "torch_threshold_": lambda lib, x: lib.threshold_(x * 1, -0.1, 0.5),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace(name):
    check_op(INPLACE[name], [(3, 4)])
    check_op(INPLACE[name], [(0, 2)])


GLU_CASES = {
    "last": ((3, 4), -1),
    "first": ((4, 3), 0),
    "middle": ((2, 6, 2), 1),
    "negative": ((2, 2, 3), -3),
    "one_pair": ((2,), 0),
    "empty_rows": ((0, 4), 1),
    "empty_halves": ((3, 0), 1),
}


@pytest.mark.parametrize("case", list(GLU_CASES))
def test_glu(case):
    shape, dim = GLU_CASES[case]
    check_op(lambda lib, x: _f(lib).glu(x, dim), [shape])


def test_glu_default_dim_and_third_order():
    check_op(lambda lib, x: _f(lib).glu(x), [(2, 4)])
    x = tapegrad.tensor(np.random.default_rng(1).standard_normal((2, 4)), requires_grad=True)
    g, = tapegrad.autograd.grad(F.glu(x).pow(2).sum(), x, create_graph=True)
    h, = tapegrad.autograd.grad(g.pow(2).sum(), x, create_graph=True)
    k, = tapegrad.autograd.grad(h.sum(), x)  # the halving and joining ops differentiate again
    assert k.shape == (2, 4) and np.isfinite(k.numpy()).all()


# ---------------------------------------------------------------- kinks and large inputs vs PyTorch

KINKS = [-30.0, -20.5, -6.0, -3.0, -2.0, -1.0, -0.5, 0.0, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 6.0, 20.0, 20.5, 30.0]
AT_KINKS = dict(ACTIVATIONS, **{
    "softplus_on_threshold": lambda lib, x: _f(lib).softplus(x, beta=0.5, threshold=1.0),
    "elu_negative_alpha": lambda lib, x: _f(lib).elu(x, alpha=-0.5),
    "threshold_at_zero": lambda lib, x: _f(lib).threshold(x, 0.0, 0.0),
    "relu6": lambda lib, x: _f(lib).relu6(x),
    "hardsigmoid": lambda lib, x: _f(lib).hardsigmoid(x),
    "hardswish": lambda lib, x: _f(lib).hardswish(x),
})


def _value_grad_grad2(lib, fn, points, dtype):
    x = lib.tensor(points, dtype=getattr(lib, dtype), requires_grad=True)
    y = fn(lib, x)
    g, = lib.autograd.grad(y.sum(), x, create_graph=True)
    h = np.zeros(len(points))
    if g.requires_grad:
        try:
            h, = lib.autograd.grad(g.sum(), x, allow_unused=True)
        except RuntimeError as e:  # PyTorch has no second derivative of hardsigmoid (ours is 0)
            assert "is not implemented" in str(e)
            h = None
        h = np.zeros(len(points)) if h is None else h.detach().numpy()
    return type(y.grad_fn).__name__, str(y.dtype), y.detach().numpy(), g.detach().numpy(), h


@requires_torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(AT_KINKS))
def test_kinks_match_torch(name, dtype):
    # exactly at 0, at the thresholds and on the bounds: values, gradients and second derivatives
    torch = torch_or_none()
    ours = _value_grad_grad2(tapegrad, AT_KINKS[name], KINKS, dtype)
    theirs = _value_grad_grad2(torch, AT_KINKS[name], KINKS, dtype)
    assert ours[:2] == theirs[:2]
    tolerance = 1e-12 if dtype == "float64" else 1e-6
    for what, a, b in zip(("value", "gradient", "second derivative"), ours[2:], theirs[2:]):
        assert_close(a, b, atol=tolerance, rtol=tolerance, msg=f"{name} {what}: ")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(AT_KINKS))
def test_large_inputs_do_not_overflow_or_warn(name, dtype):
    x = tapegrad.tensor([-1e4, -1000.0, -88.0, 88.0, 1000.0, 1e4], dtype=getattr(tapegrad, dtype),
                        requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = AT_KINKS[name](tapegrad, x)
        g, = tapegrad.autograd.grad(y.sum(), x)
    assert np.isfinite(y.detach().numpy()).all() and np.isfinite(g.numpy()).all()


def test_softplus_and_logsigmoid_of_large_inputs():
    x = tapegrad.tensor([1000.0, -1000.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert F.softplus(x).tolist() == [1000.0, 0.0]
        assert F.softplus(x, threshold=1e6).tolist() == [1000.0, 0.0]
        assert F.logsigmoid(x).tolist() == [0.0, -1000.0]
        g, = tapegrad.autograd.grad(F.logsigmoid(x).sum(), x)
    assert g.tolist() == [0.0, 1.0]


NAN_CASES = {
    "hardtanh": lambda lib, x: _f(lib).hardtanh(x),
    "relu6": lambda lib, x: _f(lib).relu6(x),
    "hardsigmoid": lambda lib, x: _f(lib).hardsigmoid(x),
    "leaky_relu": lambda lib, x: _f(lib).leaky_relu(x),
    "threshold": lambda lib, x: _f(lib).threshold(x, 0.5, 2.0),
    "softplus": lambda lib, x: _f(lib).softplus(x),
}


@requires_torch
@pytest.mark.parametrize("name", list(NAN_CASES))
def test_nan_inputs_match_torch(name):
    # PyTorch's comparisons decide where nan goes: threshold keeps it, hardtanh's gradient passes it
    results = []
    for lib in (tapegrad, torch_or_none()):
        x = lib.tensor([float("nan"), 1.0, -1.0], requires_grad=True)
        g, = lib.autograd.grad(NAN_CASES[name](lib, x).sum(), x)
        results.append((NAN_CASES[name](lib, x.detach()).numpy(), g.numpy()))
    for ours, theirs in zip(*results):
        assert_close(ours, theirs, atol=1e-6, rtol=1e-6)


# ---------------------------------------------------------------- erf

def test_erf_is_float64_accurate():
    rng = np.random.default_rng(0)
    x = np.concatenate([np.linspace(-7, 7, 20001), rng.standard_normal(2000) * 3, np.geomspace(1e-300, 1, 300),
                        [0.0, 5.984375, 6.0, 27.0, 1e300]])
    x = np.concatenate([x, -x])
    expected = np.array([math.erf(v) for v in x.tolist()])
    got = activation._erf_array(x)
    ulps = np.abs(got - expected) / np.spacing(np.abs(expected))
    assert ulps.max() <= 2, (ulps.max(), x[ulps.argmax()])
    assert np.signbit(activation._erf_array(np.array([-0.0])))[0]


def test_erf_special_values():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = activation._erf_array(np.array([np.inf, -np.inf, np.nan, 0.0]))
    assert got[0] == 1.0 and got[1] == -1.0 and np.isnan(got[2]) and got[3] == 0.0
    x32 = np.array([0.5, -1.25], dtype=np.float32)
    assert activation._erf_array(x32).dtype == np.float32


def test_gelu_uses_erf_with_its_derivative():
    # the exact gelu's gradient goes through the erf op: second derivatives at order 2
    check_op(lambda lib, x: lib.erf(x), [(3, 4)])
    check_op(lambda lib, x: _f(lib).gelu(x * 3), [(5, 2)])


# ---------------------------------------------------------------- node names and errors vs PyTorch

def _named(lib):
    f = _f(lib)

    def leaf():
        return lib.tensor([[-2.0, -0.5, 0.0], [0.5, 1.0, 3.0]], dtype=lib.float64, requires_grad=True)

    exprs = {name: (lambda fn: lambda: fn(lib, leaf()))(fn) for name, fn in ACTIVATIONS.items()}
    exprs.update({f"inplace_{name}": (lambda fn: lambda: fn(lib, leaf()))(fn) for name, fn in INPLACE.items()})
    exprs["glu"] = lambda: f.glu(leaf(), 0)
    return exprs


@requires_torch
@pytest.mark.parametrize("expr", list(_named(tapegrad)))
def test_node_name_matches_torch(expr):
    torch = torch_or_none()
    ours, theirs = _named(tapegrad)[expr](), _named(torch)[expr]()
    assert type(ours.grad_fn).__name__ == type(theirs.grad_fn).__name__
    assert_close(ours, theirs, atol=1e-12, rtol=1e-12)


def _error(call):
    try:
        call()
    except Exception as e:  # noqa: BLE001 - the exception itself is what is compared
        return type(e).__name__, str(e)
    return None


def _erroring(lib):
    f = _f(lib)

    def integers():
        return lib.tensor([[1, -2], [0, 3]])

    def booleans():
        return lib.tensor([[True, False], [False, True]])

    def leaf():
        return lib.tensor([1.0, -2.0], requires_grad=True)

    cases = {}
    for name in ("softplus", "gelu", "silu", "mish", "elu", "selu", "celu", "leaky_relu", "hardsigmoid",
                 "hardswish", "logsigmoid", "glu"):
        cases[f"{name}_long"] = (lambda fn: lambda: fn(integers()))(getattr(f, name))
        cases[f"{name}_bool"] = (lambda fn: lambda: fn(booleans()))(getattr(f, name))
    cases.update({
        "gelu_tanh_long": lambda: f.gelu(integers(), approximate="tanh"),
        "gelu_approximate": lambda: f.gelu(leaf(), approximate="exact"),
        "hardtanh_bool": lambda: f.hardtanh(booleans()),
        "relu6_bool": lambda: f.relu6(booleans()),
        "threshold_bool": lambda: f.threshold(booleans(), 0.5, 1.0),
        "softsign_bool": lambda: f.softsign(booleans()),
        "tanhshrink_bool": lambda: f.tanhshrink(booleans()),
        "celu_alpha_0": lambda: f.celu(leaf(), alpha=0.0),
        "torch_celu_alpha_0": lambda: lib.celu(leaf(), 0.0),
        "hardtanh_bounds": lambda: f.hardtanh(leaf(), 2.0, 1.0),
        "glu_odd": lambda: f.glu(lib.ones(3, 5)),
        "glu_odd_dim0": lambda: f.glu(lib.ones(3, 4), 0),
        "glu_scalar": lambda: f.glu(lib.tensor(1.0)),
        "glu_dim": lambda: f.glu(lib.ones(3, 4), 2),
        "glu_negative_dim": lambda: f.glu(lib.ones(3, 4), -3),
        "inplace_leaf": lambda: f.elu(leaf(), inplace=True),
        "inplace_leaf_selu_": lambda: lib.selu_(leaf()),
        "inplace_leaf_hardtanh": lambda: f.hardtanh(leaf(), inplace=True),
        "elu_negative_alpha_backward": lambda: f.elu(leaf() * 1, -0.5, inplace=True).sum().backward(),
        "celu_negative_alpha_backward": lambda: f.celu(leaf() * 1, -0.5, inplace=True).sum().backward(),
        "leaky_negative_slope_backward": lambda: f.leaky_relu(leaf() * 1, -0.1, inplace=True).sum().backward(),
    })
    return cases


@requires_torch
@pytest.mark.parametrize("case", list(_erroring(tapegrad)))
def test_errors_match_torch(case):
    torch = torch_or_none()
    ours, theirs = _error(_erroring(tapegrad)[case]), _error(_erroring(torch)[case])
    assert theirs is not None and ours == theirs


INTEGER_RESULTS = {
    "hardtanh": lambda lib, x: _f(lib).hardtanh(x, -0.5, 1.5),
    "relu6": lambda lib, x: _f(lib).relu6(x),
    "threshold": lambda lib, x: _f(lib).threshold(x, 0.5, 1.7),
    "softsign": lambda lib, x: _f(lib).softsign(x),
    "tanhshrink": lambda lib, x: _f(lib).tanhshrink(x),
}


@requires_torch
@pytest.mark.parametrize("name", list(INTEGER_RESULTS))
def test_integer_inputs_match_torch(name):
    torch = torch_or_none()
    results = []
    for lib in (tapegrad, torch):
        y = INTEGER_RESULTS[name](lib, lib.tensor([[3, -2, 0], [7, 1, -9]]))
        results.append((str(y.dtype), y.tolist()))
    assert results[0][0] == results[1][0]
    assert_close(np.array(results[0][1]), np.array(results[1][1]), atol=1e-6, rtol=1e-6)


def test_inplace_writes_into_the_input_and_keeps_old_values_for_backward():
    x = tapegrad.tensor([-1.0, 0.05, 0.5, 2.0], requires_grad=True)
    y = x * 1
    version = y._version
    out = F.threshold(y, 0.1, 2.0, inplace=True)
    assert out is y and y._version == version + 1
    assert y.tolist() == [2.0, 2.0, 0.5, 2.0]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0, 1.0]  # decided by the original input, as in PyTorch


def test_inplace_without_grad():
    x = tapegrad.tensor([-1.0, 0.5, 3.0])
    assert F.hardtanh_(x) is x and x.tolist() == [-1.0, 0.5, 1.0]
    with tapegrad.no_grad():
        y = tapegrad.tensor([-1.0, 2.0], requires_grad=True)
        F.elu(y, inplace=True)
    assert y.tolist()[1] == 2.0 and y.grad_fn is None


def test_tables():
    for name in activation.FUNCTIONAL:
        assert getattr(F, name) is getattr(activation, name), name
    for name in activation.PUBLIC:
        assert getattr(tapegrad, name) is getattr(activation, name), name


@requires_torch
def test_tables_follow_torch():
    torch = torch_or_none()
    for name in activation.FUNCTIONAL:
        assert hasattr(torch.nn.functional, name), name
        assert (name in activation.PUBLIC) == hasattr(torch, name), name
        assert (name in activation.METHODS) == hasattr(torch.Tensor, name), name


COVERAGE = {
    "softplus": ["test_activation.py::test_activation[softplus]",
                 "test_activation.py::test_activation[softplus_beta]",
                 "test_activation.py::test_kinks_match_torch[softplus_on_threshold]"],
    "gelu": ["test_activation.py::test_activation[gelu]", "test_activation.py::test_activation[gelu_tanh]"],
    "_silu": ["test_activation.py::test_activation[silu]", "test_activation.py::test_inplace[silu]"],
    "_mish": ["test_activation.py::test_activation[mish]", "test_activation.py::test_inplace[mish]"],
    "logsigmoid": ["test_activation.py::test_activation[logsigmoid]",
                   "test_activation.py::test_softplus_and_logsigmoid_of_large_inputs"],
    "_elu": ["test_activation.py::test_activation[elu]", "test_activation.py::test_activation[selu]",
             "test_activation.py::test_activation[elu_alpha]"],
    "_elu_inplace": ["test_activation.py::test_inplace[elu]", "test_activation.py::test_inplace[selu]",
                     "test_activation.py::test_errors_match_torch[elu_negative_alpha_backward]"],
    "_celu": ["test_activation.py::test_activation[celu]", "test_activation.py::test_activation[celu_alpha]"],
    "_celu_inplace": ["test_activation.py::test_inplace[celu]", "test_activation.py::test_inplace[torch_celu_]"],
    "_leaky_relu": ["test_activation.py::test_activation[leaky_relu]",
                    "test_activation.py::test_activation[leaky_relu_slope]"],
    "_leaky_relu_inplace": ["test_activation.py::test_inplace[leaky_relu]",
                            "test_activation.py::test_inplace[leaky_relu_]"],
    "_hardtanh": ["test_activation.py::test_activation[hardtanh]", "test_activation.py::test_activation[relu6]",
                  "test_activation.py::test_inplace[hardtanh]"],
    "_hardsigmoid": ["test_activation.py::test_activation[hardsigmoid]",
                     "test_activation.py::test_inplace[hardsigmoid]"],
    "_hardswish": ["test_activation.py::test_activation[hardswish]", "test_activation.py::test_inplace[hardswish]"],
    "_threshold": ["test_activation.py::test_activation[threshold]",
                   "test_activation.py::test_activation[torch_threshold]"],
    "_threshold_inplace": ["test_activation.py::test_inplace[threshold]",
                           "test_activation.py::test_inplace_writes_into_the_input_and_keeps_old_values_for_backward"],
    "glu": ["test_activation.py::test_glu[last]", "test_activation.py::test_glu[middle]"],
    "_glu_half": ["test_activation.py::test_glu[first]", "test_activation.py::test_glu_default_dim_and_third_order"],
    "_glu_join": ["test_activation.py::test_glu[negative]",
                  "test_activation.py::test_glu_default_dim_and_third_order"],
}


def _activation_calls(x, y):
    return (F.softplus(x), F.softplus(x, 2.0, 1.0), F.gelu(x), F.gelu(x, approximate="tanh"), F.silu(x),
            F.mish(x), F.elu(x), F.selu(x), F.celu(x, 2.0), F.leaky_relu(x, 0.2), F.hardtanh(x, -0.5, 0.5),
            F.relu6(x * 4), F.hardsigmoid(x * 4), F.hardswish(x * 4), F.logsigmoid(x), F.softsign(x),
            F.tanhshrink(x), F.threshold(x, 0.1, 2.0), F.glu(x), F.glu(x.reshape(6, 2), 0))


def _inplace_calls(x, y):
    return (F.elu(x * 1, inplace=True), F.selu(x * 1, inplace=True), F.celu(x * 1, 1.5, inplace=True),
            F.leaky_relu(x * 1, 0.1, inplace=True), F.threshold(x * y, 0.1, 2.0, inplace=True))


def _in_rules(x, y):
    # ops that only derivative rules call: recorded when a gradient is taken with create_graph
    grad = tapegrad.autograd.grad
    return (grad(F.gelu(x * y).sum(), x, create_graph=True)[0],                        # _gelu_erf
            grad(F.glu(x * y), x, grad_outputs=y[:, :2] * 1.0, create_graph=True)[0])  # _glu_half, _glu_join


JVP_EXPRESSIONS = {"activation": _activation_calls, "activation_inplace": _inplace_calls,
                   "activation_in_rules": _in_rules}
