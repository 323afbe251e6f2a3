"""Errors a user can fix. The command-line entry points print them as one line and exit 2."""


def line_of(error: BaseException | str, last: bool = True, default: str = "") -> str:
    """The last (or first) non-empty line of an error or a program's output: what a table cell or
    a one-line message shows of it."""
    lines = str(error).strip().splitlines()
    return (lines[-1] if last else lines[0]) if lines else default


class UserError(Exception):
    """Bad input or missing resource: reported in one line, exit status 2, nothing is written."""


class DiskFull(UserError):
    """No space (or quota) left where the harness writes: the command stops, nothing finished is lost."""

    def __init__(self, path, strerror: str = "No space left on device"):
        self.path = str(path)
        super().__init__(f"cannot write {path}: {strerror}. Finished runs and tables are kept as they were; "
                         "free some space and run the same command again")

    def __reduce__(self):  # worker processes send it back pickled
        return (type(self), (self.path,))


class DataMissing(UserError):
    """A dataset file is absent and was not (or could not be) fetched (SVHN, TFD)."""

    def __init__(self, filename: str, where: str, note: str = ""):
        self.filename, self.where, self.note = filename, where, note
        super().__init__(f"needs data: {filename} (put it in {where}{'; ' + note if note else ''})")

    def __reduce__(self):  # worker processes send it back pickled
        return (type(self), (self.filename, self.where, self.note))


class EvaluationFailed(Exception):
    """A finished run's evaluation failed: the training stays done, the cause is kept beside the
    run for the evaluation's own columns, and the job reports it failed (the next command retries)."""
