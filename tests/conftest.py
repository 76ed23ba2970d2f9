"""Seeds every test and resets global state (names, floatx, data format) after it."""

import random

import numpy as np
import pytest
import torch


@pytest.fixture(autouse=True)
def _seed_and_reset():
    import kerastorch
    from kerastorch import dtype_policies
    from kerastorch.backend import config

    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    kerastorch.backend.clear_session()
    yield
    config.set_floatx("float32")
    config.set_image_data_format("channels_last")
    config.set_epsilon(1e-7)
    dtype_policies.set_dtype_policy(None)
