"""`kerastorch.saving`: the object registry (archives and weights come with the saving issue)."""

from kerastorch.saving.object_registration import CustomObjectScope
from kerastorch.saving.object_registration import custom_object_scope
from kerastorch.saving.object_registration import get_custom_objects
from kerastorch.saving.object_registration import get_registered_name
from kerastorch.saving.object_registration import get_registered_object
from kerastorch.saving.object_registration import register_keras_serializable
