"""pytest plugin: every ``*.scenarios.yaml`` pytest meets becomes a file of test items.

Registered through the ``pytest11`` entry point, so installing asprules is enough::

    pytest tests/ rules/           # runs the scenario files among your own tests

Each scenario is one item named after it; a failure shows expected against actual and
the trace of the decision, like ``asprules test``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .checks.scenarios import SUFFIX, LoadedScenarios, ScenarioResult, load_scenario_file, run_scenario
from .errors import AspRulesError


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name.endswith(SUFFIX):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self):
        try:
            loaded = load_scenario_file(self.path)
        except AspRulesError as exc:
            raise self.CollectError(str(exc)) from None
        for index, scenario in enumerate(loaded.spec.scenarios):
            yield ScenarioItem.from_parent(self, name=scenario.name, loaded=loaded, index=index)


class ScenarioFailed(Exception):
    def __init__(self, result: ScenarioResult):
        super().__init__(result.name)
        self.result = result


class ScenarioItem(pytest.Item):
    def __init__(self, *, loaded: LoadedScenarios, index: int, **kw: Any):
        super().__init__(**kw)
        self.loaded = loaded
        self.index = index

    def runtest(self) -> None:
        result = run_scenario(self.loaded, self.index)
        if not result.passed:
            raise ScenarioFailed(result)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ScenarioFailed):
            from .checks.scenario_runs import explain_failure

            return f"scenario {self.name!r} failed:\n{explain_failure(excinfo.value.result)}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        line = self.loaded.lines[self.index]
        return self.path, (line - 1 if line else None), f"scenario: {self.name}"
