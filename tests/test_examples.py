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
