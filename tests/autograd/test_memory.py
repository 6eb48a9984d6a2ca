"""Memory: what the graph keeps alive, and when it lets go (autograd/engine.py, graph.py).

The engine frees what each node saved as soon as the node has run (unless retain_graph=True), and
the graph has no reference cycles, so dropping its output frees it at once, without the garbage
collector. NumPy reports its buffers to `tracemalloc`, which measures both.
"""
import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import tapegrad

N = 10_000          # float32 elements: 40 kB per array
OPS = 2_000         # recorded ops: about 1,000 saved arrays, 40 MB
ARRAY = N * 4
MB = 1 << 20


def build(n_ops=OPS, seed=0):
    """A chain whose nodes save arrays: sin saves its input, exp and tanh save their output."""
    rng = np.random.default_rng(seed)
    x = tapegrad.tensor(rng.standard_normal(N).astype(np.float32), requires_grad=True)
    y = x
    for i in range(n_ops):
        if i % 4 == 0:
            y = y.sin()
        elif i % 4 == 1:
            y = (y * 0.5).tanh()
        elif i % 4 == 2:
            y = (y * 0.01).exp()
        else:
            y = y - 1.0
    return x, y.sum()


@pytest.fixture
def traced():
    gc.collect()
    tracemalloc.start()
    try:
        yield
    finally:
        tracemalloc.stop()


@pytest.fixture
def no_gc():
    """Automatic collection off: anything freed must be freed by reference counting alone."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def current():
    return tracemalloc.get_traced_memory()[0]


def test_forward_keeps_the_saved_arrays(traced):
    start = current()
    x, out = build()
    held = current() - start
    assert held > 500 * ARRAY, f"the forward pass holds only {held / MB:.1f} MB"


def test_backward_releases_saved_arrays(traced):
    start = current()
    x, out = build()
    forward = current() - start
    out.backward()
    after = current() - start
    assert x.grad is not None and x.grad.shape == (N,)
    # Left: x, x.grad, out and the (now empty) nodes of the graph, which `out` still references.
    assert after < 0.1 * forward, f"after backward {after / MB:.1f} MB of {forward / MB:.1f} MB are still held"
    assert out.grad_fn is not None


def test_backward_frees_as_it_goes(traced):
    x, out = build()
    before = current()
    tracemalloc.reset_peak()
    out.backward()
    peak = tracemalloc.get_traced_memory()[1] - before
    # A few gradient buffers at a time, never a second copy of the graph's saved arrays.
    assert peak < 50 * ARRAY, f"backward needed {peak / MB:.1f} MB on top of the graph"


def test_retain_graph_keeps_saved_arrays(traced):
    start = current()
    x, out = build()
    forward = current() - start
    out.backward(retain_graph=True)
    after = current() - start
    assert after > 0.8 * forward, f"retain_graph=True kept only {after / MB:.1f} of {forward / MB:.1f} MB"
    out.backward()  # the retained graph works, then lets go
    assert current() - start < 0.1 * forward


def test_autograd_grad_releases_saved_arrays(traced):
    start = current()
    x, out = build()
    forward = current() - start
    (g,) = tapegrad.autograd.grad(out, x)
    assert current() - start < 0.1 * forward
    assert g.shape == (N,) and x.grad is None


def test_dropped_graph_is_freed_without_gc(traced, no_gc):
    start = current()
    x, out = build()
    forward = current() - start
    node = weakref.ref(out.grad_fn)
    deep = out.grad_fn
    for _ in range(OPS // 2):
        deep = deep.next_functions[0][0]
    deep_ref = weakref.ref(deep)
    del deep
    del out
    assert node() is None and deep_ref() is None, "the graph is kept alive by a reference cycle"
    assert current() - start < 0.05 * forward
    del x


def test_dropped_intermediate_tensor_is_freed_without_gc(no_gc):
    x = tapegrad.tensor(np.ones(100, dtype=np.float32), requires_grad=True)
    h = x.exp()          # exp saves its output: that must not make a cycle tensor <-> node
    ref_h, ref_node = weakref.ref(h), weakref.ref(h.grad_fn)
    y = (h * 2).tanh()
    del h
    assert ref_h() is None  # the node saved the array, not the Tensor
    assert ref_node() is not None
    del y
    assert ref_node() is None


def _tapegrad_garbage(scenario):
    """Objects of tapegrad (and arrays) that only the cycle collector would free after `scenario`."""
    gc.collect()
    gc.disable()
    try:
        scenario()
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        found = [o for o in gc.garbage
                 if type(o).__module__.startswith("tapegrad") or isinstance(o, np.ndarray)]
        kinds = sorted({type(o).__qualname__ for o in found})
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    return kinds


def _forward_backward():
    x, out = build(200)
    out.backward()


def _forward_only():
    build(200)


def _higher_order():
    x = tapegrad.tensor(np.linspace(0, 1, 50), requires_grad=True)
    y = (x.sin() * x.exp()).sum()
    (g,) = tapegrad.autograd.grad(y, x, create_graph=True)
    (h,) = tapegrad.autograd.grad(g.sum(), x)


def _hooks_and_retain_grad():
    x = tapegrad.tensor(np.ones(10), requires_grad=True)
    h = x * 2
    h.retain_grad()
    h.register_hook(lambda g: g * 2)
    x.register_hook(lambda g: g + 1)
    (h * h).sum().backward()


def _in_place_and_setitem():
    x = tapegrad.tensor(np.ones(10), requires_grad=True)
    y = x * 2
    y.mul_(3)
    y[2:5] = x[:3] ** 2
    v = y[1:]
    v.add_(1)
    y.sum().backward()


def _inputs_and_retain():
    x = tapegrad.tensor(np.ones(10), requires_grad=True)
    h = x.tanh()
    z = (h * h).sum()
    z.backward(inputs=[h], retain_graph=True)
    z.backward()


@pytest.mark.parametrize("scenario", [_forward_backward, _forward_only, _higher_order, _hooks_and_retain_grad,
                                      _in_place_and_setitem, _inputs_and_retain],
                         ids=lambda f: f.__name__.strip("_"))
def test_no_reference_cycles(scenario):
    assert _tapegrad_garbage(scenario) == []
