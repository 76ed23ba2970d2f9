"""The sequence examples run end to end (shortened) and learn."""

import runpy
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_text_classification_example_learns():
    main = runpy.run_path(str(EXAMPLES / "text_classification.py"))["main"]
    assert main(epochs=2) > 0.75


def test_timeseries_forecasting_example_beats_the_naive_forecast():
    main = runpy.run_path(str(EXAMPLES / "timeseries_forecasting.py"))["main"]
    model_mae, naive_mae = main(epochs=1)
    assert model_mae < naive_mae


def test_text_and_sequence_layers_save_and_load_inside_a_model(tmp_path):
    import numpy as np

    import kerastorch as keras
    from kerastorch import layers

    texts = np.array(["the cat sat", "a dog ran far", "the dog sat", "cats and dogs"])
    vectorize = layers.TextVectorization(max_tokens=20, output_sequence_length=5)
    vectorize.adapt(texts)
    normalize = layers.Normalization()
    normalize.adapt(np.random.rand(32, 3).astype("float32"))
    text_in = keras.Input(shape=(), dtype="string")
    numbers_in = keras.Input(shape=(3,))
    x = layers.Embedding(20, 4, mask_zero=True)(vectorize(text_in))
    x = layers.Bidirectional(layers.GRU(3))(x)
    q = layers.Reshape((1, 3))(normalize(numbers_in))
    attended = layers.MultiHeadAttention(2, 2)(q, q)
    out = layers.Concatenate()([x, layers.Flatten()(attended)])
    model = keras.Model([text_in, numbers_in], layers.Dense(1)(out))
    numbers = np.random.rand(4, 3).astype("float32")
    path = tmp_path / "sequences.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.get_layer(vectorize.name).get_vocabulary() == vectorize.get_vocabulary()
    np.testing.assert_array_equal(
        loaded.predict([texts, numbers], verbose=0), model.predict([texts, numbers], verbose=0)
    )
