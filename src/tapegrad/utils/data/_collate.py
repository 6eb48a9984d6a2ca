"""default_collate / default_convert: turn a list of samples into a batch, as PyTorch does."""
import collections.abc
import re

from ..._backend import xp as np

_np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}")


def _tg():
    import tapegrad
    return tapegrad


def _is_tensor(obj):
    from ..._tensor import Tensor
    return isinstance(obj, Tensor)


def default_convert(data):
    """NumPy arrays and scalars -> tensors, recursively through dicts, tuples and lists; no batching."""
    tg = _tg()
    elem_type = type(data)
    if _is_tensor(data):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_"):
        if isinstance(data, np.ndarray) and _np_str_obj_array_pattern.search(data.dtype.str) is not None:
            return data
        return tg.as_tensor(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        try:
            return elem_type({key: default_convert(data[key]) for key in data})
        except TypeError:
            return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            return elem_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def default_collate(batch):
    """Stack a list of samples into a batch, as `torch.utils.data.default_collate`.

    Tensors are stacked; NumPy arrays become tensors and are stacked; Python floats become a
    float64 tensor, ints (and bools) an int64 (bool) tensor; strings stay a list; dicts, named
    tuples and sequences are collated field by field (tuples come back as lists, like PyTorch).
    """
    tg = _tg()
    elem = batch[0]
    elem_type = type(elem)
    if _is_tensor(elem):
        return tg.stack(list(batch), 0)
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_"):
        if isinstance(elem, np.ndarray):
            if _np_str_obj_array_pattern.search(elem.dtype.str) is not None:
                raise TypeError(default_collate_err_msg_format.format(elem.dtype))
            return default_collate([tg.as_tensor(np.asarray(b)) for b in batch])
        if elem.shape == ():
            return tg.as_tensor(np.asarray(batch))
    if isinstance(elem, bool):
        return tg.tensor(list(batch))
    if isinstance(elem, float):
        return tg.tensor(list(batch), dtype=tg.float64)
    if isinstance(elem, int):
        return tg.tensor(list(batch))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        try:
            return elem_type({key: default_collate([d[key] for d in batch]) for key in elem})
        except TypeError:
            return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return elem_type(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        elem_size = len(next(it))
        if not all(len(e) == elem_size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [default_collate(samples) for samples in transposed]
        try:
            return elem_type([default_collate(samples) for samples in transposed])
        except TypeError:
            return [default_collate(samples) for samples in transposed]
    raise TypeError(default_collate_err_msg_format.format(elem_type))
