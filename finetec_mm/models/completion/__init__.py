from . import masking  # noqa: F401
from .completion_model import ICLCompletionModel  # noqa: F401
from .icl_net import ICLCompletionNet  # noqa: F401
from .linear_fallback import (LinearFallbackCompletionModel,  # noqa: F401
                              LinearFallbackGate)
