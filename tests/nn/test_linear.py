"""nn.Linear (nn/modules/linear.py), nn.MSELoss, nn.functional.linear / mse_loss and nn.Parameter.

Gradients are compared with real PyTorch on the same weights: the torch layer's weights are copied
into the tapegrad layer through NumPy. Tests that take `lib` also run on torch, which checks the
expectations themselves.
"""
import math

import numpy as np
import pytest

import tapegrad
from checks import assert_close, check_op, requires_torch, torch_or_none

TORCH = torch_or_none()

SHAPES = [(3,), (4, 3), (2, 4, 3), (2, 1, 4, 3)]



def twin_layers(in_features, out_features, bias=True):
    """A torch Linear and a tapegrad Linear holding the same weights."""
    torch_layer = TORCH.nn.Linear(in_features, out_features, bias=bias)
    layer = tapegrad.nn.Linear(in_features, out_features, bias=bias)
    layer.weight = tapegrad.nn.Parameter(tapegrad.tensor(torch_layer.weight.detach().numpy().copy()))
    if bias:
        layer.bias = tapegrad.nn.Parameter(tapegrad.tensor(torch_layer.bias.detach().numpy().copy()))
    return layer, torch_layer


# ---- shapes ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("bias", [True, False])
def test_output_shape_and_values(lib, shape, bias):
    layer = lib.nn.Linear(3, 2, bias=bias)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    out = layer(lib.tensor(x))
    assert tuple(out.shape) == shape[:-1] + (2,)
    assert out.dtype == lib.float32
    expected = x @ layer.weight.detach().numpy().T
    if bias:
        expected = expected + layer.bias.detach().numpy()
    assert_close(out, expected)


def test_parameter_shapes(lib):
    layer = lib.nn.Linear(5, 7)
    assert tuple(layer.weight.shape) == (7, 5) and tuple(layer.bias.shape) == (7,)
    assert layer.in_features == 5 and layer.out_features == 7
    assert layer.weight.dtype == lib.float32
    assert layer.weight.is_leaf and layer.weight.requires_grad


def test_bias_false(lib):
    layer = lib.nn.Linear(3, 2, bias=False)
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    assert list(layer.state_dict()) == ["weight"]


def test_dtype_argument(lib):
    layer = lib.nn.Linear(3, 2, dtype=lib.float64)
    assert layer.weight.dtype == lib.float64 and layer.bias.dtype == lib.float64
    assert layer(lib.ones(2, 3, dtype=lib.float64)).dtype == lib.float64


# ---- node names and gradients vs torch ------------------------------------------------------------

@requires_torch
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("bias", [True, False])
def test_grad_fn_name_equals_torch(shape, bias):
    layer, torch_layer = twin_layers(3, 2, bias)
    x = np.ones(shape, dtype=np.float32)
    ours = layer(tapegrad.tensor(x)).grad_fn.name()
    theirs = torch_layer(TORCH.tensor(x)).grad_fn.name()
    assert ours == theirs


@requires_torch
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("bias", [True, False])
def test_gradients_equal_torch(shape, bias):
    layer, torch_layer = twin_layers(3, 2, bias)
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    xt, xtt = tapegrad.tensor(x, requires_grad=True), TORCH.tensor(x, requires_grad=True)
    out, tout = layer(xt), torch_layer(xtt)
    assert_close(out, tout)
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    assert_close(layer.weight.grad, torch_layer.weight.grad, msg="weight grad ")
    assert_close(xt.grad, xtt.grad, msg="input grad ")
    if bias:
        assert_close(layer.bias.grad, torch_layer.bias.grad, msg="bias grad ")
    assert layer.weight.grad.dtype == tapegrad.float32


@requires_torch
def test_sum_gradients_equal_torch():
    layer, torch_layer = twin_layers(4, 3)
    x = np.random.default_rng(2).standard_normal((5, 4)).astype(np.float32)
    xt, xtt = tapegrad.tensor(x, requires_grad=True), TORCH.tensor(x, requires_grad=True)
    layer(xt).sum().backward()
    torch_layer(xtt).sum().backward()
    # d sum / d b = batch size; d sum / d W[i, j] = sum over the batch of x[:, j]
    assert_close(layer.bias.grad, np.full(3, 5.0))
    assert_close(layer.weight.grad, np.tile(x.sum(0), (3, 1)))
    for ours, theirs in [(layer.weight.grad, torch_layer.weight.grad), (layer.bias.grad, torch_layer.bias.grad),
                         (xt.grad, xtt.grad)]:
        assert_close(ours, theirs)


# ---- default initialisation -----------------------------------------------------------------------

@pytest.mark.parametrize("in_features, out_features", [(50, 40), (3, 200)])
def test_default_init_bounds(lib, in_features, out_features):
    lib.manual_seed(0)
    layer = lib.nn.Linear(in_features, out_features)
    bound = 1 / math.sqrt(in_features)
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # the whole interval is used (not, say, +-bound/sqrt(3)), and both signs occur
    assert np.abs(w).max() > 0.9 * bound
    assert (w < 0).any() and (w > 0).any()
    assert abs(w.mean()) < 0.1 * bound
    assert np.unique(w).size == w.size


def test_default_init_differs_between_layers(lib):
    a, b = lib.nn.Linear(4, 4), lib.nn.Linear(4, 4)
    assert not np.array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())


def test_default_init_reproducible_with_manual_seed(lib):
    lib.manual_seed(123)
    a = lib.nn.Linear(4, 3)
    lib.manual_seed(123)
    b = lib.nn.Linear(4, 3)
    assert np.array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())
    assert np.array_equal(a.bias.detach().numpy(), b.bias.detach().numpy())


# ---- repr -----------------------------------------------------------------------------------------

def test_extra_repr(lib):
    assert lib.nn.Linear(3, 2).extra_repr() == "in_features=3, out_features=2, bias=True"
    assert lib.nn.Linear(3, 2, bias=False).extra_repr() == "in_features=3, out_features=2, bias=False"
    assert repr(lib.nn.Linear(10, 1)) == "Linear(in_features=10, out_features=1, bias=True)"


# ---- MSELoss ----------------------------------------------------------------------------------------

@requires_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(5,), (3, 4)])
def test_mse_loss_module_equals_torch(reduction, shape):
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal(shape).astype(np.float32), rng.standard_normal(shape).astype(np.float32)
    results = []
    for lib in (tapegrad, TORCH):
        xt = lib.tensor(x, requires_grad=True)
        loss = lib.nn.MSELoss(reduction=reduction)(xt, lib.tensor(y))
        loss.sum().backward() if reduction == "none" else loss.backward()
        results.append((loss, xt.grad))
    (loss, grad), (tloss, tgrad) = results
    assert str(loss.dtype) == str(tloss.dtype)
    assert_close(loss, tloss)
    assert_close(grad, tgrad)


@pytest.mark.parametrize("reduction, expected", [("mean", 5.0), ("sum", 10.0), ("none", [1.0, 9.0])])
def test_mse_loss_values(lib, reduction, expected):
    loss = lib.nn.MSELoss(reduction=reduction)(lib.tensor([1.0, 2.0]), lib.tensor([0.0, 5.0]))
    assert_close(loss, np.array(expected, dtype=np.float32))


def test_mse_loss_repr_and_default_reduction(lib):
    loss = lib.nn.MSELoss()
    assert loss.reduction == "mean"
    assert repr(loss) == "MSELoss()"


# ---- functional -----------------------------------------------------------------------------------

@pytest.mark.parametrize("shapes", [[(3,), (2, 3), (2,)], [(4, 3), (2, 3), (2,)], [(2, 4, 3), (2, 3), (2,)],
                                    [(4, 3), (1, 3), (1,)]])
def test_functional_linear(shapes):
    check_op(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), shapes)


@pytest.mark.parametrize("shapes", [[(3,), (2, 3)], [(4, 3), (2, 3)], [(2, 4, 3), (2, 3)]])
def test_functional_linear_without_bias(shapes):
    check_op(lambda lib, x, w: lib.nn.functional.linear(x, w), shapes)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_functional_mse_loss(reduction):
    check_op(lambda lib, x, y: lib.nn.functional.mse_loss(x, y, reduction=reduction), [(3, 4), (3, 4)])


# ---- Parameter ------------------------------------------------------------------------------------

@requires_torch
@pytest.mark.parametrize("data", [[1.0, 2.0], [[1.5, 2.0], [3.0, 4.0]], 3.25])
@pytest.mark.parametrize("requires_grad", [True, False])
def test_parameter_repr_equals_torch(data, requires_grad):
    ours = tapegrad.nn.Parameter(tapegrad.tensor(data), requires_grad=requires_grad)
    theirs = TORCH.nn.Parameter(TORCH.tensor(data), requires_grad=requires_grad)
    assert repr(ours) == repr(theirs)
    assert str(ours) == str(theirs)


def test_parameter_repr(lib):
    assert repr(lib.nn.Parameter(lib.ones(2))) == "Parameter containing:\ntensor([1., 1.], requires_grad=True)"


def test_parameter_shares_memory_with_its_tensor(lib):
    t = lib.zeros(3)
    p = lib.nn.Parameter(t)
    t[1] = 5.0
    assert p.tolist() == [0.0, 5.0, 0.0]
    with lib.no_grad():
        p.add_(1.0)
    assert t.tolist() == [1.0, 6.0, 1.0]


def test_parameter_is_a_leaf_that_requires_grad(lib):
    t = lib.tensor([1.0, 2.0])
    p = lib.nn.Parameter(t)
    assert isinstance(p, lib.Tensor) and isinstance(p, lib.nn.Parameter)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    assert not t.requires_grad  # the wrapped tensor is untouched
    (p * p).sum().backward()
    assert p.grad.tolist() == [2.0, 4.0]


def test_parameter_of_a_non_leaf_is_a_leaf(lib):
    x = lib.ones(2, requires_grad=True)
    p = lib.nn.Parameter(x * 2)
    assert p.is_leaf and p.grad_fn is None and p.requires_grad


def test_parameter_requires_grad_false(lib):
    p = lib.nn.Parameter(lib.ones(2), requires_grad=False)
    assert not p.requires_grad and p.is_leaf
    assert isinstance(p, lib.nn.Parameter)
    assert (p * 3).grad_fn is None


def test_parameter_keeps_dtype(lib):
    assert lib.nn.Parameter(lib.ones(2, dtype=lib.float64)).dtype == lib.float64
