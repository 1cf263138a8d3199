"""``structgen schema-json``: the JSON Schema of the schema language, for editors.

It is made from the pydantic models that check schema files, so the committed file
``structgen.schema.json`` must equal the command's output, every property must say
what it is for, every schema the project ships must pass it, and a misspelt key must
fail it (as it fails ``structgen check``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import ROOT, run_structgen

from structgen.cli import main, schema_json_text
from structgen.loader import load_document

COMMITTED = ROOT / "structgen.schema.json"


def _schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_json_text())
    return loaded


def _properties(node: Any, where: str = "#") -> Iterator[tuple[str, Any]]:
    """Every (location, subschema) found under a ``properties`` keyword."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _properties(item, f"{where}/{index}")
    elif isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            yield f"{where}/properties/{name}", sub
        for key, value in node.items():
            yield from _properties(value, f"{where}/{key}")


def _shipped_schemas() -> list[Path]:
    files = sorted((ROOT / "schemas").rglob("*.yaml"))
    files += sorted((ROOT / "tests" / "cases").glob("*/schemas/**/*.yaml"))
    files += sorted((ROOT / "examples").rglob("*.yaml"))
    return files


def _validator() -> jsonschema.protocols.Validator:
    schema = _schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)  # type: ignore[no-any-return]


def test_command_prints_the_committed_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema-json"]) == 0
    printed = capsys.readouterr().out
    assert printed == COMMITTED.read_text(encoding="utf-8"), (
        "structgen.schema.json is out of date: structgen schema-json > "
        "structgen.schema.json"
    )


def test_real_command_line() -> None:
    result = run_structgen("schema-json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["$schema"].endswith("2020-12/schema")


def test_schema_is_valid_json_schema() -> None:
    _validator()  # check_schema raises SchemaError when it is not


def test_every_property_has_a_description() -> None:
    found = list(_properties(_schema()))
    assert len(found) >= 12  # file, record, enum and field keys
    names = {where.rsplit("/", 1)[1] for where, _sub in found}
    assert {"imports", "enums", "records", "pack", "fields", "values", "type"} <= names
    missing = [where for where, sub in found if not sub.get("description", "").strip()]
    assert missing == []


def test_every_model_describes_itself() -> None:
    schema = _schema()
    assert schema["description"]
    for name, definition in schema["$defs"].items():
        assert definition.get("description"), name


def test_accepts_every_shipped_schema() -> None:
    validator = _validator()
    files = _shipped_schemas()
    assert len(files) >= 10
    for path in files:
        data = load_document(path, str(path)).data
        errors = [e.message for e in validator.iter_errors(data)]
        assert errors == [], path


@pytest.mark.parametrize(
    "text",
    [
        "recods:\n  P:\n    fields: {x: int32}\n",  # file key
        "records:\n  P:\n    feilds: {x: int32}\n",  # record key
        "records:\n  P:\n    pakc: 1\n    fields: {x: int32}\n",
        "records:\n  P:\n    fields:\n      x: {tpye: int32}\n",  # field key
        "records:\n  P:\n    fields:\n      x: {type: int32, defualt: 1}\n",
        "enums:\n  C:\n    valeus: [A, B]\n",  # enum key
        "enums:\n  C:\n    type: uint8\n    values: [A]\n    dco: x\n",
        "imports: units\n",  # wrong kind of value
        "records:\n  P:\n    pack: '1'\n    fields: {x: int32}\n",
        "records:\n  P:\n    fields: {}\n",  # no field
        "enums:\n  C:\n    values: []\n",  # no member
        "enums:\n  C:\n    values: {A: 1.5}\n",
    ],
)
def test_refuses_what_structgen_refuses(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    data = load_document(path, str(path)).data
    assert list(_validator().iter_errors(data)), text
    assert run_structgen("check", str(path)).returncode == 1  # structgen agrees


def test_misspelt_key_is_named() -> None:
    errors = list(_validator().iter_errors({"records": {"P": {"feilds": {}}}}))
    assert any("feilds" in error.message for error in errors)
