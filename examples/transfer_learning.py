"""Transfer learning, as in Keras's guide: freeze a base, train a new head, fine-tune.

The images are generated here: shapes of random size, position and colour
on a noisy background. The base is `kerastorch.applications.ResNet18`
(torchvision's network). Offline (the default) it is first pretrained on
one task, circles / squares / triangles, standing in for ImageNet; then it
is reused for a new task, rings / crosses / diamonds, in Keras's three steps:

1. `base.trainable = False`; the new model calls `base(inputs, training=False)`,
   so its BatchNormalization stays in inference mode, now and after unfreezing.
2. Train the new head (pooling, dropout, Dense) on the frozen features.
3. `base.trainable = True`, recompile with a low learning rate, fine-tune all.

With `--weights imagenet`, torchvision downloads its ImageNet weights and
they replace the pretraining step. Runs in under a minute on a CPU:

    python examples/transfer_learning.py            # or --quick, --weights imagenet
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import kerastorch as keras
from kerastorch import layers

SOURCE_SHAPES = ("circle", "square", "triangle")
TARGET_SHAPES = ("ring", "cross", "diamond")


def _shape_masks(dx: np.ndarray, dy: np.ndarray, r: np.ndarray) -> dict:
    """Boolean masks `(samples, size, size)` of each shape, centred at dx = dy = 0."""
    ax, ay = np.abs(dx), np.abs(dy)
    return {
        "circle": dx**2 + dy**2 <= r**2,
        "square": (ax <= 0.8 * r) & (ay <= 0.8 * r),
        "triangle": (dy <= r) & (ax <= (dy + r) / 2),  # apex up, base at dy = r
        "ring": (dx**2 + dy**2 <= r**2) & (dx**2 + dy**2 >= (0.55 * r) ** 2),
        "cross": ((ax <= 0.3 * r) & (ay <= r)) | ((ay <= 0.3 * r) & (ax <= r)),
        "diamond": ax + ay <= r,
    }


def make_shapes(
    samples: int, size: int = 32, seed: int = 0, shapes: tuple = SOURCE_SHAPES
) -> tuple[np.ndarray, np.ndarray]:
    """`samples` RGB images `(size, size, 3)` in [0, 255] and their labels (index in `shapes`)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(shapes), samples)
    yy, xx = np.mgrid[0:size, 0:size].astype("float32")  # (size, size) each
    cx = rng.uniform(0.35, 0.65, (samples, 1, 1)) * size
    cy = rng.uniform(0.35, 0.65, (samples, 1, 1)) * size
    r = rng.uniform(0.2, 0.32, (samples, 1, 1)) * size
    masks = _shape_masks(xx - cx, yy - cy, r)  # each (samples, size, size)
    mask = np.zeros((samples, size, size), dtype=bool)
    for label, shape in enumerate(shapes):
        mask |= masks[shape] & (labels == label)[:, None, None]
    background = rng.uniform(0, 90, (samples, 1, 1, 3))
    colour = rng.uniform(140, 255, (samples, 1, 1, 3))
    images = np.where(mask[..., None], colour, background)  # (samples, size, size, 3)
    images = images + rng.normal(0, 12, images.shape)
    return np.clip(images, 0, 255).astype("float32"), labels


def preprocess(images: np.ndarray) -> np.ndarray:
    return keras.applications.resnet.preprocess_input(images)


def pretrain(base, x: np.ndarray, y: np.ndarray, epochs: int, batch_size: int) -> None:
    """Train `base` with a throwaway head on the source task (ImageNet's stand-in)."""
    inputs = keras.Input(shape=x.shape[1:])
    x_features = layers.GlobalAveragePooling2D()(base(inputs))
    outputs = layers.Dense(len(SOURCE_SHAPES), activation="softmax")(x_features)
    source_model = keras.Model(inputs, outputs)
    source_model.compile(
        optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy"
    )
    source_model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)


def build_model(base, image_size: int, classes: int):
    """The new model: the (frozen) base in inference mode, then a new head."""
    inputs = keras.Input(shape=(image_size, image_size, 3))
    # training=False keeps the base's BatchNormalization in inference mode,
    # also later, when the base is unfrozen for fine-tuning (Keras's advice).
    x = base(inputs, training=False)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def main(
    epochs: int = 3,
    fine_tune_epochs: int = 2,
    pretrain_epochs: int = 2,
    samples: int = 800,
    weights: str | None = None,
    image_size: int = 32,
    batch_size: int = 32,
    fine_tune_learning_rate: float = 1e-4,
    seed: int = 0,
    verbose: int = 0,
) -> dict:
    """Pretrain (offline), then the three steps; returns validation accuracies."""
    keras.utils.set_random_seed(seed)
    x, y = make_shapes(samples, image_size, seed, TARGET_SHAPES)
    x_val, y_val = make_shapes(max(samples // 4, 32), image_size, seed + 1, TARGET_SHAPES)
    x, x_val = preprocess(x), preprocess(x_val)

    base = keras.applications.ResNet18(
        weights=weights, include_top=False, input_shape=(image_size, image_size, 3)
    )
    if weights is None:
        x_source, y_source = make_shapes(samples, image_size, seed + 2, SOURCE_SHAPES)
        pretrain(base, preprocess(x_source), y_source, pretrain_epochs, batch_size)

    base.trainable = False  # freeze every weight of the base
    model = build_model(base, image_size, len(TARGET_SHAPES))
    print(
        f"Frozen base: {len(model.trainable_weights)} trainable weights (the head), "
        f"{len(model.non_trainable_weights)} non-trainable"
    )
    results = {"initial": model_accuracy(model, x_val, y_val)}
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=verbose)
    results["head"] = model_accuracy(model, x_val, y_val)

    base.trainable = True  # unfreeze, then recompile for the change to take effect
    model.compile(
        optimizer=keras.optimizers.Adam(fine_tune_learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    print(f"Unfrozen: {len(model.trainable_weights)} trainable weights")
    model.fit(x, y, batch_size=batch_size, epochs=fine_tune_epochs, verbose=verbose)
    results["fine_tuned"] = model_accuracy(model, x_val, y_val)
    return results


def model_accuracy(model, x: np.ndarray, y: np.ndarray) -> float:
    predictions = model.predict(x, batch_size=128, verbose=0)
    return float(np.mean(predictions.argmax(axis=-1) == y))


def _parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="epochs training the head")
    parser.add_argument("--fine-tune-epochs", type=int, default=2)
    parser.add_argument("--pretrain-epochs", type=int, default=2, help="offline only")
    parser.add_argument("--samples", type=int, default=800, help="training images per task")
    parser.add_argument("--weights", choices=("none", "imagenet"), default="none")
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--quick", action="store_true", help="a few seconds: 64 images, 1 epoch each")
    return parser.parse_args()


if __name__ == "__main__":
    args = _parse_args()
    kwargs = {
        "epochs": args.epochs,
        "fine_tune_epochs": args.fine_tune_epochs,
        "pretrain_epochs": args.pretrain_epochs,
        "samples": args.samples,
        "weights": None if args.weights == "none" else args.weights,
        "image_size": args.image_size,
        "verbose": 2,
    }
    if args.quick:
        kwargs.update(epochs=1, fine_tune_epochs=1, pretrain_epochs=1, samples=64, verbose=0)
    start = time.time()
    accuracies = main(**kwargs)
    for stage, accuracy in accuracies.items():
        print(f"val accuracy {stage:>10}: {accuracy:.3f}")
    print(f"done in {time.time() - start:.1f} s")
