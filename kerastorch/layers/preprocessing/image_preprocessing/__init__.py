"""Image preprocessing and augmentation layers (torchvision.transforms.v2)."""
