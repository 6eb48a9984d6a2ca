"""Loss modules (the rest arrive with the full nn issue)."""
from .. import functional as F
from .module import Module


class MSELoss(Module):
    """Mean squared error: mean((input - target)^2) (reduction 'mean', 'sum' or 'none')."""

    def __init__(self, reduction="mean"):
        super().__init__()
        self.reduction = reduction

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class _Loss(Module):
    """A loss module: calls its `nn.functional` loss with the options it was built with."""

    _function = None
    _options = {}

    def __init__(self, *args, **kwargs):
        super().__init__()
        values = dict(zip(self._options, args))
        values.update(kwargs)
        for name, default in self._options.items():
            value = values.get(name, default)
            if name in ("weight", "pos_weight"):
                self.register_buffer(name, value)
            else:
                setattr(self, name, value)

    def forward(self, input, target):
        return getattr(F, self._function)(input, target, **{name: getattr(self, name) for name in self._options})


def _loss(name, function, options, doc):
    return type(name, (_Loss,), {"_function": function, "_options": dict(options), "__doc__": doc})


L1Loss = _loss("L1Loss", "l1_loss", {"reduction": "mean"}, "Mean absolute error.")
SmoothL1Loss = _loss("SmoothL1Loss", "smooth_l1_loss", {"reduction": "mean", "beta": 1.0}, "Smooth L1 loss.")
HuberLoss = _loss("HuberLoss", "huber_loss", {"reduction": "mean", "delta": 1.0}, "Huber loss.")
CrossEntropyLoss = _loss("CrossEntropyLoss", "cross_entropy",
                         {"weight": None, "ignore_index": -100, "reduction": "mean", "label_smoothing": 0.0},
                         "Cross-entropy of logits against class indices or probabilities.")
NLLLoss = _loss("NLLLoss", "nll_loss", {"weight": None, "ignore_index": -100, "reduction": "mean"},
                "Negative log-likelihood of log-probabilities.")
BCELoss = _loss("BCELoss", "binary_cross_entropy", {"weight": None, "reduction": "mean"},
                "Binary cross-entropy of probabilities.")
BCEWithLogitsLoss = _loss("BCEWithLogitsLoss", "binary_cross_entropy_with_logits",
                          {"weight": None, "reduction": "mean", "pos_weight": None},
                          "Binary cross-entropy of logits, computed stably.")
KLDivLoss = _loss("KLDivLoss", "kl_div", {"reduction": "mean", "log_target": False},
                  "Kullback-Leibler divergence of log-probabilities.")
