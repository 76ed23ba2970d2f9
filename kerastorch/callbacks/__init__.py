"""`kerastorch.callbacks`."""

from kerastorch.callbacks.callback import Callback
from kerastorch.callbacks.callback_list import CallbackList
from kerastorch.callbacks.history import History
from kerastorch.callbacks.progbar_logger import ProgbarLogger
