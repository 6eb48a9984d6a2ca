"""Hooks, retain_grad and the graph's public structure (tapegrad/autograd/graph.py, _tensor.py).

Every test takes `lib` and runs on tapegrad and, when installed, on real PyTorch (the oracle).
"""
import re
import warnings

import numpy as np
import pytest

from checks import assert_close


NONLEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
    "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
    "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor "
    "by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 "
    "for more information.")



def strip_triggered(text):
    """PyTorch's C++ warnings end with ' (Triggered internally at <its build path>.)': not API text."""
    return re.sub(r" \(Triggered internally at .*\)$", "", text)


def names(node):
    return [(None if f is None else f.name(), i) for f, i in node.next_functions]


# ---- Tensor.register_hook ----------------------------------------------------------------------

def test_hook_on_leaf_registered_before_the_graph(lib):
    x = lib.tensor(2.0, requires_grad=True)
    x.register_hook(lambda g: g * 10)
    (x * 3).backward()
    assert repr(x.grad) == "tensor(30.)"


def test_hook_on_leaf_registered_after_the_graph(lib):
    x = lib.tensor(2.0, requires_grad=True)
    y = x * 3
    x.register_hook(lambda g: g * 10)
    y.backward()
    assert repr(x.grad) == "tensor(30.)"


def test_hook_on_leaf_survives_several_graphs(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()))
    (x * 3).sum().backward()
    (x * 5).sum().backward()
    assert seen == [[3., 3.], [5., 5.]]
    assert x.grad.tolist() == [8., 8.]


def test_hook_on_leaf_applies_to_autograd_grad(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    y = x * 3
    x.register_hook(lambda g: g * 10)
    assert repr(lib.autograd.grad(y.sum(), x)) == "(tensor([30., 30.]),)"


def test_hook_returning_none_leaves_gradient(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    y = x * 3
    seen = []
    x.register_hook(lambda g: seen.append(g.clone()))
    y.sum().backward()
    assert len(seen) == 1
    assert_close(seen[0], [3., 3.])
    assert_close(x.grad, [3., 3.])


def test_hook_on_non_leaf_changes_what_flows_on(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    h = x * 2
    h.register_hook(lambda g: g * 100)
    (h * h).sum().backward()
    # dL/dh = 2h = [4, 8], times 100, times dh/dx = 2
    assert_close(x.grad, [800., 1600.])


def test_hook_on_non_leaf_sees_its_gradient(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    h = x.exp()
    seen = []
    h.register_hook(lambda g: seen.append(g.detach().numpy().copy()))
    (h * lib.tensor([1., 3.])).sum().backward()
    assert len(seen) == 1
    assert_close(seen[0], [1., 3.])


def test_hook_handle_remove(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    h = x * 1
    handle = h.register_hook(lambda g: g * 10)
    (h * 2).sum().backward(retain_graph=True)
    assert_close(x.grad, [20., 20.])
    handle.remove()
    x.grad = None
    (h * 2).sum().backward()
    assert_close(x.grad, [2., 2.])


def test_leaf_hook_handle_remove(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    y = x * 2
    handle = x.register_hook(lambda g: g * 10)
    handle.remove()
    y.sum().backward()
    assert_close(x.grad, [2., 2.])


def test_hooks_run_in_registration_order(lib):
    x = lib.tensor([1.], requires_grad=True)
    h = x * 1
    order = []

    def first(g):
        order.append("first")
        return g + 1

    def second(g):
        order.append("second")
        return g * 10

    h.register_hook(first)
    h.register_hook(second)
    h.sum().backward()
    assert order == ["first", "second"]
    assert_close(x.grad, [20.])  # (1 + 1) * 10


def test_hook_that_changes_the_shape(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    h = x * 3
    h.register_hook(lambda g: g.sum())
    with pytest.raises(RuntimeError) as err:
        h.sum().backward()
    assert str(err.value) == "hook '<lambda>' has changed the size of value"


def test_hook_on_tensor_without_grad(lib):
    with pytest.raises(RuntimeError) as err:
        lib.tensor([1.]).register_hook(lambda g: g)
    assert str(err.value) == "cannot register a hook on a tensor that doesn't require gradient"


def test_node_hooks(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    y = x * 3
    seen = {}

    def pre(grad_outputs):
        seen["pre"] = [g.tolist() for g in grad_outputs]

    def post(grad_inputs, grad_outputs):
        seen["post"] = ([None if g is None else g.tolist() for g in grad_inputs],
                        [g.tolist() for g in grad_outputs])

    y.grad_fn.register_prehook(pre)
    y.grad_fn.register_hook(post)
    y.backward(lib.tensor([1., 2.]))
    assert seen == {"pre": [[1., 2.]], "post": ([[3., 6.], None], [[1., 2.]])}


# ---- retain_grad ------------------------------------------------------------------------------

def test_retain_grad_values(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    h = x * 2
    h.retain_grad()
    assert h.retains_grad and not x.retains_grad
    (h * h).sum().backward()
    assert repr(h.grad) == "tensor([4., 8.])"
    assert repr(x.grad) == "tensor([ 8., 16.])"


def test_retain_grad_accumulates(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    h = x * 2
    h.retain_grad()
    h.retain_grad()  # a second call changes nothing
    (h * h).sum().backward(retain_graph=True)
    assert_close(h.grad, [4., 8.])
    (h * h).sum().backward()
    assert repr(h.grad) == "tensor([ 8., 16.])"


def test_retain_grad_on_leaf_is_a_no_op(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    x.retain_grad()
    (x * 2).sum().backward()
    assert_close(x.grad, [2., 2.])
    assert not x.retains_grad


def test_retain_grad_without_requires_grad(lib):
    with pytest.raises(RuntimeError) as err:
        lib.tensor([1.]).retain_grad()
    assert str(err.value) == "can't retain_grad on Tensor that has requires_grad=False"


def test_retain_grad_after_hook_sees_hooked_value(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    h = x * 2
    h.register_hook(lambda g: g * 10)
    h.retain_grad()
    h.sum().backward()
    assert_close(h.grad, [10., 10.])


def test_nonleaf_grad_warning(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    y = x * 2
    with pytest.warns(UserWarning) as rec:
        assert y.grad is None
    assert [strip_triggered(str(w.message)) for w in rec] == [NONLEAF_GRAD_WARNING]


def test_no_warning_for_leaves_and_retained(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    h = x * 2
    h.retain_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert x.grad is None
        assert h.grad is None
        assert lib.tensor([1.]).grad is None


def test_no_warning_once_inputs_filled_a_non_leaf(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    h = x * 2
    (h * h).sum().backward(inputs=[h])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_close(h.grad, [4., 8.])


# ---- the graph's structure ---------------------------------------------------------------------

def test_next_functions_end_in_accumulate_grad(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    w = lib.tensor([3., 4.], requires_grad=True)
    y = x * w
    acc_x, acc_w = (f for f, _ in y.grad_fn.next_functions)
    assert type(acc_x).__name__ == "AccumulateGrad"
    assert acc_x.variable is x and acc_w.variable is w
    assert [i for _, i in y.grad_fn.next_functions] == [0, 0]
    assert acc_x.next_functions == ()


def test_accumulate_grad_name(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    acc = (x * 2).grad_fn.next_functions[0][0]
    assert acc.name() == "torch::autograd::AccumulateGrad"


def test_accumulate_grad_shared_by_uses_of_a_leaf(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    a1, a2 = x * 2, x * 3
    assert a1.grad_fn.next_functions[0][0] is a2.grad_fn.next_functions[0][0]


def test_next_functions_none_for_inputs_without_grad(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    c = lib.tensor([1., 2.])
    assert (x * c).grad_fn.next_functions[1] == (None, 0)
    assert (c * x).grad_fn.next_functions[0] == (None, 0)
    assert (x * 2).grad_fn.next_functions[1] == (None, 0)
    y = x + c + 1
    assert names(y.grad_fn) == [("AddBackward0", 0), (None, 0)]


def test_next_functions_chain(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    z = (x * 2).exp().sum()
    assert z.grad_fn.name() == "SumBackward0"
    assert names(z.grad_fn) == [("ExpBackward0", 0)]
    assert names(z.grad_fn.next_functions[0][0]) == [("MulBackward0", 0)]
    mul = z.grad_fn.next_functions[0][0].next_functions[0][0]
    assert type(mul.next_functions[0][0]).__name__ == "AccumulateGrad"
    assert mul.next_functions[1] == (None, 0)


@pytest.mark.parametrize("expr, name", [
    ("x * 2", "MulBackward0"), ("x + 1", "AddBackward0"), ("x - 1", "SubBackward0"), ("x / 2", "DivBackward0"),
    ("x ** 2", "PowBackward0"), ("x.exp()", "ExpBackward0"), ("x.sum()", "SumBackward0"),
    ("x.mean()", "MeanBackward0"), ("x[0]", "SelectBackward0"), ("x[:1]", "SliceBackward0"),
    ("x.view(2, 1)", "ViewBackward0"), ("x.reshape(1, 2)", "ViewBackward0"), ("x.sin()", "SinBackward0"),
    ("x.tanh()", "TanhBackward0"), ("x.sigmoid()", "SigmoidBackward0"), ("x.relu()", "ReluBackward0"),
    ("x.unsqueeze(0)", "UnsqueezeBackward0"), ("-x", "NegBackward0"), ("x.abs()", "AbsBackward0"),
    ("x.log()", "LogBackward0"), ("x.sqrt()", "SqrtBackward0"), ("x @ x", "DotBackward0"),
    ("x.clone()", "CloneBackward0"), ("2 - x", "RsubBackward1"), ("2 / x", "MulBackward0"),
    ("x.unsqueeze(1).T", "PermuteBackward0"), ("x.unsqueeze(1).mT", "TransposeBackward0"),
    ("x.expand(3, 2)", "ExpandBackward0"), ("x.double()", "ToCopyBackward0"),
])
def test_node_names(lib, expr, name):
    x = lib.tensor([1., 2.], requires_grad=True)  # noqa: F841 (used by eval)
    y = eval(expr)
    assert y.grad_fn.name() == name
    assert repr(y.grad_fn).startswith(f"<{name} object at 0x")


def test_leaf_has_no_grad_fn(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    assert x.grad_fn is None and x.is_leaf
    assert (x * 2).is_leaf is False
    assert lib.tensor([1.]).is_leaf


def test_grad_fn_is_a_node(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    assert isinstance((x * 2).grad_fn, lib.autograd.graph.Node)


def test_hooks_during_diamond_run_once(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    h = x * 2
    count = [0]

    def hook(g):
        count[0] += 1

    h.register_hook(hook)
    (h.sin() + h.cos() + h * h).sum().backward()
    assert count[0] == 1
    xs = np.array([1., 2.])
    assert_close(x.grad, 2 * (np.cos(2 * xs) - np.sin(2 * xs) + 4 * xs))
