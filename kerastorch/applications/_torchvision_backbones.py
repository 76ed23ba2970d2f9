"""TorchvisionFeatures: a torchvision classifier without its head, as a serializable module.

The applications wrap it in `layers.TorchModuleWrapper`. Its config (the
architecture name and options) is all a `.keras` archive needs to rebuild
it: the torchvision module is made with random weights, then the archive's
safetensors fill them in. Its `state_dict` keys are torchvision's, under
`model.` (`model.layer1.0.conv1.weight`), minus the classifier's.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import torch
from torch import nn

from kerastorch.saving.object_registration import register_keras_serializable

# ImageNet statistics of torchvision's weights, in [0, 1] pixel units.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class Architecture:
    """How to build one torchvision model and where its classifier is."""

    builder: str  # the torchvision.models function
    family: str  # "resnet" | "features" (a `.features` Sequential) | "vit"
    head: str  # the attribute holding the classifier (replaced by nn.Identity)
    weights_enum: str  # the torchvision.models weights enum class
    weights_member: str  # its ImageNet-1k member
    channels: int  # channels (or hidden size) of the features
    defaults: tuple = ()  # (name, value) builder options kerastorch sets by default


ARCHITECTURES = {
    "resnet18": Architecture("resnet18", "resnet", "fc", "ResNet18_Weights", "IMAGENET1K_V1", 512),
    "resnet50": Architecture("resnet50", "resnet", "fc", "ResNet50_Weights", "IMAGENET1K_V2", 2048),
    "mobilenet_v3_small": Architecture(
        "mobilenet_v3_small", "features", "classifier", "MobileNet_V3_Small_Weights",
        "IMAGENET1K_V1", 576,
    ),
    "mobilenet_v3_large": Architecture(
        "mobilenet_v3_large", "features", "classifier", "MobileNet_V3_Large_Weights",
        "IMAGENET1K_V2", 960,
    ),
    "efficientnet_b0": Architecture(
        "efficientnet_b0", "features", "classifier", "EfficientNet_B0_Weights",
        "IMAGENET1K_V1", 1280,
    ),
    # Keras's ConvNeXt uses no stochastic depth by default (torchvision: 0.1).
    "convnext_tiny": Architecture(
        "convnext_tiny", "features", "classifier", "ConvNeXt_Tiny_Weights", "IMAGENET1K_V1",
        768, (("stochastic_depth_prob", 0.0),),
    ),
    "vit_b_16": Architecture("vit_b_16", "vit", "heads", "ViT_B_16_Weights", "IMAGENET1K_V1", 768),
}


def import_torchvision():
    """`torchvision.models`, or an ImportError naming the extra that installs it."""
    try:
        import torchvision.models
    except ImportError as e:
        raise ImportError(
            "kerastorch.applications builds its models with torchvision, which is "
            'not installed. Install it with: pip install "kerastorch[vision]"'
        ) from e
    return torchvision.models


def get_architecture(name: str) -> Architecture:
    if name not in ARCHITECTURES:
        matches = difflib.get_close_matches(str(name), list(ARCHITECTURES))
        hint = f" Did you mean: {', '.join(repr(m) for m in matches)}?" if matches else ""
        raise ValueError(
            f"Could not interpret torchvision architecture identifier: {name!r}.{hint} "
            f"Known: {sorted(ARCHITECTURES)}"
        )
    return ARCHITECTURES[name]


def imagenet_weights(name: str):
    """The torchvision weights enum member used for `weights="imagenet"`."""
    arch = get_architecture(name)
    return getattr(getattr(import_torchvision(), arch.weights_enum), arch.weights_member)


@register_keras_serializable(package="kerastorch")
class TorchvisionFeatures(nn.Module):
    """A torchvision classifier's feature extractor, taking Keras-layout images.

    `forward` takes `(batch, height, width, 3)` images (`channels_last`) or
    `(batch, 3, height, width)` (`channels_first`) and returns the last
    feature map in the same layout (ViT: the encoder's token sequence,
    `(batch, 1 + patches, hidden)`, class token first). channels_last
    inputs are permuted as views, so convolutions run in torch's
    channels_last memory format without a copy.

    Args:
        architecture: a key of `ARCHITECTURES`, e.g. `"resnet50"`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `"channels_last"`.
        include_preprocessing: normalize `[0, 255]` pixels with the ImageNet
            mean and standard deviation inside the module. Defaults to `False`.
        options: extra keyword arguments of the torchvision builder (e.g.
            `{"width_mult": 0.75}`). Defaults to `None`.

    Example:

    >>> features = TorchvisionFeatures("resnet18")
    >>> features(torch.zeros(1, 64, 64, 3)).shape
    torch.Size([1, 2, 2, 512])
    """

    def __init__(
        self,
        architecture: str,
        data_format: str = "channels_last",
        include_preprocessing: bool = False,
        options: dict | None = None,
    ):
        arch = get_architecture(architecture)
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                "`data_format` must be 'channels_last' or 'channels_first'. "
                f"Received: data_format={data_format!r}"
            )
        if options is not None and not isinstance(options, dict):
            raise TypeError(f"`options` must be a dict. Received: options={options!r}")
        super().__init__()
        self.architecture = architecture
        self.family = arch.family
        self.data_format = data_format
        self.include_preprocessing = bool(include_preprocessing)
        self.options = {**dict(arch.defaults), **(options or {})}
        model = getattr(import_torchvision(), arch.builder)(weights=None, **self.options)
        setattr(model, arch.head, nn.Identity())  # the application's Keras top replaces it
        self.model = model
        if self.include_preprocessing:
            # Not persistent: constants, not weights (absent from state_dict and counts).
            mean = torch.tensor(IMAGENET_MEAN).mul(255.0).view(1, 3, 1, 1)
            std = torch.tensor(IMAGENET_STD).mul(255.0).view(1, 3, 1, 1)
            self.register_buffer("pixel_mean", mean, persistent=False)
            self.register_buffer("pixel_std", std, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        channels_last = self.data_format == "channels_last"
        if channels_last:
            x = x.permute(0, 3, 1, 2)  # (batch, 3, H, W), a view in channels_last memory
        if self.include_preprocessing:
            x = (x - self.pixel_mean) / self.pixel_std
        if self.family == "vit":
            return self._vit_tokens(x)  # (batch, 1 + patches, hidden)
        if self.family == "resnet":
            m = self.model
            x = m.maxpool(m.relu(m.bn1(m.conv1(x))))
            x = m.layer4(m.layer3(m.layer2(m.layer1(x))))
        else:
            x = self.model.features(x)
        return x.permute(0, 2, 3, 1) if channels_last else x  # (batch, h, w, channels)

    def _vit_tokens(self, x: torch.Tensor) -> torch.Tensor:
        m = self.model
        x = m.conv_proj(x)  # (batch, hidden, H / 16, W / 16)
        x = x.flatten(2).transpose(1, 2)  # (batch, patches, hidden)
        cls = m.class_token.expand(x.shape[0], -1, -1)  # (batch, 1, hidden)
        return m.encoder(torch.cat([cls, x], dim=1))  # (batch, 1 + patches, hidden)

    def extra_repr(self) -> str:
        return f"architecture={self.architecture!r}, data_format={self.data_format!r}"

    def get_config(self) -> dict:
        return {
            "architecture": self.architecture,
            "data_format": self.data_format,
            "include_preprocessing": self.include_preprocessing,
            "options": dict(self.options),
        }

    @classmethod
    def from_config(cls, config: dict) -> TorchvisionFeatures:
        return cls(**config)
