from . import completion, decomposition, fusion, heads, recognizers  # noqa: F401
