"""Saved-tensor hooks and post-accumulate-grad hooks (tapegrad/autograd/graph.py, _tensor.py).

Tests that take `lib` run on tapegrad and, when installed, on real PyTorch (the oracle).
"""
import contextlib

import pytest

from checks import assert_close


def test_pack_to_numpy_and_back(lib):
    calls = []

    def pack(t):
        calls.append("pack")
        return t.detach().numpy().copy()

    def unpack(array):
        calls.append("unpack")
        return lib.from_numpy(array)

    w = lib.tensor([1.0, 2.0], requires_grad=True)
    with lib.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = (w * w * w).sum()
    assert calls == ["pack"] * 4
    y.backward()
    assert calls == ["pack"] * 4 + ["unpack"] * 4
    assert_close(w.grad, [3.0, 12.0])
    (w * w).sum().backward()  # outside the block: no hooks
    assert len(calls) == 8


def test_packed_copy_ignores_inplace_change(lib):
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    a = w * 1
    with lib.autograd.graph.saved_tensors_hooks(lambda t: t.detach().clone(), lambda t: t):
        y = (a * a).sum()
    with lib.no_grad():
        a.mul_(10)
    y.backward()
    assert_close(w.grad, [2.0, 4.0])


def test_identity_hooks_double_backward(lib):
    x = lib.tensor(2.0, requires_grad=True)
    with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        y = x * x * x
        (g,) = lib.autograd.grad(y, x, create_graph=True)
    (gg,) = lib.autograd.grad(g, x)
    assert g.item() == 12.0 and gg.item() == 12.0


def test_nested_hooks_innermost_wins(lib):
    seen = []
    hooks = lib.autograd.graph.saved_tensors_hooks
    w = lib.tensor([1.0], requires_grad=True)
    with hooks(lambda t: seen.append("outer") or t, lambda t: t):
        with hooks(lambda t: seen.append("inner") or t, lambda t: t):
            (w * w).sum().backward()
        (w * w).sum().backward()
    assert seen == ["inner", "inner", "outer", "outer"]


def test_unpack_must_return_tensor(lib):
    w = lib.ones(2, requires_grad=True)
    with lib.autograd.graph.saved_tensors_hooks(lambda t: 1, lambda p: 3):
        y = (w * w).sum()
    with pytest.raises(TypeError) as info:
        y.backward()
    assert str(info.value) == "Output of saved tensor unpack_hook expected to be a Tensor but got result of type int"


def test_backward_twice_still_raises(lib):
    w = lib.ones(2, requires_grad=True)
    with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        y = (w * w).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_disable_saved_tensors_hooks(lib):
    graph = lib.autograd.graph
    with graph.disable_saved_tensors_hooks("no hooks here"):
        with pytest.raises(RuntimeError) as info:
            with graph.saved_tensors_hooks(lambda t: t, lambda t: t):
                pass
        w = lib.ones(1, requires_grad=True)
        (w * w).sum().backward()  # saving without hooks still works
    assert str(info.value) == "no hooks here"
    with graph.saved_tensors_hooks(lambda t: t, lambda t: t):  # allowed again
        pass


def test_post_accumulate_grad_hook(lib):
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    (w * 3).sum().backward()
    (w * 1).sum().backward()
    assert seen == [[3.0, 3.0], [4.0, 4.0]]
    lib.autograd.grad((w * 2).sum(), w)  # autograd.grad accumulates nothing: no hook
    assert len(seen) == 2
    handle.remove()
    (w * 1).sum().backward()
    assert len(seen) == 2


def test_post_accumulate_grad_hook_errors(lib):
    with pytest.raises(RuntimeError) as info:
        lib.ones(2).register_post_accumulate_grad_hook(lambda t: None)
    assert str(info.value) == "cannot register a hook on a tensor that doesn't require gradient"
    w = lib.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        (w * 2).register_post_accumulate_grad_hook(lambda t: None)
    assert str(info.value) == "post accumulate grad hooks cannot be registered on non-leaf tensors"
    w.register_post_accumulate_grad_hook(lambda t: 5)
    with pytest.raises(TypeError) as info:
        (w * 2).sum().backward()
    assert str(info.value) == "expected Variable, but hook returned 'int'"


def test_is_inference_outside_inference_mode(lib):
    assert not lib.ones(2).is_inference()



def second_derivatives(lib, hooks=None):
    x = lib.tensor([0.5, 1.0], requires_grad=True)
    with hooks or contextlib.nullcontext():
        y = (lib.exp(x) * x).sum() + (lib.tanh(x * 2) * x).sum()  # saved outputs, leaf and non-leaf inputs
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
    return g, gg


@pytest.mark.parametrize("how", ["identity", "numpy"])
def test_second_derivative_through_hooks(lib, how):
    """The unpacked value takes the saved tensor's place in the graph, whatever the hook returns."""
    if how == "identity":
        pack, unpack = (lambda t: t), (lambda t: t)
    else:
        pack, unpack = (lambda t: t.detach().numpy().copy()), (lambda a: lib.from_numpy(a))
    g, gg = second_derivatives(lib, lib.autograd.graph.saved_tensors_hooks(pack, unpack))
    g0, gg0 = second_derivatives(lib)
    assert_close(g, g0)
    assert_close(gg, gg0)
