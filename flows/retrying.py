"""When a task may retry: only after a failure that can go away (an unreachable server).

A wrong setting, a bad file or refused credentials fail at once instead of waiting through
every retry delay.
"""

from tasks.errors import is_transient


def only_transient(task, task_run, state) -> bool:
    """Prefect `retry_condition_fn`: retry when the failure may be transient."""
    failure = state.data
    if not isinstance(failure, BaseException):
        failure = state.result(raise_on_failure=False)
    return is_transient(failure if isinstance(failure, BaseException) else None)


# Task options for a step that reads or writes over I/O that can fail for a moment
# (a source, the database, the object store): two retries, only when it may help.
IO_RETRIES = {"retries": 2, "retry_delay_seconds": [2, 10], "retry_condition_fn": only_transient}
