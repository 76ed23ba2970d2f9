"""The Optuna study behind a tuner: opening it, counting trials, recovering interrupted ones."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import time

INTERRUPTED = "kerastorch_interrupted"  # user attr: the process running it died
SURPLUS = "kerastorch_surplus"  # user attr: asked for after max_trials was reached
ABORTED = "kerastorch_aborted"  # user attr: stopped by a setup error (e.g. unknown objective)
WORKER = "kerastorch_worker"  # user attr: "host:pid" of the process running it


def require_optuna():
    """Import Optuna, or raise an ImportError naming the `tune` extra."""
    try:
        import optuna
    except ImportError as e:
        raise ImportError(
            'kerastorch.tuners runs on Optuna, which is not installed. Install it with '
            '`pip install "kerastorch[tune]"` (or `pip install optuna`).'
        ) from e
    return optuna


@contextlib.contextmanager
def quiet_optuna():
    """Silence Optuna's INFO/WARNING log lines (the tuner prints its own)."""
    optuna = require_optuna()
    previous = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(previous)


def open_study(project_dir: str, study_name: str, storage, direction: str,
               objective_name: str, overwrite: bool):
    """Create or load the study; return `(study, storage)`.

    `storage=None` is an SQLite file `project_dir/study.db`; a string is any
    Optuna RDB URL; an Optuna storage object is used as it is.
    """
    optuna = require_optuna()
    if overwrite:
        shutil.rmtree(project_dir, ignore_errors=True)
    os.makedirs(project_dir, exist_ok=True)
    if storage is None:
        storage = "sqlite:///" + os.path.abspath(os.path.join(project_dir, "study.db"))
    if isinstance(storage, str):
        # SQLite serializes writers: let a process wait for another's write.
        engine_kwargs = {"connect_args": {"timeout": 300}} if storage.startswith("sqlite") else {}
        storage = _retry(lambda: optuna.storages.RDBStorage(storage, engine_kwargs=engine_kwargs))
    if overwrite:
        try:
            optuna.delete_study(study_name=study_name, storage=storage)
        except KeyError:
            pass
    with quiet_optuna():
        study = _retry(lambda: optuna.create_study(
            storage=storage, study_name=study_name, load_if_exists=True,
            direction="minimize" if direction == "min" else "maximize",
        ))
    recorded = study.user_attrs.get("objective")
    if recorded is None:
        study.set_user_attr("objective", {"name": objective_name, "direction": direction})
    elif recorded != {"name": objective_name, "direction": direction}:
        raise ValueError(
            f"The study '{study_name}' already optimizes {recorded['name']!r} "
            f"(direction {recorded['direction']!r}), not {objective_name!r} (direction "
            f"{direction!r}). Pass `overwrite=True` to start again, or another `project_name`."
        )
    return study, storage


def _retry(fn, tries: int = 5):
    """Run `fn`, retrying when processes race to create the same tables or study."""
    for attempt in range(tries):
        try:
            return fn()
        except Exception as e:  # sqlalchemy's OperationalError/IntegrityError
            if attempt == tries - 1 or type(e).__module__.split(".")[0] != "sqlalchemy":
                raise
            time.sleep(0.2 * (attempt + 1))


def counts(trial) -> bool:
    """Whether a trial counts toward `max_trials` (finished or running, not a leftover)."""
    from optuna.trial import TrialState

    attrs = trial.user_attrs
    return trial.state != TrialState.WAITING and not any(
        attrs.get(key) for key in (INTERRUPTED, SURPLUS, ABORTED)
    )


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_interrupted(study, storage) -> list[int]:
    """Fail trials left RUNNING by a dead process of this host, and queue their parameters again.

    Returns the numbers of the trials recovered. Trials of other hosts are
    left to Optuna's heartbeat (an `RDBStorage` with `heartbeat_interval`).
    """
    from optuna.exceptions import UpdateFinishedTrialError
    from optuna.trial import TrialState

    host = socket.gethostname()
    recovered = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        worker_host, _, pid = str(trial.user_attrs.get(WORKER, "")).rpartition(":")
        if worker_host != host or not pid.isdigit() or _pid_alive(int(pid)):
            continue
        trial_id = trial._trial_id  # FrozenTrial exposes no public id; storages need it.
        try:
            storage.set_trial_user_attr(trial_id, INTERRUPTED, True)
            storage.set_trial_state_values(trial_id, TrialState.FAIL)
        except UpdateFinishedTrialError:
            continue  # another process recovered it first
        study.enqueue_trial(trial.params, user_attrs={"kerastorch_retry_of": trial.number})
        recovered.append(trial.number)
    return recovered
