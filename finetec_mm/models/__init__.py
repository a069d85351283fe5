from . import completion, fusion, heads, recognizers  # noqa: F401
