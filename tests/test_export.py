"""model.export: torch.export (.pt2) and ONNX programs that match `predict`."""

import os

import numpy as np
import pytest
import torch

import kerastorch as keras
from kerastorch import layers
from kerastorch import ops

BATCHES = (3, 7)


def _onnx_session(path):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxscript")
    ort = pytest.importorskip("onnxruntime")
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _export_both(model, folder, name, **kwargs):
    """Export to .pt2 and (when onnx is installed) .onnx; the paths."""
    pt2 = folder / f"{name}.pt2"
    model.export(pt2, verbose=False, **kwargs)
    onnx_path = None
    try:
        import onnx  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError:
        pass
    else:
        onnx_path = folder / f"{name}.onnx"
        model.export(onnx_path, format="onnx", verbose=False, **kwargs)
    return pt2, onnx_path


# --- the three models of the issue, exported once per module -------------------------


@pytest.fixture(scope="module")
def cnn(tmp_path_factory):
    torch.manual_seed(1)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            layers.Conv2D(4, 3, activation="relu"),
            layers.BatchNormalization(),
            layers.Dropout(0.5),
            layers.Flatten(),
            layers.Dense(2),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(1)
    x = rng.random((16, 8, 8, 3), dtype=np.float32) * 3
    model.fit(
        x, rng.random((16, 2), dtype=np.float32), batch_size=16, epochs=1, verbose=0
    )
    model.train()  # left in training mode: export must not care, and must restore it
    folder = tmp_path_factory.mktemp("cnn")
    pt2, onnx_path = _export_both(model, folder, "cnn")
    model.modes_after_export = [m.training for m in model.modules()]
    return model, x, pt2, onnx_path


@pytest.fixture(scope="module")
def two_inputs(tmp_path_factory):
    torch.manual_seed(2)
    a = keras.Input((4,), name="a")
    b = keras.Input((6,), name="b")
    h = ops.concatenate(
        [layers.Dense(3)(a), layers.Dense(5, activation="tanh")(b)], axis=-1
    )
    model = keras.Model([a, b], layers.Dense(2, name="score")(h))
    rng = np.random.default_rng(2)
    x = [rng.random((16, 4), dtype=np.float32), rng.random((16, 6), dtype=np.float32)]
    pt2, onnx_path = _export_both(model, tmp_path_factory.mktemp("two"), "two")
    return model, x, pt2, onnx_path


@pytest.fixture(scope="module")
def preprocessing(tmp_path_factory):
    torch.manual_seed(3)
    rng = np.random.default_rng(3)
    norm = layers.Normalization()
    norm.adapt(rng.random((40, 8, 8, 3), dtype=np.float32) * 4 + 1)
    model = keras.Sequential(
        [
            keras.Input((10, 10, 3)),
            layers.Rescaling(1 / 64.0),
            layers.CenterCrop(8, 8),
            norm,
            layers.Resizing(6, 6),
            layers.Flatten(),
            layers.Dense(3),
        ]
    )
    x = (rng.random((16, 10, 10, 3)) * 255).astype(np.float32)
    state_keys = sorted(model.state_dict())
    pt2, onnx_path = _export_both(model, tmp_path_factory.mktemp("pre"), "pre")
    return model, x, pt2, onnx_path, state_keys


def _slice(x, n):
    return [v[:n] for v in x] if isinstance(x, list) else x[:n]


@pytest.mark.parametrize("name", ["cnn", "two_inputs", "preprocessing"])
@pytest.mark.parametrize("batch", BATCHES)
def test_pt2_matches_predict(request, name, batch):
    model, x, pt2, *_ = request.getfixturevalue(name)
    program = torch.export.load(str(pt2))
    xb = _slice(x, batch)
    inputs = (
        [torch.from_numpy(v) for v in xb]
        if isinstance(xb, list)
        else torch.from_numpy(xb)
    )
    out = program.module()(inputs)
    assert out.shape[0] == batch
    np.testing.assert_allclose(out.numpy(), model.predict(xb, verbose=0), atol=1e-5)


@pytest.mark.parametrize("name", ["cnn", "two_inputs", "preprocessing"])
@pytest.mark.parametrize("batch", BATCHES)
def test_onnx_matches_predict(request, name, batch):
    model, x, _, onnx_path, *_ = request.getfixturevalue(name)
    session = _onnx_session(onnx_path)
    xb = _slice(x, batch)
    names = [i.name for i in session.get_inputs()]
    feeds = dict(zip(names, xb if isinstance(xb, list) else [xb]))
    (out,) = session.run(None, feeds)
    assert out.shape[0] == batch
    np.testing.assert_allclose(out, model.predict(xb, verbose=0), atol=1e-5)


def test_cnn_batchnorm_stats_are_trained_and_dropout_is_off(cnn):
    model, x, pt2, _ = cnn
    bn = model.layers[1]
    assert not torch.allclose(bn.moving_mean, torch.zeros_like(bn.moving_mean))
    module = torch.export.load(str(pt2)).module()
    xb = torch.from_numpy(x[:5])
    torch.testing.assert_close(module(xb), module(xb))  # no dropout noise
    # Batch statistics would differ from the moving ones: the export used the latter.
    torch.testing.assert_close(
        module(xb), model(xb, training=False), atol=1e-5, rtol=1e-5
    )


def test_training_mode_is_restored(cnn):
    model, *_ = cnn
    assert model.modes_after_export == [True] * len(model.modes_after_export)


def test_eval_mode_is_restored(tmp_path):
    model = keras.Sequential([keras.Input((4,)), layers.Dropout(0.2), layers.Dense(2)])
    model.eval()
    model.layers[0].train()  # a mixed state comes back exactly
    before = [(type(m).__name__, m.training) for m in model.modules()]
    assert ("Dropout", True) in before and ("Dense", False) in before
    model.export(tmp_path / "m.pt2", verbose=False)
    assert [(type(m).__name__, m.training) for m in model.modules()] == before


def test_model_still_trains_and_predicts_after_export(cnn):
    model, x, *_ = cnn
    model.fit(x[:5], np.zeros((5, 2), np.float32), batch_size=5, epochs=1, verbose=0)
    assert model.predict(x[:9], verbose=0).shape == (9, 2)
    assert all(
        not isinstance(loss, torch.Tensor) or loss.device.type != "meta"
        for loss in model.losses
    )


def test_export_leaves_weights_and_aliases_unchanged(preprocessing):
    model, x, _, _, state_keys = preprocessing
    norm = model.layers[2]
    assert sorted(model.state_dict()) == state_keys
    assert "adapt_mean" in norm.__dict__ and "adapt_mean" not in norm._parameters
    before = model.predict(x[:4], verbose=0)
    norm.adapt_mean.assign(norm.adapt_mean + 1.0)  # the alias is still the live weight
    assert not np.allclose(model.predict(x[:4], verbose=0), before)
    norm.adapt_mean.assign(norm.adapt_mean - 1.0)


def test_pt2_holds_plain_grad_free_parameters(cnn):
    _, _, pt2, _ = cnn
    program = torch.export.load(str(pt2))
    assert program.state_dict
    for value in program.state_dict.values():
        assert type(value) in (torch.nn.Parameter, torch.Tensor)
        assert not value.requires_grad
    dims = {
        n.name: n.meta["val"].shape
        for n in program.graph.nodes
        if n.op == "placeholder"
    }
    user_input = program.graph_signature.user_inputs[0]
    assert isinstance(dims[user_input][0], torch.SymInt)  # dynamic batch


def test_onnx_names_and_dynamic_batch_axis(two_inputs, cnn):
    session = _onnx_session(two_inputs[3])
    assert [(i.name, i.shape) for i in session.get_inputs()] == [
        ("a", ["batch", 4]),
        ("b", ["batch", 6]),
    ]
    assert [(o.name, o.shape) for o in session.get_outputs()] == [
        ("score", ["batch", 2])
    ]
    session = _onnx_session(cnn[3])
    assert session.get_outputs()[0].name == "output_0"
    assert session.get_inputs()[0].shape == ["batch", 8, 8, 3]
    assert not os.path.exists(str(cnn[3]) + ".data")  # small weights stay inline


def test_dict_inputs_and_outputs(tmp_path):
    a = keras.Input((4,), name="input_for_a")  # ONNX inputs take the dict keys
    b = keras.Input((2,), name="input_for_b")
    h = layers.Dense(3)(a) * layers.Dense(3)(b)
    model = keras.Model(
        {"b": b, "a": a}, {"y": layers.Dense(2)(h), "z": layers.Dense(1)(h)}
    )
    pt2, onnx_path = _export_both(model, tmp_path, "d")
    x = {
        "a": np.random.rand(5, 4).astype("float32"),
        "b": np.random.rand(5, 2).astype("float32"),
    }
    expected = model.predict(x, verbose=0)
    out = torch.export.load(str(pt2)).module()(
        {k: torch.from_numpy(v) for k, v in x.items()}
    )
    assert sorted(out) == ["y", "z"]
    for key in ("y", "z"):
        np.testing.assert_allclose(out[key].numpy(), expected[key], atol=1e-5)
    if onnx_path is not None:
        session = _onnx_session(onnx_path)
        assert [i.name for i in session.get_inputs()] == ["a", "b"]
        assert [o.name for o in session.get_outputs()] == ["y", "z"]
        y, z = session.run(["y", "z"], x)
        np.testing.assert_allclose(z, expected["z"], atol=1e-5)


def test_integer_inputs_and_free_sequence_axis(tmp_path):
    inputs = keras.Input((None,), dtype="int64")
    x = layers.GlobalAveragePooling1D()(layers.Embedding(20, 4)(inputs))
    model = keras.Model(inputs, layers.Dense(2)(x))
    model.export(tmp_path / "e.pt2", verbose=False)
    module = torch.export.load(str(tmp_path / "e.pt2")).module()
    for shape in ((3, 5), (6, 11)):
        tokens = torch.randint(0, 20, shape)
        torch.testing.assert_close(module(tokens), model(tokens, training=False))


# --- signatures ---------------------------------------------------------------------------


class Subclassed(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(3)
        self.dropout = layers.Dropout(0.5)

    def call(self, x, training=None):
        return self.dropout(self.dense(x), training=training)


def test_subclassed_model_uses_its_first_call_shape(tmp_path):
    model = Subclassed()
    model(np.zeros((5, 6), "float32"))
    model.export(tmp_path / "s.pt2", verbose=False)
    x = torch.randn(9, 6)
    out = torch.export.load(str(tmp_path / "s.pt2")).module()(x)
    torch.testing.assert_close(out, model(x, training=False))


def test_unbuilt_model_needs_a_signature(tmp_path):
    model = Subclassed(name="fresh")
    with pytest.raises(ValueError, match="'fresh' has not been called"):
        model.export(tmp_path / "s.pt2", verbose=False)
    assert not os.path.exists(tmp_path / "s.pt2")


@pytest.mark.parametrize(
    "signature",
    [
        keras.InputSpec(shape=(None, 6)),
        [keras.InputSpec(shape=(None, 6), dtype="float32")],
        ((None, 6), "float32"),
        keras.KerasTensor((None, 6)),
        np.zeros((2, 6), "float32"),
    ],
    ids=["InputSpec", "list", "pair", "KerasTensor", "example"],
)
def test_input_signature_forms_build_and_export(tmp_path, signature):
    model = Subclassed()
    model.export(tmp_path / "s.pt2", verbose=False, input_signature=signature)
    x = torch.randn(4, 6)
    out = torch.export.load(str(tmp_path / "s.pt2")).module()(x)
    torch.testing.assert_close(out, model(x, training=False))


def test_multi_input_signature_as_keras_positional_list(tmp_path, two_inputs):
    model, x, *_ = two_inputs
    signature = [
        [keras.InputSpec(shape=(None, 4), name="left"), ((None, 6), "float32")]
    ]
    path = tmp_path / "two.pt2"
    model.export(path, verbose=False, input_signature=signature)
    out = torch.export.load(str(path)).module()([torch.from_numpy(v[:3]) for v in x])
    np.testing.assert_allclose(
        out.numpy(), model.predict(_slice(x, 3), verbose=0), atol=1e-5
    )


@pytest.mark.parametrize(
    "signature, error, match",
    [
        ("float32", TypeError, "must be a `kerastorch.InputSpec`"),
        (keras.InputSpec(ndim=2), ValueError, "needs a full `shape`"),
        ((None, 6), ValueError, "not a bare shape"),
        (((), "float32"), ValueError, "rank >= 1"),
        (((None, 3), "string"), ValueError, "string inputs cannot be exported"),
    ],
)
def test_bad_input_signature(tmp_path, signature, error, match):
    with pytest.raises(error, match=match):
        Subclassed().export(
            tmp_path / "s.pt2", verbose=False, input_signature=signature
        )


# --- arguments, paths, messages ------------------------------------------------------------


@pytest.fixture
def small():
    return keras.Sequential([keras.Input((4,)), layers.Dense(2)])


def test_verbose_prints_one_line(tmp_path, small, capsys):
    path = tmp_path / "nested" / "dir" / "m.pt2"  # folders are created
    small.export(path)
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert str(path) in out and "float32[batch, 4]" in out
    small.export(path, verbose=False)
    assert capsys.readouterr().out == ""


def test_unknown_format_lists_close_matches(tmp_path, small):
    with pytest.raises(
        ValueError,
        match=r"Could not interpret format identifier: 'onx'\. Did you mean: 'onnx'\?",
    ):
        small.export(tmp_path / "m.onnx", format="onx")
    with pytest.raises(ValueError, match=r"Valid formats: \['onnx', 'torch'\]"):
        small.export(tmp_path / "m.pt2", format="zip")
    with pytest.raises(ValueError, match="needs TensorFlow"):
        small.export(tmp_path / "m.pt2", format="tf_saved_model")
    with pytest.raises(TypeError, match="`format` must be a string"):
        small.export(tmp_path / "m.pt2", format=None)


def test_extension_must_match_format(tmp_path, small):
    with pytest.raises(
        ValueError,
        match=r"must end in '\.pt2' \(a '\.onnx' file is written by format='onnx'\)",
    ):
        small.export(tmp_path / "m.onnx")
    with pytest.raises(ValueError, match=r"must end in '\.onnx'"):
        small.export(tmp_path / "m.pt2", format="onnx")
    with pytest.raises(ValueError, match=r"must end in '\.pt2'"):
        small.export(tmp_path / "model", format="torch")
    (tmp_path / "d.pt2").mkdir()
    with pytest.raises(ValueError, match="is a directory"):
        small.export(tmp_path / "d.pt2")
    with pytest.raises(TypeError, match="`filepath` must be a string"):
        small.export(3)
    assert sorted(os.listdir(tmp_path)) == ["d.pt2"]


def test_unknown_kwargs(tmp_path, small):
    with pytest.raises(TypeError, match=r"format='torch': \['opset_version'\]"):
        small.export(tmp_path / "m.pt2", opset_version=18)


def test_onnx_missing_names_the_extra(tmp_path, small, monkeypatch):
    import sys

    monkeypatch.setitem(
        sys.modules, "onnx", None
    )  # `import onnx` now raises ImportError
    with pytest.raises(ImportError, match=r'pip install "kerastorch\[export\]"'):
        small.export(tmp_path / "m.onnx", format="onnx")


# --- layers that cannot be exported ------------------------------------------------------


class UsesNumpy(layers.Layer):
    def call(self, x):
        return x + float(x.detach().numpy().mean())


class BranchesOnValues(layers.Layer):
    def call(self, x):
        if x.sum() > 0:
            return x
        return -x


class FixesBatchSize(layers.Layer):
    def call(self, x):
        return x.reshape(4, -1)  # only works for a batch of 4


@pytest.mark.parametrize("cls", [UsesNumpy, BranchesOnValues, FixesBatchSize])
def test_non_exportable_layer_is_named(tmp_path, cls):
    model = keras.Sequential([keras.Input((8,)), layers.Dense(4), cls(name="blocker")])
    with pytest.raises(
        RuntimeError, match=rf"layer 'blocker' \({cls.__name__}\) cannot be traced"
    ) as info:
        model.export(tmp_path / "m.pt2", verbose=False)
    assert info.value.__cause__ is not None  # torch's own error is chained
    assert os.listdir(tmp_path) == []  # nothing written, no temporary file left
    assert model.predict(np.ones((4, 8), "float32"), verbose=0).shape == (4, 4)


def test_non_exportable_layer_inside_nested_model_is_named(tmp_path):
    inner = keras.Sequential(
        [layers.Dense(4), FixesBatchSize(name="deep_blocker")], name="inner"
    )
    inputs = keras.Input((8,))
    model = keras.Model(inputs, layers.Activation("relu")(inner(inputs)))
    with pytest.raises(RuntimeError, match="layer 'deep_blocker'"):
        model.export(tmp_path / "m.pt2", verbose=False)
    inner = keras.Sequential(
        [layers.Dense(4), UsesNumpy(name="numpy_blocker")], name="inner2"
    )
    model = keras.Model(inputs, inner(inputs))
    with pytest.raises(RuntimeError, match="layer 'numpy_blocker'"):
        model.export(tmp_path / "m.pt2", verbose=False)


def test_strict_mode_traces_with_dynamo(tmp_path, small):
    small.export(tmp_path / "m.pt2", verbose=False, strict=True)
    x = torch.randn(5, 4)
    out = torch.export.load(str(tmp_path / "m.pt2")).module()(x)
    torch.testing.assert_close(out, small(x, training=False))


def test_merge_layers_export_with_a_dynamic_batch(tmp_path):
    a, b = keras.Input((4,)), keras.Input((3,))
    h = keras.layers.Concatenate()([keras.layers.Dense(5)(a), keras.layers.Dense(5)(b)])
    out = keras.layers.Add()([keras.layers.Dense(2)(h), keras.layers.Dense(2)(h)])
    model = keras.Model([a, b], out)
    model.export(tmp_path / "merge.pt2", verbose=False)
    program = torch.export.load(tmp_path / "merge.pt2").module()
    for n in (3, 7):
        xa, xb = np.random.rand(n, 4).astype("float32"), np.random.rand(n, 3).astype("float32")
        np.testing.assert_allclose(
            program([torch.from_numpy(xa), torch.from_numpy(xb)]).numpy(),
            model.predict([xa, xb], verbose=0),
            atol=1e-5,
        )
