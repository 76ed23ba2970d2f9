"""The Functional API: Input, symbolic calls, Model(inputs, outputs) graphs."""

import json
import resource
import shutil

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import kerastorch as keras
from kerastorch import layers
from kerastorch import ops
from kerastorch.backend.keras_tensor import KerasTensor


def close(a, b, atol=1e-5):
    a = a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)
    b = b.detach().cpu().numpy() if isinstance(b, torch.Tensor) else np.asarray(b)
    np.testing.assert_allclose(a, b, atol=atol, rtol=1e-5)


def dense(layer, x):
    return x @ layer.kernel + layer.bias


# --- building graphs ---------------------------------------------------------------


def test_input_is_symbolic_with_none_batch():
    x = keras.Input(shape=(32,), name="features")
    assert isinstance(x, KerasTensor)
    assert x.shape == (None, 32) and x.dtype == "float32" and x.name == "features"
    y = layers.Dense(4)(x)
    assert isinstance(y, KerasTensor) and y.shape == (None, 4)
    assert keras.Input(shape=(3,), batch_size=8).shape == (8, 3)
    assert keras.Input(shape=(None, 5), dtype="int64").dtype == "int64"


def test_residual_block_matches_torch():
    inputs = keras.Input(shape=(8,))
    h = layers.Dense(16, activation="relu", name="d1")(inputs)
    h = layers.Dense(8, name="d2")(h)
    outputs = layers.Add(name="add")([inputs, h])
    model = keras.Model(inputs, outputs, name="residual")
    assert [layer.name for layer in model.layers][1:] == ["d1", "d2", "add"]
    assert isinstance(model.layers[0], layers.InputLayer)
    x = torch.randn(5, 8)
    d1, d2 = model.get_layer("d1"), model.get_layer("d2")
    close(model(x), x + dense(d2, torch.relu(dense(d1, x))))
    assert model.output_shape == (None, 8)


def test_inception_branches_concat_match_torch_convs():
    inputs = keras.Input(shape=(12, 12, 3))
    b1 = layers.Conv2D(4, 1, padding="same", name="b1")(inputs)
    b3 = layers.Conv2D(5, 3, padding="same", name="b3")(inputs)
    pool = layers.MaxPooling2D(3, strides=1, padding="same")(inputs)
    bp = layers.Conv2D(2, 1, name="bp")(pool)
    out = layers.Concatenate(axis=-1)([b1, b3, bp])
    model = keras.Model(inputs, out)
    assert out.shape == (None, 12, 12, 11)
    x = torch.randn(2, 12, 12, 3)
    nchw = x.permute(0, 3, 1, 2)

    def conv(layer, t, padding):
        w = layer.kernel.permute(3, 2, 0, 1)
        return F.conv2d(t, w, layer.bias, padding=padding)

    pooled = F.max_pool2d(F.pad(nchw, (1, 1, 1, 1), value=-float("inf")), 3, stride=1)
    expected = torch.cat(
        [
            conv(model.get_layer("b1"), nchw, 0),
            conv(model.get_layer("b3"), nchw, 1),
            conv(model.get_layer("bp"), pooled, 0),
        ],
        dim=1,
    ).permute(0, 2, 3, 1)
    close(model(x), expected, atol=1e-4)


def test_two_input_two_output_training_with_per_output_losses():
    keras.utils.set_random_seed(0)
    title = keras.Input(shape=(6,), name="title")
    body = keras.Input(shape=(10,), name="body")
    x = layers.Concatenate()([layers.Dense(8, activation="relu")(title), layers.Dense(8, activation="relu")(body)])
    priority = layers.Dense(1, name="priority")(x)
    department = layers.Dense(3, activation="softmax", name="department")(x)
    model = keras.Model(inputs=[title, body], outputs=[priority, department])
    assert model.input_names == ["title", "body"]
    assert model.output_names == ["priority", "department"]
    model.compile(
        optimizer="adam",
        loss={"priority": "mse", "department": "sparse_categorical_crossentropy"},
        loss_weights={"priority": 1.0, "department": 0.2},
        metrics={"department": ["accuracy"]},
    )
    n = 96
    rng = np.random.default_rng(0)
    xt = rng.random((n, 6), dtype=np.float32)
    xb = rng.random((n, 10), dtype=np.float32)
    yp = xt.sum(1, keepdims=True)
    yd = (xb[:, 0] * 3).astype("int64")
    history = model.fit(
        {"title": xt, "body": xb},
        {"priority": yp, "department": yd},
        epochs=3,
        batch_size=32,
        validation_split=0.25,
        verbose=0,
    )
    expected_keys = {"loss", "priority_loss", "department_loss", "department_accuracy"}
    assert set(history.history) == expected_keys | {f"val_{k}" for k in expected_keys}
    assert history.history["loss"][-1] < history.history["loss"][0]
    logs = model.evaluate([xt, xb], [yp, yd], verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(logs["priority_loss"] + 0.2 * logs["department_loss"], rel=1e-5)
    preds = model.predict({"title": xt, "body": xb}, verbose=0)
    assert isinstance(preds, list) and preds[0].shape == (n, 1) and preds[1].shape == (n, 3)


def test_dict_outputs_name_the_losses_and_history_keys():
    inputs = keras.Input(shape=(4,))
    h = layers.Dense(8)(inputs)
    model = keras.Model(inputs, {"a": layers.Dense(1)(h), "b": layers.Dense(2)(h)})
    assert model.output_names == ["a", "b"]
    model.compile(optimizer="sgd", loss={"a": "mse", "b": "mse"})
    x = np.random.rand(16, 4).astype("float32")
    history = model.fit(x, {"a": x[:, :1], "b": x[:, :2]}, epochs=1, verbose=0)
    assert set(history.history) == {"loss", "a_loss", "b_loss"}
    out = model(torch.from_numpy(x))
    assert set(out) == {"a", "b"} and out["b"].shape == (16, 2)


def test_siamese_shared_encoder_counts_weights_once():
    encoder_in = keras.Input(shape=(5,))
    encoder = keras.Model(encoder_in, layers.Dense(3, name="embed")(encoder_in), name="encoder")
    left, right = keras.Input(shape=(5,), name="left"), keras.Input(shape=(5,), name="right")
    el, er = encoder(left), encoder(right)
    distance = layers.Lambda(lambda t: ops.sum(ops.abs(t[0] - t[1]), axis=1, keepdims=True))([el, er])
    siamese = keras.Model([left, right], distance)
    assert len(siamese.weights) == 2
    assert siamese.count_params() == 5 * 3 + 3
    assert len(list(siamese.parameters())) == 2
    a, b = torch.randn(4, 5), torch.randn(4, 5)
    embed = encoder.get_layer("embed")
    close(siamese([a, b]), (dense(embed, a) - dense(embed, b)).abs().sum(1, keepdim=True))
    # Both branches train the same weights.
    siamese.compile(optimizer="sgd", loss="mse")
    before = embed.kernel.detach().clone()
    siamese.fit([a.numpy(), b.numpy()], np.zeros((4, 1), "float32"), epochs=1, verbose=0)
    assert not torch.equal(before, embed.kernel)


def test_shared_layer_called_twice_in_one_graph():
    shared = layers.Dense(4, name="shared")
    a, b = keras.Input(shape=(4,)), keras.Input(shape=(4,))
    out = layers.Add()([shared(a), shared(shared(b))])
    model = keras.Model([a, b], out)
    assert len(shared._inbound_nodes) == 3
    assert sum(layer is shared for layer in model.layers) == 1
    x, y = torch.randn(2, 4), torch.randn(2, 4)
    close(model([x, y]), dense(shared, x) + dense(shared, dense(shared, y)))
    assert "shared[1][0]" in model._summary_connections["shared"]


def test_feature_extraction_from_intermediate_layer():
    seq = keras.Sequential(
        [
            keras.Input(shape=(8, 8, 1)),
            layers.Conv2D(4, 3, name="conv1"),
            layers.Conv2D(6, 3, name="conv2"),
            layers.Flatten(),
            layers.Dense(2),
        ]
    )
    extractor = keras.Model(inputs=seq.input, outputs=seq.get_layer("conv2").output)
    assert extractor.output_shape == (None, 4, 4, 6)
    x = torch.randn(3, 8, 8, 1)
    close(extractor(x), seq.get_layer("conv2")(seq.get_layer("conv1")(x)))
    # Every layer's output, as in the Keras guide.
    features = keras.Model(inputs=seq.inputs, outputs=[layer.output for layer in seq.layers])
    outs = features(x)
    assert len(outs) == 4 and outs[-1].shape == (3, 2)
    close(outs[-1], seq(x))


def test_sequential_built_from_data_has_a_graph():
    seq = keras.Sequential([layers.Dense(4, name="h"), layers.Dense(1)])
    seq(np.zeros((2, 3), "float32"))
    assert seq.inputs[0].shape == (None, 3)
    assert seq.outputs[0].shape == (None, 1)
    sub = keras.Model(seq.inputs, seq.get_layer("h").output)
    x = torch.randn(2, 3)
    close(sub(x), seq.get_layer("h")(x))


def test_nested_models_as_layers_and_training():
    inner_in = keras.Input(shape=(6,))
    inner = keras.Model(inner_in, layers.Dense(4, activation="relu", name="inner_dense")(inner_in), name="inner")
    stack = keras.Sequential([layers.Dense(3, name="stack_dense")], name="stack")
    inputs = keras.Input(shape=(6,))
    outputs = stack(inner(inputs))
    model = keras.Model(inputs, outputs, name="outer")
    assert [layer.name for layer in model.layers][1:] == ["inner", "stack"]
    assert outputs.shape == (None, 3)
    x = torch.randn(2, 6)
    expected = dense(stack.get_layer("stack_dense"), torch.relu(dense(inner.get_layer("inner_dense"), x)))
    close(model(x), expected)
    assert len(model.trainable_weights) == 4
    model.compile(optimizer="sgd", loss="mse")
    before = inner.get_layer("inner_dense").kernel.detach().clone()
    model.fit(x.numpy(), np.ones((2, 3), "float32"), epochs=2, verbose=0)
    assert not torch.equal(before, inner.get_layer("inner_dense").kernel)
    lines = []
    model.summary(print_fn=lines.append, expand_nested=True)
    text = "\n".join(lines)
    assert "inner (Functional)" in text and "inner_dense" in text and "Connected to" in text


def test_symbolic_operators_and_ops_become_nodes():
    inputs = keras.Input(shape=(4, 6))
    a = inputs[:, 1:3] * 2.0 + 1.0  # (None, 2, 6)
    b = ops.matmul(inputs, ops.ones((6, 3))) - 0.5  # (None, 4, 3)
    c = ops.mean(b, axis=1)  # (None, 3)
    d = ops.expand_dims(c, 1) / 4.0  # (None, 1, 3)
    e = ops.reshape(a, (-1, 12))  # (None, 12)
    f = ops.concatenate([e, ops.reshape(d, (-1, 3)), -c, abs(c) ** 2], axis=-1)  # (None, 21)
    g = (inputs @ ops.ones((6, 2)))[:, 0]  # (None, 2)
    model = keras.Model(inputs, [f, g])
    assert f.shape == (None, 21) and g.shape == (None, 2)
    x = torch.randn(3, 4, 6)
    bb = x @ torch.ones(6, 3) - 0.5
    cc = bb.mean(1)
    expected_f = torch.cat(
        [(x[:, 1:3] * 2 + 1).reshape(-1, 12), cc / 4, -cc, cc.abs() ** 2], dim=-1
    )
    out_f, out_g = model(x)
    close(out_f, expected_f)
    close(out_g, (x @ torch.ones(6, 2))[:, 0])
    # The op nodes survive a config round trip.
    clone = keras.Model.from_config(json.loads(json.dumps(model.get_config())))
    for got, want in zip(clone(x), model(x)):
        close(got, want)


def test_training_flag_and_recorded_training_false():
    keras.utils.set_random_seed(1)
    base_in = keras.Input(shape=(4,))
    base = keras.Model(base_in, layers.BatchNormalization(name="bn")(base_in), name="base")
    inputs = keras.Input(shape=(4,))
    x = base(inputs, training=False)  # frozen in inference mode, as in transfer learning
    x = layers.Dropout(0.5)(x)
    model = keras.Model(inputs, layers.Dense(1)(x))
    bn = base.get_layer("bn")
    model.compile(optimizer="sgd", loss="mse")
    data = np.random.rand(32, 4).astype("float32") * 5 + 3
    model.fit(data, np.zeros((32, 1), "float32"), epochs=1, verbose=0)
    close(bn.moving_mean, torch.zeros(4))  # never updated: the node says training=False
    # Dropout is active only when training.
    t = torch.ones(64, 4)
    close(model(t), model(t))
    assert not torch.allclose(model(t, training=True), model(t, training=True))


def test_masks_flow_through_the_graph():
    seen = {}

    class Probe(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, x, mask=None):
            seen["mask"] = mask
            return x

    inputs = keras.Input(shape=(5,), dtype="int64")
    x = layers.Embedding(10, 3, mask_zero=True)(inputs)
    out = Probe()(x)
    model = keras.Model(inputs, out)
    tokens = torch.tensor([[1, 2, 0, 0, 0], [3, 0, 0, 0, 0]])
    result = model(tokens)
    assert torch.equal(seen["mask"], tokens != 0)
    assert torch.equal(result._keras_mask, tokens != 0)


def test_config_round_trip_predicts_identically():
    shared = layers.Dense(4, name="shared")
    inner_in = keras.Input(shape=(4,))
    inner = keras.Model(inner_in, layers.Dense(4, name="inner_d")(inner_in), name="inner")
    a = keras.Input(shape=(4,), name="a")
    b = keras.Input(shape=(4,), name="b")
    x = layers.Concatenate()([shared(a), inner(shared(b))])
    x = layers.Dropout(0.3)(x, training=False)
    out1 = layers.Dense(2, name="o1")(x)
    out2 = layers.Dense(1, name="o2")(x[:, :3] * 0.5)
    model = keras.Model({"a": a, "b": b}, [out1, out2], name="multi")
    config = json.loads(json.dumps(model.get_config()))
    assert config["input_layers"] == {"a": ["a", 0, 0], "b": ["b", 0, 0]}
    shared_config = next(c for c in config["layers"] if c["name"] == "shared")
    assert len(shared_config["inbound_nodes"]) == 2
    clone = keras.Model.from_config(config)
    assert isinstance(clone, keras.models.Functional)
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    clone.set_weights(model.get_weights())
    data = {"a": torch.randn(3, 4), "b": torch.randn(3, 4)}
    for got, want in zip(clone(data), model(data)):
        close(got, want)
    # The same through JSON.
    from_json = keras.models.model_from_json(model.to_json())
    from_json.load_state_dict(model.state_dict())
    for got, want in zip(from_json(data), model(data)):
        close(got, want)


def test_clone_model_new_weights_same_architecture():
    keras.utils.set_random_seed(2)
    shared = layers.Dense(3, name="s")
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, layers.Add()([shared(inputs), shared(shared(inputs))]))
    clone = keras.models.clone_model(model)
    assert clone is not model and len(clone.weights) == len(model.weights) == 2
    assert clone.get_layer("s") is not shared
    assert not torch.equal(clone.get_layer("s").kernel, shared.kernel)
    clone.set_weights(model.get_weights())
    x = torch.randn(4, 3)
    close(clone(x), model(x))
    # clone_function sees every layer; Sequential clones too.
    seen = []

    def fn(layer):
        seen.append(layer.name)
        return layer.__class__.from_config(layer.get_config())

    seq = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(2, name="a"), layers.Dense(1, name="b")])
    seq_clone = keras.models.clone_model(seq, clone_function=fn)
    assert seen == ["a", "b"] and isinstance(seq_clone, keras.Sequential)
    assert seq_clone.input_shape == (None, 2)
    new_input = keras.Input(shape=(3,), name="new")
    rebased = keras.models.clone_model(model, input_tensors=new_input)
    assert rebased.inputs[0] is new_input


def test_subclass_calling_functional_init():
    class Wrapped(keras.Model):
        def __init__(self, units, **kwargs):
            inputs = keras.Input(shape=(4,))
            outputs = layers.Dense(units)(inputs)
            super().__init__(inputs, outputs, **kwargs)
            self.units = units

    model = Wrapped(3, name="wrapped")
    assert isinstance(model, Wrapped) and isinstance(model, keras.models.Functional)
    assert model(torch.randn(2, 4)).shape == (2, 3) and model.name == "wrapped"


def test_shape_inference_does_no_real_computation():
    # Running this graph for real would need > 16 GiB for one activation.
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    inputs = keras.Input(batch_shape=(8, 4096, 4096, 4))
    x = layers.Conv2D(32, 3, padding="same")(inputs)
    x = layers.Conv2D(32, 3, padding="same")(x)
    x = ops.relu(x) * 2.0
    x = layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inputs, layers.Dense(10)(x))
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert model.output_shape == (8, 10)
    assert (after - before) * 1024 < 2**30  # ru_maxrss is in KiB on Linux


def test_input_rank_adjustment_and_dtype():
    inputs = keras.Input(shape=(1,))
    model = keras.Model(inputs, layers.Dense(2)(inputs))
    assert model(torch.randn(5)).shape == (5, 2)  # (5,) → (5, 1), as Keras does
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.arange(8, dtype="float32"), np.zeros((8, 2), "float32"), epochs=1, verbose=0)


def test_get_layer_by_index_and_errors():
    inputs = keras.Input(shape=(2,), name="in")
    model = keras.Model(inputs, layers.Dense(1, name="out")(inputs))
    assert model.get_layer(index=1).name == "out"
    with pytest.raises(ValueError, match="No such layer: nope"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="only a layer name or a layer index"):
        model.get_layer("out", index=0)


# --- errors ------------------------------------------------------------------------


def test_graph_disconnected_names_the_missing_input():
    a, b = keras.Input(shape=(3,), name="a"), keras.Input(shape=(3,), name="b")
    out = layers.Add()([a, b])
    with pytest.raises(ValueError, match=r"Graph disconnected.*layer 'b'"):
        keras.Model(a, out)


def test_outputs_must_be_derived_symbolic_tensors():
    inputs = keras.Input(shape=(3,))
    with pytest.raises(ValueError, match="must be symbolic tensors"):
        keras.Model(inputs, torch.zeros(3))
    with pytest.raises(ValueError, match="not produced by a layer"):
        keras.Model(inputs, KerasTensor((None, 3)))
    with pytest.raises(ValueError, match="must be symbolic tensors"):
        keras.Model(np.zeros(3), layers.Dense(1)(inputs))


def test_duplicate_layer_names_rejected():
    inputs = keras.Input(shape=(3,))
    x = layers.Dense(2, name="same")(inputs)
    with pytest.raises(ValueError, match="should be unique"):
        keras.Model(inputs, layers.Dense(2, name="same")(x))


def test_calling_with_wrong_number_or_shape_of_inputs():
    a, b = keras.Input(shape=(3,), name="a"), keras.Input(shape=(2,), name="b")
    model = keras.Model([a, b], layers.Concatenate()([a, b]))
    with pytest.raises(ValueError, match=r"expects 2 input\(s\) \['a', 'b'\].*received 1"):
        model(torch.zeros(4, 3))
    with pytest.raises(ValueError, match=r"Input 1 \('b'\).*expected shape=\(None, 2\), found shape=\(4, 5\)"):
        model([torch.zeros(4, 3), torch.zeros(4, 5)])
    with pytest.raises(ValueError, match="Missing input 'b'"):
        model({"a": torch.zeros(4, 3)})
    close(model({"a": torch.ones(1, 3), "b": torch.zeros(1, 2)}), [[1, 1, 1, 0, 0]])


def test_incompatible_shapes_at_merge_layer_name_the_layer():
    a, b = keras.Input(shape=(3,)), keras.Input(shape=(4,))
    with pytest.raises(ValueError, match="add"):
        layers.Add(name="add_bad")([a, b])


def test_from_config_with_dangling_reference():
    inputs = keras.Input(shape=(2,), name="i")
    model = keras.Model(inputs, layers.Dense(1, name="d")(inputs))
    config = model.get_config()
    config["output_layers"] = [["d", 3, 0]]
    with pytest.raises(ValueError, match="output 3 of layer 'd'"):
        keras.Model.from_config(config)


# --- plot_model --------------------------------------------------------------------


def test_plot_model_writes_dot_with_layers_and_edges(tmp_path):
    pytest.importorskip("pydot")
    plot_model = keras.utils.plot_model

    inputs = keras.Input(shape=(3,), name="in")
    x = layers.Dense(2, name="hidden")(inputs)
    model = keras.Model(inputs, layers.Dense(1, name="out")(x))
    path = tmp_path / "model.dot"
    plot_model(model, to_file=str(path), show_shapes=True)
    text = path.read_text()
    for name in ("in (InputLayer)", "hidden (Dense)", "out (Dense)", "(None, 2)"):
        assert name in text
    assert text.count("->") == 2
    if shutil.which("dot") is None:
        with pytest.raises(ImportError, match="graphviz"):
            plot_model(model, to_file=str(tmp_path / "model.png"))
    with pytest.raises(ValueError, match="does not exist"):
        plot_model(model, to_file=str(tmp_path / "missing" / "m.dot"))


def test_multi_io_shared_nested_functional_save_and_load(tmp_path):
    inner_in = keras.Input(shape=(4,))
    inner = keras.Model(inner_in, layers.Dense(4, name="inner_d")(inner_in), name="inner")
    shared = layers.Dense(4, name="shared")
    a, b = keras.Input(shape=(4,), name="a"), keras.Input(shape=(4,), name="b")
    x = layers.Concatenate()([shared(a), inner(shared(b))])
    model = keras.Model(
        {"a": a, "b": b},
        [layers.Dense(2, name="o1")(x), layers.Dense(1, name="o2")(x[:, :3] - 1.0)],
    )
    model.compile(optimizer="adam", loss={"o1": "mse", "o2": "mae"}, loss_weights={"o1": 1.0, "o2": 0.5})
    data = {"a": np.random.rand(8, 4).astype("float32"), "b": np.random.rand(8, 4).astype("float32")}
    targets = {"o1": np.zeros((8, 2), "float32"), "o2": np.ones((8, 1), "float32")}
    model.fit(data, targets, epochs=1, verbose=0)
    path = tmp_path / "multi.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    for got, want in zip(loaded.predict(data, verbose=0), model.predict(data, verbose=0)):
        np.testing.assert_array_equal(got, want)
    assert sum(layer.name == "shared" for layer in loaded.layers) == 1
    assert len(loaded.get_layer("shared")._inbound_nodes) >= 2
    # Training continues identically from the restored optimizer state.
    h1 = model.fit(data, targets, epochs=1, shuffle=False, verbose=0)
    h2 = loaded.fit(data, targets, epochs=1, shuffle=False, verbose=0)
    assert h1.history.keys() == h2.history.keys()
    for key in h1.history:
        assert h1.history[key] == pytest.approx(h2.history[key], rel=1e-6)
