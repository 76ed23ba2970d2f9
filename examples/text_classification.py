"""Text classification: TextVectorization -> Embedding -> Bidirectional LSTM, the Keras way.

The corpus is generated here (short product reviews built from positive and
negative phrases), so nothing is downloaded. The model takes raw strings:
the vocabulary lives in the model and is saved with it.

    python examples/text_classification.py
"""

import os

import numpy as np

import kerastorch as keras
from kerastorch import layers

POSITIVE = ["great value", "works perfectly", "really love it", "excellent quality", "highly recommend"]
NEGATIVE = ["broke after a week", "waste of money", "very disappointed", "poor quality", "would not buy again"]
NEUTRAL = ["the box arrived", "i bought this", "for my kitchen", "it is blue", "as a gift", "last month"]


def make_corpus(n: int, rng: np.random.Generator):
    texts, labels = [], []
    for _ in range(n):
        label = int(rng.integers(0, 2))
        phrases = list(rng.choice(NEUTRAL, size=int(rng.integers(1, 4))))
        phrases.insert(int(rng.integers(0, len(phrases) + 1)), rng.choice(POSITIVE if label else NEGATIVE))
        texts.append(", ".join(phrases).capitalize() + "!")
        labels.append(label)
    return np.array(texts), np.array(labels, dtype="float32")


def main(epochs: int = 6) -> float:
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x_train, y_train = make_corpus(2000, rng)
    x_val, y_val = make_corpus(400, rng)

    vectorize = layers.TextVectorization(max_tokens=200, output_sequence_length=16)
    vectorize.adapt(x_train)
    inputs = keras.Input(shape=(), dtype="string")
    x = vectorize(inputs)
    x = layers.Embedding(200, 16, mask_zero=True)(x)
    x = layers.Bidirectional(layers.LSTM(16))(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    model.summary()
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=64, epochs=epochs, validation_data=(x_val, y_val), verbose=2)
    accuracy = history.history["val_accuracy"][-1]
    print(f"Validation accuracy: {accuracy:.4f}")
    print(model.predict(np.array(["Really love it, as a gift!", "Waste of money."]), verbose=0).round(3))
    return accuracy


if __name__ == "__main__":
    accuracy = main(int(os.environ.get("EPOCHS", 6)))
    if accuracy < 0.9:
        raise SystemExit(f"Validation accuracy {accuracy:.4f} is below 0.9")
