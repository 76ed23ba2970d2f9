"""`kerastorch.trainers`: the training loops and step functions."""
