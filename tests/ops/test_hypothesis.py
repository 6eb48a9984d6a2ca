"""Random expression graphs built from the ops, compared with PyTorch (values and gradients).

Hypothesis draws a small program: a sequence of steps, each applying a unary or binary op to
earlier values (so values are reused and the graph has shared subexpressions, broadcasting and
reductions). The same program runs on tapegrad and on real PyTorch; outputs and the gradients of
their sum with respect to every input must agree. MyGrad's idea, on tapegrad's registry of ops.
"""
import numpy as np
import pytest

from checks import assert_close, torch_or_none

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st  # noqa: E402

import tapegrad  # noqa: E402

TORCH = torch_or_none()
pytestmark = pytest.mark.skipif(TORCH is None, reason="torch not installed (the oracle)")

# Ops kept inside their domains, so any composition is finite and differentiable.
UNARY = {
    "exp_tanh": lambda L, a: L.exp(L.tanh(a)),
    "log": lambda L, a: L.log(a.abs() + 0.5),
    "sqrt": lambda L, a: L.sqrt(a * a + 0.25),
    "sin": lambda L, a: L.sin(a),
    "cos": lambda L, a: a.cos(),
    "sigmoid": lambda L, a: a.sigmoid(),
    "neg": lambda L, a: -a,
    "square": lambda L, a: a ** 2,
    "cube": lambda L, a: L.pow(a, 3) * 0.1,
    "reciprocal": lambda L, a: 1.0 / (a * a + 1.0),
    "relu_shift": lambda L, a: L.relu(a + 0.3),
    "sum_keep": lambda L, a: a.sum(-1, keepdim=True),
    "mean_keep": lambda L, a: a.mean(0, keepdim=True),
    "transpose_back": lambda L, a: a.t().t() if a.dim() == 2 else a,
    "scale": lambda L, a: a * 0.7 + 0.1,
    "clone": lambda L, a: a.clone(),
    # the wider op surface
    "log1p_expm1": lambda L, a: L.log1p(L.expm1(L.tanh(a)) + 1.0),
    "atan_asinh": lambda L, a: L.atan(a) + L.asinh(a),
    "erf": lambda L, a: L.erf(a),
    "clamp": lambda L, a: L.clamp(a, -0.8, 0.9),
    "gelu": lambda L, a: L.nn.functional.gelu(a),
    "softplus": lambda L, a: L.nn.functional.softplus(a),
    "elu": lambda L, a: L.nn.functional.elu(a + 0.05),
    "softmax": lambda L, a: L.softmax(a, -1),
    "log_softmax": lambda L, a: L.log_softmax(a, 0),
    "logsumexp": lambda L, a: L.logsumexp(a, -1, keepdim=True),
    "amax": lambda L, a: L.amax(a * 1.0001, -1, keepdim=True),
    "prod": lambda L, a: L.prod(L.tanh(a) + 1.5, -1, keepdim=True),
    "std": lambda L, a: a.std(-1, keepdim=True) if a.shape[-1] > 1 else a,
    "norm": lambda L, a: L.linalg.vector_norm(a + 0.1, dim=-1, keepdim=True),
    "cumsum": lambda L, a: L.cumsum(a, -1),
    "flip_roll": lambda L, a: L.roll(L.flip(a, (-1,)), 1, -1),
    "cat_self": lambda L, a: L.cat([a, a * 2], -1)[..., : a.shape[-1]],
    "tril": lambda L, a: L.tril(a) if a.dim() == 2 else a,
    "gather": lambda L, a: L.gather(a, -1, L.zeros(a.shape, dtype=L.int64)),
    "layer_norm": lambda L, a: L.nn.functional.layer_norm(a, a.shape[-1:]) if a.shape[-1] > 1 else a,
}
BINARY = {
    "add": lambda L, a, b: a + b,
    "sub": lambda L, a, b: a - b,
    "mul": lambda L, a, b: a * b,
    "div": lambda L, a, b: a / (b * b + 0.5),
    "pow": lambda L, a, b: (a.abs() + 0.5) ** L.tanh(b),
    "matmul": lambda L, a, b: (a @ b.t()) @ b * 0.1 if a.dim() == 2 and a.shape == b.shape else a * b,
    "maximum": lambda L, a, b: L.maximum(a, b * 1.0001),
    "where": lambda L, a, b: L.where(a > b, a, b * 2.0),
    "hypot": lambda L, a, b: L.hypot(a, b + 0.3),
    "atan2": lambda L, a, b: L.atan2(a, b * b + 0.5),
    "lerp": lambda L, a, b: L.lerp(a, b, 0.3),
    "einsum": lambda L, a, b: L.einsum("...i,...i->...", a, b).unsqueeze(-1) if a.shape[-1] == b.shape[-1] else a + b,
}

steps = st.lists(
    st.one_of(
        st.tuples(st.just("u"), st.sampled_from(sorted(UNARY)), st.integers(0, 50)),
        st.tuples(st.just("b"), st.sampled_from(sorted(BINARY)), st.integers(0, 50), st.integers(0, 50)),
    ),
    min_size=1, max_size=8)


def _run(lib, program, arrays):
    inputs = [lib.tensor(a, requires_grad=True) for a in arrays]
    values = list(inputs)
    for step in program:
        if step[0] == "u":
            values.append(UNARY[step[1]](lib, values[step[2] % len(values)]))
        else:
            values.append(BINARY[step[1]](lib, values[step[2] % len(values)], values[step[3] % len(values)]))
    out = values[-1]
    total = sum(v.sum() for v in values[len(inputs):])  # every intermediate contributes
    grads = lib.autograd.grad(total, inputs, allow_unused=True)
    return out.detach().numpy(), [None if g is None else g.numpy() for g in grads]


@settings(max_examples=150, deadline=None, derandomize=True)  # the same programs in every CI run
@given(program=steps, seed=st.integers(0, 2 ** 16))
def test_random_programs_match_pytorch(program, seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), rng.standard_normal((4,))]
    ours, our_grads = _run(tapegrad, program, arrays)
    theirs, their_grads = _run(TORCH, program, arrays)
    assert_close(ours, theirs, atol=1e-9, rtol=1e-7)
    for mine, reference in zip(our_grads, their_grads):
        if reference is None or mine is None:
            assert mine is None or np.all(mine == 0)
            continue
        assert_close(mine, reference, atol=1e-9, rtol=1e-7)
