"""Adagrad: per-coordinate learning rates from the running sum of squared gradients."""
from .._backend import xp
from .._tensor import _make
from .optimizer import Optimizer, _grad_array, _step_tensor


class Adagrad(Optimizer):
    """Implements the Adagrad algorithm, as torch.optim.Adagrad (single-tensor implementation)."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = _step_tensor()
                init = float(group["initial_accumulator_value"])
                state["sum"] = _make(xp.full_like(p._data, init))

    def _update(self, p, group, state):
        lr, lr_decay = float(group["lr"]), float(group["lr_decay"])
        wd, eps = float(group["weight_decay"]), float(group["eps"])
        step_t = state["step"]
        step_t._data += 1
        step = float(step_t._data)
        grad = _grad_array(p, group["maximize"])
        param = p._data
        if wd != 0:
            grad = grad + wd * param
        clr = lr / (1 + (step - 1) * lr_decay)
        state_sum = state["sum"]._data
        state_sum += grad * grad
        std = xp.sqrt(state_sum) + eps
        param -= clr * (grad / std)
        for value in state.values():
            value._counter.value += 1
