"""Recurrent layers: SimpleRNN, LSTM, GRU, ConvLSTM, RNN cells, Bidirectional, TimeDistributed."""

from kerastorch.layers.rnn.bidirectional import Bidirectional
from kerastorch.layers.rnn.conv_lstm1d import ConvLSTM1D
from kerastorch.layers.rnn.conv_lstm2d import ConvLSTM2D
from kerastorch.layers.rnn.conv_lstm3d import ConvLSTM3D
from kerastorch.layers.rnn.gru import GRU
from kerastorch.layers.rnn.gru import GRUCell
from kerastorch.layers.rnn.lstm import LSTM
from kerastorch.layers.rnn.lstm import LSTMCell
from kerastorch.layers.rnn.rnn import RNN
from kerastorch.layers.rnn.simple_rnn import SimpleRNN
from kerastorch.layers.rnn.simple_rnn import SimpleRNNCell
from kerastorch.layers.rnn.stacked_rnn_cells import StackedRNNCells
from kerastorch.layers.rnn.time_distributed import TimeDistributed

__all__ = [
    "GRU",
    "LSTM",
    "RNN",
    "Bidirectional",
    "ConvLSTM1D",
    "ConvLSTM2D",
    "ConvLSTM3D",
    "GRUCell",
    "LSTMCell",
    "SimpleRNN",
    "SimpleRNNCell",
    "StackedRNNCells",
    "TimeDistributed",
]
