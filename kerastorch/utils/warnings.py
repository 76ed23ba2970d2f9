"""The project's own warning category (turned into errors in our tests)."""


class KerasTorchWarning(UserWarning):
    """Warnings raised by kerastorch itself."""
