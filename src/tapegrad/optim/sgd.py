"""SGD: stochastic gradient descent with optional momentum, dampening, Nesterov, weight decay, maximize."""
from .optimizer import Optimizer, _grad_array, _make


class SGD(Optimizer):
    """Implements stochastic gradient descent (optionally with momentum), as torch.optim.SGD."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach,
                        differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _update(self, p, group, state):
        lr, momentum, dampening = float(group["lr"]), float(group["momentum"]), float(group["dampening"])
        wd = float(group["weight_decay"])
        grad = _grad_array(p, group["maximize"])
        if wd != 0:
            grad = grad + wd * p._data
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = _make(grad.copy())
            else:
                buf._data *= momentum
                buf._data += (1 - dampening) * grad
                buf._counter.value += 1
            state["momentum_buffer"] = buf
            grad = grad + momentum * buf._data if group["nesterov"] else buf._data
        p._data -= lr * grad
