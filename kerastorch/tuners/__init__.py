"""`kerastorch.tuners`: KerasTuner's API on Optuna (extra `tune`: `pip install "kerastorch[tune]"`).

Optuna is imported when a tuner is made, not when this module is.
"""

from kerastorch.tuners.hypermodel import HyperModel
from kerastorch.tuners.hyperparameters import HyperParameters
from kerastorch.tuners.objective import Objective
from kerastorch.tuners.pruning import PruningCallback
from kerastorch.tuners.trial import Oracle
from kerastorch.tuners.trial import Trial
from kerastorch.tuners.tuner import Tuner
from kerastorch.tuners.tuners import BayesianOptimization
from kerastorch.tuners.tuners import GridSearch
from kerastorch.tuners.tuners import Hyperband
from kerastorch.tuners.tuners import RandomSearch
