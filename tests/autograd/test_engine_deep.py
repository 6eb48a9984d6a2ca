"""The engine is iterative: a graph far deeper than Python's recursion limit backpropagates."""
import math
import sys

import tapegrad


def test_million_op_chain_backpropagates():
    # Slow on purpose (a few seconds): 10**6 recorded multiplications, then one backward through
    # all of them. A recursive topological sort or a recursive free of the graph would fail here.
    n = 10 ** 6
    assert n > 100 * sys.getrecursionlimit()
    x = tapegrad.tensor(1.0, dtype=tapegrad.float64, requires_grad=True)
    y = x
    for _ in range(n):
        y = y * 1.0000001
    y.backward()
    expected = 1.0000001 ** n  # d/dx (x * c^n) = c^n
    assert math.isclose(x.grad.item(), expected, rel_tol=1e-9)
    del y  # freeing the chain must not recurse either


def test_deep_chain_with_create_graph():
    # second order through a 20,000-deep chain: y = x * c^n, so dy/dx = c^n and d2y/dx2 = 0,
    # but y = x^2 * ... gives a non-trivial second derivative
    n = 20_000
    x = tapegrad.tensor(1.5, dtype=tapegrad.float64, requires_grad=True)
    y = x * x
    for _ in range(n):
        y = y * 1.00001
    (g,) = tapegrad.autograd.grad(y, x, create_graph=True)
    (h,) = tapegrad.autograd.grad(g, x)
    c = 1.00001 ** n
    assert math.isclose(g.item(), 2 * 1.5 * c, rel_tol=1e-9)
    assert math.isclose(h.item(), 2 * c, rel_tol=1e-9)
