"""Recurrent layers: SimpleRNN, LSTM, GRU, RNN + cells, Bidirectional, TimeDistributed."""

import json

import numpy as np
import pytest
import torch
from layer_test_utils import run_layer_test

import kerastorch
from kerastorch.layers import GRU
from kerastorch.layers import LSTM
from kerastorch.layers import RNN
from kerastorch.layers import Bidirectional
from kerastorch.layers import Dense
from kerastorch.layers import Embedding
from kerastorch.layers import GRUCell
from kerastorch.layers import LSTMCell
from kerastorch.layers import Masking
from kerastorch.layers import SimpleRNN
from kerastorch.layers import SimpleRNNCell
from kerastorch.layers import StackedRNNCells
from kerastorch.layers import TimeDistributed
from kerastorch.layers.rnn import _fused

B, T, F, U = 3, 6, 4, 5

# Masks of shape (B, T): right-padded (the fused path packs them), including a
# fully masked row, and an arbitrary one (the loop handles it).
RIGHT_MASK = torch.tensor(
    [[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0]], dtype=torch.bool
)
ARBITRARY_MASK = torch.tensor(
    [[1, 0, 1, 1, 0, 1], [0, 0, 1, 1, 1, 0], [0, 1, 0, 0, 0, 0]], dtype=torch.bool
)
MASKS = {"none": None, "right": RIGHT_MASK, "arbitrary": ARBITRARY_MASK}


def json_config(layer) -> dict:
    return json.loads(json.dumps(layer.get_config()))


# --- Keras's equations, written directly in numpy --------------------------------------------


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def lstm_step(kernel, recurrent_kernel, bias):
    def step(x, states):
        h, c = states
        z = x @ kernel + h @ recurrent_kernel + bias
        z_i, z_f, z_c, z_o = np.split(z, 4, axis=1)  # Keras gate order [i, f, c, o]
        c = sigmoid(z_f) * c + sigmoid(z_i) * np.tanh(z_c)
        h = sigmoid(z_o) * np.tanh(c)
        return h, [h, c]

    return step


def gru_step(kernel, recurrent_kernel, bias, reset_after=True):
    def step(x, states):
        (h,) = states
        u = h.shape[1]
        input_bias = bias[0] if reset_after else bias
        x_z, x_r, x_h = np.split(x @ kernel + input_bias, 3, axis=1)  # [z, r, h]
        if reset_after:
            r_z, r_r, r_h = np.split(h @ recurrent_kernel + bias[1], 3, axis=1)
            z, r = sigmoid(x_z + r_z), sigmoid(x_r + r_r)
            hh = np.tanh(x_h + r * r_h)
        else:
            r_z, r_r = np.split(h @ recurrent_kernel[:, : 2 * u], 2, axis=1)
            z, r = sigmoid(x_z + r_z), sigmoid(x_r + r_r)
            hh = np.tanh(x_h + (r * h) @ recurrent_kernel[:, 2 * u :])
        h = z * h + (1 - z) * hh
        return h, [h]

    return step


def simple_step(kernel, recurrent_kernel, bias, activation=np.tanh):
    def step(x, states):
        h = activation(x @ kernel + states[0] @ recurrent_kernel + bias)
        return h, [h]

    return step


def reference_rnn(step, x, states, mask=None, go_backwards=False, zero_output=False):
    """Keras's loop: masked steps keep the states and repeat the previous output."""
    order = range(x.shape[1])[::-1] if go_backwards else range(x.shape[1])
    outputs, prev = [], None
    for t in order:
        out, new = step(x[:, t], states)
        if mask is not None:
            m = mask[:, t][:, None]
            prev = np.zeros_like(out) if prev is None or zero_output else prev
            out = np.where(m, out, prev)
            new = [np.where(m, n, s) for n, s in zip(new, states)]
        states, prev = new, out
        outputs.append(out)
    return np.stack(outputs, axis=1), states


def randomize(layer, scale=0.6):
    """Random weights large enough that every gate's nonlinearity matters."""
    layer.set_weights(
        [np.random.uniform(-scale, scale, w.shape) for w in layer.get_weights()]
    )
    return [w.astype(np.float64) for w in layer.get_weights()]


def make(cls, **kwargs):
    layer = cls(U, dtype="float64", **kwargs)
    layer.build((B, T, F))
    return layer


def count_fused(monkeypatch) -> list:
    """Record whether each fused attempt succeeded (a result, not None)."""
    calls = []
    original = _fused.run_fused

    def spy(*args, **kwargs):
        result = original(*args, **kwargs)
        calls.append(result is not None)
        return result

    monkeypatch.setattr(_fused, "run_fused", spy)
    return calls


def x64(*shape):
    return torch.randn(*shape, dtype=torch.float64)


# --- numerics against the hand-written equations ----------------------------------------------


CASES = [
    (LSTM, {}, lambda w: lstm_step(*w), 2),
    (GRU, {}, lambda w: gru_step(*w), 1),
    (GRU, {"reset_after": False}, lambda w: gru_step(*w, reset_after=False), 1),
    (SimpleRNN, {}, lambda w: simple_step(*w), 1),
    (
        SimpleRNN,
        {"activation": "relu"},
        lambda w: simple_step(*w, lambda v: np.maximum(v, 0)),
        1,
    ),
]


@pytest.mark.parametrize("cls,kwargs,make_step,n_states", CASES)
@pytest.mark.parametrize("go_backwards", [False, True])
def test_matches_keras_equations(
    cls, kwargs, make_step, n_states, go_backwards, monkeypatch
):
    calls = count_fused(monkeypatch)
    layer = make(
        cls,
        return_sequences=True,
        return_state=True,
        go_backwards=go_backwards,
        **kwargs,
    )
    weights = randomize(layer)
    x = x64(B, T, F)
    h0 = [np.random.randn(B, U) for _ in range(n_states)]
    seq, *states = layer(x, initial_state=[torch.tensor(h) for h in h0])
    ref_seq, ref_states = reference_rnn(
        make_step(weights), x.numpy(), h0, go_backwards=go_backwards
    )
    np.testing.assert_allclose(seq.detach().numpy(), ref_seq, rtol=1e-10, atol=1e-12)
    for s, r in zip(states, ref_states):
        np.testing.assert_allclose(s.detach().numpy(), r, rtol=1e-10, atol=1e-12)
    # The default activations take torch's fused kernel; GRU(reset_after=False) cannot.
    assert calls == ([] if kwargs.get("reset_after") is False else [True])


@pytest.mark.parametrize("cls,kwargs,make_step,n_states", CASES[:4])
@pytest.mark.parametrize("mask_name", ["right", "arbitrary"])
@pytest.mark.parametrize("zero_output", [False, True])
def test_masked_numerics_match_keras(
    cls, kwargs, make_step, n_states, mask_name, zero_output
):
    mask = MASKS[mask_name]
    for go_backwards in (False, True):
        layer = make(
            cls,
            return_sequences=True,
            return_state=True,
            go_backwards=go_backwards,
            zero_output_for_mask=zero_output,
            **kwargs,
        )
        weights = randomize(layer)
        x = x64(B, T, F)
        seq, *states = layer(x, mask=mask)
        zeros = [np.zeros((B, U)) for _ in range(n_states)]
        ref_seq, ref_states = reference_rnn(
            make_step(weights),
            x.numpy(),
            zeros,
            mask.numpy(),
            go_backwards,
            zero_output,
        )
        np.testing.assert_allclose(
            seq.detach().numpy(), ref_seq, rtol=1e-10, atol=1e-12
        )
        for s, r in zip(states, ref_states):
            np.testing.assert_allclose(s.detach().numpy(), r, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cls", [LSTM, GRU, SimpleRNN])
@pytest.mark.parametrize("mask_name", ["none", "right", "arbitrary"])
def test_fused_and_loop_paths_agree(cls, mask_name, monkeypatch):
    calls = count_fused(monkeypatch)
    mask = MASKS[mask_name]
    x = x64(B, T, F)
    for return_sequences in (True, False):
        for go_backwards in (False, True):
            for zero_output in (False, True):
                kw = dict(
                    return_sequences=return_sequences,
                    return_state=True,
                    go_backwards=go_backwards,
                    zero_output_for_mask=zero_output,
                )
                fused = make(cls, **kw)
                loop = make(cls, **kw)
                loop._use_fused = False  # what use_cudnn=False does for LSTM/GRU
                loop.set_weights(randomize(fused))
                for a, b in zip(fused(x, mask=mask), loop(x, mask=mask)):
                    torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
    # Right-padded masks are packed; arbitrary masks fall back to the loop.
    assert set(calls) == {mask_name != "arbitrary"}
    assert len(calls) == 8


def test_use_cudnn_false_always_loops_and_true_demands_fusion(monkeypatch):
    calls = count_fused(monkeypatch)
    x = torch.randn(B, T, F)
    LSTM(U, use_cudnn=False)(x)
    GRU(U, use_cudnn=False)(x)
    assert calls == []
    LSTM(U, use_cudnn=True)(x, mask=RIGHT_MASK)
    assert calls == [True]
    with pytest.raises(ValueError, match="use_cudnn=True"):
        GRU(U, reset_after=False, use_cudnn=True)(x)
    with pytest.raises(ValueError, match="use_cudnn=True"):
        LSTM(U, use_cudnn=True)(x, mask=ARBITRARY_MASK)


def test_fused_path_needs_no_python_loop_over_time(monkeypatch):
    """The fused path calls torch's kernel once, never the cell."""
    layer = LSTM(U)
    layer(torch.randn(B, T, F))
    cell_calls = []
    layer.cell.register_forward_pre_hook(lambda *a: cell_calls.append(1))
    layer(torch.randn(B, 50, F))
    assert cell_calls == []
    layer(torch.randn(B, 7, F), mask=ARBITRARY_MASK[:, :6].repeat(1, 2)[:, :7])
    assert len(cell_calls) == 7  # arbitrary mask: the per-step loop


# --- shapes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls,n_states", [(LSTM, 2), (GRU, 1), (SimpleRNN, 1)])
def test_output_shapes_eager_and_symbolic(cls, n_states):
    x = torch.randn(B, T, F)
    assert cls(U)(x).shape == (B, U)
    assert cls(U, return_sequences=True)(x).shape == (B, T, U)
    out = cls(U, return_sequences=True, return_state=True)(x)
    assert isinstance(out, tuple) and len(out) == 1 + n_states
    assert [tuple(o.shape) for o in out] == [(B, T, U)] + [(B, U)] * n_states

    sym = cls(U, return_sequences=True, return_state=True)(
        kerastorch.Input(shape=(10, 8))
    )
    assert [s.shape for s in sym] == [(None, 10, U)] + [(None, U)] * n_states
    assert cls(U)(kerastorch.Input(shape=(None, 8))).shape == (None, U)
    layer = cls(U, return_state=True)
    assert layer.compute_output_shape((7, 10, 8)) == ((7, U),) + ((7, U),) * n_states


def test_go_backwards_reverses_the_input():
    x = torch.randn(B, T, F)
    forward = LSTM(U, return_sequences=True)
    backward = LSTM(U, return_sequences=True, go_backwards=True)
    forward(x)
    backward(x)
    backward.set_weights(forward.get_weights())
    torch.testing.assert_close(backward(x), forward(x.flip(1)))


def test_initial_state_argument_and_symbolic_initial_state():
    x = torch.randn(B, T, F)
    h0, c0 = torch.randn(B, U), torch.randn(B, U)
    layer = LSTM(U, return_state=True)
    out, h, c = layer(x, initial_state=[h0, c0])
    assert not torch.allclose(out, layer(x)[0])
    # A state carried between two halves is the state of the whole sequence.
    out1, h1, c1 = layer(x[:, :2], initial_state=[h0, c0])
    out2, h2, c2 = layer(x[:, 2:], initial_state=[h1, c1])
    torch.testing.assert_close(out2, out)
    torch.testing.assert_close(c2, c)

    seq = kerastorch.Input(shape=(T, F))
    h_in, c_in = kerastorch.Input(shape=(U,)), kerastorch.Input(shape=(U,))
    sym = LSTM(U)(seq, initial_state=[h_in, c_in])
    assert sym.shape == (None, U)
    gru_out = GRU(U)(x, initial_state=torch.zeros(B, U))
    assert gru_out.shape == (B, U)


# --- masks ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [LSTM, GRU, SimpleRNN])
@pytest.mark.parametrize("padding", ["post", "pre"])
def test_padding_length_does_not_change_result(cls, padding):
    """The same sequences padded to different lengths give the same output and states."""
    emb = Embedding(20, F, mask_zero=True)
    layer = cls(U, return_state=True)
    lengths = [5, 2, 3]
    tokens = [np.random.randint(1, 20, size=n) for n in lengths]

    def padded(total):
        rows = []
        for t in tokens:
            pad = np.zeros(total - len(t), dtype=np.int64)
            rows.append(np.concatenate([t, pad] if padding == "post" else [pad, t]))
        return torch.tensor(np.stack(rows))

    results = [layer(emb(padded(n))) for n in (5, 8, 12)]
    for other in results[1:]:
        for a, b in zip(results[0], other):
            torch.testing.assert_close(a, b)
    # Each row alone, without padding, gives the same too.
    for i, t in enumerate(tokens):
        alone = layer(emb(torch.tensor(t)[None]))
        for a, b in zip(results[0], alone):
            torch.testing.assert_close(a[i : i + 1], b)


def test_return_sequences_carries_the_mask_on():
    ids = torch.tensor([[3, 4, 0, 0], [5, 0, 0, 0]])
    x = Embedding(10, F, mask_zero=True)(ids)
    seq = LSTM(U, return_sequences=True)(x)
    assert torch.equal(seq._keras_mask, ids != 0)
    assert getattr(LSTM(U)(x), "_keras_mask", None) is None
    seq, h, c = LSTM(U, return_sequences=True, return_state=True)(x)
    assert torch.equal(seq._keras_mask, ids != 0)
    assert getattr(h, "_keras_mask", None) is None
    layer = LSTM(U, return_sequences=True, return_state=True)
    assert layer.compute_mask(x, ids != 0)[1:] == [None, None]


def test_masking_layer_drives_the_loop_for_inner_masked_steps():
    x = torch.randn(2, 5, F)
    x[0, 2] = 0.0  # a masked step in the middle
    x[1, 3:] = 0.0
    masked = Masking()(x)
    layer = SimpleRNN(U, return_state=True)
    out, h = layer(masked)
    without_step = layer(torch.cat([x[:1, :2], x[:1, 3:]], dim=1))
    torch.testing.assert_close(out[:1], without_step[0])
    torch.testing.assert_close(out[1:], layer(x[1:, :3])[0])


def test_sequential_passes_embedding_mask_to_lstm():
    model = kerastorch.Sequential([Embedding(10, F, mask_zero=True), LSTM(U)])
    short = torch.tensor([[1, 2, 3]])
    long = torch.tensor([[1, 2, 3, 0, 0, 0, 0]])
    torch.testing.assert_close(model(short), model(long))


def test_functional_model_propagates_mask():
    inputs = kerastorch.Input(shape=(None,), dtype="int64")
    x = Embedding(10, F, mask_zero=True)(inputs)
    outputs = LSTM(U)(x)
    model = kerastorch.Model(inputs, outputs)
    short = np.array([[1, 2, 3], [4, 5, 0]])
    long = np.array([[1, 2, 3, 0, 0, 0], [4, 5, 0, 0, 0, 0]])
    torch.testing.assert_close(model(short), model(long))
    torch.testing.assert_close(model(short)[1:], model(np.array([[4, 5]])))


# --- Bidirectional --------------------------------------------------------------------------------


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_merge_modes(merge_mode):
    x = torch.randn(B, T, F)
    layer = Bidirectional(LSTM(U, return_sequences=True), merge_mode=merge_mode)
    out = layer(x)
    fwd = layer.forward_layer(x)
    bwd = layer.backward_layer(x).flip(1)  # back into time order
    expected = {
        "concat": lambda: torch.cat([fwd, bwd], dim=-1),
        "sum": lambda: fwd + bwd,
        "mul": lambda: fwd * bwd,
        "ave": lambda: (fwd + bwd) / 2,
        None: lambda: (fwd, bwd),
    }[merge_mode]()
    torch.testing.assert_close(out, expected)
    # The backward layer reads the sequence from the end.
    torch.testing.assert_close(
        layer.backward_layer(x),
        _copy_of(layer.backward_layer, go_backwards=False)(x.flip(1)),
    )
    width = 2 * U if merge_mode == "concat" else U
    sym = layer(kerastorch.Input(shape=(T, F)))
    if merge_mode is None:
        assert [s.shape for s in sym] == [(None, T, U), (None, T, U)]
    else:
        assert sym.shape == (None, T, width)


def _copy_of(rnn, **overrides):
    config = rnn.get_config()
    config.update(overrides, name=None)
    clone = type(rnn).from_config(config)
    clone.build((B, T, F))
    clone.set_weights(rnn.get_weights())
    return clone


def test_bidirectional_return_state_and_names():
    layer = Bidirectional(GRU(U, return_state=True, name="enc"))
    out, h_fwd, h_bwd = layer(torch.randn(B, T, F))
    assert out.shape == (B, 2 * U) and h_fwd.shape == h_bwd.shape == (B, U)
    torch.testing.assert_close(out, torch.cat([h_fwd, h_bwd], dim=-1))
    assert layer.forward_layer.name == "forward_enc"
    assert layer.backward_layer.name == "backward_enc"
    assert layer.backward_layer.go_backwards and not layer.forward_layer.go_backwards
    assert len(layer.trainable_weights) == 6
    sym = Bidirectional(LSTM(U, return_state=True))(kerastorch.Input(shape=(T, F)))
    assert [s.shape for s in sym] == [(None, 2 * U)] + [(None, U)] * 4
    # initial_state: first half forward, second half backward.
    h0 = [torch.randn(B, U), torch.randn(B, U)]
    out2, f2, b2 = layer(torch.randn(B, T, F), initial_state=h0)
    assert out2.shape == (B, 2 * U)


def test_bidirectional_with_mask_ignores_padding():
    emb = Embedding(20, F, mask_zero=True)
    layer = Bidirectional(LSTM(U, return_sequences=True), merge_mode="concat")
    final = Bidirectional(GRU(U))
    ids = torch.tensor([[3, 4, 5, 0, 0], [6, 7, 0, 0, 0]])
    x = emb(ids)
    seq = layer(x)
    assert torch.equal(seq._keras_mask, ids != 0)
    # Masked steps output zeros (zero_output_for_mask is forced with return_sequences).
    assert torch.count_nonzero(seq[0, 3:]) == 0 and torch.count_nonzero(seq[1, 2:]) == 0
    alone = layer(emb(ids[1:, :2]))
    torch.testing.assert_close(seq[1:, :2], alone)
    torch.testing.assert_close(final(x)[1:], final(emb(ids[1:, :2])))
    torch.testing.assert_close(final(x)[:1], final(emb(ids[:1, :3])))


def test_bidirectional_custom_backward_layer_and_errors():
    fwd = LSTM(U, return_sequences=True)
    bwd = LSTM(U, activation="relu", return_sequences=True, go_backwards=True)
    layer = Bidirectional(fwd, backward_layer=bwd)
    assert layer(torch.randn(B, T, F)).shape == (B, T, 2 * U)
    assert layer.backward_layer is bwd
    with pytest.raises(ValueError, match="go_backwards"):
        Bidirectional(fwd, backward_layer=LSTM(U, return_sequences=True))
    with pytest.raises(ValueError, match="return_sequences"):
        Bidirectional(fwd, backward_layer=LSTM(U, go_backwards=True))
    with pytest.raises(ValueError, match="Invalid merge mode"):
        Bidirectional(fwd, merge_mode="max")
    with pytest.raises(ValueError, match="Layer` instance"):
        Bidirectional(torch.nn.LSTM(3, 4))


def test_bidirectional_initial_weights():
    source = Bidirectional(SimpleRNN(U))
    source.build((B, T, F))
    weights = [w * 0 + i for i, w in enumerate(source.get_weights())]
    layer = Bidirectional(SimpleRNN(U), weights=weights)
    layer(torch.randn(B, T, F))
    for got, want in zip(layer.get_weights(), weights):
        np.testing.assert_array_equal(got, want)


# --- TimeDistributed --------------------------------------------------------------------------------


def test_time_distributed_matches_per_step_application():
    x = torch.randn(B, T, F)
    dense = Dense(7)
    layer = TimeDistributed(dense)
    out = layer(x)
    expected = torch.stack([dense(x[:, t]) for t in range(T)], dim=1)
    torch.testing.assert_close(out, expected)
    assert len(layer.weights) == 2
    assert layer(kerastorch.Input(shape=(None, F))).shape == (None, None, 7)
    assert layer.compute_output_shape((2, 3, F)) == (2, 3, 7)

    conv = TimeDistributed(kerastorch.layers.Conv2D(2, 3))
    frames = torch.randn(2, 3, 8, 8, 1)
    video = conv(frames)
    assert video.shape == (2, 3, 6, 6, 2)
    torch.testing.assert_close(video[:, 1], conv.layer(frames[:, 1]))
    assert conv(kerastorch.Input(shape=(3, 8, 8, 1))).shape == (None, 3, 6, 6, 2)


def test_time_distributed_mask_and_errors():
    ids = torch.tensor([[1, 2, 0], [3, 0, 0]])
    x = Embedding(5, F, mask_zero=True)(ids)
    out = TimeDistributed(Dense(2))(x)
    assert torch.equal(out._keras_mask, ids != 0)
    with pytest.raises(ValueError, match="Layer` instance"):
        TimeDistributed(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="time_distributed"):
        TimeDistributed(Dense(2))(torch.randn(2, 3))


# --- RNN with cells -------------------------------------------------------------------------------


class MinimalRNNCell(kerastorch.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units), initializer="uniform", name="kernel"
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units),
            initializer="uniform",
            name="recurrent_kernel",
        )

    def call(self, inputs, states):
        output = inputs @ self.kernel + states[0] @ self.recurrent_kernel
        return output, [output]


def test_rnn_with_user_cell():
    layer = RNN(MinimalRNNCell(U), return_sequences=True)
    x = torch.randn(B, T, F)
    out = layer(x)
    k, rk = layer.cell.kernel, layer.cell.recurrent_kernel
    h, expected = torch.zeros(B, U), []
    for t in range(T):
        h = x[:, t] @ k + h @ rk
        expected.append(h)
    torch.testing.assert_close(out, torch.stack(expected, dim=1))
    assert [w.path for w in layer.weights] == [
        "rnn/minimal_rnn_cell/kernel",
        "rnn/minimal_rnn_cell/recurrent_kernel",
    ]
    assert layer(kerastorch.Input(shape=(None, F))).shape == (None, None, U)
    clone = RNN.from_config(
        json_config(layer), custom_objects={"MinimalRNNCell": MinimalRNNCell}
    )
    clone(x)
    clone.set_weights(layer.get_weights())
    torch.testing.assert_close(clone(x), out)


@pytest.mark.parametrize(
    "cell_cls,layer_cls", [(SimpleRNNCell, SimpleRNN), (LSTMCell, LSTM), (GRUCell, GRU)]
)
def test_rnn_of_builtin_cell_equals_the_layer(cell_cls, layer_cls):
    x = torch.randn(B, T, F)
    mask = ARBITRARY_MASK
    generic = RNN(cell_cls(U), return_sequences=True, return_state=True)
    layer = layer_cls(U, return_sequences=True, return_state=True)
    generic(x)
    layer(x)
    layer.set_weights(generic.get_weights())
    for a, b in zip(generic(x, mask=mask), layer(x, mask=mask)):
        torch.testing.assert_close(a, b)
    for a, b in zip(generic(x), layer(x)):
        torch.testing.assert_close(a, b)


def test_stacked_cells_equal_stacked_layers():
    x = torch.randn(B, T, F)
    stacked = RNN(StackedRNNCells([LSTMCell(8), GRUCell(U)]), return_state=True)
    out, (h1, c1), h2 = stacked(x)
    first = LSTM(8, return_sequences=True, return_state=True)
    second = GRU(U, return_state=True)
    seq, *_ = first(x)
    second(seq)
    first.set_weights(stacked.get_weights()[:3])
    second.set_weights(stacked.get_weights()[3:])
    seq, h1_ref, c1_ref = first(x)
    out_ref, h2_ref = second(seq)
    torch.testing.assert_close(out, out_ref)
    torch.testing.assert_close(h1, h1_ref)
    torch.testing.assert_close(c1, c1_ref)
    torch.testing.assert_close(h2, h2_ref)
    # A list of cells is stacked too; shapes are inferred symbolically.
    sym = RNN([LSTMCell(8), GRUCell(U)], return_state=True)(
        kerastorch.Input(shape=(T, F))
    )
    assert sym[0].shape == (None, U)
    assert [s.shape for s in sym[1]] == [(None, 8), (None, 8)]
    assert sym[2].shape == (None, U)
    clone = RNN.from_config(json_config(stacked))
    clone(x)
    clone.set_weights(stacked.get_weights())
    torch.testing.assert_close(clone(x)[0], out)


# --- stateful ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [LSTM, GRU, SimpleRNN])
def test_stateful_carries_states_between_calls(cls):
    x = torch.randn(2, 8, F)
    stateful = cls(U, stateful=True)
    plain = cls(U)
    first = stateful(x[:, :3])
    plain(x)
    plain.set_weights(stateful.get_weights())
    second = stateful(x[:, 3:])
    torch.testing.assert_close(second, plain(x))
    assert not torch.allclose(first, plain(x[:, 3:]))
    assert len(stateful.weights) == 3  # states are not weights
    stateful.reset_states()
    assert all(torch.count_nonzero(s) == 0 for s in stateful.states)
    torch.testing.assert_close(stateful(x), plain(x))
    with pytest.raises(ValueError, match="batch size 2"):
        stateful(torch.randn(3, 8, F))


def test_stateful_training_step_and_symbolic_batch():
    model = kerastorch.Sequential(
        [kerastorch.Input(shape=(4, F), batch_size=2), LSTM(U, stateful=True), Dense(1)]
    )
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.random.rand(4, 4, F), np.random.rand(4, 1)
    model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0)
    assert torch.count_nonzero(model.layers[0].states[0]) > 0
    with pytest.raises(ValueError, match="batch size must be static"):
        LSTM(U, stateful=True)(kerastorch.Input(shape=(4, F)))


# --- weights, config, training -------------------------------------------------------------------------


def test_weight_names_shapes_and_initial_values():
    lstm = LSTM(U)
    lstm.build((B, T, F))
    assert [(w.name, tuple(w.shape)) for w in lstm.weights] == [
        ("kernel", (F, 4 * U)),
        ("recurrent_kernel", (U, 4 * U)),
        ("bias", (4 * U,)),
    ]
    bias = lstm.cell.bias.detach()
    # unit_forget_bias: the f block of [i, f, c, o] starts at one.
    torch.testing.assert_close(bias[U : 2 * U], torch.ones(U))
    assert torch.count_nonzero(bias[:U]) == torch.count_nonzero(bias[2 * U :]) == 0
    rk = lstm.cell.recurrent_kernel.detach()
    torch.testing.assert_close(rk @ rk.T, torch.eye(U), atol=1e-5, rtol=0)  # orthogonal

    gru = GRU(U)
    gru.build((B, T, F))
    assert [tuple(w.shape) for w in gru.weights] == [(F, 3 * U), (U, 3 * U), (2, 3 * U)]
    gru = GRU(U, reset_after=False, use_bias=False)
    gru.build((B, T, F))
    assert [w.name for w in gru.weights] == ["kernel", "recurrent_kernel"]
    gru = GRU(U, reset_after=False)
    gru.build((B, T, F))
    assert tuple(gru.weights[2].shape) == (3 * U,)
    rnn = SimpleRNN(U, unroll=True)
    rnn.build((B, T, F))
    assert [tuple(w.shape) for w in rnn.weights] == [(F, U), (U, U), (U,)]
    assert (
        LSTM(U, unit_forget_bias=False, bias_initializer="ones").build((B, T, F))
        is None
    )


@pytest.mark.parametrize("cls", [LSTM, GRU, SimpleRNN])
def test_config_round_trip(cls):
    layer = cls(
        U,
        activation="relu",
        use_bias=False,
        kernel_regularizer="l2",
        dropout=0.25,
        recurrent_dropout=0.1,
        seed=3,
        return_sequences=True,
        go_backwards=True,
        name="rec",
    )
    config = json_config(layer)
    assert config["units"] == U and config["activation"] == "relu"
    assert config["recurrent_initializer"]["class_name"] == "Orthogonal"
    assert "cell" not in config
    clone = cls.from_config(config)
    assert clone.get_config() == layer.get_config()
    assert clone.units == U and clone.dropout == 0.25 and clone.go_backwards
    x = torch.randn(B, T, F)
    layer(x)
    clone(x)
    clone.set_weights(layer.get_weights())
    torch.testing.assert_close(clone(x), layer(x))
    restored = kerastorch.layers.deserialize(kerastorch.layers.serialize(layer))
    assert type(restored) is cls and restored.name == "rec"


def test_wrapper_config_round_trips():
    x = torch.randn(B, T, F)
    for layer in (
        Bidirectional(LSTM(U, return_sequences=True), merge_mode="sum"),
        TimeDistributed(Dense(3, activation="relu")),
        RNN(GRUCell(U), return_sequences=True, go_backwards=True),
    ):
        out = layer(x)
        clone = type(layer).from_config(json_config(layer))
        clone(x)
        clone.set_weights(layer.get_weights())
        torch.testing.assert_close(clone(x), out)


@pytest.mark.parametrize(
    "layer",
    [
        lambda: LSTM(U),
        lambda: LSTM(U, use_cudnn=False, return_sequences=True),
        lambda: GRU(U, reset_after=False),
        lambda: GRU(U, recurrent_dropout=0.2, dropout=0.2),
        lambda: SimpleRNN(U, go_backwards=True),
        lambda: Bidirectional(LSTM(U)),
        lambda: RNN([LSTMCell(U), SimpleRNNCell(U)]),
    ],
)
def test_training_step_reaches_every_weight(layer):
    layer = layer()
    x = torch.randn(B, T, F)
    mask = torch.ones(B, T, dtype=torch.bool)
    mask[:, -1] = False  # right-padded: the fused paths pack it
    out = layer(x, mask=mask, training=True)
    out.square().mean().backward()
    assert layer.trainable_weights
    for w in layer.trainable_weights:
        assert w.grad is not None and torch.count_nonzero(w.grad) > 0, w.path


@pytest.mark.parametrize("cls", [LSTM, GRU, SimpleRNN])
def test_run_layer_test(cls):
    run_layer_test(
        cls,
        {"units": 3, "return_sequences": True},
        input_shape=(2, 4, 5),
        expected_output_shape=(2, 4, 3),
        expected_num_trainable_weights=3,
        expected_num_non_trainable_weights=0,
        supports_masking=True,
    )


def test_dropout_fused_equals_loop_with_the_same_seed_and_is_off_in_inference():
    x = torch.randn(B, T, F)
    fused = LSTM(U, dropout=0.5, seed=7, return_sequences=True)
    loop = LSTM(U, dropout=0.5, seed=7, return_sequences=True, use_cudnn=False)
    fused(x)
    loop(x)
    loop.set_weights(fused.get_weights())
    torch.testing.assert_close(fused(x, training=True), loop(x, training=True))
    assert not torch.allclose(fused(x, training=True), fused(x))
    torch.testing.assert_close(fused(x, training=False), loop(x))
    # Recurrent dropout only acts in training; in inference the layer is deterministic.
    rec = GRU(U, recurrent_dropout=0.5, seed=1)
    rec(x)
    plain = GRU(U)
    plain(x)
    plain.set_weights(rec.get_weights())
    torch.testing.assert_close(rec(x), plain(x))
    assert not torch.allclose(rec(x, training=True), plain(x))


def test_fit_embedding_lstm_dense_learns():
    rng = np.random.default_rng(0)
    n, length = 128, 8
    x = np.zeros((n, length), dtype=np.int64)
    lengths = rng.integers(1, length + 1, size=n)
    for i, m in enumerate(lengths):
        x[i, :m] = rng.integers(1, 10, size=m)
    y = (x == 1).any(axis=1).astype("float32")[:, None]  # does token 1 occur?
    model = kerastorch.Sequential(
        [Embedding(10, 8, mask_zero=True), LSTM(16), Dense(1, activation="sigmoid")]
    )
    model.compile(
        optimizer=kerastorch.optimizers.Adam(0.02), loss="binary_crossentropy"
    )
    history = model.fit(x, y, batch_size=32, epochs=8, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.6 * losses[0]


# --- bad arguments -----------------------------------------------------------------------------------


def test_bad_arguments():
    with pytest.raises(ValueError, match="Received: units=0"):
        LSTM(0)
    with pytest.raises(ValueError, match="Received: units='4'"):
        GRUCell("4")
    with pytest.raises(ValueError, match="Received: dropout=1.5"):
        SimpleRNN(4, dropout=1.5)
    with pytest.raises(ValueError, match="Received: recurrent_dropout=-0.1"):
        LSTMCell(4, recurrent_dropout=-0.1)
    with pytest.raises(ValueError, match="use_cudnn='gpu'"):
        GRU(4, use_cudnn="gpu")
    with pytest.raises(ValueError, match="seed"):
        LSTM(4, seed="x")
    with pytest.raises(TypeError, match="return_sequences"):
        LSTM(4, return_sequences="yes")
    message = (
        "Could not interpret activation function identifier: 'tanhh'. Did you mean"
    )
    with pytest.raises(ValueError, match=message):
        LSTM(4, activation="tanhh")
    with pytest.raises(ValueError, match="state_size"):
        RNN(Dense(3))
    with pytest.raises(ValueError, match="`call` method"):
        RNN(object())
    with pytest.raises(ValueError, match="non-empty list"):
        StackedRNNCells([])
    with pytest.raises(ValueError, match="lstm"):
        LSTM(4)(torch.randn(2, 3))  # rank 2: no time axis
    with pytest.raises(ValueError, match="expects 2 initial state"):
        LSTM(4)(torch.randn(2, 3, 5), initial_state=[torch.zeros(2, 4)])
    with pytest.raises(ValueError, match="0 timesteps"):
        GRU(4)(torch.randn(2, 0, 5))


# --- ConvLSTM ----------------------------------------------------------------------------------------


def reference_conv_lstm2d(layer, x, stride, padding):
    """Keras's ConvLSTM equations with torch's conv2d, channels-first, float64."""
    k = layer.cell.kernel.detach().permute(3, 2, 0, 1)  # (4f, in, kh, kw)
    rk = layer.cell.recurrent_kernel.detach().permute(3, 2, 0, 1)
    b = layer.cell.bias.detach()
    h = c = None
    outputs = []
    for t in range(x.shape[1]):
        z = torch.nn.functional.conv2d(
            x[:, t].permute(0, 3, 1, 2), k, b, stride=stride, padding=padding
        )
        if h is None:
            h = c = torch.zeros_like(z[:, : layer.filters])
        z = z + torch.nn.functional.conv2d(h, rk, padding=1)  # recurrent: "same"
        i, f, g, o = z.chunk(4, dim=1)  # [i, f, c, o]
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        outputs.append(h.permute(0, 2, 3, 1))
    return torch.stack(outputs, dim=1), c.permute(0, 2, 3, 1)


@pytest.mark.parametrize(
    "strides,padding,torch_padding", [(1, "same", 1), (2, "valid", 0)]
)
def test_conv_lstm2d_matches_reference(strides, padding, torch_padding):
    layer = kerastorch.layers.ConvLSTM2D(
        3,
        3,
        strides=strides,
        padding=padding,
        return_sequences=True,
        return_state=True,
        dtype="float64",
    )
    x = x64(2, 4, 7, 7, 2)
    layer.build(tuple(x.shape))
    randomize(layer, 0.4)
    seq, h, c = layer(x)
    ref_seq, ref_c = reference_conv_lstm2d(layer, x, strides, torch_padding)
    torch.testing.assert_close(seq, ref_seq)
    torch.testing.assert_close(h, ref_seq[:, -1])
    torch.testing.assert_close(c, ref_c)
    assert [tuple(w.shape) for w in layer.weights] == [
        (3, 3, 2, 12),
        (3, 3, 3, 12),
        (12,),
    ]
    sym = layer(kerastorch.Input(shape=(None, 7, 7, 2)))
    assert [s.shape for s in sym] == [(None, None, *seq.shape[2:])] + [
        (None, *h.shape[1:])
    ] * 2


def test_conv_lstm_channels_first_masks_config_and_training():
    x = torch.randn(2, 5, 9, 3)
    last = kerastorch.layers.ConvLSTM1D(4, 2, padding="same")
    first = kerastorch.layers.ConvLSTM1D(
        4, 2, padding="same", data_format="channels_first"
    )
    last(x)
    first(x.transpose(2, 3))
    first.set_weights(last.get_weights())
    torch.testing.assert_close(first(x.transpose(2, 3)), last(x).transpose(1, 2))
    # A masked tail changes nothing.
    padded = torch.cat([x, torch.zeros(2, 3, 9, 3)], dim=1)
    mask = torch.arange(8)[None].expand(2, -1) < 5
    torch.testing.assert_close(last(padded, mask=mask), last(x))
    clone = kerastorch.layers.ConvLSTM1D.from_config(json_config(last))
    clone(x)
    clone.set_weights(last.get_weights())
    torch.testing.assert_close(clone(x), last(x))
    assert clone.filters == 4 and clone.kernel_size == (2,) and clone.padding == "same"
    volume = kerastorch.layers.ConvLSTM3D(
        2, 2, dropout=0.3, recurrent_dropout=0.3, seed=1
    )
    out = volume(torch.randn(2, 3, 4, 4, 4, 1), training=True)
    assert out.shape == (2, 3, 3, 3, 2)
    out.square().mean().backward()
    assert all(w.grad is not None for w in volume.trainable_weights)
    with pytest.raises(ValueError, match="dilation_rate"):
        kerastorch.layers.ConvLSTM2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="padding"):
        kerastorch.layers.ConvLSTM2D(2, 3, padding="causal")


def test_traced_by_torch_compile_uses_the_loop(monkeypatch):
    calls = count_fused(monkeypatch)
    layer = LSTM(U, use_cudnn=True)
    x = torch.randn(B, T, F)
    expected = layer(x)
    monkeypatch.setattr(torch.compiler, "is_compiling", lambda: True)
    torch.testing.assert_close(layer(x), expected)
    assert calls == [True]  # only the eager call took the fused kernel


def test_mixed_precision_outputs_compute_dtype():
    x = torch.randn(B, T, F)
    reference = GRU(U, return_sequences=True)
    reference(x)
    kerastorch.dtype_policies.set_dtype_policy("mixed_bfloat16")
    for layer in (
        GRU(U, return_sequences=True, return_state=True),
        LSTM(U, use_cudnn=False),
    ):
        outputs = layer(x, mask=ARBITRARY_MASK)
        for out in outputs if isinstance(outputs, tuple) else (outputs,):
            assert out.dtype == torch.bfloat16
        assert layer.weights[0].dtype == torch.float32
    layer = GRU(U, return_sequences=True)
    layer(x)
    layer.set_weights(reference.get_weights())
    torch.testing.assert_close(layer(x).float(), reference(x), atol=0.05, rtol=0.05)
