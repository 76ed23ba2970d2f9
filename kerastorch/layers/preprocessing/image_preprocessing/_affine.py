"""Per-sample affine warps (rotation, zoom, translation) with Keras's fill modes.

A transform maps each output pixel `(x, y)` (column, row; pixel centres at
integer coordinates) to the input location it samples:
`x_in = a*x + b*y + c`, `y_in = d*x + e*y + f`, one `(2, 3)` matrix per image,
as `keras.ops.image.affine_transform`. Sampling is one `grid_sample` call for
the whole batch; the fill modes map onto it exactly:

- "reflect" `(d c b a | a b c d | d c b a)`: grid_sample's "reflection";
- "nearest" `(a a a | a b c d | d d d)`: "border";
- "constant" `(k k k | a b c d | k k k)`: "zeros" on `images - k`, plus `k`
  (outside pixels weigh in with value `k`, as in Keras's map_coordinates);
- "wrap" `(a b c d | a b c d | a b c d)`: coordinates taken modulo the size
  on the image padded by one pixel circularly (so bilinear blends across the
  seam).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")
_PADDING = {
    "reflect": "reflection",
    "nearest": "border",
    "constant": "zeros",
    "wrap": "border",
}


def affine_transform(
    images: torch.Tensor,
    matrices: torch.Tensor,
    interpolation: str = "bilinear",
    fill_mode: str = "reflect",
    fill_value: float = 0.0,
) -> torch.Tensor:
    """Warp `(batch, channels, height, width)` float images by `(batch, 2, 3)` matrices."""
    _, _, height, width = images.shape
    m = matrices.to(images.dtype)
    xs = torch.arange(width, device=images.device, dtype=images.dtype)  # (W,)
    ys = torch.arange(height, device=images.device, dtype=images.dtype)[
        :, None
    ]  # (H, 1)

    def coeff(i, j):
        return m[:, i, j, None, None]  # (batch, 1, 1)

    src_x = coeff(0, 0) * xs + coeff(0, 1) * ys + coeff(0, 2)  # (batch, H, W)
    src_y = coeff(1, 0) * xs + coeff(1, 1) * ys + coeff(1, 2)  # (batch, H, W)
    if fill_mode == "wrap":
        images = F.pad(images, (1, 1, 1, 1), mode="circular")
        src_x = torch.remainder(src_x, width) + 1
        src_y = torch.remainder(src_y, height) + 1
        height, width = height + 2, width + 2
    elif fill_mode == "constant" and fill_value != 0:
        images = images - fill_value
    # Pixel coordinates → grid_sample's [-1, 1] (align_corners=False: pixel edges).
    grid = torch.stack(
        [(2 * src_x + 1) / width - 1, (2 * src_y + 1) / height - 1], dim=-1
    )  # (batch, H, W, 2)
    out = F.grid_sample(
        images,
        grid,
        mode=interpolation,
        padding_mode=_PADDING[fill_mode],
        align_corners=False,
    )
    if fill_mode == "constant" and fill_value != 0:
        out = out + fill_value
    return out


def rotation_matrices(angles: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """`(batch, 2, 3)` rotations by `angles` (radians, counter-clockwise) about the centre."""
    cos, sin = torch.cos(angles), torch.sin(angles)
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    # x_in = cos*(x - cx) - sin*(y - cy) + cx ; y_in = sin*(x - cx) + cos*(y - cy) + cy
    row_x = torch.stack([cos, -sin, cx - cos * cx + sin * cy], dim=-1)
    row_y = torch.stack([sin, cos, cy - sin * cx - cos * cy], dim=-1)
    return torch.stack([row_x, row_y], dim=1)


def zoom_matrices(zoom_y: torch.Tensor, zoom_x: torch.Tensor, height: int, width: int):
    """`(batch, 2, 3)` zooms about the centre: a factor above 1 samples a larger
    region of the input (zoom out)."""
    zeros = torch.zeros_like(zoom_x)
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    row_x = torch.stack([zoom_x, zeros, cx * (1.0 - zoom_x)], dim=-1)
    row_y = torch.stack([zeros, zoom_y, cy * (1.0 - zoom_y)], dim=-1)
    return torch.stack([row_x, row_y], dim=1)


def translation_matrices(dy: torch.Tensor, dx: torch.Tensor) -> torch.Tensor:
    """`(batch, 2, 3)` shifts of the image content by `(dy, dx)` pixels (down, right)."""
    ones, zeros = torch.ones_like(dx), torch.zeros_like(dx)
    row_x = torch.stack([ones, zeros, -dx], dim=-1)
    row_y = torch.stack([zeros, ones, -dy], dim=-1)
    return torch.stack([row_x, row_y], dim=1)


TWO_PI = 2.0 * math.pi
