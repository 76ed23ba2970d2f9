"""Attention, AdditiveAttention, MultiHeadAttention and GroupQueryAttention."""

import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import kerastorch
from kerastorch import layers
from kerastorch.layers.attention import AdditiveAttention
from kerastorch.layers.attention import Attention
from kerastorch.layers.attention import GroupQueryAttention
from kerastorch.layers.attention import MultiHeadAttention
from kerastorch.layers.attention import _utils


def json_config(layer) -> dict:
    return json.loads(json.dumps(layer.get_config()))


def randomize_biases(layer):
    """Nonzero biases, so the reference must get them right too."""
    with torch.no_grad():
        for w in layer.weights:
            if w.name == "bias":
                w.normal_()


@pytest.fixture
def sdpa_calls(monkeypatch):
    """Counts calls of torch's fused attention kernel."""
    calls = []
    original = F.scaled_dot_product_attention

    def counting(*args, **kwargs):
        calls.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(_utils.F, "scaled_dot_product_attention", counting)
    return calls


def softmax_with_mask(scores, mask):
    """Reference masked softmax: masked entries -inf, fully masked rows all zero."""
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.nan_to_num(torch.softmax(scores, dim=-1), nan=0.0)


# --- MultiHeadAttention reference ---------------------------------------------------------


def manual_mha(layer, query, value, key=None, mask=None):
    """Plain einsums from the layer's kernels. mask: bool (B, T, S) or None."""
    key = value if key is None else key
    qd, kd, vd, od = (
        layer.query_dense,
        layer.key_dense,
        layer.value_dense,
        layer.output_dense,
    )

    def bias(dense):
        return 0.0 if dense.bias is None else dense.bias

    q = torch.einsum("btd,dnh->btnh", query, qd.kernel) + bias(qd)
    k = torch.einsum("bsd,dnh->bsnh", key, kd.kernel) + bias(kd)
    v = torch.einsum("bsd,dnh->bsnh", value, vd.kernel) + bias(vd)
    scores = torch.einsum("btnh,bsnh->bnts", q, k) / math.sqrt(layer.key_dim)
    probs = softmax_with_mask(scores, None if mask is None else mask[:, None])
    heads = torch.einsum("bnts,bsnh->btnh", probs, v)
    return torch.einsum("btnh,nhd->btd", heads, od.kernel) + bias(od), probs


def make_mha(query, value, key=None, **kwargs):
    layer = MultiHeadAttention(**{"num_heads": 2, "key_dim": 4, **kwargs})
    layer(query, value, key)
    randomize_biases(layer)
    return layer


def test_mha_matches_manual_computation_on_both_paths(sdpa_calls):
    query, value, key = (
        torch.randn(3, 5, 8),
        torch.randn(3, 7, 6),
        torch.randn(3, 7, 10),
    )
    layer = make_mha(query, value, key, value_dim=3)
    expected, expected_probs = manual_mha(layer, query, value, key)
    sdpa_calls.clear()
    fused = layer(query, value, key)
    assert len(sdpa_calls) == 1
    output, scores = layer(query, value, key, return_attention_scores=True)
    assert len(sdpa_calls) == 1  # the scores come from the explicit path
    torch.testing.assert_close(fused, expected)
    torch.testing.assert_close(output, expected)
    torch.testing.assert_close(scores, expected_probs)
    assert scores.shape == (3, 2, 5, 7)
    torch.testing.assert_close(scores.sum(-1), torch.ones(3, 2, 5))


def test_mha_attention_mask_with_a_fully_masked_row():
    query, value = torch.randn(2, 4, 8), torch.randn(2, 6, 8)
    layer = make_mha(query, value)
    mask = torch.rand(2, 4, 6) > 0.4
    mask[:, :, 0] = True
    mask[1, 2] = False  # query 2 of sample 1 may attend to nothing
    expected, probs = manual_mha(layer, query, value, mask=mask)
    torch.testing.assert_close(layer(query, value, attention_mask=mask), expected)
    out, scores = layer(query, value, attention_mask=mask, return_attention_scores=True)
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(scores, probs)
    assert torch.all(scores[1, :, 2] == 0)
    # Nothing attended: the output is the output projection's bias.
    torch.testing.assert_close(out[1, 2], layer.output_dense.bias.detach())
    # 0/1 integer masks (and numpy) are accepted like bool ones.
    torch.testing.assert_close(
        layer(query, value, attention_mask=mask.int().numpy()), expected
    )


@pytest.mark.parametrize("with_mask", [False, True])
@pytest.mark.parametrize("lengths", [(5, 5), (4, 6)])
def test_mha_causal_mask(sdpa_calls, with_mask, lengths):
    t, s = lengths
    query, value = torch.randn(2, t, 8), torch.randn(2, s, 8)
    layer = make_mha(query, value)
    mask = torch.ones(2, t, s, dtype=torch.bool)
    if with_mask:
        mask[0, :, 1] = False
    causal = torch.ones(t, s, dtype=torch.bool).tril()
    expected, probs = manual_mha(layer, query, value, mask=mask & causal)
    attention_mask = mask if with_mask else None
    sdpa_calls.clear()
    got = layer(query, value, attention_mask=attention_mask, use_causal_mask=True)
    # Causal alone runs torch's causal kernel, with no mask tensor.
    assert sdpa_calls[0]["is_causal"] is (not with_mask)
    torch.testing.assert_close(got, expected)
    out, scores = layer(
        query,
        value,
        attention_mask=attention_mask,
        use_causal_mask=True,
        return_attention_scores=True,
    )
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(scores, probs)
    assert torch.all(scores[..., 0, 1:] == 0)


def test_mha_uses_keras_masks_of_query_and_value():
    ids_q = torch.tensor([[3, 4, 0, 0], [5, 1, 2, 0]])
    ids_v = torch.tensor([[1, 2, 3, 0, 0], [4, 0, 0, 0, 0]])
    embed = layers.Embedding(10, 8, mask_zero=True)
    query, value = embed(ids_q), embed(ids_v)
    assert query._keras_mask is not None
    layer = make_mha(query, value)
    merged = (ids_q != 0)[:, :, None] & (ids_v != 0)[:, None, :]
    expected, probs = manual_mha(layer, query, value, mask=merged)
    out = layer(query, value)
    torch.testing.assert_close(out, expected)
    # The output carries the query's mask, as in Keras.
    assert torch.equal(out._keras_mask, ids_q != 0)
    _, scores = layer(query, value, return_attention_scores=True)
    torch.testing.assert_close(scores, probs)
    # An explicit mask argument wins over the tensor's Keras mask.
    all_true = torch.ones(2, 4, dtype=torch.bool)
    expected_q, _ = manual_mha(
        layer, query, value, mask=all_true[:, :, None] & (ids_v != 0)[:, None, :]
    )
    torch.testing.assert_close(layer(query, value, query_mask=all_true), expected_q)
    # A masked key restricts attention like a masked value.
    key = embed(ids_v)
    plain_value = value.detach().clone()  # no Keras mask
    expected_k, _ = manual_mha(layer, query, plain_value, key=key, mask=merged)
    torch.testing.assert_close(layer(query, plain_value, key), expected_k)


def test_mha_without_bias_and_value_dim():
    query, value = torch.randn(2, 3, 8), torch.randn(2, 5, 8)
    layer = make_mha(query, value, use_bias=False, value_dim=6, num_heads=3)
    assert [w.name for w in layer.weights] == ["kernel"] * 4
    torch.testing.assert_close(layer(query, value), manual_mha(layer, query, value)[0])


def test_mha_weights_follow_keras_layout():
    layer = MultiHeadAttention(num_heads=2, key_dim=4, value_dim=3)
    layer(torch.randn(1, 5, 8), torch.randn(1, 7, 6))
    shapes = [(w.name, tuple(w.shape)) for w in layer.weights]
    # keras.io: query/key kernels (dim, num_heads, key_dim), value kernel
    # (dim, num_heads, value_dim), output kernel (num_heads, value_dim, dim).
    assert shapes == [
        ("kernel", (8, 2, 4)),
        ("bias", (2, 4)),
        ("kernel", (6, 2, 4)),
        ("bias", (2, 4)),
        ("kernel", (6, 2, 3)),
        ("bias", (2, 3)),
        ("kernel", (2, 3, 8)),
        ("bias", (8,)),
    ]
    assert [d.name for d in layer._layers] == [
        "query",
        "key",
        "value",
        "attention_output",
    ]
    assert layer.query_dense.equation == "abc,cde->abde"
    assert layer.query_dense.bias_axes == "de"
    assert layer.output_dense.equation == "abcd,cde->abe"
    assert layer.count_params() == sum(int(np.prod(s)) for _, s in shapes)
    assert len(list(layer.parameters())) == 8
    assert len(layer.state_dict()) == 8


def test_mha_build_creates_weights_without_a_call():
    layer = MultiHeadAttention(num_heads=4, key_dim=2)
    layer.build((None, 5, 16), (None, 9, 12))
    assert layer.built and len(layer.weights) == 8
    assert tuple(layer.key_dense.kernel.shape) == (12, 4, 2)
    assert tuple(layer.output_dense.kernel.shape) == (4, 2, 16)


def test_mha_output_shape_argument():
    query, value = torch.randn(2, 3, 8), torch.randn(2, 5, 8)
    layer = make_mha(query, value, output_shape=(2, 3))
    out = layer(query, value)
    assert out.shape == (2, 3, 2, 3)
    assert tuple(layer.output_dense.kernel.shape) == (2, 4, 2, 3)
    layer_int = MultiHeadAttention(2, 4, output_shape=5)
    assert layer_int(query, value).shape == (2, 3, 5)
    assert layer_int(kerastorch.Input((3, 8)), kerastorch.Input((5, 8))).shape == (
        None,
        3,
        5,
    )
    assert layer_int.get_config()["output_shape"] == (5,)


def test_mha_default_axes_on_4d_inputs_equal_flattened_3d_attention(sdpa_calls):
    x = torch.randn(2, 3, 4, 8)
    layer4 = make_mha(x, x)
    layer3 = MultiHeadAttention(num_heads=2, key_dim=4)
    flat = x.reshape(2, 12, 8)
    layer3(flat, flat)
    layer3.set_weights(layer4.get_weights())
    mask = torch.rand(2, 3, 4, 3, 4) > 0.3
    expected = layer3(flat, flat, attention_mask=mask.reshape(2, 12, 12)).reshape(
        2, 3, 4, 8
    )
    sdpa_calls.clear()
    torch.testing.assert_close(layer4(x, x, attention_mask=mask), expected)
    assert len(sdpa_calls) == 1
    out, scores = layer4(x, x, attention_mask=mask, return_attention_scores=True)
    torch.testing.assert_close(out, expected)
    assert scores.shape == (2, 2, 3, 4, 3, 4)


@pytest.mark.parametrize("axes", [(2,), -2, [2]])
def test_mha_custom_attention_axes(sdpa_calls, axes):
    x = torch.randn(2, 3, 4, 8)
    layer4 = make_mha(x, x, attention_axes=axes)
    layer3 = MultiHeadAttention(num_heads=2, key_dim=4)
    layer3(x[:, 0], x[:, 0])
    layer3.set_weights(layer4.get_weights())
    sdpa_calls.clear()
    out, scores = layer4(x, x, return_attention_scores=True)
    assert not sdpa_calls  # custom axes take the explicit path
    assert scores.shape == (2, 3, 2, 4, 4)  # (batch, axis 1, heads, T, S)
    for i in range(3):
        torch.testing.assert_close(out[:, i], layer3(x[:, i], x[:, i]))
    torch.testing.assert_close(layer4(x, x), out)


def test_mha_symbolic_calls_and_compute_output_shape():
    q, v = kerastorch.Input((5, 8)), kerastorch.Input((7, 6))
    layer = MultiHeadAttention(num_heads=2, key_dim=4)
    out = layer(q, v)
    assert out.shape == (None, 5, 8)
    assert layer.built and tuple(layer.key_dense.kernel.shape) == (6, 2, 4)
    out, scores = layer(q, v, return_attention_scores=True)
    assert scores.shape == (None, 2, 5, 7)
    assert layer.compute_output_shape((2, 5, 8), (2, 7, 6)) == (2, 5, 8)
    causal = MultiHeadAttention(2, 4)(
        kerastorch.Input((None, 8)), kerastorch.Input((None, 8)), use_causal_mask=True
    )
    assert causal.shape == (None, None, 8)


def test_mha_runs_on_meta_tensors():
    """Shape inference runs `call` on meta copies of the weights."""
    layer = make_mha(torch.randn(1, 5, 8), torch.randn(1, 7, 6))
    meta_state = {n: p.to("meta") for n, p in layer.named_parameters()}
    q, v = torch.empty(3, 5, 8, device="meta"), torch.empty(3, 7, 6, device="meta")
    mask = torch.ones(3, 5, 7, dtype=torch.bool)
    out, scores = torch.func.functional_call(
        layer,
        meta_state,
        (q, v),
        {
            "attention_mask": mask,
            "use_causal_mask": True,
            "return_attention_scores": True,
        },
    )
    assert out.device.type == "meta" and out.shape == (3, 5, 8)
    assert scores.shape == (3, 2, 5, 7)
    assert torch.func.functional_call(layer, meta_state, (q, v)).shape == (3, 5, 8)


def test_mha_in_a_functional_model():
    q_in, v_in = kerastorch.Input((5, 8)), kerastorch.Input((7, 8))
    mha = MultiHeadAttention(num_heads=2, key_dim=4)
    model = kerastorch.Model([q_in, v_in], mha(q_in, v_in))
    query, value = torch.randn(2, 5, 8), torch.randn(2, 7, 8)
    torch.testing.assert_close(model([query, value]), mha(query, value))


def test_mha_dropout_only_in_training():
    query, value = torch.randn(2, 6, 8), torch.randn(2, 6, 8)
    plain = make_mha(query, value)
    dropped = MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.5)
    dropped(query, value)
    dropped.set_weights(plain.get_weights())
    expected = plain(query, value)
    torch.testing.assert_close(dropped(query, value), expected)
    torch.testing.assert_close(dropped(query, value, training=False), expected)
    first = dropped(query, value, training=True)
    second = dropped(query, value, training=True)
    assert not torch.allclose(first, expected) and not torch.allclose(first, second)
    # The returned scores are the probabilities before dropout.
    _, scores = dropped(query, value, training=True, return_attention_scores=True)
    torch.testing.assert_close(scores.sum(-1), torch.ones(2, 2, 6))


def test_mha_seeded_dropout_is_reproducible_and_drops_probabilities():
    query, value = torch.randn(2, 6, 8), torch.randn(2, 6, 8)
    a = MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.5, seed=7)
    b = MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.5, seed=7)
    a(query, value)
    b(query, value)
    b.set_weights(a.get_weights())
    out_a = a(query, value, training=True)
    torch.testing.assert_close(out_a, b(query, value, training=True))
    assert not torch.allclose(
        a(query, value, training=True), out_a
    )  # a new draw each call
    # Same draw replayed by hand: dropout hits the attention probabilities only.
    reference = kerastorch.random.SeedGenerator(7)
    _, probs = manual_mha(a, query, value)
    kept = kerastorch.random.dropout(probs, 0.5, seed=reference)
    c = MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.5, seed=7)
    c(query, value)
    c.set_weights(a.get_weights())
    v = torch.einsum("bsd,dnh->bsnh", value, a.value_dense.kernel) + a.value_dense.bias
    heads = torch.einsum("bnts,bsnh->btnh", kept, v)
    expected = (
        torch.einsum("btnh,nhd->btd", heads, a.output_dense.kernel)
        + a.output_dense.bias
    )
    torch.testing.assert_close(c(query, value, training=True), expected)


def test_mha_training_step_reaches_every_weight():
    query, value = torch.randn(2, 5, 8), torch.randn(2, 7, 8)
    layer = make_mha(query, value, dropout=0.1)
    before = [w.detach().clone() for w in layer.trainable_weights]
    optimizer = torch.optim.SGD(layer.parameters(), lr=0.1)
    loss = layer(query, value, training=True).square().mean()
    loss.backward()
    assert len(layer.trainable_weights) == 8
    for w in layer.trainable_weights:
        assert w.grad is not None, w.path
    optimizer.step()
    for w, old in zip(layer.trainable_weights, before):
        # The key bias adds the same amount to every score of a query: softmax
        # ignores it, so its gradient is (numerically) zero, in Keras too.
        if not w.path.endswith("key/bias"):
            assert not torch.equal(w.detach(), old), w.path


def test_mha_config_round_trip():
    layer = MultiHeadAttention(
        num_heads=3,
        key_dim=4,
        value_dim=2,
        dropout=0.1,
        use_bias=False,
        output_shape=(6,),
        attention_axes=(1,),
        kernel_initializer="he_normal",
        kernel_regularizer="l2",
        seed=3,
        name="mha",
    )
    query = torch.randn(2, 5, 6)
    layer(query, query)
    config = json_config(layer)
    assert config["value_dim"] == 2 and config["attention_axes"] == [1]
    clone = MultiHeadAttention.from_config(config)
    assert json_config(clone) == config
    clone(query, query)
    clone.set_weights(layer.get_weights())
    torch.testing.assert_close(clone(query, query), layer(query, query))
    assert len(layer.losses) == 4  # one l2 penalty per projection kernel
    restored = layers.deserialize(layers.serialize(layer))
    assert isinstance(restored, MultiHeadAttention) and restored.num_heads == 3


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_heads": 0, "key_dim": 4}, "num_heads=0"),
        ({"num_heads": 2.5, "key_dim": 4}, "num_heads=2.5"),
        ({"num_heads": 2, "key_dim": -1}, "key_dim=-1"),
        ({"num_heads": 2, "key_dim": 4, "value_dim": 0}, "value_dim=0"),
        ({"num_heads": 2, "key_dim": 4, "dropout": 1.5}, "dropout=1.5"),
        ({"num_heads": 2, "key_dim": 4, "output_shape": "x"}, "output_shape='x'"),
        ({"num_heads": 2, "key_dim": 4, "attention_axes": "a"}, "attention_axes='a'"),
        (
            {"num_heads": 2, "key_dim": 4, "flash_attention": "yes"},
            "flash_attention='yes'",
        ),
        ({"num_heads": 2, "key_dim": 4, "seed": "s"}, "seed='s'"),
    ],
)
def test_mha_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MultiHeadAttention(**kwargs)


def test_mha_bad_inputs():
    query = torch.randn(2, 5, 8)
    with pytest.raises(ValueError, match="except the last one"):
        MultiHeadAttention(2, 4)(query, torch.randn(2, 7, 8), torch.randn(2, 6, 8))
    with pytest.raises(ValueError, match="rank 3 or more"):
        MultiHeadAttention(2, 4)(torch.randn(2, 8), torch.randn(2, 8))
    with pytest.raises(ValueError, match="same rank"):
        MultiHeadAttention(2, 4)(query, torch.randn(2, 3, 5, 8))
    with pytest.raises(ValueError, match="attention_axes"):
        MultiHeadAttention(2, 4, attention_axes=2)(query, query)
    with pytest.raises(ValueError, match="exactly one attention axis"):
        x = torch.randn(2, 3, 4, 8)
        MultiHeadAttention(2, 4)(x, x, use_causal_mask=True)
    with pytest.raises(ValueError, match="flash attention"):
        MultiHeadAttention(2, 4, flash_attention=True)(
            query, query, return_attention_scores=True
        )


def test_mha_flash_attention_flag_keeps_results():
    query, value = torch.randn(2, 5, 8), torch.randn(2, 7, 8)
    layer = make_mha(query, value)
    expected = layer(query, value, use_causal_mask=True)
    for flag in (True, False):
        other = MultiHeadAttention(2, 4, flash_attention=flag)
        other(query, value)
        other.set_weights(layer.get_weights())
        torch.testing.assert_close(other(query, value, use_causal_mask=True), expected)


# --- GroupQueryAttention --------------------------------------------------------------------


def manual_gqa(layer, query, value, mask=None):
    qd, kd, vd, od = (
        layer._query_dense,
        layer._key_dense,
        layer._value_dense,
        layer._output_dense,
    )
    q = torch.einsum("btd,dnh->btnh", query, qd.kernel) + qd.bias
    k = torch.einsum("bsd,dnh->bsnh", value, kd.kernel) + kd.bias
    v = torch.einsum("bsd,dnh->bsnh", value, vd.kernel) + vd.bias
    groups = layer.num_query_heads // layer.num_key_value_heads
    k = torch.cat(
        [k[:, :, [h]].expand(-1, -1, groups, -1) for h in range(k.shape[2])], dim=2
    )
    v = torch.cat(
        [v[:, :, [h]].expand(-1, -1, groups, -1) for h in range(v.shape[2])], dim=2
    )
    scores = torch.einsum("btnh,bsnh->bnts", q, k) / math.sqrt(layer.head_dim)
    probs = softmax_with_mask(scores, None if mask is None else mask[:, None])
    heads = torch.einsum("bnts,bsnh->btnh", probs, v)
    return torch.einsum("btnh,nhd->btd", heads, od.kernel) + od.bias, probs


@pytest.mark.parametrize("kv_heads", [1, 2, 4])
def test_gqa_matches_manual_with_repeated_kv_heads(sdpa_calls, kv_heads):
    query, value = torch.randn(2, 5, 8), torch.randn(2, 7, 8)
    layer = GroupQueryAttention(
        head_dim=3, num_query_heads=4, num_key_value_heads=kv_heads
    )
    layer(query, value)
    randomize_biases(layer)
    mask = torch.rand(2, 5, 7) > 0.3
    mask[0, 1] = False
    causal = torch.ones(5, 7, dtype=torch.bool).tril()
    for kwargs, ref_mask in [
        ({}, None),
        ({"attention_mask": mask}, mask),
        ({"use_causal_mask": True}, causal.expand(2, 5, 7)),
        ({"attention_mask": mask, "use_causal_mask": True}, mask & causal),
    ]:
        expected, probs = manual_gqa(layer, query, value, ref_mask)
        sdpa_calls.clear()
        torch.testing.assert_close(layer(query, value, **kwargs), expected)
        assert sdpa_calls[0].get("enable_gqa", False) is (kv_heads != 4)
        out, scores = layer(query, value, return_attention_scores=True, **kwargs)
        torch.testing.assert_close(out, expected)
        torch.testing.assert_close(scores, probs)
        assert scores.shape == (2, 4, 5, 7)


def test_gqa_keras_masks_weights_and_symbolic():
    ids = torch.tensor([[1, 2, 0], [3, 0, 0]])
    x = layers.Embedding(5, 8, mask_zero=True)(ids)
    layer = GroupQueryAttention(head_dim=2, num_query_heads=4, num_key_value_heads=2)
    out = layer(x, x)
    merged = (ids != 0)[:, :, None] & (ids != 0)[:, None, :]
    torch.testing.assert_close(out, manual_gqa(layer, x, x, merged)[0])
    assert torch.equal(out._keras_mask, ids != 0)
    assert [
        (d.name, tuple(d.kernel.shape), tuple(d.bias.shape)) for d in layer._layers
    ] == [
        ("query", (8, 4, 2), (4, 2)),
        ("key", (8, 2, 2), (2, 2)),
        ("value", (8, 2, 2), (2, 2)),
        ("attention_output", (4, 2, 8), (8,)),
    ]
    sym = GroupQueryAttention(2, 4, 2)
    out, scores = sym(
        kerastorch.Input((5, 8)),
        kerastorch.Input((None, 8)),
        return_attention_scores=True,
    )
    assert out.shape == (None, 5, 8) and scores.shape == (None, 4, 5, None)
    assert layers.GroupedQueryAttention is GroupQueryAttention


def test_gqa_dropout_training_and_config():
    query = torch.randn(2, 6, 8)
    layer = GroupQueryAttention(2, 4, 2, dropout=0.5, use_bias=False, seed=1)
    expected = layer(query, query)
    torch.testing.assert_close(layer(query, query, training=False), expected)
    assert not torch.allclose(layer(query, query, training=True), expected)
    assert len(layer.weights) == 4
    layer(query, query, training=True).sum().backward()
    assert all(w.grad is not None for w in layer.trainable_weights)
    config = json_config(layer)
    clone = GroupQueryAttention.from_config(config)
    assert json_config(clone) == config
    clone(query, query)
    clone.set_weights(layer.get_weights())
    torch.testing.assert_close(clone(query, query), expected)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"head_dim": 0, "num_query_heads": 4, "num_key_value_heads": 2}, "head_dim=0"),
        (
            {"head_dim": 2, "num_query_heads": 0, "num_key_value_heads": 2},
            "num_query_heads=0",
        ),
        (
            {"head_dim": 2, "num_query_heads": 4, "num_key_value_heads": -2},
            "num_key_value_heads=-2",
        ),
        ({"head_dim": 2, "num_query_heads": 4, "num_key_value_heads": 3}, "divisible"),
        (
            {
                "head_dim": 2,
                "num_query_heads": 4,
                "num_key_value_heads": 2,
                "dropout": -0.1,
            },
            "dropout",
        ),
    ],
)
def test_gqa_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        GroupQueryAttention(**kwargs)


def test_gqa_bad_inputs():
    with pytest.raises(ValueError, match="3D `query`"):
        GroupQueryAttention(2, 4, 2)(torch.randn(2, 3, 4, 8), torch.randn(2, 3, 4, 8))
    with pytest.raises(ValueError, match="except the last one"):
        GroupQueryAttention(2, 4, 2)(
            torch.randn(2, 3, 8), torch.randn(2, 5, 8), torch.randn(2, 4, 8)
        )


# --- Attention / AdditiveAttention ------------------------------------------------------------


def manual_attention(
    query,
    value,
    key=None,
    scores_fn=None,
    value_mask=None,
    query_mask=None,
    causal=False,
):
    key = value if key is None else key
    scores = scores_fn(query, key) if scores_fn else query @ key.transpose(1, 2)
    mask = None
    if value_mask is not None:
        mask = value_mask[:, None, :]
    if causal:
        tri = torch.ones(query.shape[1], value.shape[1], dtype=torch.bool).tril()
        mask = tri[None] if mask is None else mask & tri
    if mask is not None:
        scores = scores.masked_fill(~mask, -1e9)
    probs = torch.softmax(scores, dim=-1)
    out = probs @ value
    if query_mask is not None:
        out = out * query_mask[..., None]
    return out, probs


def test_attention_dot_matches_manual_on_both_paths(sdpa_calls):
    query, value, key = torch.randn(2, 4, 6), torch.randn(2, 5, 3), torch.randn(2, 5, 6)
    value_mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=torch.bool)
    query_mask = torch.tensor([[1, 1, 1, 0], [1, 0, 1, 1]], dtype=torch.bool)
    layer = Attention()
    expected, probs = manual_attention(
        query, value, key, value_mask=value_mask, query_mask=query_mask
    )
    sdpa_calls.clear()
    got = layer([query, value, key], mask=[query_mask, value_mask])
    assert len(sdpa_calls) == 1
    torch.testing.assert_close(got, expected)
    out, scores = layer(
        [query, value, key], mask=[query_mask, value_mask], return_attention_scores=True
    )
    assert len(sdpa_calls) == 1
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(scores, probs)
    assert scores.shape == (2, 4, 5)
    assert layer.weights == []


@pytest.mark.parametrize("use_scale", [False, True])
def test_attention_scale_and_causal(use_scale):
    query, value = torch.randn(2, 5, 4), torch.randn(2, 5, 4)
    layer = Attention(use_scale=use_scale)
    layer([query, value])
    if use_scale:
        assert [(w.name, tuple(w.shape)) for w in layer.weights] == [("scale", ())]
        with torch.no_grad():
            layer.scale.fill_(0.7)
    factor = 0.7 if use_scale else 1.0

    def scores_fn(q, k):
        return factor * (q @ k.transpose(1, 2))

    value_mask = torch.ones(2, 5, dtype=torch.bool)
    value_mask[1, 3:] = False
    expected, probs = manual_attention(
        query, value, scores_fn=scores_fn, causal=True, value_mask=value_mask
    )
    got = layer([query, value], mask=[None, value_mask], use_causal_mask=True)
    torch.testing.assert_close(got, expected)
    out, scores = layer(
        [query, value],
        mask=[None, value_mask],
        use_causal_mask=True,
        return_attention_scores=True,
    )
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(scores, probs)
    torch.testing.assert_close(
        layer([query, value], use_causal_mask=True),
        manual_attention(query, value, scores_fn=scores_fn, causal=True)[0],
    )


def test_attention_concat_mode():
    query, value = torch.randn(2, 3, 4), torch.randn(2, 5, 4)
    layer = Attention(score_mode="concat", use_scale=True)
    layer([query, value])
    assert [(w.name, tuple(w.shape)) for w in layer.weights] == [
        ("scale", ()),
        ("concat_score_weight", ()),
    ]
    with torch.no_grad():
        layer.scale.fill_(0.5)
        layer.concat_score_weight.fill_(2.0)

    def scores_fn(q, k):
        return 2.0 * torch.tanh(0.5 * (q[:, :, None] + k[:, None])).sum(-1)

    expected, probs = manual_attention(query, value, scores_fn=scores_fn)
    out, scores = layer([query, value], return_attention_scores=True)
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(scores, probs)
    out.sum().backward()
    assert all(w.grad is not None for w in layer.weights)


def test_attention_keras_masks_flow_in_and_out():
    ids_q, ids_v = torch.tensor([[1, 2, 0]]), torch.tensor([[3, 0, 4, 0]])
    embed = layers.Embedding(6, 4, mask_zero=True)
    query, value = embed(ids_q), embed(ids_v)
    out = Attention()([query, value])
    expected, _ = manual_attention(
        query, value, value_mask=ids_v != 0, query_mask=ids_q != 0
    )
    torch.testing.assert_close(out, expected)
    assert torch.equal(out._keras_mask, ids_q != 0)


def test_attention_dropout_only_in_training():
    query, value = torch.randn(2, 6, 4), torch.randn(2, 6, 4)
    for seed in (None, 3):
        layer = Attention(dropout=0.5, seed=seed)
        expected = manual_attention(query, value)[0]
        torch.testing.assert_close(layer([query, value]), expected)
        torch.testing.assert_close(layer([query, value], training=False), expected)
        assert not torch.allclose(layer([query, value], training=True), expected)
    a, b = Attention(dropout=0.5, seed=3), Attention(dropout=0.5, seed=3)
    torch.testing.assert_close(
        a([query, value], training=True), b([query, value], training=True)
    )


def test_additive_attention_matches_manual():
    query, value, key = torch.randn(2, 3, 4), torch.randn(2, 5, 2), torch.randn(2, 5, 4)
    layer = AdditiveAttention()
    layer([query, value, key])
    assert [(w.name, tuple(w.shape)) for w in layer.weights] == [("scale", (4,))]
    scale = layer.scale.detach()

    def scores_fn(q, k):
        return (scale * torch.tanh(q[:, :, None] + k[:, None])).sum(-1)

    value_mask = torch.tensor([[1, 1, 0, 1, 0], [1, 1, 1, 1, 1]], dtype=torch.bool)
    expected, probs = manual_attention(
        query, value, key, scores_fn=scores_fn, value_mask=value_mask, causal=True
    )
    out, scores = layer(
        [query, value, key],
        mask=[None, value_mask],
        use_causal_mask=True,
        return_attention_scores=True,
    )
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(scores, probs)
    torch.testing.assert_close(
        layer([query, value, key], mask=[None, value_mask], use_causal_mask=True),
        expected,
    )
    unscaled = AdditiveAttention(use_scale=False)
    torch.testing.assert_close(
        unscaled([query, value, key]),
        manual_attention(
            query,
            value,
            key,
            scores_fn=lambda q, k: torch.tanh(q[:, :, None] + k[:, None]).sum(-1),
        )[0],
    )
    assert unscaled.weights == []
    layer([query, value, key]).sum().backward()
    assert layer.scale.grad is not None


def test_attention_symbolic_and_config_round_trip():
    q, v = kerastorch.Input((3, 4)), kerastorch.Input((5, 2))
    k = kerastorch.Input((5, 4))
    for layer in (
        Attention(use_scale=True, score_mode="concat", dropout=0.1, seed=2),
        AdditiveAttention(use_scale=False, dropout=0.2),
    ):
        out, scores = layer([q, v, k], return_attention_scores=True)
        assert out.shape == (None, 3, 2) and scores.shape == (None, 3, 5)
        assert layer.compute_output_shape([(2, 3, 4), (2, 5, 2), (2, 5, 4)]) == (
            2,
            3,
            2,
        )
        config = json_config(layer)
        clone = type(layer).from_config(config)
        assert json_config(clone) == config
    assert "score_mode" not in AdditiveAttention().get_config()
    restored = layers.deserialize(layers.serialize(Attention(score_mode="concat")))
    assert restored.score_mode == "concat"


def test_attention_bad_arguments_and_inputs():
    query = torch.randn(2, 3, 4)
    with pytest.raises(ValueError, match="score_mode='dott'"):
        Attention(score_mode="dott")
    with pytest.raises(ValueError, match="dropout=2"):
        Attention(dropout=2)
    with pytest.raises(ValueError, match="list of inputs"):
        Attention()(query)
    with pytest.raises(ValueError, match="Received length: 1"):
        Attention()([query])
    with pytest.raises(ValueError, match="mask must be a list"):
        Attention()([query, query], mask=torch.ones(2, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match="same last dimension"):
        Attention()([query, torch.randn(2, 5, 4), torch.randn(2, 5, 6)])
    with pytest.raises(ValueError, match="same last dimension"):
        AdditiveAttention()([query, torch.randn(2, 5, 3)])


# --- in models ------------------------------------------------------------------------------


class TransformerBlock(layers.Layer):
    """Self-attention + feed-forward, both residual with layer norm."""

    def __init__(self, dim, heads, causal=False, **kwargs):
        super().__init__(**kwargs)
        self.causal = causal
        self.attention = MultiHeadAttention(
            num_heads=heads, key_dim=dim // heads, dropout=0.1
        )
        self.norm1 = layers.LayerNormalization()
        self.norm2 = layers.LayerNormalization()
        self.ff1 = layers.Dense(2 * dim, activation="relu")
        self.ff2 = layers.Dense(dim)

    def call(self, x, training=None):
        attended = self.attention(x, x, training=training, use_causal_mask=self.causal)
        x = self.norm1(x + attended)
        return self.norm2(x + self.ff2(self.ff1(x)))


def _sequence_data(n=128, length=6, vocab=8, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, vocab, size=(n, length))
    labels = (ids == 1).any(axis=1).astype("int64")  # does token 1 occur?
    return ids, labels


def test_transformer_block_in_sequential_learns():
    ids, labels = _sequence_data()
    model = kerastorch.Sequential(
        [
            layers.Embedding(8, 16),
            TransformerBlock(16, 2),
            layers.GlobalAveragePooling1D(),
            layers.Dense(2),
        ]
    )
    model.compile(
        optimizer=kerastorch.optimizers.Adam(0.01),
        loss=kerastorch.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    history = model.fit(ids, labels, batch_size=32, epochs=8, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0]


class TinyDecoder(kerastorch.Model):
    def __init__(self):
        super().__init__()
        self.embed = layers.Embedding(8, 16)
        self.positions = layers.Embedding(6, 16)  # learned positions (keras_hub's job)
        self.attention = GroupQueryAttention(
            head_dim=4, num_query_heads=4, num_key_value_heads=2
        )
        self.head = layers.Dense(8)

    def call(self, ids):
        x = self.embed(ids) + self.positions(
            torch.arange(ids.shape[1], device=ids.device)
        )
        return self.head(x + self.attention(x, x, use_causal_mask=True))


def test_causal_gqa_decoder_subclassed_model_learns():
    rng = np.random.default_rng(1)
    ids = rng.integers(0, 8, size=(192, 6))
    targets = np.roll(ids, 1, axis=1)  # predict the previous token: needs attention
    model = TinyDecoder()
    model.compile(
        optimizer=kerastorch.optimizers.Adam(0.02),
        loss=kerastorch.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    history = model.fit(ids, targets, batch_size=32, epochs=10, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.7 * losses[0]
