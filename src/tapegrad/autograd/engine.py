"""The backward engine: sends gradients from roots to leaves. It knows nodes, never ops.

One pass: count each reachable node's consumers (explicit stack, no recursion, so a graph a
million nodes deep works), then pop ready nodes from a heap keyed by creation order, latest first,
as PyTorch orders them. A node is ready once every consumer has sent its gradient, so it runs once,
with the sum. Its buffer is dropped and its saved tensors freed as soon as it has run.

Anomaly mode (see anomaly_mode.py) is read once per pass; its checks share the per-node test of
the rare paths with `captures`, so the plain loop pays nothing for it.
"""
import gc
import warnings
from heapq import heapify, heappop, heappush

from .. import _backend as B
from .anomaly_mode import _anomaly
from .grad_mode import _state
from .graph import AccumulateGrad


def run_backward(roots, root_grads, *, retain_graph=False, create_graph=False,
                 captures=None, accumulate=True):
    """Backpropagate `root_grads` from `roots`, a list of (node, output_nr) pairs.

    captures: optional list of (node, output_nr) whose arriving gradient is returned (for
        `autograd.grad` and `backward(inputs=...)`); only nodes that lead to them then run.
    accumulate: run `AccumulateGrad` nodes (False for `autograd.grad`, which touches no `.grad`).
    Returns the captured gradients (None where nothing arrived).
    """
    dependencies = _count_dependencies([node for node, _ in roots])
    reaches, runs = _needed_nodes(roots, captures) if captures is not None else (None, None)
    captured = [None] * len(captures) if captures is not None else None
    capture_slots = {}
    for index, (node, slot) in enumerate(captures or ()):
        capture_slots.setdefault(node, []).append((slot, index))

    buffers = {}
    for (node, slot), grad in zip(roots, root_grads):
        buffer = buffers.get(node)
        if buffer is None:
            buffer = buffers[node] = [None] * node.num_outputs
        buffer[slot] = grad if buffer[slot] is None else buffer[slot] + grad

    # seq is unique (see Node), so heap entries never compare two nodes
    ready = [(-node.seq, node) for node in buffers if dependencies.get(node, 0) == 0]
    heapify(ready)
    restricted = captures is not None
    checking = _anomaly.enabled  # anomaly mode: looked at once per pass, see anomaly_mode
    special = restricted or checking  # one test per node covers both rare paths
    previous_mode = _state.enabled
    _state.enabled = create_graph  # create_graph is grad mode during backward
    quiet = B.xp.errstate(divide="ignore", invalid="ignore", over="ignore")  # inf/nan as PyTorch: no warnings
    quiet.__enter__()
    # The pass makes no reference cycles, but its many small allocations would trigger the cyclic
    # garbage collector over the whole live graph again and again (about 15% of a small op's time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        while ready:
            node = heappop(ready)[1]
            grads = buffers.pop(node)
            if node._pre_hooks:
                grads = _call_pre_hooks(node, grads)
            if special:
                if restricted:
                    if node in capture_slots:
                        for slot, index in capture_slots[node]:
                            captured[index] = grads[slot]
                    if node not in runs or (not accumulate and type(node) is AccumulateGrad):
                        continue
                grads_in = _checked_apply(node, grads) if checking else node.apply(grads)
            else:
                grads_in = node.apply(grads)
            if node._hooks:
                grads_in = _call_hooks(node, grads_in, grads)
            if not retain_graph:
                node.release()
            for edge, grad in zip(node.next_edges, grads_in):
                if edge is None:
                    continue
                target = edge[0]
                if restricted and target not in reaches:
                    continue
                buffer = buffers.get(target)
                if buffer is None:
                    if target.num_outputs == 1:
                        buffers[target] = [grad]
                    else:
                        buffers[target] = buffer = [None] * target.num_outputs
                        buffer[edge[1]] = grad
                elif grad is not None:
                    slot = edge[1]
                    old = buffer[slot]
                    buffer[slot] = grad if old is None else old + grad
                remaining = dependencies[target] - 1
                dependencies[target] = remaining
                if remaining == 0:
                    heappush(ready, (-target.seq, target))
    finally:
        if collecting:
            gc.enable()
        quiet.__exit__(None, None, None)
        _state.enabled = previous_mode
    return captured


def _checked_apply(node, grads):
    """node.apply under anomaly mode: name the forward call of a failing node, reject NaN."""
    try:
        grads_in = node.apply(grads)
        if _anomaly.check_nan:
            for i, grad in enumerate(grads_in):
                if grad is None:
                    continue
                array = getattr(grad, "_data", grad)
                if array.dtype.kind in "fc" and B.xp.isnan(array).any():
                    raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")
    except Exception:
        trace = node.__dict__.get("_anomaly_trace")
        if trace is not None:
            warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused "
                          f"the error:\n{trace}", UserWarning, stacklevel=2)
        raise
    return grads_in


def _count_dependencies(starts):
    """node -> how many edges from reachable nodes point at it."""
    dependencies = {}
    stack = list(starts)
    seen = set(stack)
    while stack:
        node = stack.pop()
        for edge in node.next_edges:
            if edge is None:
                continue
            target = edge[0]
            dependencies[target] = dependencies.get(target, 0) + 1
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return dependencies


def _needed_nodes(roots, captures):
    """Which nodes lead to a capture (`reaches`) and which must run for that (`runs`).

    Iterative post-order, so deep graphs need no recursion. A node runs when one of its inputs
    leads to a capture; a captured AccumulateGrad runs too (the caller skips it when not accumulating).
    """
    targets = {node for node, _ in captures}
    reaches, runs, done = set(), set(), set()
    for root, _ in roots:
        if root in done:
            continue
        done.add(root)
        stack = [(root, iter(root.next_edges))]
        while stack:
            node, edges = stack[-1]
            for edge in edges:
                if edge is not None and edge[0] not in done:
                    done.add(edge[0])
                    stack.append((edge[0], iter(edge[0].next_edges)))
                    break
            else:
                stack.pop()
                if any(edge is not None and edge[0] in reaches for edge in node.next_edges) or (
                        node in targets and type(node) is AccumulateGrad):
                    runs.add(node)
                    reaches.add(node)
                elif node in targets:
                    reaches.add(node)
    return reaches, runs


def _wrap(grad):
    from .._tensor import Tensor
    return grad if grad is None or type(grad) is Tensor else Tensor._make(grad)


def _unwrap_like(result, original):
    from .._tensor import Tensor
    if result is None or type(original) is Tensor or type(result) is not Tensor:
        return result
    return result._data


def _call_pre_hooks(node, grads):
    """Run hooks registered on the tensors this node produced (see NOTE [gradient values])."""
    for hook in list(node._pre_hooks):
        wrapped = [_wrap(g) for g in grads]
        result = hook(wrapped)
        if result is not None:
            grads = [_unwrap_like(r, g) if g is not None else _unwrap_like(r, r) for r, g in zip(result, grads)]
    return grads


def _call_hooks(node, grads_in, grads_out):
    for hook in list(node._hooks):
        result = hook(tuple(_wrap(g) for g in grads_in), tuple(_wrap(g) for g in grads_out))
        if result is not None:
            grads_in = [_unwrap_like(r, g) if g is not None else _unwrap_like(r, r)
                        for r, g in zip(result, grads_in)]
    return grads_in
