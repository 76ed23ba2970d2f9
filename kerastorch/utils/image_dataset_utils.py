"""`image_dataset_from_directory`: a DataLoader of images (and labels) from folders."""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import torch
from torch.utils.data import Dataset

from kerastorch.utils import dataset_utils
from kerastorch.utils import image_utils

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_NUM_CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}
_PIL_MODES = {"rgb": "RGB", "rgba": "RGBA", "grayscale": "L"}


def _read_image(path: str, color_mode: str) -> torch.Tensor:
    """Decode one file into `(channels, height, width)` uint8 (first frame of a GIF)."""
    try:
        from torchvision.io import ImageReadMode
        from torchvision.io import decode_image
    except ImportError as e:
        raise ImportError(
            "`image_dataset_from_directory` needs torchvision, which is not "
            "installed. Install it with `pip install kerastorch[vision]`."
        ) from e
    mode = {
        "rgb": ImageReadMode.RGB,
        "rgba": ImageReadMode.RGB_ALPHA,
        "grayscale": ImageReadMode.GRAY,
    }[color_mode]
    try:
        with warnings.catch_warnings():
            # torchvision 0.29 deprecates its decoders (for TorchCodec); they work.
            warnings.filterwarnings(
                "ignore", message="The image decoding", category=DeprecationWarning
            )
            image = decode_image(path, mode=mode)
    except RuntimeError:
        # torchvision decodes JPEG/PNG/GIF/WEBP; BMP goes through Pillow
        # (a torchvision dependency).
        from PIL import Image

        with Image.open(path) as pil:
            arr = np.asarray(pil.convert(_PIL_MODES[color_mode]))
        image = torch.from_numpy(arr.copy())
        image = image.unsqueeze(0) if image.dim() == 2 else image.permute(2, 0, 1)
    if image.dim() == 4:  # animated GIF: (frames, channels, height, width)
        image = image[0]
    return image


class ImageFolderDataset(Dataset):
    """One decoded, resized float32 image (and its label) per file.

    Attributes:
        file_paths: the image files, in dataset order.
        class_names: the class names (label `i` is `class_names[i]`), or `None`.
    """

    def __init__(
        self,
        file_paths: list[str],
        labels: torch.Tensor | None,
        class_names,
        image_size: tuple[int, int],
        color_mode: str,
        interpolation: str,
        crop_to_aspect_ratio: bool,
        pad_to_aspect_ratio: bool,
        data_format: str,
    ):
        self.file_paths = file_paths
        self.labels = labels
        self.class_names = class_names
        self.image_size = image_size
        self.color_mode = color_mode
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.data_format = data_format

    def __len__(self) -> int:
        return len(self.file_paths)

    def load(self, index: int) -> torch.Tensor:
        """The image at `index`: `(height, width, channels)` float32 in [0, 255]
        (channels first with `data_format="channels_first"`)."""
        image = _read_image(self.file_paths[index], self.color_mode)
        image = image.to(torch.float32).unsqueeze(0)  # (1, channels, height, width)
        if self.pad_to_aspect_ratio:
            image = image_utils.resize_with_pad(
                image, self.image_size, self.interpolation
            )
        else:
            image = image_utils.resize_images(
                image,
                self.image_size,
                self.interpolation,
                crop_to_aspect_ratio=self.crop_to_aspect_ratio,
            )
        image = image[0]  # (channels, height, width)
        if self.data_format == "channels_last":
            image = image.permute(1, 2, 0)  # (height, width, channels)
        return image.contiguous()

    def __getitem__(self, index: int):
        image = self.load(index)
        if self.labels is None:
            return image
        return image, self.labels[index]


def _check_image_args(color_mode, image_size, interpolation):
    if color_mode not in _NUM_CHANNELS:
        raise ValueError(
            '`color_mode` must be one of {"rgb", "rgba", "grayscale"}. '
            f"Received: color_mode={color_mode!r}"
        )
    if isinstance(image_size, numbers.Integral) and not isinstance(image_size, bool):
        image_size = (image_size, image_size)
    if (
        not isinstance(image_size, (list, tuple))
        or len(image_size) != 2
        or not all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) and v > 0
            for v in image_size
        )
    ):
        raise ValueError(
            "Invalid `image_size` value. Expected a tuple of 2 positive integers. "
            f"Received: image_size={image_size!r}"
        )
    interpolation = image_utils.check_interpolation(interpolation)
    return (int(image_size[0]), int(image_size[1])), interpolation


def image_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode: str | None = "int",
    class_names: list[str] | None = None,
    color_mode: str = "rgb",
    batch_size: int | None = 32,
    image_size=(256, 256),
    shuffle: bool = True,
    seed: int | None = None,
    validation_split: float | None = None,
    subset: str | None = None,
    interpolation: str = "bilinear",
    follow_links: bool = False,
    crop_to_aspect_ratio: bool = False,
    pad_to_aspect_ratio: bool = False,
    data_format: str | None = None,
    verbose: bool = True,
):
    """Generates a dataset of images (and labels) from the image files in a folder.

    With `labels="inferred"` the folder holds one subfolder per class:

    ```
    main_directory/
    ...class_a/
    ......a_image_1.jpg
    ......a_image_2.jpg
    ...class_b/
    ......b_image_1.jpg
    ```

    Supported files: `.jpeg`, `.jpg`, `.png`, `.gif` (first frame), `.bmp`,
    decoded with `torchvision.io.decode_image` (install `kerastorch[vision]`).
    Images are resized to `image_size` and yielded as float32 values in
    `[0, 255]`.

    Args:
        directory: the data folder.
        labels: `"inferred"` (from the subfolder names), `None` (no labels),
            or a list/tuple of integer labels, one per file in the sorted
            order of the file paths. Defaults to `"inferred"`.
        label_mode: `"int"` (int32 labels, e.g. for
            `sparse_categorical_crossentropy`), `"categorical"` (float32
            one-hot vectors), `"binary"` (float32 `(batch, 1)` 0/1 labels, two
            classes only) or `None` (no labels). Defaults to `"int"`.
        class_names: with `labels="inferred"`, the subfolders to use, in
            label order. Defaults to `None` (all, sorted).
        color_mode: `"grayscale"`, `"rgb"` or `"rgba"`: 1, 3 or 4 channels.
            Defaults to `"rgb"`.
        batch_size: the batch size; `None` yields single samples. Defaults
            to 32.
        image_size: `(height, width)` to resize images to. Defaults to
            `(256, 256)`.
        shuffle: whether to shuffle the files (once, by `seed`) and the
            batches (each epoch). Defaults to `True`.
        seed: the shuffling seed. Defaults to `None` (random).
        validation_split: a float in (0, 1), the fraction of files held out
            for validation. Defaults to `None`.
        subset: `"training"`, `"validation"` or `"both"` (returns both), with
            `validation_split`. Defaults to `None`.
        interpolation: `"bilinear"`, `"nearest"`, `"bicubic"` or `"area"`.
            Defaults to `"bilinear"`.
        follow_links: whether to follow symbolic links to subfolders.
            Defaults to `False`.
        crop_to_aspect_ratio: crop the largest centred window with the target
            aspect ratio before resizing. Defaults to `False`.
        pad_to_aspect_ratio: resize to fit, then zero-pad to `image_size`.
            Defaults to `False`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `keras.config.image_data_format()`.
        verbose: print the number of classes and files found. Defaults to
            `True`.

    Returns:
        A `torch.utils.data.DataLoader` yielding `images` (`(batch, height,
        width, channels)` float32) or `(images, labels)`; `model.fit` takes it
        directly. It and its `.dataset` (an `ImageFolderDataset`) have the
        attributes `class_names` and `file_paths`. With `subset="both"`, a
        list `[train_loader, validation_loader]`.

    Example:

    >>> train_ds, val_ds = kerastorch.utils.image_dataset_from_directory(
    ...     "photos/", validation_split=0.2, subset="both", seed=1337,
    ...     image_size=(180, 180), batch_size=32)
    >>> train_ds.class_names
    ['cats', 'dogs']
    """
    from kerastorch.backend.config import standardize_data_format

    directory = dataset_utils.check_directory(directory)
    labels = dataset_utils.standardize_labels(labels)
    dataset_utils.check_common_args(labels, label_mode, class_names, batch_size)
    image_size, interpolation = _check_image_args(color_mode, image_size, interpolation)
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(
            "Only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be "
            "`True`. Received: crop_to_aspect_ratio=True, pad_to_aspect_ratio=True"
        )
    data_format = standardize_data_format(data_format)

    def make_loader_for(files, encoded, class_names, shuffle_batches, seed):
        dataset = ImageFolderDataset(
            files,
            encoded,
            class_names,
            image_size,
            color_mode,
            interpolation,
            bool(crop_to_aspect_ratio),
            bool(pad_to_aspect_ratio),
            data_format,
        )
        return dataset_utils.make_loader(
            dataset,
            batch_size,
            shuffle_batches,
            seed,
            attributes={"class_names": class_names, "file_paths": files},
        )

    return dataset_utils.labeled_file_loaders(
        directory,
        labels,
        label_mode,
        class_names,
        ALLOWLIST_FORMATS,
        "images",
        validation_split,
        subset,
        shuffle,
        seed,
        follow_links,
        verbose,
        make_loader_for,
    )
