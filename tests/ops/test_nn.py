"""Fused nn ops (ops/nn.py) against finite differences and PyTorch."""
import numpy as np
import pytest

import tapegrad
from checks import assert_close, check_op, requires_torch, torch_or_none


def _targets(rng, shape):
    return rng.uniform(0.05, 0.95, shape)   # soft targets exercise the target gradient too


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(5,), (3, 4), ()], ids=str)
def test_bce_with_logits(reduction, shape):
    def make_inputs(rng):
        return [rng.standard_normal(shape) * 3, _targets(rng, shape)]

    check_op(lambda lib, x, y: lib.nn.functional.binary_cross_entropy_with_logits(x, y, reduction=reduction),
             None, make_inputs=make_inputs)


@pytest.mark.parametrize("which", ["weight", "pos_weight", "both"])
def test_bce_with_logits_weights(which):
    rng = np.random.default_rng(1)
    weight = rng.uniform(0.5, 2.0, (3, 4))
    pos_weight = rng.uniform(0.5, 3.0, (4,))

    def fn(lib, x, y):
        kwargs = {}
        if which in ("weight", "both"):
            kwargs["weight"] = lib.tensor(weight)
        if which in ("pos_weight", "both"):
            kwargs["pos_weight"] = lib.tensor(pos_weight)
        return lib.nn.functional.binary_cross_entropy_with_logits(x, y, **kwargs)

    check_op(fn, None, make_inputs=lambda rng: [rng.standard_normal((3, 4)) * 3, _targets(rng, (3, 4))])


def test_bce_with_logits_is_stable_for_huge_logits():
    x = tapegrad.tensor([1000.0, -1000.0, 80.0, -80.0], requires_grad=True)
    y = tapegrad.tensor([0.0, 1.0, 1.0, 0.0])
    loss = tapegrad.nn.functional.binary_cross_entropy_with_logits(x, y, reduction="none")
    assert_close(loss, [1000.0, 1000.0, 0.0, 0.0])
    loss.sum().backward()
    assert_close(x.grad, [1.0, -1.0, 0.0, 0.0])


@requires_torch
def test_bce_with_logits_node_name_and_value_match_torch():
    torch = torch_or_none()
    for lib in (tapegrad, torch):
        z = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        loss = lib.nn.functional.binary_cross_entropy_with_logits(z, lib.tensor([1.0, 0.0, 1.0]))
        assert type(loss.grad_fn).__name__ == "BinaryCrossEntropyWithLogitsBackward0"
    assert_close(tapegrad.nn.functional.binary_cross_entropy_with_logits(tapegrad.zeros(2), tapegrad.ones(2)),
                 np.log(2.0))


def test_bce_with_logits_shape_error():
    expected = r"Target size \(torch.Size\(\[3\]\)\) must be the same as input size \(torch.Size\(\[2\]\)\)"
    with pytest.raises(ValueError, match=expected):
        tapegrad.nn.functional.binary_cross_entropy_with_logits(tapegrad.zeros(2), tapegrad.zeros(3))
