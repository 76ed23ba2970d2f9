"""`kerastorch.layers`: every public layer, plus `serialize`/`deserialize`."""

from kerastorch.layers.attention import *  # noqa: F403
from kerastorch.layers.convolutional import *  # noqa: F403
from kerastorch.layers.core import *  # noqa: F403
from kerastorch.layers.input_spec import InputSpec
from kerastorch.layers.layer import Layer
from kerastorch.layers.merging import *  # noqa: F403
from kerastorch.layers.normalization import *  # noqa: F403
from kerastorch.layers.pooling import *  # noqa: F403
from kerastorch.layers.preprocessing import *  # noqa: F403
from kerastorch.layers.preprocessing.image_preprocessing import *  # noqa: F403
from kerastorch.layers.regularization import *  # noqa: F403
from kerastorch.layers.reshaping import *  # noqa: F403
from kerastorch.layers.rnn import *  # noqa: F403
from kerastorch.layers.serialization import deserialize
from kerastorch.layers.serialization import serialize
from kerastorch.layers.spatial_reshaping import *  # noqa: F403
