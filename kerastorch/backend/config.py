"""Global settings Keras code reaches for: float type, epsilon, image layout."""

from __future__ import annotations

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"

_ALLOWED_FLOATX = ("float16", "bfloat16", "float32", "float64")


def floatx() -> str:
    """Return the default float type as a string, e.g. `"float32"`."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Set the default float type: one of float16, bfloat16, float32, float64."""
    global _FLOATX
    value = str(value)
    if value not in _ALLOWED_FLOATX:
        raise ValueError(
            f"Unknown `floatx` value: {value!r}. Expected one of {_ALLOWED_FLOATX}."
        )
    _FLOATX = value


def epsilon() -> float:
    """Return the fuzz factor used in numeric expressions. Defaults to 1e-7."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    """Set the fuzz factor used in numeric expressions."""
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> str:
    """Return `"channels_last"` (the default) or `"channels_first"`."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format: str) -> None:
    """Set the default image layout: `"channels_last"` or `"channels_first"`."""
    global _IMAGE_DATA_FORMAT
    data_format = str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            "`data_format` must be 'channels_first' or 'channels_last'. "
            f"Received: data_format={data_format!r}"
        )
    _IMAGE_DATA_FORMAT = data_format


def standardize_data_format(data_format: str | None) -> str:
    """Resolve `None` to the global image layout and check the value."""
    if data_format is None:
        return image_data_format()
    data_format = str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            "`data_format` must be 'channels_first' or 'channels_last'. "
            f"Received: data_format={data_format!r}"
        )
    return data_format


def backend() -> str:
    """The name of the backend: always `"torch"`."""
    return "torch"
