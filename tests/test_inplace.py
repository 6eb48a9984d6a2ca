"""In-place operations, views, version counters and assignment into tensors (_tensor.py, ops/indexing.py).

Most tests take `lib` and run on tapegrad and, when installed, on real PyTorch (the oracle). The
parametrised in-place ops are checked two ways: against the same computation written out of place
on tapegrad (needs no torch), and against torch doing the same in-place op on the same numbers.
"""
import re

import numpy as np
import pytest

import tapegrad
from checks import assert_close, requires_torch, torch_or_none

TORCH = torch_or_none()


LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF_INPLACE = "a view of a leaf Variable that requires grad is being used in an in-place operation."
HINT = ("Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False).")


def modified(what, version=1, expected=0):
    return ("one of the variables needed for gradient computation has been modified by an inplace operation: "
            f"{what} is at version {version}; expected version {expected} instead. " + HINT)



# ---- in-place ops on non-leaves: gradients -----------------------------------------------------

def _iadd(y, w):
    y += w
    return y


def _isub(y, w):
    y -= w
    return y


def _imul(y, w):
    y *= w
    return y


def _idiv(y, w):
    y /= w
    return y


def _ipow(y, w):
    y **= 2
    return y


# (id, in place on y (w is a second leaf), the same out of place)
INPLACE_OPS = [
    ("add_tensor", lambda y, w: y.add_(w), lambda y, w: y + w),
    ("add_scalar", lambda y, w: y.add_(2.0), lambda y, w: y + 2.0),
    ("sub_tensor", lambda y, w: y.sub_(w), lambda y, w: y - w),
    ("mul_tensor", lambda y, w: y.mul_(w), lambda y, w: y * w),
    ("mul_scalar", lambda y, w: y.mul_(3.0), lambda y, w: y * 3.0),
    ("div_tensor", lambda y, w: y.div_(w), lambda y, w: y / w),
    ("pow_scalar", lambda y, w: y.pow_(3), lambda y, w: y ** 3),
    ("pow_tensor", lambda y, w: y.pow_(w), lambda y, w: y ** w),
    ("iadd", _iadd, lambda y, w: y + w),
    ("isub", _isub, lambda y, w: y - w),
    ("imul", _imul, lambda y, w: y * w),
    ("idiv", _idiv, lambda y, w: y / w),
    ("ipow", _ipow, lambda y, w: y ** 2),
    ("exp_", lambda y, w: y.exp_(), lambda y, w: y.exp()),
    ("log_", lambda y, w: y.log_(), lambda y, w: y.log()),
    ("sqrt_", lambda y, w: y.sqrt_(), lambda y, w: y.sqrt()),
    ("sin_", lambda y, w: y.sin_(), lambda y, w: y.sin()),
    ("cos_", lambda y, w: y.cos_(), lambda y, w: y.cos()),
    ("tanh_", lambda y, w: y.tanh_(), lambda y, w: y.tanh()),
    ("sigmoid_", lambda y, w: y.sigmoid_(), lambda y, w: y.sigmoid()),
    ("neg_", lambda y, w: y.neg_(), lambda y, w: -y),
    ("reciprocal_", lambda y, w: y.reciprocal_(), lambda y, w: 1 / y),
    ("square_", lambda y, w: y.square_(), lambda y, w: y * y),
    ("zero_", lambda y, w: y.zero_(), lambda y, w: y * 0),
    ("fill_", lambda y, w: y.fill_(2.5), lambda y, w: y * 0 + 2.5),
    ("copy_", lambda y, w: y.copy_(w), lambda y, w: w * 1),
    ("copy_broadcast", lambda y, w: y.copy_(w[0]), lambda y, w: w[0].expand(4, 3) * 1),
    ("chain", lambda y, w: y.mul_(w).add_(1).exp_(), lambda y, w: (y * w + 1).exp()),
]


def _run_inplace(lib, op, data):
    """x, w leaves; y = x * 1.5 (a non-leaf); op changes y; loss uses y. Returns what to compare."""
    xd, wd, vd = data
    x = lib.tensor(xd, requires_grad=True)
    w = lib.tensor(wd, requires_grad=True)
    y = x * 1.5
    r = op(y, w)
    (y * lib.tensor(vd)).sum().backward()
    return {"same_object": r is y, "value": y.detach().numpy().copy(), "x.grad": x.grad,
            "w.grad": w.grad, "requires_grad": y.requires_grad, "is_leaf": y.is_leaf,
            "grad_fn": y.grad_fn.name()}


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.uniform(0.5, 1.5, (4, 3)).astype(np.float32), rng.uniform(0.5, 1.5, (4, 3)).astype(np.float32),
            rng.standard_normal((4, 3)).astype(np.float32))


def _compare_grads(a, b, what, shape=(4, 3)):
    """None and zeros compare equal here (PyTorch gives zeros where an op overwrote its input);
    test_copy_gives_zero_grad_to_the_overwritten_tensor checks that difference on its own."""
    for key in ("x.grad", "w.grad"):
        ga = np.zeros(shape) if a[key] is None else a[key]
        gb = np.zeros(shape) if b[key] is None else b[key]
        assert_close(ga, gb, msg=f"{what}: {key}: ")


def version(t):
    """t._version as PyTorch shows it (an int). Reads tapegrad's counter object too, so that the tests
    of view/detach semantics do not all fail on that one difference (test_version_counter_values)."""
    v = t._version
    return v if isinstance(v, int) else v.value


@pytest.mark.parametrize("name, inplace, outofplace", INPLACE_OPS, ids=[op[0] for op in INPLACE_OPS])
def test_inplace_on_non_leaf_matches_out_of_place(name, inplace, outofplace):
    data = _data()
    got = _run_inplace(tapegrad, inplace, data)
    xd, wd, vd = data
    x = tapegrad.tensor(xd, requires_grad=True)
    w = tapegrad.tensor(wd, requires_grad=True)
    ref = outofplace(x * 1.5, w)
    (ref * tapegrad.tensor(vd)).sum().backward()
    assert got["same_object"] and got["requires_grad"] and not got["is_leaf"]
    assert_close(got["value"], ref.detach(), msg="value: ")
    _compare_grads(got, {"x.grad": x.grad, "w.grad": w.grad}, name)


@requires_torch
@pytest.mark.parametrize("name, inplace, outofplace", INPLACE_OPS, ids=[op[0] for op in INPLACE_OPS])
def test_inplace_on_non_leaf_matches_torch(name, inplace, outofplace):
    data = _data(1)
    got, want = _run_inplace(tapegrad, inplace, data), _run_inplace(TORCH, inplace, data)
    assert_close(got["value"], want["value"], msg="value: ")
    _compare_grads(got, want, name)
    assert got["same_object"] and want["same_object"]


@requires_torch
@pytest.mark.parametrize("name, inplace, outofplace", INPLACE_OPS, ids=[op[0] for op in INPLACE_OPS])
def test_inplace_grad_fn_name_matches_torch(name, inplace, outofplace):
    data = _data(2)
    assert _run_inplace(tapegrad, inplace, data)["grad_fn"] == _run_inplace(TORCH, inplace, data)["grad_fn"]


@pytest.mark.parametrize("op", ["copy_", "zero_"])
def test_overwritten_tensor_gets_zero_grad_not_none(lib, op):
    # PyTorch's CopyBackwards / ZeroBackward0 send zeros to the overwritten tensor: x.grad is a tensor.
    x = lib.tensor([1., 2.], requires_grad=True)
    w = lib.tensor([3., 4.], requires_grad=True)
    y = x * 1
    y.copy_(w) if op == "copy_" else y.zero_().add_(w)
    y.sum().backward()
    assert repr(x.grad) == "tensor([0., 0.])"
    assert repr(w.grad) == "tensor([1., 1.])"


def test_inplace_returns_self(lib):
    y = lib.tensor([1., 2.], requires_grad=True) * 1
    ident = id(y)
    assert y.add_(1) is y
    y += 1
    y *= 2
    assert id(y) == ident


def test_mul_inplace_saves_original_self(lib):
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    b = lib.tensor([4., 5., 6.], requires_grad=True)
    a = x * 1
    a.mul_(b)
    assert repr(a) == "tensor([ 4., 10., 18.], grad_fn=<MulBackward0>)"
    a.sum().backward()
    assert repr(x.grad) == "tensor([4., 5., 6.])"
    assert repr(b.grad) == "tensor([1., 2., 3.])"  # the old a, not the new one


def test_inplace_with_self_as_operand_then_inplace_again(lib):
    # y.mul_(y) saves y as `other`; the next in-place op changes it, and PyTorch refuses.
    x = lib.tensor([1., 2.], requires_grad=True)
    y = x * 1
    y.mul_(y)
    y.mul_(x)
    with pytest.raises(RuntimeError) as err:
        y.sum().backward()
    assert str(err.value) == modified("[torch.FloatTensor [2]], which is output 0 of Mul,", version=2)


def test_inplace_then_out_of_place_uses_each_value(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    y = x * 1
    y.mul_(x)       # x^2
    z = y * x       # x^3
    z.sum().backward()
    assert_close(x.grad, [3., 12.])


def test_inplace_on_tensor_that_does_not_require_grad_with_grad_operand(lib):
    w = lib.tensor([1., 2.], requires_grad=True)
    y = lib.zeros(2)
    y.add_(w * 3)
    assert y.requires_grad and not y.is_leaf
    y.sum().backward()
    assert_close(w.grad, [3., 3.])


def test_copy_into_plain_tensor_records_gradient(lib):
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    y = lib.zeros(3)
    y.copy_(x * 2)
    assert y.requires_grad and not y.is_leaf
    y.sum().backward()
    assert_close(x.grad, [2., 2., 2.])
    assert repr(y) == "tensor([2., 4., 6.], grad_fn=<CopyBackwards>)"


def test_copy_broadcast_gradient(lib):
    v = lib.tensor([1., 2., 3.], requires_grad=True)
    y = lib.zeros(2, 3)
    y.copy_(v)
    y.sum().backward()
    assert repr(v.grad) == "tensor([2., 2., 2.])"
    assert str(y) == "tensor([[1., 2., 3.],\n        [1., 2., 3.]], grad_fn=<CopyBackwards>)"


def test_zero_and_fill_node_names(lib):
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    y = x * 1
    y.zero_()
    assert repr(y) == "tensor([0., 0., 0.], grad_fn=<ZeroBackward0>)"
    z = x * 1
    z.fill_(2.5)
    assert repr(z) == "tensor([2.5000, 2.5000, 2.5000], grad_fn=<FillBackward2>)"


def test_inplace_under_no_grad_on_non_leaf_keeps_graph(lib):
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    y = x * 2
    with lib.no_grad():
        y.add_(1)
    assert repr(y) == "tensor([3., 5., 7.], grad_fn=<MulBackward0>)"
    y.sum().backward()
    assert_close(x.grad, [2., 2., 2.])


# ---- leaves: error, unchanged data, no_grad updates --------------------------------------------

LEAF_OPS = [
    ("add_", lambda x: x.add_(1)),
    ("iadd", lambda x: _iadd(x, 1)),
    ("mul_", lambda x: x.mul_(2)),
    ("imul", lambda x: _imul(x, 2)),
    ("isub", lambda x: _isub(x, 1)),
    ("idiv", lambda x: _idiv(x, 2)),
    ("zero_", lambda x: x.zero_()),
    ("fill_", lambda x: x.fill_(7.)),
    ("copy_", lambda x: x.copy_(x.detach() * 5)),
    ("exp_", lambda x: x.exp_()),
]


@pytest.mark.parametrize("name, op", LEAF_OPS, ids=[o[0] for o in LEAF_OPS])
def test_leaf_inplace_error_and_data_unchanged(lib, name, op):
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    with pytest.raises(RuntimeError) as err:
        op(x)
    assert str(err.value) == LEAF_INPLACE
    assert repr(x) == "tensor([1., 2., 3.], requires_grad=True)"
    assert x.is_leaf and x.grad_fn is None
    (x * 2).sum().backward()  # still usable
    assert_close(x.grad, [2., 2., 2.])


def test_view_of_leaf_inplace_error(lib):
    x = lib.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    for op in (lambda: x[0].mul_(2), lambda: x.view(4).add_(1), lambda: x[:, 1].zero_(), lambda: x.t().mul_(2)):
        with pytest.raises(RuntimeError) as err:
            op()
        assert str(err.value) == VIEW_OF_LEAF_INPLACE
    assert repr(x) == "tensor([[1., 2.],\n        [3., 4.]], requires_grad=True)"


def test_setitem_on_leaf_error(lib):
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    with pytest.raises(RuntimeError) as err:
        x[0] = 5.
    assert str(err.value) == VIEW_OF_LEAF_INPLACE
    assert repr(x) == "tensor([1., 2., 3.], requires_grad=True)"


def test_optimizer_update_under_no_grad(lib):
    w = lib.tensor([1., 2., 3.], requires_grad=True)
    lr = 0.1
    for _ in range(2):
        loss = (w * w).sum()
        loss.backward()
        with lib.no_grad():
            w -= lr * w.grad
        w.grad.zero_()
    assert w.is_leaf and w.requires_grad and w.grad_fn is None
    assert_close(w, np.array([1., 2., 3.]) * 0.8 * 0.8)
    assert_close(w.grad, [0., 0., 0.])
    with lib.no_grad():
        w.mul_(0).add_(1)
        w[0] = 5.
    assert repr(w) == "tensor([5., 1., 1.], requires_grad=True)"


def test_grad_zero_inplace_allowed(lib):
    w = lib.tensor([1., 2.], requires_grad=True)
    (w * 3).sum().backward()
    w.grad.zero_()
    (w * 2).sum().backward()
    assert_close(w.grad, [2., 2.])


def test_int_tensor_inplace_with_float_error(lib):
    i = lib.tensor([1, 2, 3])
    for op in (lambda: i.add_(1.5), lambda: _iadd(i, 1.5)):
        with pytest.raises(RuntimeError) as err:
            op()
        assert str(err.value) == "result type Float can't be cast to the desired output type Long"
    assert i.tolist() == [1, 2, 3]
    i.mul_(2)
    assert repr(i) == "tensor([2, 4, 6])"


# ---- version counters --------------------------------------------------------------------------

def test_version_counter_values(lib):
    a = lib.tensor([1., 2., 3.])
    assert a._version == 0
    a.add_(1)
    a.mul_(2)
    assert a._version == 2
    v = a.view(3, 1)
    v.mul_(2)
    assert a._version == 3 and v._version == 3
    a[0] = 1.
    assert v._version == 4


def test_modified_saved_input_error(lib):
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    a = x * 1
    b = a.sin()
    a.add_(1)
    with pytest.raises(RuntimeError) as err:
        b.sum().backward()
    assert str(err.value) == modified("[torch.FloatTensor [3]], which is output 0 of Add,")


def test_modified_saved_input_error_twice_float64(lib):
    x = lib.tensor(np.array([1., 2.]), requires_grad=True)
    a = x * 1
    b = a.sin()
    a.mul_(2)
    a.mul_(2)
    with pytest.raises(RuntimeError) as err:
        b.sum().backward()
    assert str(err.value) == modified("[torch.DoubleTensor [2]], which is output 0 of Mul,", version=2)


def test_modified_saved_leaf_error(lib):
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    b = x.sin()
    with lib.no_grad():
        x.add_(1)
    with pytest.raises(RuntimeError) as err:
        b.sum().backward()
    assert str(err.value) == modified("[torch.FloatTensor [3]]")


def test_modified_saved_output_error(lib):
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    b = x.exp()   # exp saves its output
    b.add_(1)
    with pytest.raises(RuntimeError) as err:
        b.sum().backward()
    assert str(err.value) == modified("[torch.FloatTensor [3]], which is output 0 of Exp,")


def test_modified_through_view_detected(lib):
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    a = x * 1
    v = a.view(3)
    b = a.sin()
    v.mul_(2)
    assert version(a) == 1 and version(v) == 1
    assert type(a.grad_fn).__name__ == "CopySlices"
    assert v.grad_fn.name() == "AsStridedBackward0"
    with pytest.raises(RuntimeError) as err:
        b.sum().backward()
    assert str(err.value) == modified("[torch.FloatTensor [3]], which is output 0 of torch::autograd::CopySlices,")


def test_modified_through_transposed_view_detected(lib):
    x = lib.tensor([[1., 2., 3.]], requires_grad=True)
    a = x * 1
    b = a * a
    a.transpose(0, 1).mul_(2)
    with pytest.raises(RuntimeError) as err:
        b.sum().backward()
    assert str(err.value) == modified("[torch.FloatTensor [1, 3]], which is output 0 of torch::autograd::CopySlices,")


def test_unsaved_tensor_may_change(lib):
    # add saves neither input: changing one afterwards is fine.
    x = lib.tensor([1., 2.], requires_grad=True)
    a = x * 1
    b = a + 1
    a.mul_(3)
    b.sum().backward()
    assert_close(x.grad, [1., 1.])


# ---- detach and .data -------------------------------------------------------------------------

def test_detach_shares_memory(lib):
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    d.zero_()
    assert repr(y) == "tensor([0., 0., 0.], grad_fn=<MulBackward0>)"
    assert version(y) == 1 and version(d) == 1


def test_inplace_on_detach_is_detected_by_backward(lib):
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    y = x * 2
    z = y * y
    y.detach().add_(1)
    with pytest.raises(RuntimeError) as err:
        z.sum().backward()
    assert str(err.value) == modified("[torch.FloatTensor [3]], which is output 0 of Mul,")


def test_detach_of_leaf_allows_inplace(lib):
    w = lib.tensor([1., 2.], requires_grad=True)
    d = w.detach()
    d[0] = 100.
    assert repr(w) == "tensor([100.,   2.], requires_grad=True)"
    assert version(w) == 1


def test_data_inplace_is_not_tracked(lib):
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    y = x * 2
    z = y * y
    y.data.add_(1)
    assert version(y) == 0
    z.sum().backward()   # silently uses the changed values, as PyTorch does
    assert repr(x.grad) == "tensor([12., 20., 28.])"


def test_data_of_leaf(lib):
    w = lib.tensor([1., 2.], requires_grad=True)
    d = w.data
    assert not d.requires_grad and d.is_leaf
    w.data.mul_(3)
    assert repr(w) == "tensor([3., 6.], requires_grad=True)"
    w.data = lib.tensor([7., 8.])
    assert repr(w) == "tensor([7., 8.], requires_grad=True)"
    assert w.is_leaf and w.requires_grad


def test_detach_inplace(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    y = x * 2
    r = y.detach_()
    assert r is y
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf


# ---- assignment into tensors (CopySlices) -----------------------------------------------------

def test_tutorial_seed_003_setitem(lib):
    Variable, t = lib.autograd.Variable, lib
    x = Variable(t.FloatTensor([[2, 4, 5]]), requires_grad=True)
    y = Variable(t.zeros(1, 2))
    y[0, 0] = x[0, 0] ** 2 + 2 * x[0, 1] + 4 * x[0, 2]
    assert re.fullmatch(r"<CopySlices object at 0x[0-9a-f]+>", repr(y.grad_fn))
    assert [(None if f is None else type(f).__name__, i) for f, i in y.grad_fn.next_functions] == \
        [(None, 0), ("AddBackward0", 0)]
    y[0, 1] = 2 * x[0, 0] + 3 * x[0, 1] ** 2 + x[0, 2] ** 2
    assert repr(y) == "tensor([[32., 77.]], grad_fn=<CopySlices>)"
    nf = y.grad_fn.next_functions
    assert [(type(f).__name__, i) for f, i in nf] == [("CopySlices", 0), ("AddBackward0", 0)]
    assert [(None if f is None else type(f).__name__, i) for f, i in nf[0][0].next_functions] == \
        [(None, 0), ("AddBackward0", 0)]
    y.backward(Variable(t.ones(1, 2)))
    assert repr(x.grad) == "tensor([[ 6., 26., 14.]])"


def test_tutorial_seed_003_setitem_two_inputs(lib):
    Variable, t = lib.autograd.Variable, lib
    x = Variable(t.FloatTensor([[2, 4]]), requires_grad=True)
    y = Variable(t.zeros(1, 2))
    y[0, 0] = x[0, 0] ** 2 + 2 * x[0, 1]
    y[0, 1] = 2 * x[0, 0] + 3 * x[0, 1] ** 2
    y.backward(Variable(t.ones(1, 2)))
    assert repr(x.grad) == "tensor([[ 6., 26.]])"
    x.grad = None
    y = Variable(t.zeros(1, 2))
    y[0, 0] = x[0, 0] ** 2 + 2 * x[0, 1]
    y.backward(Variable(t.FloatTensor([[2, 2]])))
    assert repr(x.grad) == "tensor([[8., 4.]])"


def test_copy_slices_name(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    y = lib.zeros(3)
    y[0] = x[0] * 2
    assert y.grad_fn.name() == "torch::autograd::CopySlices"


def test_setitem_constant_into_non_leaf(lib):
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    y = x * 2
    y[1:] = 7.
    assert repr(y) == "tensor([2., 7., 7.], grad_fn=<CopySlices>)"
    (y * lib.tensor([1., 10., 100.])).sum().backward()
    assert repr(x.grad) == "tensor([2., 0., 0.])"


def test_setitem_expression_into_non_leaf(lib):
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    y = x * 2
    y[1:] = x[0] * 3
    assert repr(y) == "tensor([2., 3., 3.], grad_fn=<CopySlices>)"
    (y * lib.tensor([1., 10., 100.])).sum().backward()
    assert repr(x.grad) == "tensor([332.,   0.,   0.])"


def test_setitem_value_broadcast_into_slice(lib):
    y = lib.zeros(2, 3)
    v = lib.tensor([1., 2.], requires_grad=True)
    y[:, 1:] = v
    assert str(y) == "tensor([[0., 1., 2.],\n        [0., 1., 2.]], grad_fn=<CopySlices>)"
    (y * lib.arange(6.).view(2, 3)).sum().backward()
    assert repr(v.grad) == "tensor([5., 7.])"


def test_setitem_column_of_non_leaf(lib):
    x = lib.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    w = lib.tensor([5., 6.], requires_grad=True)
    y = x * 1
    y[:, 0] = w ** 2
    (y * lib.tensor([[1., 2.], [3., 4.]])).sum().backward()
    assert repr(x.grad) == "tensor([[0., 2.],\n        [0., 4.]])"
    assert repr(w.grad) == "tensor([10., 36.])"


def test_setitem_with_mask_and_index_list(lib):
    x = lib.tensor([1., -2., 3., -4.], requires_grad=True)
    y = x * 1
    y[y < 0] = 0.
    assert y.tolist() == [1., 0., 3., 0.]
    y[[0, 2]] = y[[0, 2]] * 10
    assert y.tolist() == [10., 0., 30., 0.]
    y.sum().backward()
    assert repr(x.grad) == "tensor([10.,  0., 10.,  0.])"


def test_setitem_with_advanced_index_node_name(lib):
    # Advanced (mask / list) indices record index_put_, not CopySlices.
    x = lib.tensor([1., -2., 3., -4.], requires_grad=True)
    y = x * 1
    y[y < 0] = 0.
    assert repr(y) == "tensor([1., 0., 3., 0.], grad_fn=<IndexPutBackward0>)"
    y[[0, 2]] = x[:2] * 10
    assert repr(y) == "tensor([ 10.,   0., -20.,   0.], grad_fn=<IndexPutBackward0>)"


def test_setitem_plain_tensors(lib):
    t = lib.zeros(2, 3)
    t[0] = lib.tensor([1., 2., 3.])
    t[1, 1:] = 5
    t[:, 0] += 1
    assert str(t) == "tensor([[2., 2., 3.],\n        [1., 5., 5.]])"
    assert not t.requires_grad and t.grad_fn is None


def test_augmented_setitem_on_non_leaf(lib):
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    y = x * 2
    y[0] += 1
    assert repr(y) == "tensor([3., 4., 6.], grad_fn=<CopySlices>)"
    y.sum().backward()
    assert repr(x.grad) == "tensor([2., 2., 2.])"


def test_augmented_setitem_multiplies(lib):
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    y = x * 1
    y[1:] *= lib.tensor([2., 3.])
    assert repr(y) == "tensor([1., 4., 9.], grad_fn=<CopySlices>)"
    y.sum().backward()
    assert repr(x.grad) == "tensor([1., 2., 3.])"


# ---- in-place ops on views of non-leaves ------------------------------------------------------

def test_inplace_on_select_view_of_non_leaf(lib):
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    y = x * 1
    y[0].mul_(3)
    assert repr(y) == "tensor([3., 2., 3.], grad_fn=<CopySlices>)"
    y.sum().backward()
    assert repr(x.grad) == "tensor([3., 1., 1.])"


def test_inplace_on_held_view_of_non_leaf(lib):
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    y = x * 1
    v = y[0]
    v.mul_(3)
    assert repr(v) == "tensor(3., grad_fn=<AsStridedBackward0>)"
    assert v.grad_fn.name() == "AsStridedBackward0"
    assert repr(y) == "tensor([3., 2., 3.], grad_fn=<CopySlices>)"
    (v * 10 + y.sum()).backward()
    assert repr(x.grad) == "tensor([33.,  1.,  1.])"


def test_inplace_on_row_view_of_non_leaf(lib):
    x = lib.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    y = x * 1
    y[1].add_(y[0].detach())
    y[:, 0].mul_(2)
    assert str(y) == "tensor([[2., 2.],\n        [8., 6.]], grad_fn=<CopySlices>)"
    (y * lib.tensor([[1., 2.], [3., 4.]])).sum().backward()
    assert repr(x.grad) == "tensor([[2., 2.],\n        [6., 4.]])"


def test_inplace_on_slice_view_of_non_leaf_with_grad_operand(lib):
    x = lib.tensor([1., 2., 3., 4.], requires_grad=True)
    w = lib.tensor([10., 20.], requires_grad=True)
    y = x * 1
    y[1:3].mul_(w)
    assert repr(y) == "tensor([ 1., 20., 60.,  4.], grad_fn=<CopySlices>)"
    y.sum().backward()
    assert repr(x.grad) == "tensor([ 1., 10., 20.,  1.])"
    assert repr(w.grad) == "tensor([2., 3.])"


def test_inplace_on_select_of_plain_tensor_writes_through(lib):
    t = lib.tensor([1., 2., 3.])
    t[0].mul_(3)
    t[1].add_(10)
    t[2:].zero_()
    assert repr(t) == "tensor([ 3., 12.,  0.])"
    assert version(t) == 3


def test_view_taken_before_base_changes_in_place(lib):
    # v shares y's memory: after y.mul_(10) its values are 10x and so must be its gradient.
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    y = x * 1
    v = y[:2]
    y.mul_(10)
    assert v.tolist() == [10., 20.]
    v.sum().backward()
    assert repr(x.grad) == "tensor([10., 10.,  0.])"


def test_view_taken_before_base_changes_in_place_node_name(lib):
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    y = x * 1
    v = y[:2]
    y.mul_(10)
    assert repr(v) == "tensor([10., 20.], grad_fn=<AsStridedBackward0>)"


def test_modified_by_setitem_detected(lib):
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    a = x * 1
    b = a.sin()
    a[0] = 5.
    with pytest.raises(RuntimeError) as err:
        b.sum().backward()
    assert str(err.value) == modified("[torch.FloatTensor [3]], which is output 0 of torch::autograd::CopySlices,")


def test_setitem_from_own_element(lib):
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    y = x * 1
    y[0] = y[1] * 2
    assert repr(y) == "tensor([4., 2., 3.], grad_fn=<CopySlices>)"
    y.sum().backward()
    assert repr(x.grad) == "tensor([0., 3., 1.])"


def test_setitem_rows_from_a_vector(lib):
    m = lib.zeros(2, 2)
    v = lib.tensor([1., 2.], requires_grad=True)
    m[0] = v
    m[1] = v * 3
    assert str(m) == "tensor([[1., 2.],\n        [3., 6.]], grad_fn=<CopySlices>)"
    m.sum().backward()
    assert repr(v.grad) == "tensor([4., 4.])"


def test_retain_grad_follows_in_place_change(lib):
    # PyTorch: .grad of a tensor that retains grad is the gradient of its current (post in-place) value.
    x = lib.tensor([1., 2., 3.], requires_grad=True)
    y = x * 1
    y.retain_grad()
    y.mul_(2)
    (y * y).sum().backward()
    assert repr(y.grad) == "tensor([ 4.,  8., 12.])"
    assert repr(x.grad) == "tensor([ 8., 16., 24.])"


def test_inplace_on_expanded_tensor_error(lib):
    e = lib.zeros(1).expand(3)
    with pytest.raises(RuntimeError) as err:
        e.add_(1)
    assert str(err.value) == ("unsupported operation: more than one element of the written-to tensor refers to a "
                              "single memory location. Please clone() the tensor before performing the operation.")


def test_failed_inplace_ops_leave_the_tensor_unchanged(lib):
    # PyTorch's errors, and nothing written: the shape check and the dtype check come first
    x = lib.ones(3)
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the broadcast shape \[2, 3\]"):
        x.add_(lib.ones(2, 3))
    assert x.tolist() == [1.0, 1.0, 1.0] and x._version == 0
    n = lib.ones(3, dtype=lib.int64)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        n.mul_(1.5)
    assert n.tolist() == [1, 1, 1] and n._version == 0
