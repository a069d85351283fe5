from . import masking  # noqa: F401
from .completion_model import ICLCompletionModel  # noqa: F401
from .icl_net import ICLCompletionNet  # noqa: F401
from .prompt_selection import nearest_clips  # noqa: F401
