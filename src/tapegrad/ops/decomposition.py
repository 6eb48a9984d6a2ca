"""(being written) ops of topic 'decomposition'; see ops/elementwise.py for the form of a block."""
from .. import _backend as B
from ._registry import defop  # noqa: F401

xp = B.xp

PUBLIC = ()      # names added to `tapegrad` (see the note on these tables in elementwise.py)
METHODS = ()     # names bound as Tensor methods
INPLACE = ()     # names with an in-place Tensor method `name_`
FUNCTIONAL = ()  # names added to `tapegrad.nn.functional`
LINALG = ()      # names of `tapegrad.linalg` (src/tapegrad/linalg.py reads this table)
