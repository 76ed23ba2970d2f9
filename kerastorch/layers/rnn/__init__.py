"""Recurrent layers: SimpleRNN, LSTM, GRU, RNN cells, Bidirectional, TimeDistributed."""
