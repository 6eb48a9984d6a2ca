"""Grad mode: whether ops record the graph. One thread-local flag, as in PyTorch.

`no_grad`, `enable_grad`, `set_grad_enabled` and `inference_mode` are context managers and
decorators. The engine runs derivative rules with grad mode set to `create_graph`, which is how
higher-order derivatives get recorded (Chainer's and PyTorch's trick).
"""
import functools
import inspect
import threading


class _State(threading.local):
    enabled = True  # class default: every new thread starts with grad mode on, as in PyTorch
    inference = False


_state = _State()


def is_grad_enabled():
    """True when ops record the graph in this thread."""
    return _state.enabled


def is_inference_mode_enabled():
    """True inside `inference_mode()` in this thread."""
    return _state.inference


class _DecoratorContextManager:
    """A context manager that is also a decorator (each call of the function gets a fresh one).

    `@no_grad()` and bare `@no_grad` both work, as in PyTorch; a decorated generator runs each
    step of its iteration in the mode, not only its creation.
    """

    def __new__(cls, *args, **kwargs):
        if cls is not set_grad_enabled and len(args) == 1 and callable(args[0]) and not kwargs:
            return cls()(args[0])  # used bare: @no_grad
        return super().__new__(cls)

    def __call__(self, func):
        if inspect.isgeneratorfunction(func):
            @functools.wraps(func)
            def generator(*args, **kwargs):
                gen = func(*args, **kwargs)
                value = None
                while True:
                    with self._clone():
                        try:
                            item = gen.send(value)
                        except StopIteration as stop:
                            return stop.value
                    value = yield item
            return generator

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self._clone():
                return func(*args, **kwargs)
        return wrapper

    def _clone(self):
        return type(self)()


class no_grad(_DecoratorContextManager):
    """Disable recording of the graph in this block or function.

    Example:
        >>> x = tapegrad.tensor(1.0, requires_grad=True)
        >>> with tapegrad.no_grad():
        ...     y = x * 2
        >>> y.requires_grad
        False
    """

    def __enter__(self):
        self._prev = _state.enabled
        _state.enabled = False

    def __exit__(self, *exc):
        _state.enabled = self._prev


class enable_grad(_DecoratorContextManager):
    """Enable recording of the graph inside a `no_grad` block."""

    def __enter__(self):
        self._prev = _state.enabled
        _state.enabled = True

    def __exit__(self, *exc):
        _state.enabled = self._prev


class set_grad_enabled(_DecoratorContextManager):
    """Set grad mode on or off; works as a function call, a context manager and a decorator."""

    def __init__(self, mode):
        self._prev = _state.enabled
        self.mode = bool(mode)
        _state.enabled = self.mode  # PyTorch: calling it as a plain function takes effect at once

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _state.enabled = self._prev

    def _clone(self):
        prev = _state.enabled
        clone = type(self)(self.mode)
        clone._prev = prev
        return clone

    def __call__(self, func):
        _state.enabled = self._prev  # used as a decorator: undo the eager switch of __init__
        return super().__call__(func)


class inference_mode(_DecoratorContextManager):
    """Like `no_grad`, and the tensors made inside are inference tensors (`is_inference()`): as in
    PyTorch, outside the mode they cannot be saved for backward, require grad or change in place.
    `inference_mode(False)` is a no-op.

    Example:
        >>> with tapegrad.inference_mode():
        ...     y = tapegrad.ones(2, requires_grad=True) * 2
        >>> y.requires_grad
        False
    """

    def __init__(self, mode=True):
        self.mode = bool(mode) if not callable(mode) else True

    def __enter__(self):
        self._prev = (_state.enabled, _state.inference)
        if self.mode:
            _state.enabled, _state.inference = False, True

    def __exit__(self, *exc):
        _state.enabled, _state.inference = self._prev

    def _clone(self):
        return type(self)(self.mode)
