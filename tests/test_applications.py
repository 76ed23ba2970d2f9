"""kerastorch.applications: torchvision backbones as Keras models, their weights and helpers."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

import kerastorch as keras
from kerastorch import applications
from kerastorch import layers
from kerastorch.applications import imagenet_utils
from kerastorch.applications._torchvision_backbones import TorchvisionFeatures

tvm = pytest.importorskip("torchvision.models")

# (application, torchvision builder, classifier attribute, image size, preprocesses inside)
APPS = [
    (applications.ResNet18, "resnet18", "fc", 64, False),
    (applications.ResNet50, "resnet50", "fc", 64, False),
    (applications.MobileNetV3Small, "mobilenet_v3_small", "classifier", 64, True),
    (applications.MobileNetV3Large, "mobilenet_v3_large", "classifier", 64, True),
    (applications.EfficientNetB0, "efficientnet_b0", "classifier", 64, True),
    (applications.ConvNeXtTiny, "convnext_tiny", "classifier", 64, True),
    pytest.param(applications.ViTB16, "vit_b_16", "heads", 224, False, marks=pytest.mark.slow),
]


def _torchvision_model(builder: str, **kwargs):
    if builder == "convnext_tiny":
        kwargs.setdefault("stochastic_depth_prob", 0.0)
    return getattr(tvm, builder)(**kwargs).eval()


def _param_count(module, skip_prefix=None) -> int:
    return sum(
        p.numel()
        for name, p in module.named_parameters()
        if skip_prefix is None or not name.startswith(skip_prefix + ".")
    )


def _meta_param_count(builder: str, skip_prefix=None, **kwargs) -> int:
    with torch.device("meta"):  # no weight initialisation: fast
        return _param_count(getattr(tvm, builder)(**kwargs), skip_prefix)


def _images(n: int, size: int) -> np.ndarray:
    return np.random.default_rng(0).uniform(0, 255, (n, size, size, 3)).astype("float32")


def _torch_reference_input(x: np.ndarray) -> torch.Tensor:
    x = imagenet_utils.preprocess_input(x, mode="torch")
    return torch.from_numpy(x).permute(0, 3, 1, 2)


# --- each application: parameter count, numerics against torchvision, one training step ---


@pytest.mark.parametrize("app, builder, head, size, inside", APPS)
def test_application_matches_torchvision_and_trains(tmp_path, app, builder, head, size, inside):
    reference = _torchvision_model(builder)
    path = str(tmp_path / f"{builder}.pth")
    torch.save(reference.state_dict(), path)

    model = app(weights=path, input_shape=(size, size, 3), classifier_activation=None)
    assert model.count_params() == _param_count(reference)
    x = _images(2, size)
    model_input = x if inside else imagenet_utils.preprocess_input(x, mode="torch")
    with torch.no_grad():
        expected = reference(_torch_reference_input(x))
    torch.testing.assert_close(model(model_input), expected, atol=2e-4, rtol=1e-4)
    np.testing.assert_allclose(model.predict(model_input, verbose=0), expected.numpy(), atol=2e-4)

    model.compile(
        optimizer=keras.optimizers.SGD(0.01),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    before = [w.detach().clone() for w in model.trainable_weights]
    loss = model.train_on_batch(model_input[:1], np.array([3]))
    assert np.isfinite(loss)
    changed = [not torch.equal(b, w) for b, w in zip(before, model.trainable_weights)]
    assert changed[-1]  # the Dense bias
    if builder != "vit_b_16":  # torchvision zero-initialises ViT's head: no gradient flows back yet
        assert changed[0]  # the first convolution


@pytest.mark.parametrize("app, builder, head, size, inside", APPS)
def test_application_without_top(app, builder, head, size, inside):
    model = app(weights=None, include_top=False, input_shape=(size, size, 3))
    assert model.count_params() == _meta_param_count(builder, skip_prefix=head)
    pooled = app(weights=None, include_top=False, input_shape=(size, size, 3), pooling="avg")
    channels = pooled.output_shape[-1]
    assert pooled.output_shape == (None, channels)
    assert model.output_shape[-1] == channels
    assert len(model.output_shape) == (3 if builder == "vit_b_16" else 4)


def test_classes_and_softmax_top():
    model = applications.ResNet18(weights=None, input_shape=(32, 32, 3), classes=7)
    assert model.output_shape == (None, 7)
    assert model.count_params() == _meta_param_count("resnet18", num_classes=7)
    probabilities = model.predict(_images(3, 32), verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=-1), np.ones(3), rtol=1e-5)
    assert model.name == "resnet18" and model.layers[-1].name == "predictions"


def test_mobilenet_alpha_is_torchvision_width_mult():
    model = applications.MobileNetV3Small(weights=None, alpha=0.75, input_shape=(32, 32, 3))
    assert model.count_params() == _meta_param_count("mobilenet_v3_small", width_mult=0.75)


def test_pooling_modes_pool_the_feature_map():
    features = applications.ResNet18(weights=None, include_top=False, input_shape=(64, 64, 3))
    x = _images(2, 64)
    feature_map = features.predict(x, verbose=0)  # (2, 2, 2, 512)
    assert feature_map.shape == (2, 2, 2, 512)
    for pooling, reduce in (("avg", np.mean), ("max", np.max)):
        pooled = applications.ResNet18(
            weights=None, include_top=False, input_shape=(64, 64, 3), pooling=pooling
        )
        pooled.set_weights(features.get_weights())
        np.testing.assert_allclose(
            pooled.predict(x, verbose=0), reduce(feature_map, axis=(1, 2)), rtol=1e-5, atol=1e-5
        )


def test_default_input_shape_and_input_tensor():
    model = applications.ResNet18(weights=None, include_top=False)
    assert model.output_shape == (None, None, None, 512)
    assert model(torch.zeros(1, 96, 64, 3)).shape == (1, 3, 2, 512)
    assert applications.ResNet18(weights=None).input_shape == (None, 224, 224, 3)

    inputs = keras.Input(shape=(48, 48, 3))
    scaled = layers.Rescaling(255.0)(inputs)
    model = applications.MobileNetV3Small(weights=None, input_tensor=scaled, classes=4)
    assert model.inputs[0] is inputs and model.input_shape == (None, 48, 48, 3)
    assert model.predict(np.zeros((2, 48, 48, 3), "float32"), verbose=0).shape == (2, 4)


def test_channels_last_input_reaches_the_convolution_without_a_copy():
    features = TorchvisionFeatures("resnet18").eval()
    seen = {}
    features.model.conv1.register_forward_pre_hook(lambda m, args: seen.update(x=args[0]))
    x = torch.rand(2, 32, 32, 3)
    out = features(x)
    assert seen["x"].shape == (2, 3, 32, 32)
    assert seen["x"].data_ptr() == x.data_ptr()
    assert seen["x"].is_contiguous(memory_format=torch.channels_last)
    assert out.shape == (2, 1, 1, 512)


def test_channels_first_data_format(tmp_path):
    path = str(tmp_path / "resnet18.pth")
    torch.save(_torchvision_model("resnet18").state_dict(), path)
    last = applications.ResNet18(weights=path, include_top=False, input_shape=(64, 64, 3))
    keras.config.set_image_data_format("channels_first")
    first = applications.ResNet18(weights=path, include_top=False, input_shape=(3, 64, 64))
    assert first.output_shape == (None, 512, 2, 2)
    x = imagenet_utils.preprocess_input(_images(2, 64), data_format="channels_last")
    np.testing.assert_allclose(
        first.predict(x.transpose(0, 3, 1, 2), verbose=0),
        last.predict(x, verbose=0).transpose(0, 3, 1, 2),
        atol=1e-4,
    )


# --- weights ---------------------------------------------------------------------------------


def test_imagenet_weights_come_from_torchvision(tmp_path, monkeypatch):
    # torchvision reads weights already in its cache instead of downloading them.
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    reference = _torchvision_model("resnet18")
    url = tvm.ResNet18_Weights.IMAGENET1K_V1.url
    checkpoints = tmp_path / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    torch.save(reference.state_dict(), checkpoints / os.path.basename(url))

    model = applications.ResNet18()  # weights="imagenet", classes=1000, softmax
    x = _images(1, 224)
    with torch.no_grad():
        expected = torch.softmax(reference(_torch_reference_input(x)), dim=-1)
    predictions = model.predict(applications.resnet.preprocess_input(x), verbose=0)
    np.testing.assert_allclose(predictions, expected.numpy(), atol=1e-5)
    decoded = applications.resnet.decode_predictions(predictions, top=2)[0]
    best = int(expected.argmax())
    assert decoded[0][:2] == (best, tvm.ResNet18_Weights.IMAGENET1K_V1.meta["categories"][best])


def test_weights_from_safetensors_and_own_weights_file(tmp_path):
    from safetensors.torch import save_file

    reference = _torchvision_model("mobilenet_v3_small")
    path = str(tmp_path / "tv.safetensors")
    save_file({k: v.contiguous() for k, v in reference.state_dict().items()}, path)
    model = applications.MobileNetV3Small(weights=path, input_shape=(32, 32, 3))
    x = _images(2, 32)
    own = str(tmp_path / "own.weights.safetensors")
    model.save_weights(own)
    again = applications.MobileNetV3Small(weights=own, input_shape=(32, 32, 3))
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))


def test_weights_that_do_not_fit_are_refused(tmp_path):
    path = str(tmp_path / "resnet18.pth")
    state = _torchvision_model("resnet18").state_dict()
    torch.save(state, path)
    with pytest.raises(ValueError, match="Shape mismatch.*predictions.*the file \\(512, 1000\\)"):
        applications.ResNet18(weights=path, input_shape=(32, 32, 3), classes=10)
    without_head = str(tmp_path / "features.pth")
    torch.save({k: v for k, v in state.items() if not k.startswith("fc.")}, without_head)
    with pytest.raises(ValueError, match="no classifier weights.*include_top=False"):
        applications.ResNet18(weights=without_head, input_shape=(32, 32, 3))
    features = applications.ResNet18(weights=without_head, include_top=False)
    torch.testing.assert_close(
        features.layers[1].module.model.conv1.weight, state["conv1.weight"]
    )
    with pytest.raises(ValueError):
        applications.ResNet50(weights=path, include_top=False)


# --- saving ----------------------------------------------------------------------------------


def test_save_and_load_in_a_fresh_process(tmp_path):
    model = applications.MobileNetV3Small(weights=None, input_shape=(32, 32, 3), classes=5)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = _images(4, 32)
    model.train_on_batch(x, np.arange(4))  # moves the BatchNorm statistics too
    path = tmp_path / "mobilenet.keras"
    model.save(path)
    expected = model.predict(x, verbose=0)

    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, atol=1e-6)
    assert loaded.count_params() == model.count_params()

    np.save(tmp_path / "x.npy", x)
    script = textwrap.dedent(
        f"""
        import numpy as np, kerastorch as keras
        model = keras.models.load_model({str(path)!r})
        np.save({str(tmp_path / "out.npy")!r}, model.predict(np.load({str(tmp_path / "x.npy")!r}), verbose=0))
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), expected, atol=1e-6)


def test_torchvision_features_config_round_trip():
    features = TorchvisionFeatures("mobilenet_v3_small", include_preprocessing=True)
    clone = TorchvisionFeatures.from_config(features.get_config())
    assert clone.get_config() == features.get_config()
    assert clone.state_dict().keys() == features.state_dict().keys()
    assert "pixel_mean" not in features.state_dict()  # constants, not weights
    with pytest.raises(ValueError, match="Did you mean: 'resnet50'"):
        TorchvisionFeatures("resnet5")
    with pytest.raises(ValueError, match="data_format"):
        TorchvisionFeatures("resnet18", data_format="nhwc")


# --- Keras's argument checks ------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"weights": "imagenet", "classes": 10}, "classes` should be 1000"),
        ({"weights": "nowhere.pth"}, "The `weights` argument should be"),
        ({"weights": None, "pooling": "mean", "include_top": False}, "pooling"),
        ({"weights": "imagenet", "classifier_activation": "relu"}, "Only `None` and `softmax`"),
        ({"weights": None, "input_shape": (16, 16, 3)}, "at least 32x32"),
        ({"weights": None, "input_shape": (None, None, 3)}, "static `input_shape`"),
        ({"weights": None, "input_shape": (64, 64, 1)}, "3 channels"),
        ({"weights": "imagenet", "input_shape": (64, 64, 3)}, r"should be \(224, 224, 3\)"),
        ({"weights": None, "classes": 0}, "classes"),
    ],
)
def test_bad_arguments_raise_keras_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        applications.ResNet18(**kwargs)


def test_family_specific_argument_errors():
    with pytest.raises(ValueError, match="minimalistic"):
        applications.MobileNetV3Small(weights=None, minimalistic=True)
    with pytest.raises(ValueError, match="alpha=1.0 only"):
        applications.MobileNetV3Large(alpha=0.75)
    with pytest.raises(ValueError, match="dropout_rate"):
        applications.MobileNetV3Small(weights=None, dropout_rate=1.5)
    with pytest.raises(ValueError, match=r"fixed input shape \(224, 224, 3\)"):
        applications.ViTB16(weights=None, include_top=False, input_shape=(64, 64, 3))
    with pytest.raises(ValueError, match="fixed input shape"):
        applications.ViTB16(weights=None, include_top=False, input_shape=(None, None, 3))
    assert applications.ViTB16(weights=None, include_top=False).output_shape == (None, 197, 768)


# --- preprocess_input and decode_predictions ----------------------------------------------------


def test_preprocess_input_torch_mode():
    x = _images(2, 4)
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    expected = (x / 255.0 - mean) / std
    original = x.copy()
    out = applications.resnet.preprocess_input(x)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(x, original)  # the input is left alone
    tensor_out = applications.vit.preprocess_input(torch.from_numpy(x))
    assert isinstance(tensor_out, torch.Tensor)
    np.testing.assert_allclose(tensor_out.numpy(), expected, rtol=1e-5, atol=1e-6)
    first = imagenet_utils.preprocess_input(x.transpose(0, 3, 1, 2), data_format="channels_first")
    np.testing.assert_allclose(first, expected.transpose(0, 3, 1, 2), rtol=1e-5, atol=1e-6)
    ints = imagenet_utils.preprocess_input(np.full((1, 2, 2, 3), 255, dtype="uint8"))
    assert ints.dtype == np.float32


def test_preprocess_input_tf_and_caffe_modes_and_errors():
    x = _images(1, 3)
    np.testing.assert_allclose(imagenet_utils.preprocess_input(x, mode="tf"), x / 127.5 - 1, rtol=1e-5)
    caffe = imagenet_utils.preprocess_input(x, mode="caffe")
    np.testing.assert_allclose(caffe, x[..., ::-1] - np.array([103.939, 116.779, 123.68]), rtol=1e-5)
    with pytest.raises(ValueError, match="mode"):
        imagenet_utils.preprocess_input(x, mode="keras")
    with pytest.raises(ValueError, match="data_format"):
        imagenet_utils.preprocess_input(x, data_format="nhwc")
    with pytest.raises(ValueError, match="3 \\(RGB\\) channels"):
        imagenet_utils.preprocess_input(np.zeros((1, 4, 4, 1)))
    for family in (applications.mobilenet_v3, applications.efficientnet, applications.convnext):
        assert family.preprocess_input(x) is x  # these models preprocess inside


def test_decode_predictions():
    preds = np.zeros((2, 1000), dtype="float32")
    preds[0, [1, 2, 0]] = [0.7, 0.2, 0.1]
    preds[1, 999] = 1.0
    decoded = imagenet_utils.decode_predictions(preds, top=3)
    assert decoded[0] == [(1, "goldfish", pytest.approx(0.7)), (2, "great white shark", pytest.approx(0.2)), (0, "tench", pytest.approx(0.1))]
    assert decoded[1][0][0] == 999 and len(decoded[1]) == 3
    assert applications.efficientnet.decode_predictions(torch.from_numpy(preds), top=1)[0][0][0] == 1
    with pytest.raises(ValueError, match=r"\(samples, 1000\).*\(2, 10\)"):
        imagenet_utils.decode_predictions(np.zeros((2, 10)))
    with pytest.raises(ValueError, match="top"):
        imagenet_utils.decode_predictions(preds, top=0)


def test_keras_module_layout():
    assert applications.resnet50.ResNet50 is applications.ResNet50
    assert applications.resnet50.preprocess_input is applications.resnet.preprocess_input
    assert keras.applications.ViTB16 is applications.vit.ViTB16
