"""Exception hierarchy of grid-flex.

Every error a user can cause derives from :class:`GridFlexError`; the CLI maps
:class:`InputError` (bad scenario, catalogue entry or data file) to exit code 2,
:class:`SolveError` (infeasible, unbounded, solver failure) to exit code 1, and
:class:`InternalError` (a bug grid-flex detects in itself), like any exception
grid-flex did not raise on purpose, to exit code 3.
"""

from __future__ import annotations


class GridFlexError(Exception):
    """Base class of every error grid-flex raises on purpose."""


class InputError(GridFlexError):
    """Bad user input: scenario, catalogue or data. CLI exit code 2."""


class ScenarioError(InputError):
    """A scenario file or override that does not validate.

    Parameters
    ----------
    source : str
        The file (or other origin) the scenario came from.
    problems : list of str
        One message per problem, each naming the field (dotted path) at fault.
    """

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source}: invalid scenario\n{lines}")


class CatalogError(InputError):
    """An equipment catalogue entry that is missing or invalid."""


class DataError(InputError):
    """A time-series file that cannot be read as declared.

    The message names the file and, where known, the column, row and time stamp.
    """


class ResultsFolderError(InputError):
    """A results folder that is missing, foreign, half-written or tampered with.

    The message names the file (or folder) and what is wrong with it.
    """

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class InternalError(GridFlexError):
    """A bug grid-flex detects in itself (an output column nobody declared). Exit 3."""


class SolveError(GridFlexError):
    """The optimisation did not produce an optimal schedule. CLI exit code 1."""


class InfeasibleError(SolveError):
    """The scenario's constraints cannot all hold at once."""


class UnboundedError(SolveError):
    """The scenario lets profit grow without limit (a missing bound)."""


class SolverFailure(SolveError):
    """HiGHS stopped without an optimal answer (time limit, numerical trouble)."""


class FinanceInputError(InputError, ValueError):
    """A finance argument out of its domain (rate at or below −100 %, life ≤ 0 ...).

    The message names the argument, its value and what was expected. It is also a
    :class:`ValueError`, so pure-Python callers can catch it as one.
    """


class InputWarning(UserWarning):
    """Input that is valid but looks wrong (a price series in the wrong unit).

    The CLI prints these as ``warning: ...`` lines on standard error.
    """
