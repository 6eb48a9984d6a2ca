"""Grad mode (tapegrad/autograd/grad_mode.py): no_grad, enable_grad, set_grad_enabled, inference_mode.

Every test takes `lib` and runs on tapegrad and, when installed, on real PyTorch (the oracle).
"""
import threading

import pytest




@pytest.fixture
def lib(lib):
    assert lib.is_grad_enabled()
    yield lib
    lib.set_grad_enabled(True)  # never leak a disabled mode into the next test


@pytest.fixture
def x(lib):
    return lib.tensor([1., 2.], requires_grad=True)


def test_default_is_enabled(lib, x):
    assert lib.is_grad_enabled()
    y = x * 2
    assert y.requires_grad and y.grad_fn is not None


def test_no_grad_context(lib, x):
    with lib.no_grad():
        assert not lib.is_grad_enabled()
        y = x * 2
        z = x.exp().sum()
    assert lib.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    assert not z.requires_grad
    assert repr(y) == "tensor([2., 4.])"


def test_no_grad_restores_after_exception(lib):
    with pytest.raises(ValueError):
        with lib.no_grad():
            raise ValueError("boom")
    assert lib.is_grad_enabled()


def test_no_grad_decorator(lib, x):
    @lib.no_grad()
    def double(t):
        assert not lib.is_grad_enabled()
        return t * 2

    assert not double(x).requires_grad
    assert lib.is_grad_enabled()
    assert double.__name__ == "double"
    assert not double(x).requires_grad  # a decorated function can be called again


def test_no_grad_bare_decorator(lib, x):
    # PyTorch 2.x accepts @torch.no_grad without parentheses.
    @lib.no_grad
    def double(t):
        return t * 2

    assert not double(x).requires_grad
    assert lib.is_grad_enabled()


def test_no_grad_decorates_generator_functions(lib, x):
    @lib.no_grad()
    def gen():
        yield lib.is_grad_enabled()
        yield (x * 2).requires_grad

    assert list(gen()) == [False, False]
    assert lib.is_grad_enabled()


def test_enable_grad_inside_no_grad(lib, x):
    with lib.no_grad():
        with lib.enable_grad():
            assert lib.is_grad_enabled()
            y = x * 2
        assert not lib.is_grad_enabled()
        z = x * 2
    assert y.requires_grad and not z.requires_grad


def test_enable_grad_decorator_inside_no_grad(lib, x):
    @lib.enable_grad()
    def double(t):
        return t * 2

    with lib.no_grad():
        y = double(x)
        assert not lib.is_grad_enabled()
    assert y.requires_grad


def test_enable_grad_bare_decorator(lib, x):
    @lib.enable_grad
    def double(t):
        return t * 2

    with lib.no_grad():
        assert double(x).requires_grad


def test_set_grad_enabled_plain_call(lib, x):
    lib.set_grad_enabled(False)
    assert not lib.is_grad_enabled()
    assert not (x * 2).requires_grad
    lib.set_grad_enabled(True)
    assert lib.is_grad_enabled()
    assert (x * 2).requires_grad


def test_set_grad_enabled_context(lib, x):
    with lib.set_grad_enabled(False):
        assert not lib.is_grad_enabled()
        y = x * 2
    assert lib.is_grad_enabled()
    assert not y.requires_grad
    with lib.no_grad():
        with lib.set_grad_enabled(True):
            z = x * 2
        assert not lib.is_grad_enabled()
    assert z.requires_grad


def test_set_grad_enabled_decorator(lib, x):
    @lib.set_grad_enabled(False)
    def double(t):
        return t * 2

    assert lib.is_grad_enabled()  # decorating does not switch the mode
    assert not double(x).requires_grad
    assert lib.is_grad_enabled()


def test_set_grad_enabled_by_flag_variable(lib, x):
    for is_train in (True, False):
        with lib.set_grad_enabled(is_train):
            y = x * 2
        assert y.requires_grad is is_train
    assert lib.is_grad_enabled()


def test_nesting(lib, x):
    with lib.no_grad():
        with lib.enable_grad():
            with lib.no_grad():
                assert not (x * 2).requires_grad
            with lib.set_grad_enabled(True):
                assert (x * 2).requires_grad
            assert lib.is_grad_enabled()
        assert not lib.is_grad_enabled()
    assert lib.is_grad_enabled()


def test_backward_works_after_no_grad_block(lib, x):
    with lib.no_grad():
        c = x * 10          # a constant
    y = (x * c).sum()
    y.backward()
    assert x.grad.tolist() == [10., 20.]


def test_grad_mode_is_thread_local(lib, x):
    seen = {}

    def worker():
        seen["enabled"] = lib.is_grad_enabled()
        seen["records"] = (x * 2).requires_grad
        with lib.no_grad():  # switching it here must not leak into the main thread
            seen["inner"] = lib.is_grad_enabled()

    with lib.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
        assert not lib.is_grad_enabled()
    assert seen == {"enabled": True, "records": True, "inner": False}

    def disabler():
        lib.set_grad_enabled(False)

    t = threading.Thread(target=disabler)
    t.start()
    t.join()
    assert lib.is_grad_enabled()


def test_inference_mode_context(lib, x):
    with lib.inference_mode():
        assert not lib.is_grad_enabled()
        assert lib.is_inference_mode_enabled()
        y = x * 2
    assert not lib.is_inference_mode_enabled()
    assert lib.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert y.tolist() == [2., 4.]


def test_inference_mode_false_is_a_no_op(lib, x):
    with lib.inference_mode(False):
        assert lib.is_grad_enabled()
        assert (x * 2).requires_grad


def test_inference_mode_decorator(lib, x):
    @lib.inference_mode()
    def double(t):
        return t * 2

    assert not double(x).requires_grad
    assert lib.is_grad_enabled()


def test_inference_mode_bare_decorator(lib, x):
    @lib.inference_mode
    def triple(t):
        return t * 3

    assert not triple(x).requires_grad
    assert lib.is_grad_enabled()


def test_grad_mode_during_backward_follows_create_graph(lib, x):
    seen = []
    h = x * 1
    h.register_hook(lambda g: seen.append(lib.is_grad_enabled()))
    (h * h).sum().backward(retain_graph=True)
    lib.autograd.grad((h * h).sum(), x, create_graph=True)
    assert seen == [False, True]
    assert lib.is_grad_enabled()


def test_in_place_on_leaf_allowed_under_no_grad(lib, x):
    with lib.no_grad():
        x.mul_(2)
    assert x.requires_grad and x.is_leaf
    assert repr(x) == "tensor([2., 4.], requires_grad=True)"


def test_requires_grad_flag_without_grad_inputs(lib):
    a = lib.tensor([1., 2.])
    y = a * 2
    assert not y.requires_grad and y.grad_fn is None


def test_inference_tensors_stay_out_of_autograd(lib):
    with lib.inference_mode():
        t = lib.ones(3)
        u = t * 2
        u.add_(1)                                   # inside the mode: allowed
    assert t.is_inference() and u.is_inference() and not lib.ones(2).is_inference()
    assert not t.clone().is_inference()
    w = lib.ones(3, requires_grad=True)
    (w + t).sum().backward()                        # nothing saved: allowed
    with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
        (w * t).sum().backward()                    # mul saves t for w's gradient
    with pytest.raises(RuntimeError, match="Setting requires_grad=True on inference tensor outside"):
        t.requires_grad_()
    with pytest.raises(RuntimeError, match="Inplace update to inference tensor outside InferenceMode"):
        t.add_(1)


def test_failed_inplace_on_inference_tensor_changes_nothing():
    # tapegrad checks before writing (PyTorch 2.13 writes, then raises)
    import tapegrad
    with tapegrad.inference_mode():
        t = tapegrad.ones(2)
    with pytest.raises(RuntimeError):
        t.add_(1)
    assert t.tolist() == [1.0, 1.0]
