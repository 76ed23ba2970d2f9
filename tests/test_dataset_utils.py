"""Dataset utilities: directory datasets, timeseries windows, splits, label/sequence helpers."""

import os

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import kerastorch
from kerastorch import layers
from kerastorch import utils

torchvision_io = pytest.importorskip("torchvision.io")
# The test writes its images with torchvision's encoders (deprecated in 0.29).
pytestmark = pytest.mark.filterwarnings(
    "ignore:The image decoding and encoding:DeprecationWarning"
)

CLASSES = {"cats": 5, "dogs": 4, "zebras": 3}


def _write_image(path, image):
    if path.endswith(".png"):
        torchvision_io.write_png(image, path)
    else:
        with open(path, "wb") as f:
            f.write(torchvision_io.encode_jpeg(image, quality=95).numpy().tobytes())


@pytest.fixture
def image_dir(tmp_path):
    """class folders of PNG and JPEG images of varied sizes, plus files to ignore."""
    gen = torch.Generator().manual_seed(0)
    for name, count in CLASSES.items():
        folder = tmp_path / name
        folder.mkdir()
        for i in range(count):
            ext = ".png" if i % 2 == 0 else ".jpg"
            image = torch.randint(
                0, 256, (3, 10 + i, 14), generator=gen, dtype=torch.uint8
            )
            _write_image(str(folder / f"img_{i}{ext}"), image)
        (folder / "notes.txt").write_text("not an image")
    (tmp_path / ".hidden").mkdir()
    _write_image(
        str(tmp_path / ".hidden" / "x.png"), torch.zeros(3, 4, 4, dtype=torch.uint8)
    )
    _write_image(
        str(tmp_path / "top_level.png"), torch.zeros(3, 4, 4, dtype=torch.uint8)
    )
    return tmp_path


@pytest.fixture
def text_dir(tmp_path):
    for label, name in enumerate(["neg", "pos"]):
        folder = tmp_path / name
        folder.mkdir()
        for i in range(4):
            (folder / f"{i}.txt").write_text(
                f"{name} review number {i} " + "x" * (label + i)
            )
        (folder / "skip.md").write_text("ignored")
    return tmp_path


def _all(loader):
    xs, ys = [], []
    for batch in loader:
        x, y = batch
        xs.append(x)
        ys.append(y)
    return torch.cat(xs), torch.cat(ys)


# --- image_dataset_from_directory --------------------------------------------------------


def test_images_classes_counts_and_labels(image_dir, capsys):
    ds = utils.image_dataset_from_directory(
        image_dir, image_size=(8, 8), batch_size=5, seed=1
    )
    assert "Found 12 files belonging to 3 classes." in capsys.readouterr().out
    assert isinstance(ds, torch.utils.data.DataLoader)
    assert ds.class_names == ["cats", "dogs", "zebras"] == ds.dataset.class_names
    assert len(ds.file_paths) == 12 and len(ds) == 3
    images, labels = _all(ds)
    assert images.shape == (12, 8, 8, 3) and images.dtype == torch.float32
    assert labels.dtype == torch.int32
    assert 0 <= images.min() and images.max() <= 255
    by_path = dict(zip(ds.file_paths, ds.dataset.labels.tolist()))
    for path, label in by_path.items():
        assert os.path.basename(os.path.dirname(path)) == ds.class_names[label]
    assert sorted(labels.tolist()) == [0] * 5 + [1] * 4 + [2] * 3


def test_images_decode_exactly_and_resize_like_interpolate(tmp_path):
    image = torch.randint(0, 256, (3, 8, 12), dtype=torch.uint8)
    (tmp_path / "a").mkdir()
    _write_image(str(tmp_path / "a" / "one.png"), image)
    same = utils.image_dataset_from_directory(
        tmp_path, image_size=(8, 12), batch_size=None, verbose=False
    )
    x, label = next(iter(same))
    assert torch.equal(x, image.permute(1, 2, 0).float()) and int(label) == 0
    small = utils.image_dataset_from_directory(
        tmp_path, image_size=(4, 5), batch_size=1, labels=None, verbose=False
    )
    x = next(iter(small))
    ref = F.interpolate(
        image[None].float(), size=(4, 5), mode="bilinear", align_corners=False
    )
    torch.testing.assert_close(x, ref.permute(0, 2, 3, 1))
    first = utils.image_dataset_from_directory(
        tmp_path,
        image_size=(4, 5),
        batch_size=1,
        data_format="channels_first",
        verbose=False,
    )
    torch.testing.assert_close(next(iter(first))[0], ref)


@pytest.mark.parametrize(
    "color_mode, channels", [("grayscale", 1), ("rgb", 3), ("rgba", 4)]
)
def test_images_color_modes(image_dir, color_mode, channels):
    ds = utils.image_dataset_from_directory(
        image_dir, color_mode=color_mode, image_size=6, batch_size=12, verbose=False
    )
    images, _ = next(iter(ds))
    assert images.shape == (12, 6, 6, channels)


def test_images_label_modes(image_dir, tmp_path):
    ds = utils.image_dataset_from_directory(
        image_dir,
        label_mode="categorical",
        image_size=(4, 4),
        batch_size=12,
        seed=2,
        verbose=False,
    )
    _, labels = next(iter(ds))
    assert labels.shape == (12, 3) and labels.dtype == torch.float32
    assert labels.sum(-1).eq(1).all()
    assert labels.sum(0).tolist() == [5, 4, 3]
    two = utils.image_dataset_from_directory(
        image_dir,
        class_names=["zebras", "dogs"],
        label_mode="binary",
        image_size=(4, 4),
        batch_size=32,
        verbose=False,
    )
    assert two.class_names == ["zebras", "dogs"]
    _, binary = next(iter(two))
    assert binary.shape == (7, 1) and sorted(binary[:, 0].tolist()) == [0] * 3 + [1] * 4
    with pytest.raises(ValueError, match="exactly 2 class_names"):
        utils.image_dataset_from_directory(
            image_dir, label_mode="binary", verbose=False
        )
    only_images = utils.image_dataset_from_directory(
        image_dir, labels=None, image_size=(4, 4), batch_size=32, verbose=False
    )
    batch = next(iter(only_images))
    assert isinstance(batch, torch.Tensor) and batch.shape == (
        14,
        4,
        4,
        3,
    )  # every file below
    assert only_images.class_names is None


def test_images_explicit_labels_follow_sorted_paths(image_dir):
    # Keras's order: folders sorted by path, files sorted within each folder.
    paths = [
        os.path.join(root, f)
        for root, _, files in sorted(os.walk(image_dir))
        for f in sorted(files)
        if f.endswith((".png", ".jpg"))
    ]
    assert paths[0].endswith("top_level.png")
    explicit = np.array([i % 2 for i in range(len(paths))])
    ds = utils.image_dataset_from_directory(
        image_dir, labels=explicit, image_size=(4, 4), shuffle=False, verbose=False
    )
    assert ds.file_paths == paths
    assert ds.class_names == ["0", "1"]
    assert ds.dataset.labels.tolist() == explicit.tolist()
    with pytest.raises(ValueError, match="len\\(labels\\) is 3"):
        utils.image_dataset_from_directory(image_dir, labels=[0, 1, 0], verbose=False)


def test_images_validation_split_is_disjoint_and_reproducible(image_dir, capsys):
    kwargs = dict(image_size=(4, 4), validation_split=0.25, seed=42, verbose=True)
    train = utils.image_dataset_from_directory(image_dir, subset="training", **kwargs)
    val = utils.image_dataset_from_directory(image_dir, subset="validation", **kwargs)
    out = capsys.readouterr().out
    assert (
        "Using 9 files for training." in out and "Using 3 files for validation." in out
    )
    assert len(train.file_paths) == 9 and len(val.file_paths) == 3
    assert not set(train.file_paths) & set(val.file_paths)
    assert len(set(train.file_paths) | set(val.file_paths)) == 12
    train2, val2 = utils.image_dataset_from_directory(
        image_dir, subset="both", **kwargs
    )
    assert train2.file_paths == train.file_paths and val2.file_paths == val.file_paths
    other = utils.image_dataset_from_directory(
        image_dir, subset="validation", **{**kwargs, "seed": 7}
    )
    assert other.file_paths != val.file_paths
    # Shuffling batches is reproducible with the seed too.
    a = [
        x
        for x, _ in utils.image_dataset_from_directory(
            image_dir,
            batch_size=4,
            **{**kwargs, "validation_split": None, "verbose": False},
        )
    ]
    b = [
        x
        for x, _ in utils.image_dataset_from_directory(
            image_dir,
            batch_size=4,
            **{**kwargs, "validation_split": None, "verbose": False},
        )
    ]
    assert all(torch.equal(u, v) for u, v in zip(a, b))


def test_images_bmp_and_gif_files(tmp_path):
    from PIL import Image

    (tmp_path / "a").mkdir()
    pixels = np.random.RandomState(0).randint(0, 256, (6, 7, 3)).astype("uint8")
    Image.fromarray(pixels).save(tmp_path / "a" / "one.bmp")
    gray = np.full((6, 7), 90, dtype="uint8")
    frames = [Image.fromarray(gray), Image.fromarray(gray + 100)]
    frames[0].save(tmp_path / "a" / "two.gif", save_all=True, append_images=frames[1:])
    ds = utils.image_dataset_from_directory(
        tmp_path, image_size=(6, 7), batch_size=2, shuffle=False, verbose=False
    )
    images, _ = next(iter(ds))
    assert ds.file_paths[0].endswith("one.bmp")
    np.testing.assert_array_equal(images[0].numpy(), pixels.astype("float32"))
    np.testing.assert_array_equal(
        images[1].numpy(), np.full((6, 7, 3), 90.0)
    )  # frame 0


def test_images_aspect_ratio_options(tmp_path):
    (tmp_path / "a").mkdir()
    image = torch.full((3, 10, 20), 200, dtype=torch.uint8)
    image[:, :, :5] = 0  # left quarter dark: cropped away by a centred square crop
    _write_image(str(tmp_path / "a" / "wide.png"), image)
    crop = utils.image_dataset_from_directory(
        tmp_path,
        image_size=(5, 5),
        crop_to_aspect_ratio=True,
        batch_size=1,
        verbose=False,
    )
    x, _ = next(iter(crop))
    torch.testing.assert_close(x, torch.full((1, 5, 5, 3), 200.0))
    pad = utils.image_dataset_from_directory(
        tmp_path,
        image_size=(8, 8),
        pad_to_aspect_ratio=True,
        batch_size=1,
        verbose=False,
    )
    x, _ = next(iter(pad))
    assert x.shape == (1, 8, 8, 3)
    assert x[0, :2].eq(0).all() and x[0, -2:].eq(0).all()  # zero bands top and bottom
    assert x[0, 3, -1, 0] == 200.0
    with pytest.raises(ValueError, match="Only one of"):
        utils.image_dataset_from_directory(
            tmp_path, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True
        )


def test_model_fits_on_image_dataset(image_dir):
    ds = utils.image_dataset_from_directory(
        image_dir, image_size=(8, 8), batch_size=4, seed=3, verbose=False
    )
    model = kerastorch.Sequential(
        [
            kerastorch.Input(shape=(8, 8, 3)),
            layers.Rescaling(1.0 / 255),
            layers.RandomFlip("horizontal", seed=1),
            layers.Flatten(),
            layers.Dense(len(ds.class_names)),
        ]
    )
    model.compile(
        optimizer="adam",
        loss=kerastorch.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    before = [w.detach().clone() for w in model.trainable_weights]
    history = model.fit(ds, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert any(not torch.equal(b, w) for b, w in zip(before, model.trainable_weights))
    assert model.predict(ds, verbose=0).shape == (12, 3)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"validation_split": 0.2}, "`subset` is set, `validation_split` must be set"),
        ({"subset": "training"}, "`subset` is set, `validation_split` must be set"),
        ({"validation_split": 0.2, "subset": "training"}, "must provide a `seed`"),
        ({"validation_split": 1.5, "subset": "training", "seed": 1}, "between 0 and 1"),
        (
            {"validation_split": 0.2, "subset": "train", "seed": 1},
            "Received: subset='train'",
        ),
        ({"label_mode": "sparse"}, "Received: label_mode='sparse'"),
        ({"color_mode": "cmyk"}, "Received: color_mode='cmyk'"),
        ({"image_size": (4, 4, 3)}, "Received: image_size="),
        ({"interpolation": "lanczos3"}, "not supported"),
        ({"class_names": ["cats", "lions"]}, "did not match"),
        ({"labels": "folders"}, "Received: labels='folders'"),
        ({"batch_size": 0}, "Received: batch_size=0"),
    ],
)
def test_images_bad_arguments(image_dir, kwargs, message):
    with pytest.raises(ValueError, match=message):
        utils.image_dataset_from_directory(image_dir, verbose=False, **kwargs)


def test_images_missing_or_empty_directory(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        utils.image_dataset_from_directory(tmp_path / "nope")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "readme.txt").write_text("no images")
    with pytest.raises(ValueError, match="No images found"):
        utils.image_dataset_from_directory(tmp_path, verbose=False)


# --- text_dataset_from_directory ---------------------------------------------------------


def test_text_dataset_texts_labels_and_split(text_dir, capsys):
    ds = utils.text_dataset_from_directory(text_dir, batch_size=8, shuffle=False)
    assert "Found 8 files belonging to 2 classes." in capsys.readouterr().out
    texts, labels = next(iter(ds))
    assert isinstance(texts, np.ndarray) and texts.shape == (8,)
    assert texts[0] == "neg review number 0 " and labels.tolist() == [0] * 4 + [1] * 4
    assert ds.class_names == ["neg", "pos"]
    short = utils.text_dataset_from_directory(
        text_dir,
        batch_size=2,
        max_length=3,
        label_mode="categorical",
        verbose=False,
        seed=1,
    )
    texts, labels = next(iter(short))
    assert all(len(t) == 3 for t in texts) and labels.shape == (2, 2)
    train, val = utils.text_dataset_from_directory(
        text_dir, validation_split=0.25, subset="both", seed=5, verbose=False
    )
    assert len(train.file_paths) == 6 and len(val.file_paths) == 2
    assert not set(train.file_paths) & set(val.file_paths)
    only_texts = next(
        iter(utils.text_dataset_from_directory(text_dir, labels=None, verbose=False))
    )
    assert isinstance(only_texts, np.ndarray) and only_texts.shape == (8,)
    with pytest.raises(ValueError, match="Received: max_length=0"):
        utils.text_dataset_from_directory(text_dir, max_length=0)


def test_model_fits_on_text_dataset(text_dir):
    if not hasattr(layers, "TextVectorization"):
        pytest.skip("TextVectorization is not available")
    ds = utils.text_dataset_from_directory(
        text_dir, batch_size=4, seed=1, verbose=False
    )
    vectorize = layers.TextVectorization(max_tokens=30, output_mode="multi_hot")
    vectorize.adapt(np.concatenate([texts for texts, _ in ds]))
    model = kerastorch.Sequential(
        [
            kerastorch.Input(shape=(), dtype="string"),
            vectorize,
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(ds, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


# --- timeseries_dataset_from_array -------------------------------------------------------


def test_timeseries_docstring_example_1():
    ds = utils.timeseries_dataset_from_array(
        np.arange(99),
        None,
        sequence_length=10,
        sampling_rate=2,
        sequence_stride=3,
        batch_size=5,
    )
    windows = torch.cat(list(ds))
    assert windows[0].tolist() == list(range(0, 20, 2))
    assert windows[1].tolist() == list(range(3, 23, 2))
    assert windows[2].tolist() == list(range(6, 26, 2))
    assert windows[-1].tolist() == list(range(78, 98, 2))
    assert len(windows) == 27


def test_timeseries_docstring_example_2_regression_targets():
    data = np.arange(50, dtype="float32")
    ds = utils.timeseries_dataset_from_array(
        data[:-10], data[10:], sequence_length=10, batch_size=4
    )
    inputs, targets = next(iter(ds))
    np.testing.assert_array_equal(inputs[0].numpy(), data[:10])
    assert targets[0].item() == data[10]
    all_inputs, all_targets = _all(ds)
    assert len(all_inputs) == 31
    np.testing.assert_array_equal(all_targets.numpy(), all_inputs[:, 0].numpy() + 10)


def test_timeseries_docstring_example_3_sequence_to_sequence():
    x = np.arange(100)
    y = x * 2
    inputs = utils.timeseries_dataset_from_array(
        x, None, sequence_length=20, sequence_stride=20
    )
    targets = utils.timeseries_dataset_from_array(
        y, None, sequence_length=20, sequence_stride=20
    )
    for batch_x, batch_y in zip(inputs, targets):
        np.testing.assert_array_equal(batch_x[0].numpy(), x[:20])
        np.testing.assert_array_equal(batch_y[1].numpy(), y[20:40])
        assert batch_x.shape == (5, 20)


def test_timeseries_indices_shuffle_and_fit():
    data = np.arange(40 * 2, dtype="float32").reshape(40, 2)
    targets = np.arange(40)
    ds = utils.timeseries_dataset_from_array(
        data, targets, sequence_length=4, start_index=5, end_index=30, batch_size=None
    )
    first_window, first_target = next(iter(ds))
    np.testing.assert_array_equal(first_window.numpy(), data[5:9])
    assert int(first_target) == 5 and len(ds) == 22
    shuffled = utils.timeseries_dataset_from_array(
        data, targets, 4, batch_size=8, shuffle=True, seed=3
    )
    again = utils.timeseries_dataset_from_array(
        data, targets, 4, batch_size=8, shuffle=True, seed=3
    )
    order = torch.cat([t for _, t in shuffled])
    assert torch.equal(order, torch.cat([t for _, t in again]))
    assert sorted(order.tolist()) == list(range(37)) and order.tolist() != list(
        range(37)
    )
    model = kerastorch.Sequential(
        [kerastorch.Input(shape=(4, 2)), layers.Flatten(), layers.Dense(1)]
    )
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(
        utils.timeseries_dataset_from_array(data / 80, targets / 40.0, 4, batch_size=8),
        epochs=1,
        verbose=0,
    )
    assert np.isfinite(history.history["loss"][0])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"start_index": -1}, "Received: start_index=-1"),
        ({"start_index": 20}, "lower than the length"),
        ({"start_index": 5, "end_index": 5}, "higher than `start_index`"),
        ({"end_index": 25}, "at most the length"),
        ({"sampling_rate": 0}, "Received: sampling_rate=0"),
        ({"sequence_stride": 20}, "Received: sequence_stride=20"),
        ({"sequence_length": 0}, "Received: sequence_length=0"),
        ({"batch_size": -2}, "Received: batch_size=-2"),
    ],
)
def test_timeseries_bad_arguments(kwargs, message):
    args = {"sequence_length": 3, **kwargs}
    with pytest.raises(ValueError, match=message):
        utils.timeseries_dataset_from_array(np.arange(20), None, **args)


# --- split_dataset -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "left_size, right_size, sizes",
    [
        (0.8, None, (800, 200)),
        (None, 0.25, (750, 250)),
        (100, None, (100, 900)),
        (0.5, 0.3, (500, 300)),
        (10, 20, (10, 20)),
    ],
)
def test_split_dataset_sizes(left_size, right_size, sizes):
    data = np.random.random((1000, 4))
    left, right = utils.split_dataset(data, left_size=left_size, right_size=right_size)
    assert (len(left), len(right)) == sizes
    np.testing.assert_array_equal(np.asarray(left[0]), data[0])
    np.testing.assert_array_equal(np.asarray(right[len(right) - 1]), data[-1])


def test_split_dataset_tuples_shuffle_datasets_and_fit():
    x = np.arange(20, dtype="float32").reshape(10, 2)
    y = np.arange(10)
    left, right = utils.split_dataset((x, y), left_size=0.6, shuffle=True, seed=1)
    left2, _ = utils.split_dataset((x, y), left_size=0.6, shuffle=True, seed=1)
    seen = [int(left[i][1]) for i in range(len(left))] + [
        int(right[i][1]) for i in range(len(right))
    ]
    assert sorted(seen) == list(range(10)) and seen != list(range(10))
    assert [int(left2[i][1]) for i in range(6)] == seen[:6]
    for i in range(len(left)):
        xi, yi = left[i]
        np.testing.assert_array_equal(np.asarray(xi), x[int(yi)])
    base = torch.utils.data.TensorDataset(torch.rand(12, 3), torch.rand(12, 1))
    a, b = utils.split_dataset(base, right_size=4)
    assert (len(a), len(b)) == (8, 4)
    model = kerastorch.Sequential([kerastorch.Input(shape=(3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    assert np.isfinite(
        model.fit(a, epochs=1, batch_size=4, verbose=0).history["loss"][0]
    )


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({}, ValueError, "At least one of"),
        ({"left_size": 0.0, "right_size": 0.0}, ValueError, "Received: left_size=0.0"),
        ({"left_size": 1.5}, ValueError, "Received: left_size=1.5"),
        ({"left_size": 10}, ValueError, "smaller than 10"),
        ({"left_size": 0.7, "right_size": 0.6}, ValueError, "greater than 1"),
        ({"left_size": 6, "right_size": 6}, ValueError, "at most the dataset length"),
        ({"left_size": "half"}, TypeError, "left_size"),
        ({"left_size": 0.01}, ValueError, "left side dataset split would be empty"),
    ],
)
def test_split_dataset_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        utils.split_dataset(np.zeros((10, 2)), **kwargs)
    with pytest.raises(TypeError, match="DataLoader"):
        utils.split_dataset(torch.utils.data.DataLoader(list(range(4))), left_size=2)


# --- to_categorical, normalize, pad_sequences ---------------------------------------------


def test_to_categorical_exact():
    out = utils.to_categorical([0, 2, 1, 2], num_classes=4)
    np.testing.assert_array_equal(
        out, [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 1, 0]]
    )
    assert out.dtype == np.float64
    assert utils.to_categorical(np.array([[1], [0]])).shape == (2, 2)  # (n, 1) squeezed
    assert utils.to_categorical(np.array([[1, 0], [2, 2]])).shape == (2, 2, 3)
    t = utils.to_categorical(torch.tensor([1, 0, 3]))
    assert t.dtype == torch.float32 and t.tolist() == [
        [0, 1, 0, 0],
        [1, 0, 0, 0],
        [0, 0, 0, 1],
    ]
    with pytest.raises(ValueError, match=r"in \[0, 2\)"):
        utils.to_categorical([0, 2], num_classes=2)
    with pytest.raises(ValueError, match="Received: num_classes=0"):
        utils.to_categorical([0], num_classes=0)


def test_normalize_exact():
    x = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, 1.0]])
    np.testing.assert_allclose(
        utils.normalize(x), [[0.6, 0.8], [0.0, 0.0], [2**-0.5, 2**-0.5]]
    )
    np.testing.assert_allclose(
        utils.normalize(x, order=1), [[3 / 7, 4 / 7], [0, 0], [0.5, 0.5]]
    )
    np.testing.assert_allclose(utils.normalize(x, axis=0)[:, 0], x[:, 0] / np.sqrt(10))
    t = utils.normalize(torch.tensor([[3.0, 4.0]]))
    torch.testing.assert_close(t, torch.tensor([[0.6, 0.8]]))
    with pytest.raises(ValueError, match="Received: order=0"):
        utils.normalize(x, order=0)


@pytest.mark.parametrize(
    "padding, truncating, expected",
    [
        ("pre", "pre", [[0, 0, 1], [0, 2, 3], [4, 5, 6], [8, 9, 10]]),
        ("post", "pre", [[1, 0, 0], [2, 3, 0], [4, 5, 6], [8, 9, 10]]),
        ("pre", "post", [[0, 0, 1], [0, 2, 3], [4, 5, 6], [7, 8, 9]]),
        ("post", "post", [[1, 0, 0], [2, 3, 0], [4, 5, 6], [7, 8, 9]]),
    ],
)
def test_pad_sequences_padding_and_truncating(padding, truncating, expected):
    seqs = [[1], [2, 3], [4, 5, 6], [7, 8, 9, 10]]
    out = utils.pad_sequences(seqs, maxlen=3, padding=padding, truncating=truncating)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, expected)


def test_pad_sequences_defaults_values_and_errors():
    out = utils.pad_sequences([[1, 2], [], [3]])
    np.testing.assert_array_equal(out, [[1, 2], [0, 0], [0, 3]])
    floats = utils.pad_sequences(
        [[0.5], [1.5, 2.5]], dtype="float32", value=-1.0, padding="post"
    )
    np.testing.assert_array_equal(floats, [[0.5, -1.0], [1.5, 2.5]])
    vectors = utils.pad_sequences([np.ones((1, 2)), np.ones((2, 2))], maxlen=3)
    assert vectors.shape == (2, 3, 2) and vectors[0, :2].sum() == 0
    words = utils.pad_sequences([["a"], ["b", "c"]], dtype=object, value="<pad>")
    assert words.tolist() == [["<pad>", "a"], ["b", "c"]]
    with pytest.raises(ValueError, match="Received: padding='middle'"):
        utils.pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match="Received: truncating='both'"):
        utils.pad_sequences([[1]], truncating="both")
    with pytest.raises(ValueError, match="non-iterable"):
        utils.pad_sequences([1, 2])
    with pytest.raises(ValueError, match="dtype=object"):
        utils.pad_sequences([["a"]], value="x")
    with pytest.raises(ValueError, match="different from expected shape"):
        utils.pad_sequences([np.ones((1, 2)), np.ones((1, 3))])
