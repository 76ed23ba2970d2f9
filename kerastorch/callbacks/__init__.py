"""`kerastorch.callbacks`."""

from kerastorch.callbacks.backup_and_restore import BackupAndRestore
from kerastorch.callbacks.callback import Callback
from kerastorch.callbacks.callback_list import CallbackList
from kerastorch.callbacks.csv_logger import CSVLogger
from kerastorch.callbacks.early_stopping import EarlyStopping
from kerastorch.callbacks.history import History
from kerastorch.callbacks.lambda_callback import LambdaCallback
from kerastorch.callbacks.learning_rate_scheduler import LearningRateScheduler
from kerastorch.callbacks.model_checkpoint import ModelCheckpoint
from kerastorch.callbacks.progbar_logger import ProgbarLogger
from kerastorch.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from kerastorch.callbacks.remote_monitor import RemoteMonitor
from kerastorch.callbacks.swap_ema_weights import SwapEMAWeights
from kerastorch.callbacks.tensorboard import TensorBoard
from kerastorch.callbacks.terminate_on_nan import TerminateOnNaN
