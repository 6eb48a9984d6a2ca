"""Devices and shapes: `torch.device` (only the CPU exists until a GPU backend is added) and `torch.Size`."""

class Size(tuple):
    """A tensor's shape: a tuple that prints as `torch.Size([2, 3])`."""

    def __repr__(self):
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def numel(self):
        n = 1
        for d in self:
            n *= d
        return n


class device:
    """Where a tensor lives. Only 'cpu' exists until a GPU backend is added."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        name, _, number = str(type).partition(":")
        self.type = name
        self.index = int(number) if number else index

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else \
            f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):  # as PyTorch: a device never equals a string
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))


CPU = device("cpu")


def _check_device(dev):
    name = str(dev.type if isinstance(dev, device) else dev)
    if not name.startswith("cpu"):
        raise AssertionError("Torch not compiled with CUDA enabled" if name.startswith("cuda")
                             else f"tapegrad runs on the CPU only; got device {name!r}")
