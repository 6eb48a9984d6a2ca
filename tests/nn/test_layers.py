"""Layer modules (nn/modules/conv.py, pooling.py, dropout.py, sparse.py, normalization.py) against PyTorch.

Each test builds a torch layer, copies its initialised parameters into the tapegrad layer through
NumPy, runs the same float64 input through both and compares outputs, the gradients of
(output ** 2).sum() with respect to the input and every parameter, and the reprs.
"""
import numpy as np
import pytest

import tapegrad
from checks import requires_torch, torch_or_none
from tapegrad.nn.modules import conv, dropout, normalization, pooling, sparse

TORCH = torch_or_none()
pytestmark = requires_torch

MODULES = {m.__name__.rsplit(".", 1)[-1]: m for m in (conv, dropout, normalization, pooling, sparse)}


def _cls(name):
    for mod in MODULES.values():
        if name in mod.__all__:
            return getattr(mod, name)
    raise KeyError(name)


def twin(name, *args, **kwargs):
    """A torch layer (float64) and a tapegrad layer holding copies of the same parameters and buffers."""
    t_layer = getattr(TORCH.nn, name)(*args, **kwargs).double()
    layer = _cls(name)(*args, **kwargs).double()
    t_params = dict(t_layer.named_parameters())
    assert set(t_params) == {n for n, _ in layer.named_parameters()}
    for pname, p in layer.named_parameters():
        ref = t_params[pname].detach().numpy()
        assert tuple(p.shape) == ref.shape
        p._data = ref.copy()
    return layer, t_layer


def run_both(layer, t_layer, x, grad_input=True):
    """Forward x through both, backprop (out ** 2).sum() and compare output and all gradients."""
    xt = tapegrad.tensor(x.copy(), requires_grad=grad_input)
    xr = TORCH.tensor(x.copy(), requires_grad=grad_input)
    out, ref = layer(xt), t_layer(xr)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), atol=1e-6, rtol=1e-6)
    (out ** 2).sum().backward()
    (ref ** 2).sum().backward()
    if grad_input:
        np.testing.assert_allclose(xt.grad.numpy(), xr.grad.numpy(), atol=1e-6, rtol=1e-6)
    t_params = dict(t_layer.named_parameters())
    for pname, p in layer.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), t_params[pname].grad.numpy(), atol=1e-6, rtol=1e-6,
                                   err_msg=pname)
    assert repr(layer) == repr(t_layer)
    return out, ref


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def test_all_lists_classes():
    for mod in MODULES.values():
        for name in mod.__all__:
            assert isinstance(getattr(mod, name), type)


# ---- convolutions --------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(stride=2, padding=1),
    dict(padding=(1, 2), dilation=2, bias=False),
    dict(groups=2, stride=(1, 2)),
    dict(padding="same", dilation=(1, 2)),
    dict(padding="valid"),
])
def test_conv2d(kwargs):
    TORCH.manual_seed(0)
    layer, t_layer = twin("Conv2d", 4, 6, 3, **kwargs)
    run_both(layer, t_layer, rand(2, 4, 7, 8))


@pytest.mark.parametrize("kwargs", [dict(), dict(stride=2, padding=1), dict(dilation=2, groups=2, bias=False),
                                    dict(padding="same")])
def test_conv1d(kwargs):
    TORCH.manual_seed(0)
    layer, t_layer = twin("Conv1d", 4, 6, 3, **kwargs)
    run_both(layer, t_layer, rand(2, 4, 9))


@pytest.mark.parametrize("name", ["Conv1d", "Conv2d"])
def test_conv_default_init_distribution(name):
    layer = _cls(name)(8, 16, 3)
    k = 3 if name == "Conv1d" else 9
    bound = 1 / np.sqrt(8 * k)
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert layer.weight.shape == ((16, 8, 3) if name == "Conv1d" else (16, 8, 3, 3))
    assert np.abs(w).max() <= bound + 1e-7 and np.abs(b).max() <= bound + 1e-7
    assert w.std() > bound / 4


# ---- pooling -------------------------------------------------------------------------------------

@pytest.mark.parametrize("args,kwargs", [
    ((2,), dict()),
    ((3,), dict(stride=2, padding=1)),
    ((3,), dict(stride=1, dilation=2, ceil_mode=True)),
])
def test_max_pool2d(args, kwargs):
    layer, t_layer = twin("MaxPool2d", *args, **kwargs)
    run_both(layer, t_layer, rand(2, 3, 8, 7))


@pytest.mark.parametrize("args,kwargs", [
    ((2,), dict()),
    ((3,), dict(stride=2, padding=1)),
    ((3,), dict(stride=2, padding=1, count_include_pad=False)),
])
def test_avg_pool2d(args, kwargs):
    layer, t_layer = twin("AvgPool2d", *args, **kwargs)
    run_both(layer, t_layer, rand(2, 3, 8, 7))


@pytest.mark.parametrize("size", [1, (3, 2), (4, 4)])
def test_adaptive_avg_pool2d(size):
    layer, t_layer = twin("AdaptiveAvgPool2d", size)
    run_both(layer, t_layer, rand(2, 3, 8, 7))


# ---- dropout -------------------------------------------------------------------------------------

def test_dropout_eval_is_identity_and_train_masks():
    layer, t_layer = twin("Dropout", 0.3)
    assert repr(layer) == repr(t_layer)
    x = rand(50, 40) + 5.0  # no exact zeros
    out = layer(tapegrad.tensor(x)).numpy()
    kept = out != 0
    assert 0.6 < kept.mean() < 0.8
    np.testing.assert_allclose(out[kept], x[kept] / 0.7)
    layer.eval()
    t_layer.eval()
    run_both(layer, t_layer, x)


def test_dropout_gradient_uses_the_mask():
    layer = _cls("Dropout")(0.5)
    xt = tapegrad.tensor(rand(30, 30) + 5.0, requires_grad=True)
    out = layer(xt)
    out.sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), (out.detach().numpy() != 0) * 2.0)


# ---- embedding -----------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [dict(), dict(padding_idx=2), dict(padding_idx=-1)])
def test_embedding(kwargs):
    TORCH.manual_seed(0)
    layer, t_layer = twin("Embedding", 10, 4, **kwargs)
    idx = np.array([[0, 2, 9, 2], [3, 9, 1, 0]])
    if "padding_idx" in kwargs:
        assert np.all(layer.weight.detach().numpy()[kwargs["padding_idx"]] == 0)
    out = layer(tapegrad.tensor(idx))
    ref = t_layer(TORCH.tensor(idx))
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy())
    (out ** 2).sum().backward()
    (ref ** 2).sum().backward()
    np.testing.assert_allclose(layer.weight.grad.numpy(), t_layer.weight.grad.numpy(), atol=1e-6)
    assert repr(layer) == repr(t_layer)
    assert layer.padding_idx == t_layer.padding_idx


def test_embedding_init_is_standard_normal():
    w = _cls("Embedding")(1000, 20).weight.detach().numpy()
    assert abs(w.mean()) < 0.05 and abs(w.std() - 1) < 0.05


# ---- layer norm ----------------------------------------------------------------------------------

@pytest.mark.parametrize("args,kwargs", [
    ((5,), dict()),
    (((3, 5),), dict(eps=1e-3)),
    ((5,), dict(elementwise_affine=False)),
    ((5,), dict(bias=False)),
])
def test_layer_norm(args, kwargs):
    layer, t_layer = twin("LayerNorm", *args, **kwargs)
    with TORCH.no_grad():  # make the affine parameters non-trivial, in both layers
        for (_, p), (_, tp) in zip(layer.named_parameters(), t_layer.named_parameters()):
            values = rand(*tp.shape, seed=3)
            tp.copy_(TORCH.tensor(values))
            p._data = values.copy()
    run_both(layer, t_layer, rand(2, 3, 5) * 3 + 1)


# ---- batch norm ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name,shape", [("BatchNorm1d", (8, 4)), ("BatchNorm1d", (6, 4, 5)),
                                        ("BatchNorm2d", (3, 4, 5, 6))])
@pytest.mark.parametrize("kwargs", [dict(), dict(momentum=0.3, eps=1e-3), dict(momentum=None),
                                    dict(affine=False), dict(track_running_stats=False),
                                    dict(bias=False)])
def test_batch_norm(name, shape, kwargs):
    layer, t_layer = twin(name, 4, **kwargs)
    if layer.affine:
        with TORCH.no_grad():
            for (_, p), (_, tp) in zip(layer.named_parameters(), t_layer.named_parameters()):
                values = rand(*tp.shape, seed=7)
                tp.copy_(TORCH.tensor(values))
                p._data = values.copy()
    for step in range(2):  # two training steps update the running stats
        layer.zero_grad()
        t_layer.zero_grad()
        run_both(layer, t_layer, rand(*shape, seed=step) * 2 + step)
    buffers = dict(t_layer.named_buffers())
    assert set(buffers) == {n for n, _ in layer.named_buffers()}
    for bname, buf in layer.named_buffers():
        np.testing.assert_allclose(np.asarray(buf.numpy()), buffers[bname].numpy(), atol=1e-6, err_msg=bname)
    layer.eval()
    t_layer.eval()
    layer.zero_grad()
    t_layer.zero_grad()
    run_both(layer, t_layer, rand(*shape, seed=5))


def test_batch_norm_buffers_and_defaults():
    layer = _cls("BatchNorm2d")(3)
    names = [n for n, _ in layer.named_buffers()]
    assert names == ["running_mean", "running_var", "num_batches_tracked"]
    np.testing.assert_array_equal(layer.running_mean.numpy(), np.zeros(3))
    np.testing.assert_array_equal(layer.running_var.numpy(), np.ones(3))
    assert int(layer.num_batches_tracked.item()) == 0
    np.testing.assert_array_equal(layer.weight.detach().numpy(), np.ones(3))
    np.testing.assert_array_equal(layer.bias.detach().numpy(), np.zeros(3))
    with pytest.raises(ValueError):
        layer(tapegrad.ones(2, 3))
