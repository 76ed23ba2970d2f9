"""`kerastorch.models`: Model, Sequential, Functional, cloning and loading."""

from kerastorch.models.cloning import clone_model
from kerastorch.models.functional import Functional
from kerastorch.models.model import Model
from kerastorch.models.model import model_from_json
from kerastorch.models.sequential import Sequential
from kerastorch.saving.saving_api import load_model
from kerastorch.saving.saving_api import save_model
