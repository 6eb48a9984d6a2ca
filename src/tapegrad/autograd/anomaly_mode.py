"""Anomaly mode: find the forward call whose backward failed or produced NaN.

`detect_anomaly()` (a context manager and decorator) and `set_detect_anomaly(mode)` switch it on.
While it is on, the engine checks every gradient a node returns and raises PyTorch's error
`Function 'DivBackward0' returned nan values in its 1th output.` at the first NaN (unless
`check_nan=False`); before the error of a failing node it warns with the traceback of the forward
call that made the node, when one was recorded.

Which nodes carry that traceback: those made through `graph.note_creation(node)` (custom
Functions, and any op path that calls it). The registry's fast op path builds nodes without
`Node.__init__`, so its nodes carry a traceback only once it calls `note_creation(node)` after
making the node; the NaN check itself works for every node.

As in PyTorch, the switch is global (not per thread), and costs nothing while it is off: the
engine looks at it once per backward call.
"""
import warnings


class _Anomaly:
    enabled = False
    check_nan = True


_anomaly = _Anomaly()

_WARNING = ("Anomaly Detection has been enabled. This mode will increase the runtime and should only "
            "be enabled for debugging.")


def is_anomaly_enabled():
    """True while anomaly detection is on.

    Example:
        >>> with tapegrad.autograd.detect_anomaly():
        ...     tapegrad.autograd.is_anomaly_enabled()
        True
    """
    return _anomaly.enabled


def is_anomaly_check_nan_enabled():
    """True while anomaly detection also checks backward outputs for NaN.

    Example:
        >>> tapegrad.autograd.anomaly_mode.is_anomaly_check_nan_enabled()
        True
    """
    return _anomaly.check_nan


class detect_anomaly:
    """Turn anomaly detection on in a block or a decorated function (warns, as PyTorch does).

    Example:
        >>> x = tapegrad.tensor([0.0], requires_grad=True)
        >>> with tapegrad.autograd.detect_anomaly():       # doctest: +SKIP
        ...     (x * 0).div(x).sum().backward()
        RuntimeError: Function 'DivBackward0' returned nan values in its 1th output.
    """

    def __init__(self, check_nan=True):
        self.prev = _anomaly.enabled
        self.check_nan = check_nan
        self.prev_check_nan = _anomaly.check_nan
        warnings.warn(_WARNING, UserWarning, stacklevel=2)

    def __enter__(self):
        self.prev, self.prev_check_nan = _anomaly.enabled, _anomaly.check_nan
        _anomaly.enabled, _anomaly.check_nan = True, self.check_nan

    def __exit__(self, *exc):
        _anomaly.enabled, _anomaly.check_nan = self.prev, self.prev_check_nan

    def __call__(self, func):
        import functools

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return wrapper


class set_detect_anomaly:
    """Switch anomaly detection on or off now; used in a `with`, it is restored at the end.

    Example:
        >>> tapegrad.autograd.set_detect_anomaly(True)   # doctest: +ELLIPSIS
        <...set_detect_anomaly object at ...>
        >>> tapegrad.autograd.is_anomaly_enabled()
        True
        >>> _ = tapegrad.autograd.set_detect_anomaly(False)
    """

    def __init__(self, mode, check_nan=True):
        self.prev, self.prev_check_nan = _anomaly.enabled, _anomaly.check_nan
        _anomaly.enabled, _anomaly.check_nan = bool(mode), bool(check_nan)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _anomaly.enabled, _anomaly.check_nan = self.prev, self.prev_check_nan
