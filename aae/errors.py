"""Errors a user can fix. The command-line entry points print them as one line and exit 2."""


class UserError(Exception):
    """Bad input or missing resource: reported in one line, exit status 2, nothing is written."""


class DataMissing(UserError):
    """A dataset file that cannot be fetched here (SVHN, TFD) is absent."""

    def __init__(self, filename: str, where: str):
        self.filename = filename
        super().__init__(f"needs data: {filename} (put it in {where})")
