"""Make `import checks` work from every test folder, and find ./src when tapegrad isn't installed."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
try:
    import tapegrad  # noqa: F401
except ImportError:
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))


import pytest  # noqa: E402


@pytest.fixture(params=["tapegrad", "torch"], ids=["tapegrad", "torch"])
def lib(request):
    """The library under test: tapegrad, then real PyTorch (skipped when it is not installed)."""
    if request.param == "torch":
        from checks import torch_or_none
        torch = torch_or_none()
        if torch is None:
            pytest.skip("torch not installed")
        return torch
    import tapegrad
    return tapegrad
