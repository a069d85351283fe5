
from . import completion  # noqa: F401
from . import decomposition, heads  # noqa: F401
from . import fusion, recognizers  # noqa: F401
