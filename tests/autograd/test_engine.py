"""The engine (autograd/engine.py) and AccumulateGrad: ordering, single runs, ownership of .grad."""
import numpy as np

import tapegrad
from tapegrad.autograd import graph


def test_each_node_runs_once_with_the_summed_gradient():
    runs = []
    x = tapegrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.grad_fn.register_prehook(lambda grads: runs.append(grads[0].tolist()))
    z = y * y + y          # y feeds three consumers
    z.sum().backward()
    assert runs == [[7.0, 13.0]]    # 2y + 1 at y = [3, 6], arriving once
    assert x.grad.tolist() == [21.0, 39.0]


def test_gradients_do_not_alias_each_other_or_the_users_tensor():
    # add passes g on unchanged to both inputs: each .grad must still be its own memory
    a = tapegrad.ones(3, requires_grad=True)
    b = tapegrad.ones(3, requires_grad=True)
    v = tapegrad.tensor([1.0, 2.0, 3.0])
    (a + b).backward(v)
    a.grad.add_(100)
    assert b.grad.tolist() == [1.0, 2.0, 3.0]
    assert v.tolist() == [1.0, 2.0, 3.0]


def test_leaf_backward_with_gradient_does_not_alias_it():
    x = tapegrad.zeros(2, requires_grad=True)
    v = tapegrad.tensor([1.0, 2.0])
    x.backward(v)
    x.grad.zero_()
    assert v.tolist() == [1.0, 2.0]


def test_fresh_gradient_is_taken_without_a_copy_and_then_accumulated_in_place():
    w = tapegrad.ones(4, 3, requires_grad=True)
    x = tapegrad.ones(2, 4)
    (x @ w).sum().backward()
    first = w.grad
    assert first._data.base is None and first._data.flags.writeable
    (x @ w).sum().backward()
    assert w.grad is first and np.all(first.numpy() == 4.0)  # accumulated into the same tensor


def test_broadcast_gradient_is_copied_into_a_writable_grad():
    x = tapegrad.ones(3, requires_grad=True)
    x.sum().backward()        # the rule returns a read-only broadcast view
    x.grad.zero_()            # must not raise
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_accumulate_grad_nodes_run_first_when_ready():
    # PyTorch gives AccumulateGrad the top priority; tapegrad's engine orders by seq
    assert graph.AccumulateGrad(tapegrad.ones(1)).seq > graph.Node().seq
