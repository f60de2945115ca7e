"""The pinned stack is the same for pip (pyproject.toml) and conda (environment.yml) users."""

import tomllib

import yaml

from course import config


def _pyproject_pins() -> set[str]:
    data = tomllib.loads((config.repo_root() / "pyproject.toml").read_text())
    project = data["project"]
    pins = set(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        pins.update(extra)
    return pins


def _environment_pins() -> set[str]:
    env = yaml.safe_load((config.repo_root() / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return {p for p in pip_section if not p.startswith("-e")}


def test_every_dependency_is_pinned_exactly():
    for pin in _pyproject_pins():
        assert "==" in pin, f"{pin} is not pinned to one version"


def test_environment_yml_mirrors_pyproject():
    assert _environment_pins() == _pyproject_pins()


def test_the_issue_stack_is_what_is_pinned():
    pins = {p.split("==")[0].lower(): p.split("==")[1] for p in _pyproject_pins()}
    assert pins["jupyterlab"].startswith("4.6.")
    assert pins["nbgrader"] == "0.9.6"
    assert pins["notebook"].startswith("7.")
    assert pins["ipywidgets"].startswith("8.1.")
    assert pins["pandas"].startswith("3.1.")
    assert pins["duckdb"].startswith("2.0.")
    assert pins["jupysql"].startswith("0.11.")
    assert pins["pymarc"] == "5.4.0"
