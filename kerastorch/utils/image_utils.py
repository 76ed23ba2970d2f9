"""Image resizing shared by the image layers and `image_dataset_from_directory`.

Every function here takes channels-first batches `(batch, channels, height,
width)`; callers permute channels-last inputs to that layout as a view.
torchvision is imported on first use, never when this module loads.
"""

from __future__ import annotations

import difflib

import torch
import torch.nn.functional as F

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area")


def torchvision_functional(caller: str):
    """`torchvision.transforms.v2.functional`, or an ImportError naming the fix."""
    try:
        from torchvision.transforms.v2 import functional
    except ImportError as e:
        raise ImportError(
            f"{caller} needs torchvision, which is not installed. Install it "
            "with `pip install kerastorch[vision]`."
        ) from e
    return functional


def check_interpolation(interpolation, allowed=RESIZE_INTERPOLATIONS) -> str:
    """`interpolation` lower-cased, or a ValueError listing the supported ones."""
    value = (
        str(interpolation).lower() if isinstance(interpolation, str) else interpolation
    )
    if value in allowed:
        return value
    if value in ("lanczos3", "lanczos5", "gaussian", "mitchellcubic"):
        raise ValueError(
            f"Interpolation '{value}' is not supported by kerastorch (torch has "
            f"no such kernel for tensors). Use one of {list(allowed)}. "
            f"Received: interpolation={interpolation!r}"
        )
    close = difflib.get_close_matches(str(value), allowed)
    hint = f" Did you mean: '{close[0]}'?" if close else ""
    raise ValueError(
        f"Invalid value for argument `interpolation`: expected one of "
        f"{list(allowed)}. Received: interpolation={interpolation!r}.{hint}"
    )


def crop_box(height: int, width: int, target_height: int, target_width: int):
    """`(top, left, crop_height, crop_width)` of the largest centred window with the
    target aspect ratio (Keras's `smart_resize` box)."""
    crop_height = int(float(width * target_height) / target_width)
    crop_height = max(min(height, crop_height), 1)
    crop_width = int(float(height * target_width) / target_height)
    crop_width = max(min(width, crop_width), 1)
    top = int(float(height - crop_height) / 2)
    left = int(float(width - crop_width) / 2)
    return top, left, crop_height, crop_width


def pad_to_aspect(
    images: torch.Tensor, target_height: int, target_width: int, fill_value: float
) -> torch.Tensor:
    """Pad the short side evenly (both edges) until the target aspect ratio is reached."""
    height, width = images.shape[-2], images.shape[-1]
    pad_height = max(height, int(float(width * target_height) / target_width))
    pad_width = max(width, int(float(height * target_width) / target_height))
    top = int(float(pad_height - height) / 2)
    left = int(float(pad_width - width) / 2)
    if top == 0 and left == 0:
        return images
    return F.pad(images, (left, left, top, top), mode="constant", value=fill_value)


def resize_images(
    images: torch.Tensor,
    size: tuple[int, int],
    interpolation: str = "bilinear",
    antialias: bool = False,
    crop_to_aspect_ratio: bool = False,
    pad_to_aspect_ratio: bool = False,
    fill_value: float = 0.0,
) -> torch.Tensor:
    """Resize `(batch, channels, height, width)` images to `size`, as `keras.ops.image.resize`.

    Bilinear and bicubic use half-pixel centres (`align_corners=False`) and
    "nearest" is torch's "nearest-exact", which is what TensorFlow computes.
    Integer images come back rounded, in their own dtype.
    """
    target_height, target_width = size
    if crop_to_aspect_ratio:
        top, left, crop_h, crop_w = crop_box(
            images.shape[-2], images.shape[-1], target_height, target_width
        )
        images = images[..., top : top + crop_h, left : left + crop_w]  # a view
    elif pad_to_aspect_ratio:
        images = pad_to_aspect(images, target_height, target_width, fill_value)
    if tuple(images.shape[-2:]) == (target_height, target_width):
        return images
    if interpolation == "area":
        out = F.interpolate(
            images.float(), size=(target_height, target_width), mode="area"
        )
        if not images.is_floating_point():
            out = out.round_()
        return out.to(images.dtype)
    tvf = torchvision_functional("Resizing images")
    modes = {
        "bilinear": tvf.InterpolationMode.BILINEAR,
        "nearest": tvf.InterpolationMode.NEAREST_EXACT,
        "bicubic": tvf.InterpolationMode.BICUBIC,
    }
    return tvf.resize(
        images,
        size=[target_height, target_width],
        interpolation=modes[interpolation],
        antialias=antialias and interpolation in ("bilinear", "bicubic"),
    )


def resize_with_pad(
    images: torch.Tensor, size: tuple[int, int], interpolation: str = "bilinear"
) -> torch.Tensor:
    """Scale to fit inside `size` keeping the aspect ratio, then zero-pad to `size`
    (centred), as `tf.image.resize_with_pad`."""
    height, width = images.shape[-2], images.shape[-1]
    target_height, target_width = size
    ratio = max(width / target_width, height / target_height)
    new_height = max(int(height / ratio), 1)
    new_width = max(int(width / ratio), 1)
    resized = resize_images(images, (new_height, new_width), interpolation)
    top = (target_height - new_height) // 2
    left = (target_width - new_width) // 2
    return F.pad(
        resized,
        (left, target_width - new_width - left, top, target_height - new_height - top),
    )
