"""`kerastorch.saving`: `.keras` archives, safetensors weights, and the object registry."""

from kerastorch.saving.object_registration import CustomObjectScope
from kerastorch.saving.object_registration import custom_object_scope
from kerastorch.saving.object_registration import get_custom_objects
from kerastorch.saving.object_registration import get_registered_name
from kerastorch.saving.object_registration import get_registered_object
from kerastorch.saving.object_registration import register_keras_serializable
from kerastorch.saving.saving_api import load_model
from kerastorch.saving.saving_api import load_weights
from kerastorch.saving.saving_api import save_model
from kerastorch.saving.saving_api import save_weights
from kerastorch.saving.serialization_lib import deserialize_keras_object
from kerastorch.saving.serialization_lib import serialize_keras_object
