"""Forward-mode AD (autograd/forward_ad.py): dual tensors against reverse mode and against PyTorch.

- every registered op: the expressions of tests/ops (EXPRESSIONS and JVP_EXPRESSIONS, as
  test_jvp.py gathers them) evaluated on dual inputs give tangents J u with <v, J u> equal to
  <J^T v, u> from `autograd.grad`;
- tangent values of ~20 expressions equal PyTorch's forward_ad;
- make_dual / unpack_dual / levels: PyTorch's checks and error messages, no nesting;
- in-place ops and index assignment carry the tangent; exiting the level drops the tangents;
- forward-over-reverse: `autograd.grad` with create_graph on dual tensors gives Hessian-vector
  products equal to PyTorch's.
"""
import importlib.util
import os

import numpy as np
import pytest
from checks import assert_close, assert_raises_like_torch, requires_torch, torch_or_none

import tapegrad
import tapegrad.autograd.forward_ad as fwAD
from tapegrad.ops import _registry as R


def _fw(lib):
    import importlib
    return importlib.import_module(lib.__name__ + ".autograd.forward_ad")


def _jvp_module():
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "ops", "test_jvp.py")
    spec = importlib.util.spec_from_file_location("_fw_test_jvp", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _flatten(values):
    for value in values:
        if isinstance(value, (tuple, list)):
            yield from _flatten(value)
        elif isinstance(value, tapegrad.Tensor):
            yield value


# ---- forward mode equals reverse mode on every op ---------------------------------------------

def test_forward_mode_agrees_with_reverse_mode_for_every_op(monkeypatch):
    expressions = _jvp_module()._all_expressions()
    seen = set()
    original = R.apply_jvp

    def apply_jvp(op, *args, **kwargs):
        seen.add(op.name)
        return original(op, *args, **kwargs)

    monkeypatch.setattr(R, "apply_jvp", apply_jvp)
    rng = np.random.default_rng(0)
    x = tapegrad.tensor(rng.standard_normal((3, 4)) + 0.1, requires_grad=True)
    y = tapegrad.tensor(rng.uniform(0.5, 1.5, (3, 4)), requires_grad=True)
    checked = 0
    for name, build in expressions.items():
        u = tapegrad.tensor(rng.standard_normal((3, 4)))
        w = tapegrad.tensor(rng.standard_normal((3, 4)))
        with fwAD.dual_level():
            outputs = list(_flatten(build(fwAD.make_dual(x, u), fwAD.make_dual(y, w))))
            for k, out in enumerate(outputs):
                tangent = fwAD.unpack_dual(out).tangent
                if out.dtype not in (tapegrad.float32, tapegrad.float64):
                    assert tangent is None, f"{name}[{k}]: a tangent on a {out.dtype} output"
                    continue
                if not out.requires_grad:  # nothing differentiable reached it: no tangent, or a zero one
                    assert tangent is None or not np.any(tangent.numpy()), f"{name}[{k}]"
                    continue
                v = tapegrad.tensor(rng.standard_normal(tuple(out.shape)), dtype=out.dtype)
                vjp = tapegrad.autograd.grad(out, (x, y), grad_outputs=v, retain_graph=True, allow_unused=True)
                rhs = sum(float(np.sum(g.numpy() * t.numpy())) for g, t in zip(vjp, (u, w)) if g is not None)
                lhs = float(np.sum(v.numpy() * tangent.numpy())) if tangent is not None else 0.0
                tol = 1e-6 if out.dtype == tapegrad.float64 else 1e-4  # some pass through float32
                assert np.isclose(lhs, rhs, rtol=tol, atol=tol), \
                    f"{name}[{k}]: <v, J u> = {lhs} by forward mode, {rhs} by reverse mode"
                checked += 1
    assert checked > 100
    missing = sorted(set(R.REGISTRY) - seen - {"copy_value", "floor_divide"})
    assert not missing, f"ops that never propagated a tangent (add an expression): {missing}"


# ---- tangent values against PyTorch -------------------------------------------------------------

TORCH_EXPRESSIONS = {
    "mul": lambda lib, x, y: x * y,
    "div": lambda lib, x, y: x / y + 2.0 / y,
    "pow": lambda lib, x, y: y ** x + x ** 3,
    "exp_log": lambda lib, x, y: x.exp() + y.log(),
    "trig": lambda lib, x, y: x.sin() * y.cos(),
    "tanh_sigmoid": lambda lib, x, y: x.tanh() + y.sigmoid(),
    "relu_abs": lambda lib, x, y: x.relu() + x.abs(),
    "sqrt": lambda lib, x, y: y.sqrt() * x,
    "sum": lambda lib, x, y: (x * y).sum(),
    "sum_dim": lambda lib, x, y: (x * y).sum(0),
    "mean": lambda lib, x, y: x.mean(1, keepdim=True) * y,
    "matmul": lambda lib, x, y: x @ y.t(),
    "broadcast": lambda lib, x, y: x + y[0],
    "reshape": lambda lib, x, y: x.reshape(4, 3).t() * y,
    "index": lambda lib, x, y: x[1:, [0, 2]] * y[0, 1],
    "softmax": lambda lib, x, y: lib.nn.functional.softmax(x, dim=1),
    "log_softmax": lambda lib, x, y: lib.nn.functional.log_softmax(x * y, dim=0),
    "mse": lambda lib, x, y: lib.nn.functional.mse_loss(x, y),
    "cat": lambda lib, x, y: lib.cat([x, y], dim=1) * 2,
    "max": lambda lib, x, y: x.max(dim=1)[0] + y.min(),
    "where": lambda lib, x, y: lib.where(x > 0, x, y),
    "norm": lambda lib, x, y: (x * y).norm(),
    "no_tangent_y": lambda lib, x, y: x * y.detach(),
}


def _run_forward_ad(lib, expression, x, y, u, w):
    fw = _fw(lib)
    with fw.dual_level():
        out = expression(lib, fw.make_dual(lib.tensor(x), lib.tensor(u)), fw.make_dual(lib.tensor(y), lib.tensor(w)))
        primal, tangent = fw.unpack_dual(out)
        return primal.detach().numpy(), None if tangent is None else tangent.detach().numpy()


@requires_torch
@pytest.mark.parametrize("name", sorted(TORCH_EXPRESSIONS))
def test_tangents_equal_torch(name):
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((3, 4)), rng.uniform(0.5, 1.5, (3, 4))
    u, w = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    mine = _run_forward_ad(tapegrad, TORCH_EXPRESSIONS[name], x, y, u, w)
    theirs = _run_forward_ad(torch_or_none(), TORCH_EXPRESSIONS[name], x, y, u, w)
    assert_close(mine[0], theirs[0], atol=1e-10, rtol=1e-10)
    assert_close(mine[1], theirs[1], atol=1e-10, rtol=1e-8)


# ---- the API: levels, make_dual, unpack_dual ---------------------------------------------------

def test_dual_level_drops_tangents_on_exit(lib):
    fw = _fw(lib)
    x = lib.tensor([1.0, 2.0])
    with fw.dual_level() as level:
        assert level == 0
        y = fw.make_dual(x, lib.tensor([1.0, 0.5])).exp()
        assert fw.unpack_dual(y).tangent is not None
    assert fw.unpack_dual(y).tangent is None
    assert fw.unpack_dual(y, level=0).tangent is None
    with fw.dual_level() as level:  # levels are reused once exited
        assert level == 0
        assert fw.unpack_dual(y).tangent is None


def test_make_dual_shares_data_and_keeps_the_tangent_as_is(lib):
    fw = _fw(lib)
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    t = lib.tensor([3.0, 4.0])
    with fw.dual_level():
        d = fw.make_dual(x, t)
        assert type(d.grad_fn).__name__ == "ViewBackward0"
        primal, tangent = fw.unpack_dual(d)
        assert tangent is t
        assert fw.unpack_dual(primal).tangent is None
        with lib.no_grad():
            x.mul_(2)
        assert d.tolist() == [2.0, 4.0] and primal.tolist() == [2.0, 4.0]


def test_enter_and_exit_functions(lib):
    fw = _fw(lib)
    level = fw.enter_dual_level()
    try:
        assert fw.unpack_dual(fw.make_dual(lib.ones(1), lib.ones(1), level=level)).tangent.tolist() == [1.0]
    finally:
        fw.exit_dual_level(level=level)


def test_unpacked_dual_tensor_prints_like_torch(lib):
    fw = _fw(lib)
    with fw.dual_level():
        text = repr(fw.unpack_dual(fw.make_dual(lib.tensor([1.0, 2.0]), lib.tensor([0.5, 0.0]))))
    assert text == "UnpackedDualTensor(primal=tensor([1., 2.]), tangent=tensor([0.5000, 0.0000]))"
    assert repr(fw.unpack_dual(lib.ones(1))) == "UnpackedDualTensor(primal=tensor([1.]), tangent=None)"
    assert fw.unpack_dual(lib.ones(1))._fields == ("primal", "tangent")


def _in_level(call):
    def run(lib):
        with _fw(lib).dual_level():
            call(lib, _fw(lib))
    return run


@requires_torch
@pytest.mark.parametrize("call", [
    lambda lib: _fw(lib).make_dual(lib.ones(3), lib.ones(3)),
    lambda lib: _fw(lib).exit_dual_level(),
    _in_level(lambda lib, fw: fw.make_dual(lib.ones(3), lib.ones(2))),
    _in_level(lambda lib, fw: fw.make_dual(lib.ones(3, dtype=lib.int64), lib.ones(3))),
    _in_level(lambda lib, fw: fw.make_dual(lib.ones(3), lib.ones(3, dtype=lib.int64))),
    _in_level(lambda lib, fw: fw.make_dual(lib.ones(3), lib.ones(3), level=1)),
    _in_level(lambda lib, fw: fw.make_dual(fw.make_dual(lib.ones(3), lib.ones(3)), lib.ones(3))),
    _in_level(lambda lib, fw: fw.unpack_dual(fw.make_dual(lib.ones(3), lib.ones(3)), level=1)),
    _in_level(lambda lib, fw: fw.exit_dual_level(level=1)),
    _in_level(lambda lib, fw: fw.enter_dual_level()),
], ids=["no_level", "exit_without_level", "shape", "int_primal", "int_tangent", "make_level",
        "already_dual", "unpack_level", "exit_other_level", "nested"])
def test_errors_match_torch(call):
    assert_raises_like_torch(call)


def test_nesting_is_refused_and_leaves_the_level_usable(lib):
    fw = _fw(lib)
    with fw.dual_level():
        with pytest.raises(RuntimeError, match="Nested forward mode AD is not supported at the moment"):
            with fw.dual_level():
                pass
        out = fw.make_dual(lib.tensor(3.0), lib.tensor(1.0)) ** 2
        assert fw.unpack_dual(out).tangent.item() == 6.0


# ---- tangents through in-place ops, views, non-differentiable ops --------------------------------

def _inplace_program(lib):
    fw = _fw(lib)
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with fw.dual_level():
        d = fw.make_dual(x, lib.tensor([1.0, -1.0, 2.0]))
        z = d * 1.0
        z.mul_(d).add_(1.0)
        w = d * 1.0
        w[1:].exp_()
        v = d * 1.0
        v[0] = d[2] * 3
        v[1:] = 0.0
        s = lib.zeros(3)
        s[1:] = d[:2]
        c = lib.zeros(3).copy_(d)
        f = (d * 1.0).fill_(2.0)
        view = d[1:] * 1.0
        return [fw.unpack_dual(t).tangent for t in (z, w, v, s, c, f, view)]


@requires_torch
def test_inplace_and_setitem_tangents_equal_torch():
    mine = _inplace_program(tapegrad)
    theirs = _inplace_program(torch_or_none())
    for k, (a, b) in enumerate(zip(mine, theirs)):
        assert (a is None) == (b is None), k
        if a is not None:
            assert_close(a, b, msg=f"result {k}: ")


def test_non_differentiable_ops_have_no_tangent(lib):
    fw = _fw(lib)
    with fw.dual_level():
        d = fw.make_dual(lib.tensor([1.0, -2.0]), lib.tensor([1.0, 1.0]))
        assert fw.unpack_dual(d.argmax()).tangent is None
        assert fw.unpack_dual(d > 0).tangent is None
        assert fw.unpack_dual(d.detach()).tangent is None


def test_works_without_grad_mode(lib):
    fw = _fw(lib)
    with fw.dual_level(), lib.no_grad():
        out = fw.make_dual(lib.tensor([1.0, 2.0]), lib.tensor([1.0, 1.0])).sin().sum()
    # after the level only the value remains; inside it the tangent was cos(1) + cos(2)
    assert out.item() == pytest.approx(np.sin(1) + np.sin(2))


# ---- forward-over-reverse: Hessian-vector products ----------------------------------------------

def _hvp(lib, x, u):
    fw = _fw(lib)
    x = lib.tensor(x, requires_grad=True)
    with fw.dual_level():
        d = fw.make_dual(x, lib.tensor(u))
        f = (d.sin() * d.exp()).sum() + (d ** 3).mean() + d.tanh().prod() + (d @ d.t()).sigmoid().sum()
        grad, = lib.autograd.grad(f, x, create_graph=True)
        return grad.detach().numpy(), fw.unpack_dual(grad).tangent.detach().numpy()


@requires_torch
def test_forward_over_reverse_hvp_equals_torch():
    rng = np.random.default_rng(2)
    x, u = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    mine = _hvp(tapegrad, x, u)
    theirs = _hvp(torch_or_none(), x, u)
    assert_close(mine[0], theirs[0], atol=1e-10, rtol=1e-10)
    assert_close(mine[1], theirs[1], atol=1e-10, rtol=1e-8)


def test_forward_over_reverse_hvp_equals_reverse_over_reverse():
    rng = np.random.default_rng(3)
    x = tapegrad.tensor(rng.standard_normal(4), requires_grad=True)
    u = tapegrad.tensor(rng.standard_normal(4))
    _, hvp = _hvp(tapegrad, x.detach().numpy().reshape(2, 2), u.numpy().reshape(2, 2))
    x2 = tapegrad.tensor(x.detach().numpy().reshape(2, 2), requires_grad=True)
    f = (x2.sin() * x2.exp()).sum() + (x2 ** 3).mean() + x2.tanh().prod() + (x2 @ x2.t()).sigmoid().sum()
    grad, = tapegrad.autograd.grad(f, x2, create_graph=True)
    expected, = tapegrad.autograd.grad(grad, x2, grad_outputs=tapegrad.tensor(u.numpy().reshape(2, 2)))
    assert_close(hvp, expected, atol=1e-10, rtol=1e-8)
