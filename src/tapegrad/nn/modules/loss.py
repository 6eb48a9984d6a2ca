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
