"""Anomaly mode (tapegrad/autograd/anomaly_mode.py and its check in engine.py).

Tests that take `lib` run on tapegrad and, when installed, on real PyTorch (the oracle).
"""
import warnings

import numpy as np
import pytest

# entering anomaly mode warns, and PyTorch warns "Error detected in ..." before its errors
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

ENTER_WARNING = ("Anomaly Detection has been enabled. This mode will increase the runtime and should "
                 "only be enabled for debugging.")
NAN_ERROR = "Function 'DivBackward0' returned nan values in its 1th output."


def anomaly_on(lib):
    """torch.is_anomaly_enabled() (top level in PyTorch; tapegrad.autograd has it too)."""
    return (getattr(lib, "is_anomaly_enabled", None) or lib.autograd.is_anomaly_enabled)()


def nan_backward(lib):
    x = lib.tensor([0.0, 1.0], requires_grad=True)
    (x * 0).div(x).sum().backward()
    return x


def test_entering_warns(lib):
    with pytest.warns(UserWarning) as record:
        with lib.autograd.detect_anomaly():
            assert anomaly_on(lib)
    assert str(record[0].message) == ENTER_WARNING
    assert not anomaly_on(lib)


def test_nan_raises(lib):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with lib.autograd.detect_anomaly():
            with pytest.raises(RuntimeError) as info:
                nan_backward(lib)
    assert str(info.value) == NAN_ERROR


def test_nan_without_anomaly_mode_passes(lib):
    x = nan_backward(lib)
    assert np.isnan(x.grad.numpy()[0])


def test_check_nan_false(lib):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with lib.autograd.detect_anomaly(check_nan=False):
            x = nan_backward(lib)
    assert np.isnan(x.grad.numpy()[0])


def test_decorator():
    """tapegrad's detect_anomaly is also a decorator (PyTorch 2.13's object is not callable)."""
    import tapegrad as lib

    @lib.autograd.detect_anomaly()
    def run():
        assert anomaly_on(lib)
        nan_backward(lib)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="returned nan values"):
            run()
    assert not anomaly_on(lib)


def test_set_detect_anomaly(lib):
    lib.autograd.set_detect_anomaly(True)
    try:
        assert anomaly_on(lib)
        with pytest.raises(RuntimeError) as info:
            nan_backward(lib)
        assert str(info.value) == NAN_ERROR
    finally:
        lib.autograd.set_detect_anomaly(False)
    assert not anomaly_on(lib)
    with lib.autograd.set_detect_anomaly(True):
        assert anomaly_on(lib)
    assert not anomaly_on(lib)


def test_autograd_grad_and_create_graph(lib):
    x = lib.tensor([0.0, 1.0], requires_grad=True)
    with warnings.catch_warnings(), lib.autograd.set_detect_anomaly(True):
        warnings.simplefilter("ignore")  # PyTorch's "Error detected in DivBackward0 ..."
        for create_graph in (False, True):
            y = (x * 0).div(x).sum()
            with pytest.raises(RuntimeError) as info:
                lib.autograd.grad(y, x, create_graph=create_graph)
            assert str(info.value) == NAN_ERROR
        (gx,) = lib.autograd.grad((x * x).sum(), x, create_graph=True)
        assert gx.tolist() == [0.0, 2.0]


def test_creation_traceback_is_reported():
    import tapegrad
    from tapegrad.autograd.graph import note_creation
    x = tapegrad.tensor([0.0], requires_grad=True)
    with tapegrad.autograd.set_detect_anomaly(True):
        y = (x * 0).div(x)
        note_creation(y.grad_fn)
        assert "test_creation_traceback_is_reported" in y.grad_fn._anomaly_trace
        with pytest.warns(UserWarning, match="Error detected in DivBackward0. Traceback of forward call"):
            with pytest.raises(RuntimeError, match="returned nan"):
                y.sum().backward()
    z = x * 2
    note_creation(z.grad_fn)  # off: nothing recorded
    assert "_anomaly_trace" not in z.grad_fn.__dict__
