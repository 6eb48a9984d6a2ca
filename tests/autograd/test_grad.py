"""autograd.grad (tapegrad/autograd/__init__.py): gradients returned, no `.grad` touched.

Every test takes `lib` and runs on tapegrad and, when installed, on real PyTorch (the oracle).
"""
import numpy as np
import pytest

from checks import assert_close




def test_tutorial_create_graph_chain(lib):
    x = lib.tensor(5.0, requires_grad=True)
    y = x ** 3
    g = lib.autograd.grad(y, x, create_graph=True)
    assert repr(g) == "(tensor(75., grad_fn=<MulBackward0>),)"
    g2 = lib.autograd.grad(g[0], x)
    assert repr(g2) == "(tensor(30.),)"
    assert x.grad is None


def test_returns_tuple_for_tuple_inputs(lib):
    a = lib.tensor([1., 2.], requires_grad=True)
    b = lib.tensor([3., 4.], requires_grad=True)
    out = (a * b).sum()
    ga, gb = lib.autograd.grad(out, (a, b))
    assert_close(ga, [3., 4.])
    assert_close(gb, [1., 2.])
    res = lib.autograd.grad((a * b).sum(), [a])
    assert type(res) is tuple and len(res) == 1


def test_results_do_not_require_grad_without_create_graph(lib):
    a = lib.tensor([1., 2.], requires_grad=True)
    (g,) = lib.autograd.grad((a ** 2).sum(), a)
    assert not g.requires_grad and g.grad_fn is None and g.is_leaf
    assert repr(g) == "tensor([2., 4.])"


def test_several_outputs_with_grad_outputs(lib):
    a = lib.tensor([1., 2.], requires_grad=True)
    o1, o2 = a * 2, a ** 2
    (g,) = lib.autograd.grad((o1, o2), a, grad_outputs=(lib.ones(2), lib.tensor([1., 10.])))
    assert_close(g, [2. + 2., 2. + 40.])


def test_several_scalar_outputs_without_grad_outputs(lib):
    a = lib.tensor([1., 2.], requires_grad=True)
    (g,) = lib.autograd.grad([(a * 2).sum(), (a ** 2).sum()], [a])
    assert_close(g, [4., 6.])


def test_grad_outputs_single_tensor(lib):
    a = lib.tensor([1., 2., 3.], requires_grad=True)
    (g,) = lib.autograd.grad(a.exp(), a, grad_outputs=lib.tensor([1., 0., 2.]))
    assert_close(g, [np.e, 0., 2 * np.exp(3.)])


def test_grad_outputs_none_entry_for_scalar(lib):
    a = lib.tensor([1., 2.], requires_grad=True)
    (g,) = lib.autograd.grad([(a * 3).sum(), a * 1], a, grad_outputs=[None, lib.tensor([1., 2.])])
    assert_close(g, [4., 5.])


def test_unused_input_error_names_its_index(lib):
    a = lib.tensor([1., 2.], requires_grad=True)
    b = lib.tensor([3., 4.], requires_grad=True)
    c = lib.tensor([3., 4.], requires_grad=True)
    out = (a * b).sum()
    with pytest.raises(RuntimeError) as err:
        lib.autograd.grad(out, (a, c, b))
    assert str(err.value) == ("The differentiated Tensor at index 1 appears to not have been used in the graph. "
                              "Set allow_unused=True if this is the desired behavior.")


def test_allow_unused_gives_none(lib):
    a = lib.tensor([1., 2.], requires_grad=True)
    b = lib.tensor([3., 4.], requires_grad=True)
    c = lib.tensor([3., 4.], requires_grad=True)
    res = lib.autograd.grad((a * b).sum(), (a, c, b), allow_unused=True)
    assert repr(res) == "(tensor([3., 4.]), None, tensor([1., 2.]))"


def test_materialize_grads_gives_zeros(lib):
    a = lib.tensor([1., 2.], requires_grad=True)
    c = lib.tensor([[3., 4.]], requires_grad=True)
    res = lib.autograd.grad((a * 2).sum(), (a, c), materialize_grads=True)
    assert repr(res) == "(tensor([2., 2.]), tensor([[0., 0.]]))"


def test_materialize_grads_with_allow_unused_false(lib):
    a = lib.tensor([1., 2.], requires_grad=True)
    c = lib.tensor([3., 4.], requires_grad=True)
    with pytest.raises(ValueError) as err:
        lib.autograd.grad((a * 2).sum(), (a, c), materialize_grads=True, allow_unused=False)
    assert str(err.value) == ("Expected allow_unused to be True or not passed when materialize_grads=True, "
                              "but got: allow_unused=False.")


def test_input_that_does_not_require_grad(lib):
    a = lib.tensor([1., 2.], requires_grad=True)
    d = lib.tensor([1.])
    out = (a * 2).sum()
    for inputs in ((a, d), (d, a), d):
        with pytest.raises(RuntimeError) as err:
            lib.autograd.grad(out, inputs, retain_graph=True)
        assert str(err.value) == "One of the differentiated Tensors does not require grad"


def test_output_that_does_not_require_grad(lib):
    a = lib.tensor([1., 2.], requires_grad=True)
    with pytest.raises(RuntimeError) as err:
        lib.autograd.grad(lib.ones(1).sum(), a)
    assert str(err.value) == "element 0 of tensors does not require grad and does not have a grad_fn"


def test_nonscalar_output_needs_grad_outputs(lib):
    a = lib.tensor([1., 2.], requires_grad=True)
    with pytest.raises(RuntimeError) as err:
        lib.autograd.grad(a * 2, a)
    assert str(err.value) == "grad can be implicitly created only for scalar outputs"


def test_grad_outputs_shape_mismatch(lib):
    a = lib.tensor([1., 2.], requires_grad=True)
    with pytest.raises(RuntimeError) as err:
        lib.autograd.grad(a * 2, a, grad_outputs=lib.ones(2, 1))
    assert str(err.value) == ("Mismatch in shape: grad_output[0] has a shape of torch.Size([2, 1]) and "
                              "output[0] has a shape of torch.Size([2]).")


def test_grad_with_respect_to_non_leaf(lib):
    a = lib.tensor([1., 2.], requires_grad=True)
    h = a * 2
    z = (h ** 2).sum()
    assert repr(lib.autograd.grad(z, h, retain_graph=True)) == "(tensor([4., 8.]),)"
    assert repr(lib.autograd.grad(z, [h, a])) == "(tensor([4., 8.]), tensor([ 8., 16.]))"


def test_grad_of_output_with_respect_to_itself(lib):
    a = lib.tensor([1., 2.], requires_grad=True)
    assert repr(lib.autograd.grad(a, a, lib.tensor([3., 4.]))) == "(tensor([3., 4.]),)"
    h = a * 2
    assert repr(lib.autograd.grad(h, h, lib.ones(2))) == "(tensor([1., 1.]),)"


def test_leaf_grad_untouched(lib):
    a = lib.tensor([1., 2.], requires_grad=True)
    b = lib.tensor([3., 4.], requires_grad=True)
    lib.autograd.grad((a * b).sum(), a)
    assert a.grad is None and b.grad is None
    (a * b).sum().backward()
    lib.autograd.grad((a * b * 10).sum(), [a, b])
    assert_close(a.grad, [3., 4.])
    assert_close(b.grad, [1., 2.])


def test_retain_graph_for_grad(lib):
    a = lib.tensor([1., 2.], requires_grad=True)
    y = (a.exp()).sum()
    g1 = lib.autograd.grad(y, a, retain_graph=True)
    g2 = lib.autograd.grad(y, a)
    assert_close(g1[0], g2[0])
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        lib.autograd.grad(y, a)


def test_create_graph_results_require_grad(lib):
    a = lib.tensor([1., 2.], requires_grad=True)
    (g,) = lib.autograd.grad((a ** 3).sum(), a, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    assert repr(g) == "tensor([ 3., 12.], grad_fn=<MulBackward0>)"


def test_hessian_vector_product_by_double_grad(lib):
    rng = np.random.default_rng(1)
    data, v = rng.standard_normal(4), rng.standard_normal(4)
    x = lib.tensor(data, requires_grad=True)
    f = (x.sin() * x).sum() + (x ** 2).sum() * x.sum()
    (g,) = lib.autograd.grad(f, x, create_graph=True)
    (hv,) = lib.autograd.grad(g, x, grad_outputs=lib.tensor(v))
    # Hessian of sum(x sin x) is diag(2 cos x - x sin x); of (x.x)(1.x) it is 2 1^T x I... built below.
    n = len(data)
    H = np.diag(2 * np.cos(data) - data * np.sin(data))
    H += 2 * data.sum() * np.eye(n) + 2 * (np.outer(data, np.ones(n)) + np.outer(np.ones(n), data))
    assert_close(hv, H @ v, atol=1e-10, rtol=1e-10)


def test_grad_skips_branches_not_leading_to_inputs(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    w = lib.tensor([1., 2.], requires_grad=True)
    e = w.exp()
    calls = []
    e.register_hook(lambda g: calls.append(1))
    y = (x * 2 + e).sum()
    assert repr(lib.autograd.grad(y, x)) == "(tensor([2., 2.]),)"
    assert calls == []
    assert w.grad is None


def test_grad_does_not_alias_grad_outputs(lib):
    a = lib.tensor([1., 2.], requires_grad=True)
    v = lib.tensor([5., 6.])
    (g,) = lib.autograd.grad(a * 1, a, grad_outputs=v)
    g.add_(1)   # in-place on the result must be allowed and must not change v
    assert_close(v, [5., 6.])


def test_float64_input(lib):
    x = lib.tensor(np.array([0.25, 0.5]), requires_grad=True)
    (g,) = lib.autograd.grad(x.tanh().sum(), x)
    assert g.dtype == lib.float64
    assert_close(g, 1 - np.tanh([0.25, 0.5]) ** 2, atol=1e-14, rtol=1e-14)


def test_is_grads_batched_gives_one_vjp_per_row(lib):
    # each row of grad_outputs is one vector of a vector-Jacobian product
    a = lib.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    rows = lib.tensor([[1., 0.], [0., 1.], [1., 1.]])
    (batched,) = lib.autograd.grad(a.sin().sum(1), a, rows, is_grads_batched=True)
    cos = np.cos([[1., 2.], [3., 4.]])
    expected = np.stack([cos * np.array(r)[:, None] for r in ([1, 0], [0, 1], [1, 1])])
    assert_close(batched, expected)
