"""Every op's JVP rule agrees with its VJP rule: <v, J u> computed both ways, on real calls.

Each recorded call made while evaluating EXPRESSIONS (and the JVP_EXPRESSIONS dict of the other op
test modules, same form: `name: lambda x, y: (...)`, x and y of shape (3, 4), y in (0.5, 1.5)) is
checked: the JVP (registry's `apply_jvp`) of a random tangent u, paired with a random cotangent v,
must equal <J^T v, u> from the node's VJP.
Forward-mode AD will run these same JVP rules, so they are tested before anything depends on them.
"""
import numpy as np
import pytest

import tapegrad
from tapegrad.ops import _registry as R

F = tapegrad.nn.functional
EXPRESSIONS = {
    "arith": lambda x, y: (x + y, x - y, 2 - x, x * y, x / y, -x, x * 3.0, x + 1.5, y.add(x, alpha=2.0)),
    "pow": lambda x, y: (x ** 2, x.abs() ** 0.5, x.abs() ** y, 2.0 ** x, x ** 3, x.reciprocal(), x.square()),
    "unary": lambda x, y: (x.exp(), x.abs().log(), x.abs().sqrt(), x.abs(), x.sign(), x.sin(), x.cos(),
                           x.tanh(), x.sigmoid(), x.relu(), x.clone(), x % 1.5),
    "reduce": lambda x, y: (x.sum(), x.sum(0), x.sum((0, 1), keepdim=True), x.mean(), x.mean(1),
                            x.mean(-1, keepdim=True)),
    "shape": lambda x, y: (x.reshape(4, 3), x.view(12), x.t().reshape(12), x.flatten(), x.transpose(0, 1), x.t(),
                           x.permute(1, 0), x.T, x.unsqueeze(0), x.unsqueeze(0).squeeze(), x.unsqueeze(1).squeeze(1),
                           x[0:1].expand(5, 4), x.to(tapegrad.float32).double()),
    "linalg": lambda x, y: (x[0].dot(y[1]), x.mv(y[0]), x.mm(y.t()), x.t() @ y, x[0] @ y.reshape(1, 4, 3),
                            x.reshape(1, 3, 4) @ y[0], x[0] @ y.t(), x.reshape(2, 3, 2) @ y.reshape(2, 2, 3),
                            x.reshape(3, 2, 2).bmm(y.reshape(3, 2, 2)), tapegrad.addmm(y[:, 0], x, y.t())),
    "index": lambda x, y: (x[1], x[0, 2], x[1:3], x[None], x[...], x[[0, 0, 2]], x[x > 0], x[:, [1, 3]]),
    "setitem": lambda x, y: _setitem(x, y),
    "in_rules": lambda x, y: _second_order(x, y),
    "inplace": lambda x, y: _inplace(x, y),
    "nn": lambda x, y: (F.binary_cross_entropy_with_logits(x, y.sigmoid()),
                        F.binary_cross_entropy_with_logits(x, y.sigmoid(), pos_weight=tapegrad.full((4,), 2.0))),
}


def _setitem(x, y):
    z = x * 1.0
    z[0] = y[1] * 2
    z[[1, 2], [0, 3]] = y[0, :2]
    return (z,)


def _second_order(x, y):
    # ops that only derivative rules call: recorded when a gradient is taken with create_graph
    grad = tapegrad.autograd.grad
    z = x * 1.0
    z[0] = y[1] * 2
    target = y.sigmoid()
    # the incoming gradient must require grad for the rule's own ops to be recorded
    return (grad(x[[0, 0, 2]], x, grad_outputs=y[:3] * 1.0, create_graph=True)[0],   # region_scatter
            grad(z, x, grad_outputs=y * 1.0, create_graph=True)[0],                   # region_zero
            grad((x + y[0]).sum(), y, create_graph=True)[0],              # sum_to_size
            grad(F.binary_cross_entropy_with_logits(x, target, pos_weight=tapegrad.full((4,), 2.0)), target,
                 create_graph=True)[0])                                   # the softplus of the target rule


def _inplace(x, y):
    z = x * 1.0
    z.mul_(y).add_(1.0)
    w = x * 1.0
    w[1:].exp_()
    return (z, w, (x * 1.0).fill_(2.0), (x * 1.0).zero_(), (x * 1.0).copy_(y[0]))


@pytest.fixture
def recorded_calls(monkeypatch):
    calls = []
    original = R._record

    def record(op, node_class, inputs, arrays, out, extras, kwargs):
        result = original(op, node_class, inputs, arrays, out, extras, kwargs)
        # copies: a later in-place op may overwrite these arrays (the node keeps its own snapshot)
        copies = [a.copy() if isinstance(a, np.ndarray) else a for a in arrays]
        calls.append((op, result.grad_fn, copies, out.copy(), extras, dict(kwargs)))
        return result

    monkeypatch.setattr(R, "_record", record)
    return calls


def _check_call(op, node, arrays, out, extras, kwargs, rng):
    floats = [isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in arrays]
    tangents = [rng.standard_normal(a.shape) if f and node.next_edges[i] is not None else None
                for i, (a, f) in enumerate(zip(arrays, floats))]
    if all(t is None for t in tangents) or out.dtype.kind != "f":
        return False
    v = rng.standard_normal(out.shape)
    jvp = R.apply_jvp(op, arrays, tangents, out, extras, kwargs)
    with tapegrad.no_grad():
        vjps = node.apply([v])
    lhs = float(np.sum(v * jvp))
    rhs = sum(float(np.sum(g * t)) for g, t in zip(vjps, tangents) if t is not None and g is not None)
    tol = 1e-8 if all(a.dtype == np.float64 for a in arrays + [out] if isinstance(a, np.ndarray)) else 1e-5
    assert np.isclose(lhs, rhs, rtol=tol, atol=tol), f"{op.name}: <v, J u> = {lhs} by JVP, {rhs} by VJP"
    return True


def _all_expressions():
    """EXPRESSIONS above, plus the `JVP_EXPRESSIONS` dict of every other tests/ops module (same form)."""
    import importlib.util
    import os
    merged = dict(EXPRESSIONS)
    here = os.path.dirname(os.path.abspath(__file__))
    for filename in sorted(os.listdir(here)):
        if filename.startswith("test_") and filename.endswith(".py") and filename != "test_jvp.py":
            if "JVP_EXPRESSIONS" not in open(os.path.join(here, filename)).read():
                continue
            spec = importlib.util.spec_from_file_location(f"_jvp_{filename[:-3]}", os.path.join(here, filename))
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            merged.update({f"{filename}:{k}": v for k, v in getattr(module, "JVP_EXPRESSIONS", {}).items()})
    return merged


def test_jvp_rules_agree_with_vjp_rules(recorded_calls):
    rng = np.random.default_rng(0)
    x = tapegrad.tensor(rng.standard_normal((3, 4)) + 0.1, requires_grad=True)
    y = tapegrad.tensor(rng.uniform(0.5, 1.5, (3, 4)), requires_grad=True)
    for build in _all_expressions().values():
        build(x, y)
    checked = set()
    for op, node, arrays, out, extras, kwargs in recorded_calls:
        if getattr(node, "op", None) is op and _check_call(op, node, arrays, out, extras, kwargs, rng):
            checked.add(op.name)
    differentiable = {name for name, op in R.REGISTRY.items() if op.name not in ("floor_divide",)}
    missing = sorted(differentiable - checked - {"copy_value"})  # copy_value: only AccumulateGrad's copy
    assert not missing, f"ops whose JVP was never checked (add an expression): {missing}"
