"""Image preprocessing layers: numerics against torch / torchvision, randomness, configs."""

import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import kerastorch
from kerastorch import layers

RANDOM_LAYERS = [
    (layers.RandomFlip, {"mode": "horizontal_and_vertical"}),
    (layers.RandomRotation, {"factor": 0.2}),
    (layers.RandomZoom, {"height_factor": 0.3, "width_factor": (-0.2, 0.4)}),
    (layers.RandomTranslation, {"height_factor": 0.2, "width_factor": 0.3}),
    (layers.RandomContrast, {"factor": 0.5, "value_range": (0, 1)}),
    (layers.RandomBrightness, {"factor": 0.3, "value_range": (0, 1)}),
    (layers.RandomCrop, {"height": 6, "width": 7}),
]
RANDOM_IDS = [cls.__name__ for cls, _ in RANDOM_LAYERS]


def nchw(x):
    return x.permute(0, 3, 1, 2)


def nhwc(x):
    return x.permute(0, 2, 3, 1)


# --- Resizing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "interpolation, mode",
    [("bilinear", "bilinear"), ("nearest", "nearest-exact"), ("bicubic", "bicubic")],
)
def test_resizing_matches_interpolate(interpolation, mode):
    x = torch.rand(2, 9, 13, 3)
    out = layers.Resizing(5, 7, interpolation=interpolation)(x)
    align = False if mode != "nearest-exact" else None
    ref = nhwc(F.interpolate(nchw(x), size=(5, 7), mode=mode, align_corners=align))
    assert out.shape == (2, 5, 7, 3)
    torch.testing.assert_close(out, ref)


def test_resizing_antialias_default_off_and_on():
    x = torch.rand(1, 16, 16, 2)
    plain = nhwc(
        F.interpolate(nchw(x), size=(4, 4), mode="bilinear", align_corners=False)
    )
    smooth = nhwc(
        F.interpolate(
            nchw(x), size=(4, 4), mode="bilinear", align_corners=False, antialias=True
        )
    )
    torch.testing.assert_close(layers.Resizing(4, 4)(x), plain)
    torch.testing.assert_close(layers.Resizing(4, 4, antialias=True)(x), smooth)
    assert not torch.allclose(plain, smooth)


def test_resizing_area_and_channels_first():
    x = torch.rand(2, 3, 8, 12)
    out = layers.Resizing(4, 6, interpolation="area", data_format="channels_first")(x)
    torch.testing.assert_close(out, F.adaptive_avg_pool2d(x, (4, 6)))


def test_resizing_integer_images_stay_integer_and_round():
    x = torch.randint(0, 256, (2, 10, 10, 3), dtype=torch.uint8)
    out = layers.Resizing(5, 5)(x)
    assert out.dtype == torch.uint8
    ref = nhwc(
        F.interpolate(
            nchw(x).float(), size=(5, 5), mode="bilinear", align_corners=False
        )
    )
    assert (out.float() - ref).abs().max() <= 1.0


def test_resizing_crop_to_aspect_ratio_crops_centre_window():
    x = torch.rand(1, 10, 20, 2)
    out = layers.Resizing(5, 5, crop_to_aspect_ratio=True)(x)
    # Largest 1:1 window of a 10x20 image: 10x10, starting at column 5.
    ref = nhwc(
        F.interpolate(
            nchw(x[:, :, 5:15]), size=(5, 5), mode="bilinear", align_corners=False
        )
    )
    torch.testing.assert_close(out, ref)
    tall = layers.Resizing(4, 8, crop_to_aspect_ratio=True)(torch.rand(3, 30, 11, 1))
    assert tall.shape == (3, 4, 8, 1)


def test_resizing_pad_to_aspect_ratio_pads_evenly_with_fill_value():
    x = torch.rand(1, 10, 20, 1)
    out = layers.Resizing(8, 8, pad_to_aspect_ratio=True, fill_value=-1.0)(x)
    padded = F.pad(nchw(x), (0, 0, 5, 5), value=-1.0)  # 20x20
    ref = nhwc(F.interpolate(padded, size=(8, 8), mode="bilinear", align_corners=False))
    torch.testing.assert_close(out, ref)
    assert out[0, 0].eq(-1.0).all()  # top rows are padding
    wide = layers.Resizing(3, 9, pad_to_aspect_ratio=True)(torch.rand(2, 12, 12, 3))
    assert wide.shape == (2, 3, 9, 3)


def test_resizing_unbatched_symbolic_and_config():
    layer = layers.Resizing(4, 6, interpolation="nearest", data_format="channels_last")
    single = torch.rand(8, 12, 3)
    out = layer(single)
    assert out.shape == (4, 6, 3)
    torch.testing.assert_close(out, layer(single[None])[0])
    symbolic = layers.Resizing(4, 6)(kerastorch.Input(shape=(32, 32, 3)))
    assert tuple(symbolic.shape) == (None, 4, 6, 3)
    clone = layers.Resizing.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    torch.testing.assert_close(clone(single), out)
    assert layer.compute_output_shape((None, 8, 12, 3)) == (None, 4, 6, 3)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"height": 0, "width": 4}, "Received: height=0"),
        ({"height": 4, "width": 2.5}, "Received: width=2.5"),
        (
            {"height": 4, "width": 4, "interpolation": "bilinearr"},
            "Did you mean: 'bilinear'",
        ),
        ({"height": 4, "width": 4, "interpolation": "lanczos3"}, "not supported"),
        (
            {
                "height": 4,
                "width": 4,
                "crop_to_aspect_ratio": True,
                "pad_to_aspect_ratio": True,
            },
            "Only one of",
        ),
        (
            {"height": 4, "width": 4, "fill_mode": "reflect"},
            "Received: fill_mode='reflect'",
        ),
        ({"height": 4, "width": 4, "data_format": "nhwc"}, "data_format"),
    ],
)
def test_resizing_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layers.Resizing(**kwargs)


def test_image_layers_reject_wrong_rank_naming_the_layer():
    with pytest.raises(ValueError, match="resizing"):
        layers.Resizing(2, 2, name="resizing")(torch.rand(4, 5))
    with pytest.raises(ValueError, match="flipper"):
        layers.RandomFlip(name="flipper")(torch.rand(1, 2, 3, 4, 5))


def test_torchvision_is_lazy_and_missing_torchvision_says_how_to_install(monkeypatch):
    code = (
        "import sys, torch, kerastorch\n"
        "from kerastorch import layers, utils\n"
        "layers.RandomRotation(0.1)(torch.rand(1, 4, 4, 1))\n"
        "utils.image_dataset_from_directory\n"
        "assert 'torchvision' not in sys.modules, 'torchvision imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    monkeypatch.setitem(sys.modules, "torchvision.transforms.v2", None)
    with pytest.raises(ImportError, match=r"pip install kerastorch\[vision\]"):
        layers.Resizing(2, 2)(torch.rand(1, 4, 4, 1))


# --- Rescaling, CenterCrop ------------------------------------------------------------


def test_rescaling_is_exact():
    x = torch.randint(0, 256, (2, 4, 4, 3), dtype=torch.uint8)
    out = layers.Rescaling(1.0 / 127.5, offset=-1)(x)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, x.float() / 127.5 - 1, rtol=0, atol=1e-6)
    assert out.min() >= -1 and out.max() <= 1


def test_rescaling_per_channel_and_channels_first():
    x = torch.rand(2, 4, 4, 3)
    out = layers.Rescaling([1.0, 2.0, 3.0], offset=[0.0, 1.0, 2.0])(x)
    torch.testing.assert_close(
        out, x * torch.tensor([1.0, 2.0, 3.0]) + torch.tensor([0.0, 1.0, 2.0])
    )
    kerastorch.backend.set_image_data_format("channels_first")  # reset by conftest
    x_cf = torch.rand(2, 3, 4, 4)
    out_cf = layers.Rescaling(np.array([1.0, 2.0, 3.0]))(x_cf)
    torch.testing.assert_close(
        out_cf, x_cf * torch.tensor([1.0, 2.0, 3.0])[:, None, None]
    )


def test_rescaling_config_symbolic_and_bad_args():
    layer = layers.Rescaling([0.5, 0.25], offset=1.0)
    config = layer.get_config()
    assert config["scale"] == [0.5, 0.25] and config["offset"] == 1.0
    assert layers.Rescaling.from_config(config).get_config() == config
    symbolic = layers.Rescaling(2.0)(kerastorch.Input(shape=(5, 5, 3)))
    assert tuple(symbolic.shape) == (None, 5, 5, 3)
    with pytest.raises(ValueError, match="Received: scale='x'"):
        layers.Rescaling("x")


def test_center_crop_is_exact_and_a_view():
    x = torch.rand(2, 9, 10, 3)
    out = layers.CenterCrop(4, 5)(x)
    # Offsets: (9 - 4) // 2 = 2, (10 - 5) // 2 = 2.
    torch.testing.assert_close(out, x[:, 2:6, 2:7, :], rtol=0, atol=0)
    assert out.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()
    x_cf = nchw(x).contiguous()
    out_cf = layers.CenterCrop(4, 5, data_format="channels_first")(x_cf)
    torch.testing.assert_close(out_cf, x_cf[:, :, 2:6, 2:7], rtol=0, atol=0)
    single = layers.CenterCrop(3, 3)(torch.arange(25.0).reshape(5, 5, 1))
    assert single[..., 0].tolist() == [[6, 7, 8], [11, 12, 13], [16, 17, 18]]


def test_center_crop_smaller_input_crops_aspect_then_resizes():
    x = torch.rand(1, 4, 8, 1)
    out = layers.CenterCrop(6, 6)(x)
    ref = nhwc(
        F.interpolate(
            nchw(x[:, :, 2:6]), size=(6, 6), mode="bilinear", align_corners=False
        )
    )
    torch.testing.assert_close(out, ref)
    layer = layers.CenterCrop(6, 6)
    assert (
        layers.CenterCrop.from_config(layer.get_config()).get_config()
        == layer.get_config()
    )
    assert tuple(layer(kerastorch.Input(shape=(10, 10, 3))).shape) == (None, 6, 6, 3)
    with pytest.raises(ValueError, match="Received: height=-1"):
        layers.CenterCrop(-1, 3)


# --- random layers: shared behaviour --------------------------------------------------


@pytest.mark.parametrize("cls, kwargs", RANDOM_LAYERS, ids=RANDOM_IDS)
def test_random_layers_are_identity_outside_training(cls, kwargs):
    x = torch.rand(4, 10, 12, 3)
    layer = cls(seed=3, **kwargs)
    out = layer(x, training=False)
    if cls is layers.RandomCrop:
        ref = layers.Resizing(6, 7, crop_to_aspect_ratio=True)(x)  # inference crop
        torch.testing.assert_close(out, ref)
    else:
        torch.testing.assert_close(out, x, rtol=0, atol=0)
    model = kerastorch.Sequential(
        [kerastorch.Input(shape=(10, 12, 3)), cls(seed=3, **kwargs)]
    )
    predicted = model.predict(x.numpy(), verbose=0)
    torch.testing.assert_close(torch.as_tensor(np.asarray(predicted)), out)


@pytest.mark.parametrize("cls, kwargs", RANDOM_LAYERS, ids=RANDOM_IDS)
def test_random_layers_differ_per_sample_and_are_reproducible(cls, kwargs):
    x = torch.rand(1, 10, 12, 3).expand(8, -1, -1, -1).contiguous() * 0.5 + 0.25
    a, b = cls(seed=7, **kwargs), cls(seed=7, **kwargs)
    out_a, out_b = a(x), b(x, training=True)  # training defaults to True when called
    torch.testing.assert_close(out_a, out_b, rtol=0, atol=0)
    assert not torch.equal(a(x), out_a)  # the seed generator advanced
    if cls is layers.RandomCrop:
        return  # Keras crops the whole batch at one random position
    per_sample = {tuple(o.flatten().tolist()) for o in out_a}
    assert len(per_sample) > 1
    c = cls(seed=8, **kwargs)
    assert not torch.equal(c(x), out_a)


@pytest.mark.parametrize("cls, kwargs", RANDOM_LAYERS, ids=RANDOM_IDS)
def test_random_layers_channels_first_matches_channels_last(cls, kwargs):
    x = torch.rand(4, 10, 12, 3)
    last = cls(seed=11, **kwargs)(x)
    first = cls(seed=11, data_format="channels_first", **kwargs)(nchw(x).contiguous())
    torch.testing.assert_close(first, nchw(last))


@pytest.mark.parametrize("cls, kwargs", RANDOM_LAYERS, ids=RANDOM_IDS)
def test_random_layers_unbatched_config_and_symbolic(cls, kwargs):
    single = torch.rand(10, 12, 3)
    out = cls(seed=5, **kwargs)(single)
    torch.testing.assert_close(out, cls(seed=5, **kwargs)(single[None])[0])
    layer = cls(seed=5, **kwargs)
    config = layer.get_config()
    assert config["seed"] == 5
    clone = cls.from_config(config)
    assert clone.get_config() == config
    torch.testing.assert_close(clone(single), out)
    symbolic = cls(**kwargs)(kerastorch.Input(shape=(10, 12, 3)))
    expected = (None, 6, 7, 3) if cls is layers.RandomCrop else (None, 10, 12, 3)
    assert tuple(symbolic.shape) == expected
    assert not layer.weights


def test_unseeded_layers_follow_torch_global_seed():
    x = torch.rand(4, 8, 8, 3)
    torch.manual_seed(123)
    a = layers.RandomRotation(0.3)(x)
    torch.manual_seed(123)
    b = layers.RandomRotation(0.3)(x)
    torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_augmentation_trains_and_saves_with_the_model():
    model = kerastorch.Sequential(
        [
            kerastorch.Input(shape=(12, 12, 3)),
            layers.Rescaling(1.0 / 255),
            layers.RandomFlip("horizontal", seed=1),
            layers.RandomRotation(0.1, seed=2),
            layers.RandomZoom(0.1, seed=3),
            layers.RandomTranslation(0.1, 0.1, seed=4),
            layers.RandomContrast(0.2, value_range=(0, 1), seed=5),
            layers.RandomBrightness(0.1, value_range=(0, 1), seed=6),
            layers.RandomCrop(10, 10, seed=7),
            layers.Resizing(8, 8),
            layers.CenterCrop(6, 6),
            layers.Flatten(),
            layers.Dense(2),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = np.random.randint(0, 256, (16, 12, 12, 3)).astype("float32")
    y = np.random.randint(0, 2, (16,))
    history = model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    clone = kerastorch.Sequential.from_config(model.get_config())
    assert [type(layer).__name__ for layer in clone.layers] == [
        type(layer).__name__ for layer in model.layers
    ]
    for original, restored in zip(model.layers, clone.layers):
        restored_config = dict(restored.get_config(), name=original.name)
        assert restored_config == original.get_config()
    restored = layers.deserialize(layers.serialize(model.layers[3]))
    assert restored.get_config() == model.layers[3].get_config()


def test_augmentation_model_save_and_load(tmp_path):
    if not hasattr(kerastorch.saving, "load_model"):
        pytest.skip("model saving is not available")
    model = kerastorch.Sequential(
        [
            kerastorch.Input(shape=(12, 12, 3)),
            layers.Rescaling([1 / 255, 1 / 128, 1 / 64], offset=0.1),
            layers.RandomRotation((-0.1, 0.2), fill_mode="wrap", seed=2),
            layers.RandomZoom(0.1, (0.1, 0.2), seed=3),
            layers.RandomContrast((0.1, 0.3), seed=5),
            layers.RandomCrop(10, 10, seed=7),
            layers.Resizing(8, 8, pad_to_aspect_ratio=True),
            layers.Flatten(),
            layers.Dense(2),
        ]
    )
    path = str(tmp_path / "augmented.keras")
    model.save(path)
    loaded = kerastorch.saving.load_model(path)
    for original, restored in zip(model.layers, loaded.layers):
        assert restored.get_config() == original.get_config()
    x = np.random.rand(3, 12, 12, 3).astype("float32") * 255
    np.testing.assert_allclose(
        np.asarray(loaded.predict(x, verbose=0)),
        np.asarray(model.predict(x, verbose=0)),
    )


# --- random layers: numerics ----------------------------------------------------------


def test_random_flip_is_exact_per_sample():
    x = torch.rand(32, 5, 6, 2)
    out = layers.RandomFlip("horizontal", seed=1)(x)
    flipped = [torch.equal(o, xi.flip(1)) for o, xi in zip(out, x)]
    kept = [torch.equal(o, xi) for o, xi in zip(out, x)]
    assert all(f or k for f, k in zip(flipped, kept))
    assert 0 < sum(flipped) < 32
    out = layers.RandomFlip("vertical", seed=1)(x)
    assert all(
        torch.equal(o, xi) or torch.equal(o, xi.flip(0)) for o, xi in zip(out, x)
    )
    out = layers.RandomFlip(seed=2)(x)
    kinds = set()
    for o, xi in zip(out, x):
        options = {
            "none": xi,
            "h": xi.flip(1),
            "v": xi.flip(0),
            "hv": xi.flip(0).flip(1),
        }
        match = [k for k, v in options.items() if torch.equal(o, v)]
        assert match
        kinds.add(match[0])
    assert kinds == {"none", "h", "v", "hv"}
    with pytest.raises(ValueError, match="Did you mean: 'horizontal'"):
        layers.RandomFlip("horizontl")


def test_random_rotation_matches_torchvision_rotate():
    from torchvision.transforms.v2 import functional as tvf

    x = torch.rand(2, 9, 13, 3)
    fraction = 0.08  # 28.8 degrees, counter-clockwise
    out = layers.RandomRotation((fraction, fraction), fill_mode="constant", seed=1)(x)
    ref = tvf.rotate(
        nchw(x).contiguous(),
        angle=fraction * 360,
        interpolation=tvf.InterpolationMode.BILINEAR,
    )
    torch.testing.assert_close(out, nhwc(ref), atol=1e-4, rtol=1e-4)


def test_random_rotation_quarter_turn_is_rot90_counter_clockwise():
    x = torch.arange(16.0).reshape(1, 4, 4, 1)
    out = layers.RandomRotation((0.25, 0.25), interpolation="nearest")(x)
    torch.testing.assert_close(out, torch.rot90(x, 1, dims=(1, 2)))
    # Top-middle pixel moves to the left edge.
    assert out[0, 1:3, 0, 0].tolist() == [2.0, 1.0]


@pytest.mark.parametrize(
    "fill_mode, fill_value, expected_first_columns",
    [
        ("constant", 7.0, [7.0, 7.0]),
        ("nearest", 0.0, [0.0, 0.0]),
        ("reflect", 0.0, [1.0, 0.0]),
        ("wrap", 0.0, [2.0, 3.0]),
    ],
)
def test_random_translation_fill_modes(fill_mode, fill_value, expected_first_columns):
    x = (
        torch.arange(4.0).reshape(1, 1, 4, 1).expand(1, 3, 4, 1)
    )  # columns a b c d = 0 1 2 3
    layer = layers.RandomTranslation(
        (0.0, 0.0), (0.5, 0.5), fill_mode=fill_mode, fill_value=fill_value
    )
    out = layer(x)[0, :, :, 0]  # shifted right by 2 pixels
    for row in out.tolist():
        assert row == pytest.approx(expected_first_columns + [0.0, 1.0])


def test_random_translation_shifts_down_and_wraps_bilinear():
    x = torch.rand(2, 6, 5, 1)
    out = layers.RandomTranslation((1 / 6, 1 / 6), (0.0, 0.0), fill_mode="wrap")(x)
    torch.testing.assert_close(out, torch.roll(x, 1, dims=1))
    half = layers.RandomTranslation((0.0, 0.0), (0.1, 0.1), fill_mode="wrap")(
        x
    )  # 0.5 pixel
    torch.testing.assert_close(half, (x + torch.roll(x, 1, dims=2)) / 2)


def test_random_zoom_matches_torchvision_affine_scale():
    from torchvision.transforms.v2 import functional as tvf

    x = torch.rand(2, 11, 11, 3)
    out = layers.RandomZoom((-0.5, -0.5), fill_mode="constant")(x)  # zoom in 2x
    ref = tvf.affine(
        nchw(x).contiguous(),
        angle=0.0,
        translate=[0, 0],
        scale=2.0,
        shear=[0.0, 0.0],
        interpolation=tvf.InterpolationMode.BILINEAR,
    )
    torch.testing.assert_close(out, nhwc(ref), atol=1e-5, rtol=1e-5)


def test_random_zoom_out_fills_and_width_factor_is_independent():
    x = torch.ones(1, 9, 9, 1)
    out = layers.RandomZoom((1.0, 1.0), fill_mode="constant", fill_value=-1.0)(x)
    assert out[0, 0, 0, 0] == -1.0 and out[0, 4, 4, 0] == 1.0  # corners filled
    ramp = torch.arange(9.0).reshape(1, 1, 9, 1).expand(1, 9, 9, 1)
    stretched = layers.RandomZoom((0.0, 0.0), (-0.5, -0.5), fill_mode="nearest")(ramp)
    # Width zoomed in 2x about the centre column 4: x_in = 0.5 * (x - 4) + 4.
    assert stretched[0, 0, :, 0].tolist() == pytest.approx(
        [2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6]
    )
    assert torch.equal(stretched[0, 0], stretched[0, 8])  # height untouched


def test_random_contrast_scales_deviation_per_image():
    x = torch.rand(8, 6, 6, 3) * 100 + 50
    out = layers.RandomContrast((0.5, 0.5), seed=3)(
        x
    )  # factor in [0.5, 1.5], no clipping
    mean = x.mean(dim=(1, 2), keepdim=True)
    ratio = (out - mean) / (x - mean)  # (batch, h, w, channels): one factor per image
    per_image = ratio.flatten(1)
    torch.testing.assert_close(
        per_image, per_image[:, :1].expand_as(per_image), atol=1e-3, rtol=1e-3
    )
    factors = per_image[:, 0]
    assert factors.min() >= 0.5 - 1e-4 and factors.max() <= 1.5 + 1e-4
    assert factors.unique().numel() == 8
    clipped = layers.RandomContrast(1.0, value_range=(0, 1), seed=1)(
        torch.rand(8, 6, 6, 3)
    )
    assert clipped.min() >= 0 and clipped.max() <= 1
    for bad in (1.5, -0.1, (0.2, 1.2), "a"):
        with pytest.raises(ValueError, match="Received: factor="):
            layers.RandomContrast(bad)


def test_random_brightness_adds_one_delta_per_image_and_clips():
    x = torch.rand(8, 5, 5, 3) * 100 + 100
    out = layers.RandomBrightness(0.1, seed=2)(x)  # delta in [-25.5, 25.5]
    delta = (out - x).flatten(1)
    torch.testing.assert_close(delta, delta[:, :1].expand_as(delta), atol=1e-4, rtol=0)
    assert delta.abs().max() <= 25.5 + 1e-4 and delta[:, 0].unique().numel() == 8
    brighter = layers.RandomBrightness((0.5, 0.9), value_range=(0, 1), seed=2)(
        torch.rand(4, 5, 5, 3)
    )
    assert brighter.max() == 1.0 and brighter.min() >= 0.5  # clipped at the top
    for kwargs, message in (
        ({"factor": 1.5}, "Received: factor=1.5"),
        ({"factor": (0.1, 0.2, 0.3)}, "Received: factor="),
        ({"factor": 0.1, "value_range": (0,)}, "Received: value_range="),
        ({"factor": 0.1, "seed": "x"}, "Received: seed='x'"),
    ):
        with pytest.raises(ValueError, match=message):
            layers.RandomBrightness(**kwargs)


def test_random_crop_training_window_and_bad_args():
    x = torch.arange(2 * 10 * 12.0).reshape(2, 10, 12, 1)
    out = layers.RandomCrop(4, 5, seed=1)(x)
    assert out.shape == (2, 4, 5, 1)
    top = int(out[0, 0, 0, 0] // 12)
    left = int(out[0, 0, 0, 0] % 12)
    torch.testing.assert_close(out, x[:, top : top + 4, left : left + 5])
    # Not larger than the target: the inference path (crop to aspect, resize).
    same = layers.RandomCrop(10, 12, seed=1)(x)
    torch.testing.assert_close(same, x)
    with pytest.raises(ValueError, match="Received: width=0"):
        layers.RandomCrop(3, 0)


@pytest.mark.parametrize(
    "cls, kwargs, message",
    [
        (layers.RandomRotation, {"factor": 1.5}, "Received: factor=1.5"),
        (
            layers.RandomRotation,
            {"factor": 0.1, "fill_mode": "reflct"},
            "Did you mean: 'reflect'",
        ),
        (
            layers.RandomRotation,
            {"factor": 0.1, "interpolation": "cubic"},
            "interpolation",
        ),
        (layers.RandomZoom, {"height_factor": (0.1, 2.0)}, "Received: height_factor="),
        (
            layers.RandomZoom,
            {"height_factor": 0.1, "width_factor": "x"},
            "width_factor='x'",
        ),
        (
            layers.RandomTranslation,
            {"height_factor": 0.1, "width_factor": -1.2},
            "width_factor",
        ),
        (
            layers.RandomTranslation,
            {"height_factor": 0.1, "width_factor": 0.1, "fill_value": "k"},
            "fill_value",
        ),
    ],
)
def test_affine_layers_bad_arguments(cls, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cls(**kwargs)


def test_affine_layers_keep_gradients_and_devices():
    x = torch.rand(2, 6, 6, 3, requires_grad=True)
    out = layers.RandomRotation(0.2, seed=1)(x)
    out.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    assert out.device == x.device
