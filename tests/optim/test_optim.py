"""tapegrad.optim against torch.optim: same trajectories, param groups, state_dict, zero_grad, errors."""
import numpy as np
import pytest

import tapegrad
import tapegrad.optim  # noqa: F401
from checks import torch_or_none

torch = torch_or_none()
needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")

W0 = np.random.default_rng(0).standard_normal((3, 4))
B0 = np.random.default_rng(1).standard_normal(4)
X = np.random.default_rng(2).standard_normal((5, 3))


def loss_fn(lib, w, b):
    x = lib.tensor(X, dtype=w.dtype)
    y = x @ w + b
    return (y * y).sum() * 0.1 + lib.tanh(y).sum() + (w * w).sum() * 0.05


def make_params(lib, dtype="float64"):
    dt = getattr(lib, dtype)
    w = lib.tensor(W0, dtype=dt).requires_grad_()
    b = lib.tensor(B0, dtype=dt).requires_grad_()
    return w, b


def run(lib, name, kwargs, steps=20, groups=None, dtype="float64"):
    w, b = make_params(lib, dtype)
    params = groups(w, b) if groups else [w, b]
    opt = getattr(lib.optim, name)(params, **kwargs)
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(lib, w, b).backward()
        opt.step()
    return w.detach().numpy(), b.detach().numpy(), opt


CASES = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.5, maximize=True)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, amsgrad=True, maximize=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.3, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.3, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.2)),
    ("Adagrad", dict(lr=0.1, eps=1e-3, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1, maximize=True)),
]


@needs_torch
@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_trajectory_matches_torch(name, kwargs):
    tw, tb, topt = run(tapegrad, name, kwargs)
    rw, rb, ropt = run(torch, name, kwargs)
    np.testing.assert_allclose(tw, rw, rtol=0, atol=1e-6)
    np.testing.assert_allclose(tb, rb, rtol=0, atol=1e-6)
    assert not np.allclose(tw, W0)
    ts, rs = topt.state_dict(), ropt.state_dict()
    assert ts["param_groups"] == rs["param_groups"]
    assert ts["state"].keys() == rs["state"].keys()
    for i in ts["state"]:
        assert ts["state"][i].keys() == rs["state"][i].keys()
        for k, v in ts["state"][i].items():
            assert str(v.dtype) == str(rs["state"][i][k].dtype)
            np.testing.assert_allclose(v.numpy(), rs["state"][i][k].numpy(), rtol=1e-6, atol=1e-6)


@needs_torch
@pytest.mark.parametrize("name,kwargs", [("SGD", dict(lr=0.05, momentum=0.9)), ("Adam", dict(lr=0.05)),
                                         ("RMSprop", dict(lr=0.01, centered=True)), ("Adagrad", dict(lr=0.1))])
def test_float32_stays_float32(name, kwargs):
    tw, tb, _ = run(tapegrad, name, kwargs, dtype="float32")
    rw, rb, _ = run(torch, name, kwargs, dtype="float32")
    assert tw.dtype == np.float32 and tb.dtype == np.float32
    np.testing.assert_allclose(tw, rw, rtol=1e-4, atol=1e-5)


@needs_torch
@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_param_groups_with_different_lr(name):
    def groups(w, b):
        return [{"params": [w]}, {"params": b, "lr": 0.002}]
    kwargs = dict(lr=0.05, momentum=0.9) if name != "Adam" else dict(lr=0.05)
    tw, tb, topt = run(tapegrad, name, kwargs, groups=groups)
    rw, rb, ropt = run(torch, name, kwargs, groups=groups)
    np.testing.assert_allclose(tw, rw, atol=1e-6, rtol=0)
    np.testing.assert_allclose(tb, rb, atol=1e-6, rtol=0)
    assert [g["lr"] for g in topt.param_groups] == [0.05, 0.002]
    assert topt.state_dict()["param_groups"] == ropt.state_dict()["param_groups"]


def test_add_param_group(lib):
    w, b = make_params(lib)
    opt = lib.optim.SGD([w], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": [b], "lr": 0.01})
    assert len(opt.param_groups) == 2
    assert opt.param_groups[1]["momentum"] == 0.9 and opt.param_groups[1]["lr"] == 0.01
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [w]})


@pytest.mark.parametrize("name,kwargs", [("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
                                         ("Adam", dict(lr=0.05, amsgrad=True)), ("AdamW", dict(lr=0.05)),
                                         ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
                                         ("Adagrad", dict(lr=0.1, lr_decay=0.1)), ("Adadelta", dict(lr=0.5))])
def test_state_dict_round_trip(lib, name, kwargs):
    full_w, full_b, _ = run(lib, name, kwargs, steps=20)
    w, b = make_params(lib)
    opt = getattr(lib.optim, name)([w, b], **kwargs)
    for _ in range(10):
        opt.zero_grad()
        loss_fn(lib, w, b).backward()
        opt.step()
    saved = opt.state_dict()
    w2 = w.detach().clone().requires_grad_()
    b2 = b.detach().clone().requires_grad_()
    opt2 = getattr(lib.optim, name)([w2, b2], lr=123.0)
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == kwargs.get("lr", opt.defaults["lr"])
    assert opt2.param_groups[0]["params"][0] is w2
    for _ in range(10):
        opt2.zero_grad()
        loss_fn(lib, w2, b2).backward()
        opt2.step()
    np.testing.assert_allclose(w2.detach().numpy(), full_w, atol=1e-12, rtol=0)
    np.testing.assert_allclose(b2.detach().numpy(), full_b, atol=1e-12, rtol=0)


def test_failed_load_changes_nothing(lib):
    w, b = make_params(lib)
    opt = lib.optim.Adam([w, b], lr=0.05)
    loss_fn(lib, w, b).backward()
    opt.step()
    before = opt.state_dict()
    other = lib.optim.Adam([w], lr=0.5)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        opt.load_state_dict(other.state_dict())
    two = lib.optim.Adam([{"params": [w]}, {"params": [b]}], lr=0.5)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict(two.state_dict())
    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"]
    assert opt.param_groups[0]["lr"] == 0.05
    assert set(after["state"]) == {0, 1}


def test_zero_grad(lib):
    w, b = make_params(lib)
    opt = lib.optim.SGD([w, b], lr=0.1)
    loss_fn(lib, w, b).backward()
    g = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is g
    assert float(w.grad.abs().sum()) == 0.0
    opt.zero_grad()
    assert w.grad is None and b.grad is None
    opt.step()  # params without grads are skipped
    np.testing.assert_array_equal(w.detach().numpy(), W0)


def test_step_closure(lib):
    w, b = make_params(lib)
    opt = lib.optim.SGD([w, b], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = loss_fn(lib, w, b)
        loss.backward()
        return loss

    with lib.no_grad():
        loss = opt.step(closure)
    assert loss.requires_grad
    assert not np.allclose(w.detach().numpy(), W0)


def test_version_counter_bumped(lib):
    w, b = make_params(lib)
    opt = lib.optim.Adam([w, b])
    loss_fn(lib, w, b).backward()
    v = w._version
    opt.step()
    assert w._version > v


BAD = [
    ("SGD", dict(lr=-1.0)), ("SGD", dict(momentum=-0.5)), ("SGD", dict(weight_decay=-1e-3)),
    ("SGD", dict(lr=0.1, nesterov=True)), ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)),
    ("Adam", dict(lr=-1.0)), ("Adam", dict(eps=-1.0)), ("Adam", dict(betas=(1.0, 0.9))),
    ("Adam", dict(betas=(0.9, -0.1))), ("Adam", dict(weight_decay=-1)), ("AdamW", dict(lr=-0.5)),
    ("RMSprop", dict(lr=-1.0)), ("RMSprop", dict(eps=-1.0)), ("RMSprop", dict(momentum=-1.0)),
    ("RMSprop", dict(weight_decay=-1.0)), ("RMSprop", dict(alpha=-1.0)),
    ("Adagrad", dict(lr=-1.0)), ("Adagrad", dict(lr_decay=-1.0)), ("Adagrad", dict(weight_decay=-1.0)),
    ("Adagrad", dict(initial_accumulator_value=-1.0)), ("Adagrad", dict(eps=-1.0)),
    ("Adadelta", dict(lr=-1.0)), ("Adadelta", dict(rho=1.5)), ("Adadelta", dict(eps=-1.0)),
    ("Adadelta", dict(weight_decay=-1.0)),
]


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    return None


@needs_torch
@pytest.mark.parametrize("name,kwargs", BAD, ids=[f"{n}-{i}" for i, (n, _) in enumerate(BAD)])
def test_bad_arguments_match_torch(name, kwargs):
    ours = _error(lambda: getattr(tapegrad.optim, name)([make_params(tapegrad)[0]], **kwargs))
    theirs = _error(lambda: getattr(torch.optim, name)([make_params(torch)[0]], **kwargs))
    assert theirs is not None
    assert ours == theirs


@needs_torch
@pytest.mark.parametrize("case", ["empty", "tensor", "non_tensor", "non_leaf", "set", "duplicate_group"])
def test_bad_params_match_torch(case):
    def attempt(lib):
        w, b = make_params(lib, "float32")
        params = {"empty": [], "tensor": w, "non_tensor": [w, 3], "non_leaf": [w * 2], "set": [{"params": {w}}],
                  "duplicate_group": [{"params": [w]}, {"params": [w, b]}]}[case]
        return _error(lambda: lib.optim.SGD(params, lr=0.1))
    theirs = attempt(torch)
    assert theirs is not None
    assert attempt(tapegrad) == theirs


@needs_torch
def test_repr_matches_torch():
    t = tapegrad.optim.Adam([make_params(tapegrad)[0]], lr=0.1)
    r = torch.optim.Adam([make_params(torch)[0]], lr=0.1)
    assert repr(t) == repr(r)


@needs_torch
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"])
def test_state_dict_before_any_step_matches_torch(name):
    t = getattr(tapegrad.optim, name)([make_params(tapegrad)[0], make_params(tapegrad)[1]], lr=0.1)
    r = getattr(torch.optim, name)([make_params(torch)[0], make_params(torch)[1]], lr=0.1)
    ts, rs = t.state_dict(), r.state_dict()
    assert ts["param_groups"] == rs["param_groups"]
    assert {i: sorted(v) for i, v in ts["state"].items()} == {i: sorted(v) for i, v in rs["state"].items()}
    for i, entry in ts["state"].items():
        for k, v in entry.items():
            assert str(v.dtype) == str(rs["state"][i][k].dtype)
            np.testing.assert_array_equal(v.numpy(), rs["state"][i][k].numpy())


def test_base_optimizer_step_is_abstract(lib):
    w, _ = make_params(lib)
    opt = lib.optim.Optimizer([w], {"lr": 0.1})
    w.grad = lib.ones_like(w)
    with pytest.raises(NotImplementedError):
        opt.step()


@needs_torch
def test_required_option_missing_matches_torch():
    from tapegrad.optim.optimizer import required as t_required
    from torch.optim.optimizer import required as r_required
    t = _error(lambda: tapegrad.optim.Optimizer([make_params(tapegrad)[0]], {"lr": t_required}))
    r = _error(lambda: torch.optim.Optimizer([make_params(torch)[0]], {"lr": r_required}))
    assert t == r
