"""Tensor.backward and autograd.backward (tapegrad/autograd/__init__.py and engine.py).

Every test takes `lib` and runs twice: on tapegrad, and on real PyTorch when it is installed, so the
expected values and messages written here are checked against the oracle itself.
"""
import math
import warnings

import numpy as np
import pytest

import tapegrad
from checks import assert_close


BACKWARD_TWICE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward.")



def vec(lib, values, requires_grad=True, dtype=None):
    return lib.tensor(values, requires_grad=requires_grad, dtype=dtype)


# ---- scalar and non-scalar outputs --------------------------------------------------------------

def test_scalar_backward(lib):
    x = vec(lib, [1., 2., 3.])
    (x * x).sum().backward()
    assert repr(x.grad) == "tensor([2., 4., 6.])"
    assert x.grad.dtype == lib.float32
    assert not x.grad.requires_grad and x.grad.grad_fn is None


def test_tutorial_pow_scalar(lib):
    x = lib.tensor(3.0, requires_grad=True)
    y = x ** 2
    y.backward()
    assert repr(x.grad) == "tensor(6.)"


def test_nonscalar_with_gradient(lib):
    x = vec(lib, [1., 2., 3.])
    y = x * x
    y.backward(lib.tensor([1., 0.1, 0.01]))
    assert_close(x.grad, [2., 0.4, 0.06])


def test_gradient_keyword_and_autograd_backward(lib):
    x = vec(lib, [[1., 2.], [3., 4.]])
    y = x ** 3
    y.backward(gradient=lib.ones(2, 2))
    assert_close(x.grad, 3 * np.array([[1., 2.], [3., 4.]]) ** 2)
    x.grad = None
    lib.autograd.backward(x ** 3, grad_tensors=lib.full((2, 2), 2.))
    assert_close(x.grad, 6 * np.array([[1., 2.], [3., 4.]]) ** 2)


def test_one_element_nonscalar_needs_no_gradient(lib):
    x = vec(lib, [[2.]])
    (x * 5).backward()
    assert repr(x.grad) == "tensor([[5.]])"


def test_float64_gradient_stays_float64(lib):
    x = lib.tensor(np.array([1., 2.]), requires_grad=True)
    (x.exp()).sum().backward()
    assert x.grad.dtype == lib.float64
    assert_close(x.grad, np.exp([1., 2.]), atol=1e-12, rtol=1e-12)


def test_several_roots(lib):
    x = vec(lib, [1., 2.])
    y1, y2 = x * 2, x ** 2
    lib.autograd.backward([y1, y2], [lib.ones(2), lib.tensor([1., 10.])])
    assert_close(x.grad, [2. + 2., 2. + 40.])


def test_several_roots_sharing_a_node(lib):
    x = vec(lib, [1., 2.])
    h = x.exp()
    lib.autograd.backward([h.sum(), (h * 3).sum()])
    assert_close(x.grad, 4 * np.exp([1., 2.]))


# ---- accumulation ------------------------------------------------------------------------------

def test_accumulates_across_calls(lib):
    x = vec(lib, [1., 2.])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    assert_close(x.grad, [3. + 2., 3. + 4.])
    x.grad.zero_()
    (x * 3).sum().backward()
    assert_close(x.grad, [3., 3.])
    x.grad = None
    (x * 5).sum().backward()
    assert_close(x.grad, [5., 5.])


def test_accumulated_grad_is_not_the_gradient_argument(lib):
    x = vec(lib, [1., 2.])
    g = lib.tensor([1., 1.])
    (x * 1).backward(g)
    (x * 1).backward(g)
    assert_close(x.grad, [2., 2.])
    assert_close(g, [1., 1.])  # the seed was not accumulated into


def test_grad_of_leaf_used_twice_in_one_op(lib):
    x = vec(lib, [3.])
    (x * x).backward()
    assert_close(x.grad, [6.])


# ---- retain_graph -----------------------------------------------------------------------------

def test_second_backward_raises_when_not_retained(lib):
    x = vec(lib, [1., 2., 3.])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError) as err:
        y.backward()
    assert str(err.value) == BACKWARD_TWICE
    assert_close(x.grad, [2., 4., 6.])  # the failed call changed nothing


def test_autograd_grad_after_backward_raises(lib):
    x = vec(lib, [1., 2.])
    y = (x.sin()).sum()
    y.backward()
    with pytest.raises(RuntimeError) as err:
        lib.autograd.grad(y, x)
    assert str(err.value) == BACKWARD_TWICE


def test_retain_graph_allows_second_backward(lib):
    x = vec(lib, [1., 2., 3.])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward(retain_graph=True)
    y.backward()
    assert_close(x.grad, [6., 12., 18.])
    with pytest.raises(RuntimeError) as err:
        y.backward()
    assert str(err.value) == BACKWARD_TWICE


def test_graph_without_saved_tensors_backprops_twice(lib):
    # PyTorch only complains when a node needs a freed saved tensor; add and sum save none.
    x = vec(lib, [1., 2.])
    y = (x + 1).sum()
    y.backward()
    y.backward()
    assert_close(x.grad, [2., 2.])


def test_create_graph_retains_graph_by_default(lib):
    x = lib.tensor(2.0, requires_grad=True)
    y = x ** 3
    (g,) = lib.autograd.grad(y, x, create_graph=True)
    (g2,) = lib.autograd.grad(y, x)  # retain_graph defaulted to create_graph=True
    assert g2.item() == 12.0 and g.item() == 12.0


def test_tutorial_seed_003_retain_graph_jacobian(lib):
    """seed 003: rows of the Jacobian by two backward passes, the first with retain_graph=True."""
    x = lib.autograd.Variable(lib.FloatTensor([[2, 4, 5]]), requires_grad=True)
    y = lib.autograd.Variable(lib.zeros(1, 2))
    y[0, 0] = x[0, 0] ** 2 + 2 * x[0, 1] + 4 * x[0, 2]
    y[0, 1] = 2 * x[0, 0] + 3 * x[0, 1] ** 2 + x[0, 2] ** 2
    j = lib.zeros(3, 2)
    y.backward(lib.autograd.Variable(lib.FloatTensor([[1, 0]])), retain_graph=True)
    j[:, 0] = x.grad.data
    x.grad.data.zero_()
    y.backward(lib.autograd.Variable(lib.FloatTensor([[0, 1]])))
    j[:, 1] = x.grad.data
    assert str(j) == "tensor([[ 4.,  2.],\n        [ 2., 24.],\n        [ 4., 10.]])"


# ---- create_graph: higher order --------------------------------------------------------------

def test_higher_order_grad_of_x4(lib):
    x = lib.tensor(2.0, requires_grad=True)
    y = x ** 4
    reprs = []
    for _ in range(4):
        (y,) = lib.autograd.grad(y, x, create_graph=True)
        reprs.append(repr(y))
    # 4x^3 = 32, 12x^2 = 48, 24x = 48, 24
    assert reprs[:3] == ["tensor(32., grad_fn=<MulBackward0>)", "tensor(48., grad_fn=<MulBackward0>)",
                         "tensor(48., grad_fn=<MulBackward0>)"]
    assert reprs[3] == "tensor(24., grad_fn=<MulBackward0>)"


def test_fifth_derivative_of_x4_is_zero(lib):
    x = lib.tensor(2.0, requires_grad=True)
    y = x ** 4
    for _ in range(5):
        (y,) = lib.autograd.grad(y, x, create_graph=True)
    assert y.item() == 0.0


def test_third_derivative_via_backward_create_graph(lib):
    x = lib.tensor([0.5, 1.5], requires_grad=True)
    y = x.sin().sum()
    (g1,) = lib.autograd.grad(y, x, create_graph=True)      # cos
    (g2,) = lib.autograd.grad(g1.sum(), x, create_graph=True)  # -sin
    g2.sum().backward()                                     # -cos into x.grad
    assert_close(g1, np.cos([0.5, 1.5]))
    assert_close(g2, -np.sin([0.5, 1.5]))
    assert_close(x.grad, -np.cos([0.5, 1.5]))


def test_backward_create_graph_grad_has_grad_fn(lib):
    x = lib.tensor(2.0, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns (once per process) about the parameter <-> grad cycle
        (x ** 3).backward(create_graph=True)
    assert repr(x.grad) == "tensor(12., grad_fn=<CopyBackwards>)"
    assert x.grad.requires_grad and not x.grad.is_leaf


def test_backward_of_grad_after_create_graph_value(lib):
    x = lib.tensor(2.0, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (x ** 3).backward(create_graph=True)   # x.grad = 3x^2 = 12, with a graph
        x.grad.backward()                      # adds d(3x^2)/dx = 6x = 12
    assert x.grad.item() == 24.0


def test_backward_of_grad_after_create_graph_repr(lib):
    # PyTorch adds in place into the existing .grad outside grad mode: it keeps its grad_fn.
    x = lib.tensor(2.0, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (x ** 3).backward(create_graph=True)
        x.grad.backward()
    assert repr(x.grad) == "tensor(24., grad_fn=<CopyBackwards>)"


def test_create_graph_mixed_partials(lib):
    x = lib.tensor(1.5, requires_grad=True)
    y = lib.tensor(-2.0, requires_grad=True)
    f = x ** 2 * y ** 3
    (fx,) = lib.autograd.grad(f, x, create_graph=True)  # 2 x y^3
    (fxy,) = lib.autograd.grad(fx, y)                  # 6 x y^2
    assert math.isclose(fx.item(), 2 * 1.5 * (-8.0), rel_tol=1e-6)
    assert math.isclose(fxy.item(), 6 * 1.5 * 4.0, rel_tol=1e-6)


# ---- inputs= -----------------------------------------------------------------------------------

def test_inputs_leaf_only(lib):
    x = vec(lib, [1., 2.])
    w = vec(lib, [3., 4.])
    (x * w).sum().backward(inputs=[x])
    assert_close(x.grad, [3., 4.])
    assert w.grad is None


def test_inputs_single_tensor(lib):
    x = vec(lib, [1., 2.])
    w = vec(lib, [3., 4.])
    lib.autograd.backward((x * w).sum(), inputs=w)
    assert_close(w.grad, [1., 2.])
    assert x.grad is None


def test_inputs_non_leaf(lib):
    x = vec(lib, [1., 2.])
    h = x * 2
    (h * h).sum().backward(inputs=[h])
    assert_close(h.grad, [4., 8.])
    assert x.grad is None


def test_inputs_non_leaf_and_leaf_accumulate(lib):
    x = vec(lib, [1., 2.])
    h = x * 2
    z = (h * h).sum()
    z.backward(inputs=[h, x], retain_graph=True)
    z.backward(inputs=[h, x])
    assert_close(h.grad, [8., 16.])
    assert_close(x.grad, [16., 32.])


def test_inputs_empty_error(lib):
    x = vec(lib, [1., 2.])
    with pytest.raises(RuntimeError) as err:
        (x * 2).sum().backward(inputs=[])
    assert str(err.value) == "`inputs` argument to `backward()` cannot be empty."


# ---- backward on a leaf ------------------------------------------------------------------------

def test_backward_on_leaf_itself(lib):
    x = lib.tensor(2.0, requires_grad=True)
    x.backward()
    assert repr(x.grad) == "tensor(1.)"
    x.backward(lib.tensor(3.))
    assert repr(x.grad) == "tensor(4.)"


def test_backward_on_nonscalar_leaf(lib):
    x = vec(lib, [1., 2., 3.])
    x.backward(lib.tensor([1., 2., 3.]))
    assert_close(x.grad, [1., 2., 3.])


# ---- errors, word for word --------------------------------------------------------------------

def test_implicit_grad_of_nonscalar(lib):
    x = vec(lib, [1., 2.])
    with pytest.raises(RuntimeError) as err:
        (x * 2).backward()
    assert str(err.value) == "grad can be implicitly created only for scalar outputs"


def test_backward_of_tensor_without_grad_fn(lib):
    with pytest.raises(RuntimeError) as err:
        lib.tensor([1., 2.]).sum().backward()
    assert str(err.value) == "element 0 of tensors does not require grad and does not have a grad_fn"


def test_backward_of_result_made_under_no_grad(lib):
    x = vec(lib, [1., 2.])
    with lib.no_grad():
        y = (x * 2).sum()
    with pytest.raises(RuntimeError) as err:
        y.backward()
    assert str(err.value) == "element 0 of tensors does not require grad and does not have a grad_fn"


def test_error_names_the_index_of_the_output(lib):
    x = vec(lib, [1., 2.])
    with pytest.raises(RuntimeError) as err:
        lib.autograd.backward([(x * 2).sum(), lib.tensor(1.)])
    assert str(err.value) == "element 1 of tensors does not require grad and does not have a grad_fn"


def test_gradient_shape_mismatch(lib):
    x = vec(lib, [1., 2., 3.])
    with pytest.raises(RuntimeError) as err:
        (x * 2).backward(lib.ones(2))
    assert str(err.value) == ("Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and "
                              "output[0] has a shape of torch.Size([3]).")
    assert x.grad is None


def test_gradient_that_is_not_a_tensor(lib):
    x = vec(lib, [1., 2.])
    with pytest.raises(TypeError) as err:
        (x * 2).backward([1., 2.])
    assert str(err.value) == "gradients can be either Tensors or None, but got float"


def test_retain_variables_is_not_a_keyword_of_tensor_backward(lib):
    # seed 003: old tutorials pass retain_variables=True (renamed retain_graph long ago).
    x = vec(lib, [[2., 4., 5.]])
    y = x * 2
    with pytest.raises(TypeError) as err:
        y.backward(lib.ones(1, 3), retain_variables=True)
    assert str(err.value) == "Tensor.backward() got an unexpected keyword argument 'retain_variables'"
    assert x.grad is None


def test_retain_variables_is_not_a_keyword_of_autograd_backward(lib):
    x = vec(lib, [1.])
    with pytest.raises(TypeError) as err:
        lib.autograd.backward((x * 2).sum(), retain_variables=True)
    assert str(err.value) == "backward() got an unexpected keyword argument 'retain_variables'"


# ---- graph shapes: diamonds and reuse ----------------------------------------------------------

def test_diamond_sums_gradients_and_runs_each_node_once(lib):
    x = vec(lib, [0.3, -1.2, 2.0])
    a = x * 2
    calls = {"hook": 0, "node": 0}

    def tensor_hook(g):
        calls["hook"] += 1

    def node_hook(grad_inputs, grad_outputs):
        calls["node"] += 1

    a.register_hook(tensor_hook)
    a.grad_fn.register_hook(node_hook)
    b, c = a.sin(), a.cos()
    (b * c).sum().backward()
    assert calls == {"hook": 1, "node": 1}
    xs = np.array([0.3, -1.2, 2.0])
    # d/dx sin(2x)cos(2x) = d/dx sin(4x)/2 = 2 cos(4x)
    assert_close(x.grad, 2 * np.cos(4 * xs))


def test_diamond_hook_sees_the_summed_gradient(lib):
    x = vec(lib, [1., 2.])
    a = x * 1
    seen = []
    a.register_hook(lambda g: seen.append(g.detach().clone()))
    (a * 2 + a * 3).sum().backward()
    assert len(seen) == 1
    assert_close(seen[0], [5., 5.])


def test_intermediate_reused_many_times(lib):
    x = vec(lib, [0.5, 1.0])
    h = x * 1.5
    count = [0]

    def hook(grad_inputs, grad_outputs):
        count[0] += 1

    h.grad_fn.register_hook(hook)
    y = h
    for k in range(1, 60):
        y = y + h * k
    y.sum().backward()
    # y = h (1 + sum k) -> dy/dx = 1.5 (1 + 1770)
    assert count[0] == 1
    assert_close(x.grad, [1.5 * 1771] * 2)


def test_reused_intermediate_nonlinear(lib):
    rng = np.random.default_rng(0)
    data = rng.standard_normal(5)
    x = lib.tensor(data, requires_grad=True)
    h = x.tanh()
    y = h
    for _ in range(20):
        y = y * h + h
    y.sum().backward()
    # y_n = h y_{n-1} + h with y_0 = h, so y_n = h + h^2 + ... + h^(n+1)
    hs = np.tanh(data)
    dy_dh = sum((k + 1) * hs ** k for k in range(21))
    assert_close(x.grad, dy_dh * (1 - hs ** 2), atol=1e-8, rtol=1e-8)


def test_independent_paths_to_two_leaves(lib):
    x = vec(lib, [1., 2.])
    w = vec(lib, [3., 4.])
    y = (x * w).sum() + (x * x).sum() + w.exp().sum()
    y.backward()
    assert_close(x.grad, [3. + 2., 4. + 4.])
    assert_close(w.grad, [1. + math.e ** 3, 2. + math.e ** 4])


def test_deep_chain_needs_no_recursion():
    # The engine walks the graph with explicit stacks: far deeper than Python's recursion limit.
    x = tapegrad.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(20000):
        y = y + 1.0
    y.backward()
    assert x.grad.item() == 1.0


# ---- smaller rules ----------------------------------------------------------------------------

def test_gradient_of_other_dtype_is_cast_to_the_leaf_dtype(lib):
    x = vec(lib, [1., 2., 3.])
    (x * 2).backward(lib.ones(3, dtype=lib.float64))
    assert repr(x.grad) == "tensor([2., 2., 2.])"


def test_accumulation_is_in_place_into_existing_grad(lib):
    x = vec(lib, [1., 2., 3.])
    x.grad = lib.ones(3)
    g = x.grad
    (x * 2).sum().backward()
    assert x.grad is g
    assert repr(g) == "tensor([3., 3., 3.])"


def test_backward_from_a_view(lib):
    x = vec(lib, [1., 2., 3.])
    y = x * 2
    y[0].backward()
    assert repr(x.grad) == "tensor([2., 0., 0.])"
    x.grad = None
    y = x * 2
    y[1:].sum().backward()
    assert repr(x.grad) == "tensor([0., 2., 2.])"


def test_mixed_dtypes(lib):
    x = vec(lib, [1., 2., 3.])
    i = lib.tensor([1., 2.], dtype=lib.float64, requires_grad=True)
    (x[:2] * i).sum().backward()
    assert repr(x.grad) == "tensor([1., 2., 0.])"
    assert repr(i.grad) == "tensor([1., 2.], dtype=torch.float64)"


def test_scalar_output_with_one_element_gradient_of_other_shape(lib):
    x = vec(lib, [1., 2., 3.])
    with pytest.raises(RuntimeError) as err:
        (x * 2).sum().backward(lib.tensor([1.]))
    assert str(err.value) == ("Mismatch in shape: grad_output[0] has a shape of torch.Size([1]) and "
                              "output[0] has a shape of torch.Size([]).")
    (x * 2).sum().backward(lib.tensor(2.))
    assert repr(x.grad) == "tensor([4., 4., 4.])"


def test_small_mlp_step(lib):
    w = lib.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    b = lib.tensor([1., -1.], requires_grad=True)
    out = ((w @ lib.tensor([1., 1.]) + b).relu() ** 2).mean()
    out.backward()
    assert repr(w.grad) == "tensor([[4., 4.],\n        [6., 6.]])"
    assert repr(b.grad) == "tensor([4., 6.])"


def test_detached_path_has_no_graph(lib):
    x = vec(lib, [1., 2.])
    with pytest.raises(RuntimeError) as err:
        (x.detach() * 2).sum().backward()
    assert str(err.value) == "element 0 of tensors does not require grad and does not have a grad_fn"
    with pytest.raises(RuntimeError) as err:
        (x > 1).sum().backward()
    assert str(err.value) == "element 0 of tensors does not require grad and does not have a grad_fn"


def test_same_input_twice_in_grad(lib):
    a = lib.tensor(1., requires_grad=True)
    assert repr(lib.autograd.grad(a * a, [a, a])) == "(tensor(2.), tensor(2.))"
