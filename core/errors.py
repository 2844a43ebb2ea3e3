"""Errors a user can act on. The CLI prints them as one line and exits non-zero, without a traceback."""


class UserError(Exception):
    """Bad input or a bad request: the message names the file or value and the fix."""


class ValidationFailed(UserError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s):\n" + "\n".join(f"  - {p}" for p in problems))
